"""Correcting and cancelling activities (活動記録の訂正・取消), keeping every previous version.

Whoever may log a center's activities may correct or cancel them, with a
reason. The values before each change are kept as an ``ActivityVersion``
(shown as the record's history); the events are audited. An activity that
is the evidence of stage changes cannot be edited so that it stops being
their evidence (another item, a local government removed, a later date):
it is cancelled instead, and cancelling asks what becomes of those stages —
kept, with a note, or reverted through correcting changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.activities.events import ACTIVITY_CANCELLED, ACTIVITY_CORRECTED
from cooperation.activities.services import activity_fit_errors
from cooperation.fiscal import today
from cooperation.models import Activity, ActivityVersion, ProgressChange
from cooperation.progress.corrections import progress_correct
from offices import events
from offices.models import Municipality, User
from offices.policies import ACTIVITY_CORRECT, PROGRESS_CHANGE, require, require_each

EDITABLE_FIELDS = (
    "date",
    "item",
    "kind",
    "title",
    "summary",
    "attendees",
    "consultations",
    "commissioners_present",
    "people_recommended",
    "commissioners_awarded",
    "follow_up_on",
)

KEEP = "keep"
REVERT = "revert"


def _snapshot(activity: Activity, municipality_ids: Sequence[int]) -> dict:
    data = {}
    for name in EDITABLE_FIELDS:
        value = getattr(activity, name + "_id" if name == "item" else name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data["municipality_ids"] = sorted(municipality_ids)
    return data


def _lock(activity: Activity) -> Activity:
    return Activity.all_objects.select_for_update().select_related("item", "office").get(pk=activity.pk)


def evidenced_changes(activity: Activity):
    """The stage changes this activity is the evidence of and that no correction has replaced."""
    return (
        ProgressChange.objects.filter(activity=activity, correction__isnull=True)
        .select_related("progress__municipality", "progress__item")
        .order_by("progress__municipality__lg_code", "progress__item__sort_order")
    )


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by: User | None,
    reason: str,
    expected_version: int | None = None,
    municipalities: Sequence[Municipality] | None = None,
    **changes,
) -> Activity:
    """Correct an activity's fields (and its local governments), keeping the previous version.

    The same rules as logging it apply (no future date, a kind its item
    accepts, an item that applies). A version saved since the form was opened
    (``expected_version``) is never overwritten. Changing nothing records nothing.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: {names}.").format(names=", ".join(sorted(unknown))))
    current = _lock(activity)
    require(by, ACTIVITY_CORRECT, current)
    if current.cancelled:
        raise ValidationError(_("A cancelled activity cannot be edited."))
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(_("Someone else changed this activity since you opened it; reload it and try again."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the correction."))
    before_ids = set(current.municipalities.values_list("pk", flat=True))
    after_ids = before_ids if municipalities is None else {municipality.pk for municipality in municipalities}
    if municipalities is not None:
        require_each(by, PROGRESS_CHANGE, after_ids - before_ids)
    previous = _snapshot(current, before_ids)
    for name, value in changes.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    if _snapshot(current, after_ids) == previous:
        return current
    current.full_clean(exclude=["municipalities"])
    errors = activity_fit_errors(current)
    if not after_ids:
        errors.append(_("Choose at least one local government."))
    if current.date > today():
        errors.append(_("The date of the activity lies in the future."))
    for change in evidenced_changes(current):
        if (
            change.progress.item_id != current.item_id
            or change.progress.municipality_id not in after_ids
            or current.date > change.effective_date
        ):
            errors.append(
                _(
                    "This activity is the evidence of the stage change of {name} {item}: it cannot move to another "
                    "item, lose that local government or take a later date. Cancel it instead."
                ).format(name=change.progress.municipality.name, item=change.progress.item.code)
            )
    if errors:
        raise ValidationError(errors)
    current.version += 1
    ActivityVersion.objects.create(
        activity=current,
        number=current.version,
        change=ActivityVersion.Change.EDITED,
        data=previous,
        reason=reason.strip(),
        recorded_by=by,
    )
    current.save(update_fields=[*changes, "version"])
    if municipalities is not None and after_ids != before_ids:
        current.municipalities.set(sorted(after_ids))
    events.publish(
        ACTIVITY_CORRECTED,
        actor=by,
        target=current.title,
        data={
            "activity_id": current.pk,
            "office_id": current.office_id,
            "version": current.version,
            "fields": sorted(name for name in previous if previous[name] != _snapshot(current, after_ids)[name]),
            "reason": reason.strip(),
        },
    )
    return current


@transaction.atomic
def activity_cancel(
    *, activity: Activity, by: User | None, reason: str, stages: str = KEEP, note: str = ""
) -> Activity:
    """Cancel an activity with a reason; its stage changes are kept (with ``note``) or reverted.

    ``stages=REVERT`` records a correcting change for each stage change the
    activity is the evidence of (back to the stage before it), all or
    nothing: if one cannot be reverted (a later change replaced it), nothing
    is cancelled and the message says which. ``stages=KEEP`` leaves them, and
    the note saying why is kept with the cancellation. The cancelled activity
    leaves lists, counts and reports; its page and history stay.
    """
    if stages not in (KEEP, REVERT):
        raise ValidationError(_("Choose whether to keep or revert the stages this activity moved."))
    current = _lock(activity)
    require(by, ACTIVITY_CORRECT, current)
    if current.cancelled:
        raise ValidationError(_("This activity has already been cancelled."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for cancelling the activity."))
    changes = list(evidenced_changes(current))
    if changes and stages == KEEP and not note.strip():
        raise ValidationError(_("Say in a note why the stages this activity moved are kept."))
    reverted = []
    if stages == REVERT:
        for change in changes:
            reverted.append(
                progress_correct(
                    change=change,
                    by=by,
                    reason=_("Activity “{title}” cancelled: {reason}").format(title=current.title, reason=reason),
                )
            )
    municipality_ids = list(current.municipalities.values_list("pk", flat=True))
    current.version += 1
    if not changes:
        outcome = ""
    elif stages == REVERT:
        outcome = _("Stages reverted by correcting changes.")
    else:
        outcome = _("Stages kept: {note}").format(note=note.strip())
    ActivityVersion.objects.create(
        activity=current,
        number=current.version,
        change=ActivityVersion.Change.CANCELLED,
        data=_snapshot(current, municipality_ids),
        reason=reason,
        stages=outcome,
        recorded_by=by,
    )
    current.cancelled_at = timezone.now()
    current.cancelled_by = by
    current.cancel_reason = reason
    current.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason", "version"])
    events.publish(
        ACTIVITY_CANCELLED,
        actor=by,
        target=current.title,
        data={
            "activity_id": current.pk,
            "office_id": current.office_id,
            "reason": reason,
            "stages": stages if changes else "",
            "correcting_change_ids": [change.pk for change in reverted],
        },
    )
    return current
