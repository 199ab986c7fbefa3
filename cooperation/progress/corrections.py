"""Correcting a wrong stage change (進捗の訂正) without rewriting history.

A correcting change is an ordinary, immutable ``ProgressChange`` that names
the change it corrects (``corrects``) and why (its note). It takes effect on
the corrected change's own effective date, so every report drawn from the
moment it is recorded on — as of any date, past or present — uses the
corrected value: ``with_stage_as_of`` orders by (effective date, id) and the
correction, recorded later, wins over the change it corrects on that date and
after. Reports drawn before it was recorded (a closed year's frozen figures)
said otherwise: ``ProgressChange.objects.adjustments(day=, recorded_after=)``
lists what changed since.

Only the change now in force can be corrected: a later change already
replaced its stage, so that one is corrected first.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cooperation.fiscal import format_date
from cooperation.models import ProgressChange, Stage
from cooperation.progress.services import PROGRESS_STATE_FIELDS, _apply, _locked, _publish
from offices.models import User
from offices.policies import PROGRESS_CORRECT, require


def latest_change(progress_id: int) -> ProgressChange | None:
    """The change in force now: the last by effective date, then by recording order."""
    return ProgressChange.objects.filter(progress_id=progress_id).order_by("-effective_date", "-id").first()


@transaction.atomic
def progress_correct(
    *, change: ProgressChange, by: User | None, reason: str, stage: str | None = None
) -> ProgressChange:
    """Record a correcting change of ``change``: the stage becomes ``stage`` (by default, the one before it).

    The reason is required. ``change`` must be the change in force (the last
    one of its progress) and not already corrected. The progress row takes the
    corrected stage with the corrected change's effective date, so later
    changes can never be dated before the correction. Returns the new change.
    """
    progress = _locked([change.progress_id], "municipality", "item", "updated_by")[change.progress_id]
    require(by, PROGRESS_CORRECT, progress.municipality)
    change = ProgressChange.objects.select_related("progress__item").get(pk=change.pk)
    reason = reason.strip()
    target = stage or change.from_stage
    errors = []
    if not reason:
        errors.append(_("Give the reason for the correction."))
    if target not in Stage.values:
        errors.append(_("“{stage}” is not a stage.").format(stage=target))
    if ProgressChange.objects.filter(corrects=change).exists():
        errors.append(_("This change has already been corrected."))
    elif latest_change(progress.pk) != change:
        errors.append(
            _(
                "A later change replaced the stage this change set ({date}); correct that one first, or keep this one."
            ).format(date=format_date(change.effective_date))
        )
    if target == change.to_stage:
        errors.append(_("The correction must set a different stage from the change it corrects."))
    if errors:
        raise ValidationError(errors)
    note = reason
    if target == Stage.NOT_FEASIBLE and target == change.from_stage:
        # Back to 当面困難: its reason is the one it had before the wrong change.
        before = (
            ProgressChange.objects.filter(progress_id=progress.pk, to_stage=Stage.NOT_FEASIBLE)
            .exclude(pk=change.pk)
            .order_by("-effective_date", "-id")
            .values_list("note", flat=True)
            .first()
        )
        note = before or reason
    correction = ProgressChange.objects.create(
        progress=progress,
        from_stage=progress.stage,
        to_stage=target,
        effective_date=change.effective_date,
        recorded_by=by,
        note=reason,
        corrects=change,
    )
    _apply(progress, stage=target, effective_date=change.effective_date, note=note, by=by, at=correction.recorded_at)
    progress.save(update_fields=PROGRESS_STATE_FIELDS)
    _publish([correction], by=by)
    return correction
