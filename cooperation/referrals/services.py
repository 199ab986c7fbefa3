"""Referrals (回付), both ways: filing, each side's steps with a note and a date, edits, withdrawal, reopening.

Every step leaves a ``ReferralEvent`` (what, who, when it was recorded, the
date it took place, a note). Free text is checked for personal information
(``cooperation.privacy.detectors``): what looks personal is refused unless
the user confirms it is not, and that confirmation is recorded with the step.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.events import REFERRAL_FILED, REFERRAL_MOVED
from cooperation.fiscal import format_date, today
from cooperation.models import Commissioner, ProgressChange, Referral, ReferralEvent, RequestItem
from cooperation.privacy.detectors import find_personal_information, findings_message
from cooperation.progress.corrections import latest_change, progress_correct
from cooperation.progress.services import progress_advance_to_done
from cooperation.referrals.events import REFERRAL_CHANGED, REFERRAL_PERSONAL_INFO_CONFIRMED
from offices import events
from offices.models import Municipality, User
from offices.policies import (
    REFERRAL_EDIT,
    REFERRAL_FILE,
    REFERRAL_HANDLE,
    REFERRAL_REOPEN,
    REFERRAL_WITHDRAW,
    require,
)

Action = ReferralEvent.Action


class PersonalInformationFound(ValidationError):
    """The text looks as if it holds personal information and the user did not confirm it is not.

    ``field`` is the form field it was found in, ``findings`` what was found.
    """

    def __init__(self, *, field: str, label: str, findings):
        self.field = field
        self.findings = findings
        super().__init__(findings_message(findings, field_label=label), code="personal_information")


def check_personal_information(*, texts: dict[str, tuple[str, str]], not_personal: bool) -> list[str]:
    """Refuse text that looks personal unless ``not_personal``; return the kinds confirmed as not personal.

    ``texts`` maps a field name to (label, text).
    """
    confirmed: list[str] = []
    for field, (label, text) in texts.items():
        findings = find_personal_information(text)
        if not findings:
            continue
        if not not_personal:
            raise PersonalInformationFound(field=field, label=label, findings=findings)
        confirmed.extend(finding.kind for finding in findings if finding.kind not in confirmed)
    return confirmed


def _step_date(on: datetime.date | None, *, not_before: datetime.date | None) -> datetime.date:
    """The date a step took place: today by default, at most ``REFERRAL_BACKDATE_DAYS`` back, never in the future."""
    current = today()
    if on is None:
        return current
    if on > current:
        raise ValidationError(_("The date {date} lies in the future.").format(date=format_date(on)))
    limit = current - datetime.timedelta(days=settings.REFERRAL_BACKDATE_DAYS)
    if on < limit:
        raise ValidationError(
            _("A step can be dated at most {days} days back (not before {date}).").format(
                days=settings.REFERRAL_BACKDATE_DAYS, date=format_date(limit)
            )
        )
    if not_before is not None and on < not_before:
        raise ValidationError(
            _("The date {date} lies before the previous step ({previous}).").format(
                date=format_date(on), previous=format_date(not_before)
            )
        )
    return on


def _last_step_date(referral: Referral) -> datetime.date:
    last = referral.events.exclude(on=None).order_by("-on").values_list("on", flat=True).first()
    return max(filter(None, [last, referral.received_on]))


def _publish_confirmation(by, referral: Referral, kinds: list[str], step: str) -> None:
    if kinds:
        events.publish(
            REFERRAL_PERSONAL_INFO_CONFIRMED,
            actor=by,
            target=str(referral.pk),
            data={"referral_id": referral.pk, "kinds": kinds, "step": step},
        )


@transaction.atomic
def referral_create(
    *,
    by: User | None,
    municipality: Municipality,
    received_on: datetime.date,
    topic: str,
    summary: str,
    agency: str = "",
    direction: str = Referral.Direction.TO_CENTER,
    commissioner: Commissioner | None = None,
    not_personal: bool = False,
) -> Referral:
    """File a referral (回付) as 提出済み, with its first event.

    ``to_center`` (the default) passes a consultation about a national matter
    from the local government to its center; ``to_commissioner`` passes one to
    ``commissioner``, who must be serving and work in the local government's
    own area (the center records the commissioner's steps); ``to_municipality``
    passes one about a local matter from the center to the local government.
    The summary is refused if it looks personal, unless ``not_personal``
    (recorded).

    A local government's first referral in a direction moves the items the
    catalogue marks for that direction (``first_referral_moves``,
    ``first_referral_to_commissioner_moves``,
    ``first_referral_from_center_moves``) to 実施 through
    :func:`progress_update`, with the referral as evidence.
    """
    if direction not in Referral.Direction.values:
        raise ValidationError(_("“{direction}” is not a direction.").format(direction=direction))
    now = timezone.now()
    referral = Referral(
        municipality=municipality,
        office_id=municipality.office_id,
        direction=direction,
        commissioner=commissioner,
        received_on=received_on,
        topic=topic,
        agency=agency.strip(),
        summary=summary.strip(),
        created_at=now,
        created_by=by,
    )
    require(by, REFERRAL_FILE, referral)
    referral.full_clean()
    if referral.to_commissioner and commissioner.status not in Commissioner.Status.serving():
        raise ValidationError(
            _("{name} is not serving as a commissioner; choose a serving commissioner.").format(name=commissioner.name)
        )
    if received_on > today():
        raise ValidationError(_("The date received lies in the future."))
    confirmed = check_personal_information(
        texts={"summary": (_("summary"), referral.summary), "agency": (_("national agency concerned"), agency)},
        not_personal=not_personal,
    )
    referral.personal_info_confirmed = confirmed
    first = (
        not Referral.objects.filter(municipality=municipality, direction=direction)
        .exclude(outcome=Referral.Outcome.WITHDRAWN)
        .exists()
    )
    referral.save()
    ReferralEvent.objects.create(
        referral=referral,
        from_status="",
        to_status=referral.status,
        action=Action.FILED,
        on=received_on,
        by=by,
        at=now,
        personal_info_confirmed=confirmed,
    )
    if first:
        for item in RequestItem.objects.all():
            if item.moved_by_first_referral(direction):
                progress_advance_to_done(municipality=municipality, item=item, by=by, on=received_on, referral=referral)
    _publish_confirmation(by, referral, confirmed, Action.FILED)
    events.publish(
        REFERRAL_FILED,
        actor=by,
        target=municipality.lg_code,
        data={
            "referral_id": referral.pk,
            "municipality_id": municipality.pk,
            "office_id": referral.office_id,
            "direction": direction,
            "commissioner_id": referral.commissioner_id,
        },
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
STEP_OF_STATUS = {
    Referral.Status.ACKNOWLEDGED: Action.ACKNOWLEDGED,
    Referral.Status.IN_PROGRESS: Action.STARTED,
    Referral.Status.CLOSED: Action.CLOSED,
}


def _locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("municipality").get(pk=referral.pk)


def _copy_back(source: Referral, target: Referral) -> None:
    for name in (
        "status",
        "outcome",
        "acknowledged_at",
        "started_at",
        "closed_at",
        "topic",
        "agency",
        "summary",
        "received_on",
        "version",
        "personal_info_confirmed",
        "redacted_at",
    ):
        setattr(target, name, getattr(source, name))


def _moved(by, referral: Referral, *, from_status: str, action: str, outcome: str = "") -> None:
    events.publish(
        REFERRAL_MOVED,
        actor=by,
        target=str(referral.pk),
        data={
            "referral_id": referral.pk,
            "municipality_id": referral.municipality_id,
            "office_id": referral.office_id,
            "direction": referral.direction,
            "from_status": from_status,
            "to_status": referral.status,
            "step": action,
            "outcome": outcome,
        },
    )


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    to_status: str,
    by: User | None,
    outcome: str = "",
    note: str = "",
    on: datetime.date | None = None,
    not_personal: bool = False,
) -> Referral:
    """The receiving side moves a referral along submitted → acknowledged → in progress → closed.

    Closing needs an outcome, and only closing takes one. Each step leaves a
    ``ReferralEvent`` with an optional note (checked for personal
    information) and the date it took place (``on``: today by default, back-dated
    at most ``REFERRAL_BACKDATE_DAYS``, never before the previous step).
    """
    if to_status not in Referral.Status.values:
        raise ValidationError(_("“{status}” is not a status.").format(status=to_status))
    current = _locked(referral)
    require(by, REFERRAL_HANDLE, current)
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
    day = _step_date(on, not_before=_last_step_date(current))
    confirmed = check_personal_information(texts={"note": (_("note"), note)}, not_personal=not_personal)
    now = timezone.now()
    event_from = current.status
    setattr(current, REFERRAL_TIMESTAMPS[to_status], now)
    current.outcome = outcome
    action = STEP_OF_STATUS[to_status]
    ReferralEvent.objects.create(
        referral=current,
        from_status=current.status,
        to_status=to_status,
        action=action,
        on=day,
        by=by,
        note=note.strip(),
        at=now,
        personal_info_confirmed=confirmed,
    )
    current.status = to_status
    current.save(update_fields=["status", "outcome", REFERRAL_TIMESTAMPS[to_status]])
    _copy_back(current, referral)
    _publish_confirmation(by, current, confirmed, action)
    _moved(by, current, from_status=event_from, action=action, outcome=outcome)
    return referral


EDITABLE_FIELDS = ("received_on", "topic", "agency", "summary")


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


@transaction.atomic
def referral_update(
    *,
    referral: Referral,
    by: User | None,
    expected_version: int | None = None,
    not_personal: bool = False,
    note: str = "",
    **changes,
) -> Referral:
    """The filing side corrects a referral not yet acknowledged (date received, topic, agency, summary).

    The previous values are kept in the ``edited`` event; an edit made since
    the form was opened (``expected_version``) is never overwritten.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: {names}.").format(names=", ".join(sorted(unknown))))
    current = _locked(referral)
    require(by, REFERRAL_EDIT, current)
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(_("Someone else changed this referral since you opened it; reload it and try again."))
    previous = {
        name: _plain(getattr(current, name))
        for name in EDITABLE_FIELDS
        if name in changes and getattr(current, name) != changes[name]
    }
    if not previous:
        _copy_back(current, referral)
        return referral
    for name in previous:
        value = changes[name]
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    current.full_clean()
    if current.received_on > today():
        raise ValidationError(_("The date received lies in the future."))
    confirmed = check_personal_information(
        texts={
            "summary": (_("summary"), current.summary),
            "agency": (_("national agency concerned"), current.agency),
            "note": (_("note"), note),
        },
        not_personal=not_personal,
    )
    current.personal_info_confirmed = sorted(set(current.personal_info_confirmed) | set(confirmed))
    current.version += 1
    current.save(update_fields=[*previous, "version", "personal_info_confirmed"])
    ReferralEvent.objects.create(
        referral=current,
        from_status=current.status,
        to_status=current.status,
        action=Action.EDITED,
        on=today(),
        by=by,
        note=note.strip(),
        previous=previous,
        personal_info_confirmed=confirmed,
    )
    _copy_back(current, referral)
    _publish_confirmation(by, current, confirmed, Action.EDITED)
    events.publish(
        REFERRAL_CHANGED,
        actor=by,
        target=str(current.pk),
        data={"referral_id": current.pk, "fields": sorted(previous), "municipality_id": current.municipality_id},
    )
    return referral


@transaction.atomic
def referral_withdraw(
    *,
    referral: Referral,
    by: User | None,
    note: str = "",
    on: datetime.date | None = None,
    not_personal: bool = False,
) -> Referral:
    """The filing side withdraws a referral the other side has not acknowledged: closed as 取下げ.

    A withdrawn referral is no evidence: the stage change its filing caused
    (a first referral's 実施) is reverted by a correcting change if it is
    still in force; if a later change replaced it, it stays, and the next
    referral counts as the first again only for what it can still move.
    """
    current = _locked(referral)
    require(by, REFERRAL_WITHDRAW, current)
    day = _step_date(on, not_before=_last_step_date(current))
    confirmed = check_personal_information(texts={"note": (_("note"), note)}, not_personal=not_personal)
    now = timezone.now()
    ReferralEvent.objects.create(
        referral=current,
        from_status=current.status,
        to_status=Referral.Status.CLOSED,
        action=Action.WITHDRAWN,
        on=day,
        by=by,
        note=note.strip(),
        at=now,
        personal_info_confirmed=confirmed,
    )
    for change in ProgressChange.objects.filter(referral=current, correction__isnull=True):
        if latest_change(change.progress_id) == change:
            progress_correct(
                change=change, by=by, reason=_("Referral withdrawn: {note}").format(note=note.strip() or "—")
            )
    event_from = current.status
    current.status = Referral.Status.CLOSED
    current.outcome = Referral.Outcome.WITHDRAWN
    current.closed_at = now
    current.save(update_fields=["status", "outcome", "closed_at"])
    _copy_back(current, referral)
    _publish_confirmation(by, current, confirmed, Action.WITHDRAWN)
    _moved(by, current, from_status=event_from, action=Action.WITHDRAWN, outcome=current.outcome)
    return referral


@transaction.atomic
def referral_reopen(
    *,
    referral: Referral,
    by: User | None,
    reason: str,
    on: datetime.date | None = None,
    not_personal: bool = False,
) -> Referral:
    """Either side reopens a closed referral, with a reason: back to 対応中, the outcome cleared.

    A withdrawn referral is filed again instead; a redacted one has lost its text.
    """
    current = _locked(referral)
    require(by, REFERRAL_REOPEN, current)
    if not reason.strip():
        raise ValidationError(_("Give the reason for reopening the referral."))
    day = _step_date(on, not_before=_last_step_date(current))
    confirmed = check_personal_information(texts={"reason": (_("reason"), reason)}, not_personal=not_personal)
    now = timezone.now()
    ReferralEvent.objects.create(
        referral=current,
        from_status=current.status,
        to_status=Referral.Status.IN_PROGRESS,
        action=Action.REOPENED,
        on=day,
        by=by,
        note=reason.strip(),
        at=now,
        previous={"outcome": current.outcome},
        personal_info_confirmed=confirmed,
    )
    event_from = current.status
    current.status = Referral.Status.IN_PROGRESS
    current.outcome = ""
    current.closed_at = None
    current.acknowledged_at = current.acknowledged_at or now
    current.started_at = current.started_at or now
    current.save(update_fields=["status", "outcome", "closed_at", "acknowledged_at", "started_at"])
    _copy_back(current, referral)
    _publish_confirmation(by, current, confirmed, Action.REOPENED)
    _moved(by, current, from_status=event_from, action=Action.REOPENED)
    return referral
