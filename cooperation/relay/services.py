"""Recording a prefecture's relay (0-1): a dated entry, with or without a change of stage."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cooperation import fiscal
from cooperation.models import Progress, Stage
from cooperation.progress import services as progress_services
from cooperation.relay.events import RELAY_RECORDED
from cooperation.relay.models import RelayRecord
from offices import events, policies
from offices.models import Municipality

RELAY_ITEM_CODE = "0-1"


@transaction.atomic
def relay_record(
    *,
    by,
    municipality: Municipality,
    relayed_on: datetime.date,
    notice_number: str = "",
    note: str = "",
    mark_done: bool = False,
    request=None,
) -> RelayRecord:
    """Record that ``municipality`` (a prefectural government) relayed the request on ``relayed_on``.

    The entry stands on its own: a relay in a year whose 0-1 is already 実施
    or 定着 is recorded without touching the stage. With ``mark_done`` a 0-1
    still below 実施 moves to 実施 through ``progress_update`` (same rules,
    same history). Refused (``NotAllowed``) unless ``by`` may change this
    local government's progress; the date may not lie in the future.
    """
    policies.require(by, policies.PROGRESS_CHANGE, municipality)
    errors = []
    if not municipality.is_prefecture:
        errors.append(_("Only a prefectural government relays the request to its municipalities."))
    if relayed_on > fiscal.today():
        errors.append(_("The date {date} lies in the future.").format(date=fiscal.format_date(relayed_on)))
    if errors:
        raise ValidationError(errors)
    record = RelayRecord.objects.create(
        municipality=municipality,
        fiscal_year=fiscal.fiscal_year(relayed_on),
        relayed_on=relayed_on,
        notice_number=notice_number.strip(),
        note=note.strip(),
        recorded_by=by,
    )
    if mark_done:
        progress = Progress.objects.filter(municipality=municipality, item__code=RELAY_ITEM_CODE).first()
        if progress is not None and progress.stage not in Stage.adopted():
            text = _("Relayed on {date}").format(date=fiscal.format_date(relayed_on))
            if record.notice_number:
                text += f" ({record.notice_number})"
            progress_services.progress_update(
                progress=progress, stage=Stage.DONE, by=by, effective_date=relayed_on, note=text
            )
    events.publish(
        RELAY_RECORDED,
        actor=by,
        target=municipality.lg_code,
        data={"municipality_id": municipality.pk, "relay_record_id": record.pk, "fiscal_year": record.fiscal_year},
        request=request,
    )
    return record
