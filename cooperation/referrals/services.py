"""Referrals (回付): filing and handling, each step timestamped."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.events import REFERRAL_FILED, REFERRAL_MOVED
from cooperation.fiscal import today
from cooperation.models import Referral, ReferralEvent, RequestItem
from cooperation.progress.services import progress_advance_to_done
from offices import events
from offices.models import Municipality, User
from offices.policies import REFERRAL_FILE, REFERRAL_HANDLE, require


@transaction.atomic
def referral_create(
    *,
    by: User | None,
    municipality: Municipality,
    received_on: datetime.date,
    topic: str,
    summary: str,
    agency: str = "",
) -> Referral:
    """File a referral (回付) with the local government's center, as 提出済み, with its first event.

    A local government's first referral moves the items marked
    ``first_referral_moves`` (2-3 国に関する相談の回付) to 実施 through
    :func:`progress_update`, recorded by the same user with the referral as
    evidence (unless already 実施 or 定着).
    """
    require(by, REFERRAL_FILE, municipality)
    now = timezone.now()
    referral = Referral(
        municipality=municipality,
        office_id=municipality.office_id,
        received_on=received_on,
        topic=topic,
        agency=agency.strip(),
        summary=summary.strip(),
        created_at=now,
        created_by=by,
    )
    referral.full_clean()
    if received_on > today():
        raise ValidationError(_("The date received lies in the future."))
    first = not Referral.objects.filter(municipality=municipality).exists()
    referral.save()
    ReferralEvent.objects.create(referral=referral, from_status="", to_status=referral.status, by=by, at=now)
    if first:
        for item in RequestItem.objects.filter(first_referral_moves=True):
            progress_advance_to_done(municipality=municipality, item=item, by=by, on=received_on, referral=referral)
    events.publish(
        REFERRAL_FILED,
        actor=by,
        target=municipality.lg_code,
        data={"referral_id": referral.pk, "municipality_id": municipality.pk, "office_id": referral.office_id},
    )
    return referral


REFERRAL_TRANSITIONS = {
    Referral.Status.SUBMITTED: {Referral.Status.ACKNOWLEDGED, Referral.Status.CLOSED},
    Referral.Status.ACKNOWLEDGED: {Referral.Status.IN_PROGRESS, Referral.Status.CLOSED},
    Referral.Status.IN_PROGRESS: {Referral.Status.CLOSED},
    Referral.Status.CLOSED: set(),
}
REFERRAL_TIMESTAMPS = {
    Referral.Status.ACKNOWLEDGED: "acknowledged_at",
    Referral.Status.IN_PROGRESS: "started_at",
    Referral.Status.CLOSED: "closed_at",
}


@transaction.atomic
def referral_transition(
    *, referral: Referral, to_status: str, by: User | None, outcome: str = "", note: str = ""
) -> Referral:
    """Move a referral along submitted → acknowledged → in progress → closed, timestamping each step.

    Closing needs an outcome, and only closing takes one. Each step leaves a
    ``ReferralEvent`` with the same time as the referral's own timestamp.
    """
    if to_status not in Referral.Status.values:
        raise ValidationError(_("“{status}” is not a status.").format(status=to_status))
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    require(by, REFERRAL_HANDLE, current.municipality_id)
    if to_status not in REFERRAL_TRANSITIONS[current.status]:
        raise ValidationError(
            _("A referral that is “{current}” cannot become “{target}”.").format(
                current=current.get_status_display(), target=Referral.Status(to_status).label
            )
        )
    closing = to_status == Referral.Status.CLOSED
    if closing and outcome not in Referral.Outcome.values:
        raise ValidationError(_("Choose an outcome to close the referral."))
    if outcome and not closing:
        raise ValidationError(_("An outcome is given only when the referral is closed."))
    now = timezone.now()
    event_from = current.status
    setattr(current, REFERRAL_TIMESTAMPS[to_status], now)
    current.outcome = outcome
    ReferralEvent.objects.create(
        referral=current, from_status=current.status, to_status=to_status, by=by, note=note.strip(), at=now
    )
    current.status = to_status
    current.save(update_fields=["status", "outcome", REFERRAL_TIMESTAMPS[to_status]])
    for name in ("status", "outcome", "acknowledged_at", "started_at", "closed_at"):
        setattr(referral, name, getattr(current, name))
    events.publish(
        REFERRAL_MOVED,
        actor=by,
        target=str(current.pk),
        data={
            "referral_id": current.pk,
            "municipality_id": current.municipality_id,
            "office_id": current.office_id,
            "from_status": event_from,
            "to_status": to_status,
            "outcome": outcome,
        },
    )
    return referral
