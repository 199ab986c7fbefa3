"""Changing stages: the one service every stage change goes through, alone or in bulk.

Views, the survey import, activities, referrals, the admin and management
commands all call :func:`progress_update` or :func:`progress_update_many`, so
every path leaves the same history, obeys the same rules and asks the same
policy (``progress.change``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.events import PROGRESS_CHANGED
from cooperation.fiscal import format_date, today
from cooperation.models import Activity, ImportBatch, Progress, ProgressChange, Referral, RequestItem, Stage
from cooperation.security.dates import too_early, too_early_message
from offices import events
from offices.db import chunks, update_columns
from offices.models import Municipality, User
from offices.policies import PROGRESS_CHANGE, require_each


class ProgressConflict(Exception):
    """Someone else saved the same progress since the form was opened (optimistic concurrency).

    ``current`` is the row as it is now; the message names who changed it, when, and its stage now.
    """

    def __init__(self, current: Progress):
        self.current = current
        who = current.updated_by or _("someone else")
        when = ""
        if current.updated_at:
            moment = timezone.localtime(current.updated_at)
            when = "{} {}".format(format_date(moment.date()), moment.strftime("%H:%M"))
        super().__init__(
            _(
                "{who} changed this progress at {when}: it is now “{stage}”. "
                "Your change was not saved; check the new value and try again."
            ).format(who=who, when=when, stage=current.get_stage_display())
        )


@dataclass(frozen=True)
class StageChange:
    """One requested change for :func:`progress_update_many`.

    ``expected_version`` (optional) refuses the change if the row moved on since
    it was read; ``activity`` or ``referral`` (optional) is the evidence of this
    one change (a change has one piece of evidence, so not in a call that also
    gives an ``import_batch``). ``recorded_at`` (optional) is when the change
    was recorded, for a replay of history kept elsewhere (the demo generator);
    it defaults to now and never precedes the row's last recording.
    """

    progress: Progress
    stage: str
    effective_date: datetime.date
    note: str = ""
    expected_version: int | None = None
    activity: Activity | None = None
    referral: Referral | None = None
    recorded_at: datetime.datetime | None = None


def _change_errors(
    *, progress: Progress, stage: str, effective_date: datetime.date, note: str, on: datetime.date
) -> list[str]:
    """The rules every change of stage obeys, wherever it comes from."""
    errors = []
    if stage not in Stage.values:
        errors.append(_("“{stage}” is not a stage.").format(stage=stage))
    if not progress.item.applies_to(progress.municipality):
        errors.append(
            _("Item {item} applies to {scope}, not to {name}.").format(
                item=progress.item.code, scope=progress.item.get_scope_display(), name=progress.municipality.name
            )
        )
    if not progress.item.is_active:
        errors.append(_("Item {item} has been retired.").format(item=progress.item.code))
    if effective_date > on:
        errors.append(_("The date {date} lies in the future.").format(date=format_date(effective_date)))
    if too_early(effective_date):
        errors.append(too_early_message(effective_date))
    if progress.stage_date and effective_date < progress.stage_date:
        errors.append(
            _("The date {date} is earlier than the date of the current stage ({current}).").format(
                date=format_date(effective_date), current=format_date(progress.stage_date)
            )
        )
    if stage == Stage.NOT_FEASIBLE and not note.strip():
        errors.append(_("“Not feasible for now” needs a reason in the note."))
    if _backwards(progress.stage, stage) and not note.strip():
        errors.append(
            _("Moving back from “{current}” to “{stage}” needs a reason in the note.").format(
                current=Stage(progress.stage).label, stage=Stage(stage).label
            )
        )
    return errors


def _backwards(current: str, stage: str) -> bool:
    """A step down the ladder (当面困難 is off it, and has its own rule)."""
    before, after = Stage.level(current), Stage.level(stage)
    return before is not None and after is not None and after < before


def _evidence_errors(
    *,
    progress: Progress,
    effective_date: datetime.date,
    activity: Activity | None,
    referral: Referral | None,
    import_batch: ImportBatch | None,
    activity_municipalities: set[int],
    commissioner=None,
    commissioner_award=None,
) -> list[str]:
    """Evidence must concern this change: the same local government and item, on or before its date.

    ``activity_municipalities`` holds the ids of the activity's local governments.
    A commissioner (recommended by this local government) or a commissioner
    award (conferred by it) is evidence for the item whose ``commissioner_evidence``
    names it (3-1, 3-2).
    """
    errors = []
    given = (activity, referral, import_batch, commissioner, commissioner_award)
    if sum(evidence is not None for evidence in given) > 1:
        errors.append(
            _("A change has one piece of evidence: an activity, a referral, an import or a commissioner record.")
        )
    if commissioner is not None and (
        progress.item.commissioner_evidence != "recommendation"
        or commissioner.recommended_by_id != progress.municipality_id
        or commissioner.recommended_on is None
        or commissioner.recommended_on > effective_date
    ):
        errors.append(
            _("The recommendation of {commissioner} is not evidence for {name} {item} on {date}.").format(
                commissioner=commissioner.name,
                name=progress.municipality.name,
                item=progress.item.code,
                date=format_date(effective_date),
            )
        )
    if commissioner_award is not None and (
        progress.item.commissioner_evidence != "award"
        or commissioner_award.conferred_by_id != progress.municipality_id
        or commissioner_award.awarded_on > effective_date
    ):
        errors.append(
            _("The award “{award}” is not evidence for {name} {item} on {date}.").format(
                award=commissioner_award.title,
                name=progress.municipality.name,
                item=progress.item.code,
                date=format_date(effective_date),
            )
        )
    if activity is not None and (
        activity.item_id != progress.item_id
        or progress.municipality_id not in activity_municipalities
        or activity.date > effective_date
    ):
        errors.append(
            _("The activity “{title}” is not evidence for {name} {item} on {date}.").format(
                title=activity.title,
                name=progress.municipality.name,
                item=progress.item.code,
                date=format_date(effective_date),
            )
        )
    if referral is not None and (
        referral.municipality_id != progress.municipality_id
        or not progress.item.moved_by_first_referral(referral.direction)
        or referral.received_on > effective_date
    ):
        errors.append(
            _("The referral is not evidence for {name} {item} on {date}.").format(
                name=progress.municipality.name, item=progress.item.code, date=format_date(effective_date)
            )
        )
    return errors


def _locked(ids: Sequence[int], *related: str) -> dict[int, Progress]:
    """Progress rows locked until the end of the transaction, read after the lock is held.

    The lock is taken on the rows alone and the rows are read in a second
    statement: PostgreSQL re-reads a row it waited for, but not the rows joined
    to it, so a join in the locking query would show the new stage with the
    old ``updated_by``.
    """
    rows = {}
    for chunk in chunks(ids):
        list(Progress.objects.select_for_update().filter(pk__in=chunk).values_list("pk", flat=True))
        rows.update((row.pk, row) for row in Progress.objects.select_related(*related).filter(pk__in=chunk))
    return rows


@transaction.atomic
def progress_update(
    *,
    progress: Progress,
    stage: str,
    by: User | None,
    effective_date: datetime.date | None = None,
    note: str = "",
    expected_version: int | None = None,
    activity: Activity | None = None,
    referral: Referral | None = None,
    import_batch: ImportBatch | None = None,
    commissioner=None,
    commissioner_award=None,
) -> ProgressChange | None:
    """Move one progress to ``stage`` and record the change (with :func:`progress_update_many`, the only writers).

    Locks the row, asks the policy (``NotAllowed``: ``progress.change``), refuses the
    change if ``expected_version`` is given and the row has moved on since
    (``ProgressConflict``, naming the newer value), then checks the rules
    (``ValidationError``): a stage of the ladder or 当面困難 with a reason, an
    item that applies and is not retired, an effective date neither in the
    future nor before the current stage's date, and evidence (at most one)
    that concerns this local government and item. Setting the stage it already
    has changes nothing and returns None. ``progress`` is refreshed in place.
    """
    current = _locked([progress.pk], "municipality", "item", "updated_by")[progress.pk]
    require_each(by, PROGRESS_CHANGE, [current.municipality_id])
    if expected_version is not None and current.version != expected_version:
        raise ProgressConflict(current)
    on = today()
    effective_date = effective_date or on
    note = note.strip()
    if stage == current.stage:
        _copy_state(current, progress)
        return None
    errors = _change_errors(progress=current, stage=stage, effective_date=effective_date, note=note, on=on)
    errors += _evidence_errors(
        progress=current,
        effective_date=effective_date,
        activity=activity,
        referral=referral,
        import_batch=import_batch,
        commissioner=commissioner,
        commissioner_award=commissioner_award,
        activity_municipalities=(
            set(activity.municipalities.filter(pk=current.municipality_id).values_list("pk", flat=True))
            if activity is not None
            else set()
        ),
    )
    if errors:
        raise ValidationError(errors)
    change = ProgressChange.objects.create(
        progress=current,
        from_stage=current.stage,
        to_stage=stage,
        effective_date=effective_date,
        recorded_by=by,
        note=note,
        activity=activity,
        referral=referral,
        import_batch=import_batch,
        commissioner=commissioner,
        commissioner_award=commissioner_award,
    )
    _apply(current, stage=stage, effective_date=effective_date, note=note, by=by, at=change.recorded_at)
    current.save(update_fields=PROGRESS_STATE_FIELDS)
    _copy_state(current, progress)
    _publish([change], by=by)
    return change


PROGRESS_STATE_FIELDS = ["stage", "stage_date", "note", "version", "updated_at", "updated_by"]


def _apply(progress: Progress, *, stage, effective_date, note, by, at) -> None:
    progress.stage = stage
    progress.stage_date = effective_date
    progress.note = note
    progress.version += 1
    progress.updated_at = at
    progress.updated_by = by


def _copy_state(source: Progress, target: Progress) -> None:
    if source is target:
        return
    for name in ("stage", "stage_date", "note", "version", "updated_at", "updated_by_id"):
        setattr(target, name, getattr(source, name))


def _activity_members(changes: Sequence[StageChange]) -> dict[int, set[int]]:
    """For each activity given as evidence, the ids of its local governments."""
    activity_ids = sorted({change.activity.pk for change in changes if change.activity is not None})
    through = Activity.municipalities.through.objects
    members: dict[int, set[int]] = {}
    for chunk in chunks(activity_ids):
        for activity_id, municipality_id in through.filter(activity_id__in=chunk).values_list(
            "activity_id", "municipality_id"
        ):
            members.setdefault(activity_id, set()).add(municipality_id)
    return members


@transaction.atomic
def progress_update_many(
    *,
    changes: Sequence[StageChange],
    by: User | None,
    import_batch: ImportBatch | None = None,
    recorded_by: User | None = None,
) -> list[ProgressChange]:
    """Apply many changes at once with the same rules as :func:`progress_update`.

    The history names ``by``, or ``recorded_by`` when the system (``by=None``)
    replays what another account recorded (the demo generator's ``demo-data``).

    Locks every row, validates every change before writing any (a
    ``ValidationError`` lists them all, keyed by position; a stale
    ``expected_version`` is one of them), then writes the history and the new
    stages in bulk, so a whole prefecture costs a handful of queries. Changes
    to the stage a row already has are skipped. All or nothing. Each progress
    may appear once: to move one several times, call it once per step, in order.
    """
    if not changes:
        return []
    ids = [change.progress.pk for change in changes]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("The same progress appears twice in one batch."))
    locked = _locked(ids, "municipality", "item", "updated_by")
    if len(locked) != len(ids):
        raise ValidationError(_("Some of these progress rows no longer exist."))
    require_each(by, PROGRESS_CHANGE, {row.municipality_id for row in locked.values()})
    members = _activity_members(changes)
    on = today()
    errors = {}
    todo = []
    for position, change in enumerate(changes):
        current = locked[change.progress.pk]
        if change.expected_version is not None and current.version != change.expected_version:
            errors[position] = [str(ProgressConflict(current))]
            continue
        if change.stage == current.stage:
            continue
        note = change.note.strip()
        problems = _change_errors(
            progress=current, stage=change.stage, effective_date=change.effective_date, note=note, on=on
        )
        problems += _evidence_errors(
            progress=current,
            effective_date=change.effective_date,
            activity=change.activity,
            referral=change.referral,
            import_batch=import_batch,
            activity_municipalities=members.get(change.activity.pk, set()) if change.activity is not None else set(),
        )
        if change.recorded_at is not None and current.updated_at and change.recorded_at < current.updated_at:
            problems.append(_("A change cannot be recorded before the previous one."))
        if problems:
            errors[position] = problems
            continue
        todo.append((current, change, note))
    if errors:
        raise ValidationError({str(position): messages for position, messages in errors.items()})
    if by is not None:
        recorded_by = by
    now = timezone.now()
    records = []
    for current, change, note in todo:
        at = change.recorded_at or now
        records.append(
            ProgressChange(
                progress=current,
                from_stage=current.stage,
                to_stage=change.stage,
                effective_date=change.effective_date,
                recorded_at=at,
                recorded_by=recorded_by,
                note=note,
                activity=change.activity,
                referral=change.referral,
                import_batch=import_batch,
            )
        )
        _apply(current, stage=change.stage, effective_date=change.effective_date, note=note, by=recorded_by, at=at)
    ProgressChange.objects.bulk_create(records, batch_size=1000)
    update_columns(Progress, PROGRESS_STATE_FIELDS, [current for current, _change, _note in todo])
    _publish(records, by=by)
    return records


def _publish(changes: Sequence[ProgressChange], *, by: User | None) -> None:
    """One event per call, however many rows: subscribers read the changes by id."""
    if not changes:
        return
    events.publish(
        PROGRESS_CHANGED,
        actor=by,
        target=str(len(changes)),
        data={
            "change_ids": [change.pk for change in changes],
            "municipality_ids": sorted({change.progress.municipality_id for change in changes}),
            "item_ids": sorted({change.progress.item_id for change in changes}),
            "import_batch_id": changes[0].import_batch_id,
        },
    )


def progress_advance_to_done(*, municipality: Municipality, item: RequestItem, by, on: datetime.date, **evidence):
    """Move a progress that is not yet adopted (below 実施, or 当面困難) to 実施 with the given evidence.

    The evidence shows the item was carried out, which ends a 当面困難 too;
    実施 and 定着 stay as they are. Effective on ``on``, or on the current
    stage's date if that is later (history never runs backwards).
    """
    if not item.is_active or not item.applies_to(municipality):
        return None
    progress = Progress.objects.select_for_update().filter(municipality=municipality, item=item).first()
    if progress is None or progress.stage in Stage.adopted():
        return None
    effective = max(on, progress.stage_date) if progress.stage_date else on
    return progress_update(progress=progress, stage=Stage.DONE, by=by, effective_date=effective, **evidence)
