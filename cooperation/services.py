"""Writes that touch several rows or leave history.

Views, the admin, imports and management commands all call these functions,
so every path leaves the same history and obeys the same rules.
"""

from __future__ import annotations

import csv
import datetime
import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.models import (
    Activity,
    Attachment,
    Category,
    ImportBatch,
    Progress,
    ProgressChange,
    Referral,
    ReferralEvent,
    RequestItem,
    Stage,
)
from offices.models import Municipality, User

REFERRAL_ITEM_CODE = "2-3"
ATTACHMENT_EXTENSIONS = {
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".odt",
    ".ods",
    ".odp",
}


class ProgressConflict(Exception):
    """Someone else saved the same progress since the form was opened (optimistic concurrency)."""

    def __init__(self, current: Progress):
        self.current = current
        who = current.updated_by or _("someone else")
        when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M") if current.updated_at else ""
        super().__init__(
            _(
                "{who} changed this progress at {when}: it is now “{stage}”. "
                "Your change was not saved; check the new value and try again."
            ).format(who=who, when=when, stage=current.get_stage_display())
        )


@dataclass(frozen=True)
class StageChange:
    """One requested change for :func:`progress_update_many`."""

    progress: Progress
    stage: str
    effective_date: datetime.date
    note: str = ""


def today() -> datetime.date:
    return timezone.localdate()


def _validate_change(
    *, progress: Progress, stage: str, effective_date: datetime.date, note: str, on: datetime.date
) -> None:
    """The rules every change of stage obeys, wherever it comes from."""
    errors = []
    if stage not in Stage.values:
        errors.append(_("“{stage}” is not a stage.").format(stage=stage))
    if not progress.item.applies_to(progress.municipality):
        errors.append(
            _("Item {item} applies to prefectural governments only, not to {name}.").format(
                item=progress.item.code, name=progress.municipality.name
            )
        )
    if not progress.item.is_active:
        errors.append(_("Item {item} has been retired.").format(item=progress.item.code))
    if effective_date > on:
        errors.append(_("The date {date} lies in the future.").format(date=effective_date.isoformat()))
    if progress.stage_date and effective_date < progress.stage_date:
        errors.append(
            _("The date {date} is earlier than the date of the current stage ({current}).").format(
                date=effective_date.isoformat(), current=progress.stage_date.isoformat()
            )
        )
    if stage == Stage.NOT_FEASIBLE and not note.strip():
        errors.append(_("“Not feasible for now” needs a reason in the note."))
    if errors:
        raise ValidationError(errors)


def _check_may_change(by: User | None, municipality_ids: Iterable[int]) -> None:
    """A user may only change local governments in their write scope; ``by=None`` is the system."""
    if by is None:
        return
    wanted = set(municipality_ids)
    allowed = set(Municipality.objects.editable_by(by).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise PermissionDenied(_("You may not change the progress of this local government."))


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
) -> ProgressChange | None:
    """Move one progress to ``stage`` and record the change; the only way a stage changes.

    Locks the row, refuses the change if ``expected_version`` is given and the
    row has moved on since (``ProgressConflict``), checks the rules
    (``ValidationError``) and the user's scope (``PermissionDenied``). Setting
    the stage it already has changes nothing and returns None. ``progress`` is
    refreshed in place.
    """
    current = Progress.objects.select_for_update().select_related("municipality", "item", "updated_by").get(
        pk=progress.pk
    )
    if expected_version is not None and current.version != expected_version:
        raise ProgressConflict(current)
    _check_may_change(by, [current.municipality_id])
    on = today()
    effective_date = effective_date or on
    if stage == current.stage:
        _copy_state(current, progress)
        return None
    _validate_change(progress=current, stage=stage, effective_date=effective_date, note=note, on=on)
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
    )
    _apply(current, stage=stage, effective_date=effective_date, note=note, by=by, at=change.recorded_at)
    current.save(update_fields=["stage", "stage_date", "note", "version", "updated_at", "updated_by"])
    _copy_state(current, progress)
    return change


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


@transaction.atomic
def progress_update_many(
    *, changes: Sequence[StageChange], by: User | None, import_batch: ImportBatch | None = None
) -> list[ProgressChange]:
    """Apply many changes at once with the same rules as :func:`progress_update`.

    Locks every row in one query, validates every change before writing any
    (a ``ValidationError`` lists them all, keyed by position), then writes the
    history and the new stages in bulk. Changes to the stage a row already has
    are skipped. All or nothing.
    """
    if not changes:
        return []
    ids = [change.progress.pk for change in changes]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("The same progress appears twice in one batch."))
    locked = {
        row.pk: row
        for row in Progress.objects.select_for_update().select_related("municipality", "item").filter(pk__in=ids)
    }
    _check_may_change(by, {row.municipality_id for row in locked.values()})
    on = today()
    errors = {}
    todo = []
    for position, change in enumerate(changes):
        current = locked[change.progress.pk]
        if change.stage == current.stage:
            continue
        try:
            _validate_change(
                progress=current, stage=change.stage, effective_date=change.effective_date, note=change.note, on=on
            )
        except ValidationError as error:
            errors[position] = error.messages
            continue
        todo.append((current, change))
    if errors:
        raise ValidationError({str(position): messages for position, messages in errors.items()})
    now = timezone.now()
    records = []
    for current, change in todo:
        records.append(
            ProgressChange(
                progress=current,
                from_stage=current.stage,
                to_stage=change.stage,
                effective_date=change.effective_date,
                recorded_by=by,
                note=change.note,
                import_batch=import_batch,
            )
        )
        _apply(current, stage=change.stage, effective_date=change.effective_date, note=change.note, by=by, at=now)
    ProgressChange.objects.bulk_create(records, batch_size=1000)
    Progress.objects.bulk_update(
        [current for current, _change in todo],
        ["stage", "stage_date", "note", "version", "updated_at", "updated_by"],
        batch_size=1000,
    )
    return records


def progress_backfill(*, municipalities: Iterable[Municipality] | None = None) -> int:
    """Make sure every active local government has a progress row (未着手) for each item that applies.

    Called after master data or items change, so a new item shows up everywhere
    at once. Returns the number of rows created.
    """
    items = list(RequestItem.objects.all())
    targets = Municipality.objects.all() if municipalities is None else municipalities
    existing = set(Progress.objects.values_list("municipality_id", "item_id"))
    missing = [
        Progress(municipality=municipality, item=item)
        for municipality in targets
        for item in items
        if item.applies_to(municipality) and (municipality.pk, item.pk) not in existing
    ]
    Progress.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
    return len(missing)


@transaction.atomic
def request_items_load(*, path: Path) -> dict[str, int]:
    """Create or update request items and categories from ``request_items.csv``.

    Whether an item is retired is headquarters' decision in the admin, so a
    reload never brings a retired item back.
    """
    counts = {"created": 0, "updated": 0}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for order, row in enumerate(rows, start=1):
        category, _created = Category.objects.get_or_create(
            code=row["category_code"], defaults={"name_ja": row["category_ja"], "name_en": row["category_en"]}
        )
        if (category.name_ja, category.name_en) != (row["category_ja"], row["category_en"]):
            category.name_ja, category.name_en = row["category_ja"], row["category_en"]
            category.save(update_fields=["name_ja", "name_en"])
        values = {
            "category": category,
            "title_ja": row["title_ja"],
            "title_en": row["title_en"],
            "scope": row["scope"],
            "sort_order": order * 10,
        }
        item = RequestItem.objects.filter(code=row["code"]).first()
        if item is None:
            RequestItem.objects.create(code=row["code"], **values)
            counts["created"] += 1
        elif any(getattr(item, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
            counts["updated"] += 1
    return counts


def _advance_to_done(*, municipality: Municipality, item: RequestItem, by, on: datetime.date, **evidence):
    """Move a progress below 実施 to 実施 with the given evidence; leave 実施, 定着 and 当面困難 alone."""
    progress = Progress.objects.filter(municipality=municipality, item=item).first()
    if progress is None or not item.applies_to(municipality) or not item.is_active:
        return None
    level = Stage.level(progress.stage)
    if level is None or level >= Stage.level(Stage.DONE):
        return None
    effective = max(on, progress.stage_date) if progress.stage_date else on
    return progress_update(progress=progress, stage=Stage.DONE, by=by, effective_date=effective, **evidence)


def attachment_validate(uploaded_file) -> None:
    extension = Path(uploaded_file.name).suffix.lower()
    if extension not in ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            _("“{name}”: only PDF, images and Office files can be attached.").format(name=uploaded_file.name)
        )
    if uploaded_file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“{name}” is larger than {limit} MB.").format(
                name=uploaded_file.name, limit=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
            )
        )


@transaction.atomic
def activity_create(
    *,
    by: User | None,
    municipalities: Sequence[Municipality],
    advance: Iterable[Municipality] = (),
    files: Iterable = (),
    **fields,
) -> Activity:
    """Log an activity of a center; optionally move the local governments in ``advance`` to 実施.

    ``fields`` are Activity fields (date, office, item, kind, title, summary,
    the counts, follow_up_on). The activity is the evidence of every stage it
    moves. Scope is checked for the center and for every local government.
    """
    office = fields["office"]
    if by is not None and not office_may_write(by, office):
        raise PermissionDenied(_("You may not log activities for this center."))
    if not municipalities:
        raise ValidationError(_("Choose at least one local government."))
    _check_may_change(by, [municipality.pk for municipality in municipalities])
    if fields["date"] > today():
        advance = ()
    activity = Activity(created_by=by, **fields)
    activity.full_clean(exclude=["municipalities"])
    activity.save()
    activity.municipalities.set(municipalities)
    for uploaded in files:
        attachment_add(activity=activity, uploaded_file=uploaded, by=by)
    chosen = {municipality.pk for municipality in municipalities}
    for municipality in advance:
        if municipality.pk in chosen:
            _advance_to_done(
                municipality=municipality, item=activity.item, by=by, on=activity.date, activity=activity
            )
    return activity


def office_may_write(user: User, office) -> bool:
    from offices.models import Office
    from offices.scopes import office_scope_q

    return Office.objects.filter(office_scope_q(user, write=True), pk=office.pk).exists()


@transaction.atomic
def attachment_add(*, activity: Activity, uploaded_file, by: User | None) -> Attachment:
    attachment_validate(uploaded_file)
    content_type = getattr(uploaded_file, "content_type", None) or (
        mimetypes.guess_type(uploaded_file.name)[0] or "application/octet-stream"
    )
    return Attachment.objects.create(
        activity=activity,
        file=uploaded_file,
        original_name=Path(uploaded_file.name).name[:255],
        content_type=content_type[:128],
        size=uploaded_file.size,
        uploaded_by=by,
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
) -> Referral:
    """File a referral (回付) with the local government's center.

    A local government's first referral moves its item 2-3 to 実施, with the
    referral as evidence.
    """
    _check_may_change(by, [municipality.pk])
    if received_on > today():
        raise ValidationError(_("The date received lies in the future."))
    first = not Referral.objects.filter(municipality=municipality).exists()
    referral = Referral(
        municipality=municipality,
        office=municipality.office,
        received_on=received_on,
        topic=topic,
        agency=agency,
        summary=summary,
        created_by=by,
    )
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(referral=referral, from_status="", to_status=referral.status, by=by)
    if first:
        item = RequestItem.objects.filter(code=REFERRAL_ITEM_CODE).first()
        if item is not None:
            _advance_to_done(municipality=municipality, item=item, by=None, on=received_on, referral=referral)
    return referral


REFERRAL_TRANSITIONS = {
    Referral.Status.SUBMITTED: {Referral.Status.ACKNOWLEDGED, Referral.Status.CLOSED},
    Referral.Status.ACKNOWLEDGED: {Referral.Status.IN_PROGRESS, Referral.Status.CLOSED},
    Referral.Status.IN_PROGRESS: {Referral.Status.CLOSED},
    Referral.Status.CLOSED: set(),
}


def referral_may_handle(user: User, referral: Referral) -> bool:
    """Centers (and their bureau and HQ) handle referrals of local governments they serve."""
    from offices.scopes import is_ministry_staff

    return is_ministry_staff(user, write=True) and (
        Municipality.objects.editable_by(user).filter(pk=referral.municipality_id).exists()
    )


@transaction.atomic
def referral_transition(
    *, referral: Referral, to_status: str, by: User | None, outcome: str = "", note: str = ""
) -> Referral:
    """Move a referral along submitted → acknowledged → in progress → closed, timestamping each step."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if by is not None and not referral_may_handle(by, current):
        raise PermissionDenied(_("You may not handle this referral."))
    if to_status not in REFERRAL_TRANSITIONS[current.status]:
        raise ValidationError(
            _("A referral that is “{current}” cannot become “{target}”.").format(
                current=current.get_status_display(), target=Referral.Status(to_status).label
            )
        )
    if to_status == Referral.Status.CLOSED and outcome not in Referral.Outcome.values:
        raise ValidationError(_("Choose an outcome to close the referral."))
    now = timezone.now()
    if to_status == Referral.Status.ACKNOWLEDGED:
        current.acknowledged_at = now
    elif to_status == Referral.Status.IN_PROGRESS:
        current.started_at = now
    elif to_status == Referral.Status.CLOSED:
        current.closed_at = now
        current.outcome = outcome
    ReferralEvent.objects.create(referral=current, from_status=current.status, to_status=to_status, by=by, note=note)
    current.status = to_status
    current.save()
    for name in ("status", "outcome", "acknowledged_at", "started_at", "closed_at"):
        setattr(referral, name, getattr(current, name))
    return referral

