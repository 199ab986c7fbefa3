"""Writes that touch several rows or leave history.

Views, the admin, imports and management commands all call these functions,
so every path leaves the same history and obeys the same rules.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.fiscal import format_date
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
from cooperation.security.dates import too_early, too_early_message
from offices.models import Municipality, User

REFERRAL_ITEM_CODE = "2-3"
_PDF = (b"%PDF-",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # legacy Office (.doc, .xls, .ppt)
_ZIP = (b"PK\x03\x04",)  # Office Open XML and OpenDocument
# What may be attached: extension → (the content type it is stored and served with, how its content begins).
# The content type never comes from the browser, so a file cannot make itself served as HTML.
ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", _PDF),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".doc": ("application/msword", _OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".odp": ("application/vnd.oasis.opendocument.presentation", _ZIP),
}
ATTACHMENT_EXTENSIONS = set(ATTACHMENT_TYPES)


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
    gives an ``import_batch``).
    """

    progress: Progress
    stage: str
    effective_date: datetime.date
    note: str = ""
    expected_version: int | None = None
    activity: Activity | None = None
    referral: Referral | None = None


def today() -> datetime.date:
    return timezone.localdate()


def _chunks(values: Sequence, size: int = 900):
    """Slices small enough for any database's limit on query parameters."""
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _change_errors(
    *, progress: Progress, stage: str, effective_date: datetime.date, note: str, on: datetime.date
) -> list[str]:
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
    return errors


def _evidence_errors(
    *,
    progress: Progress,
    effective_date: datetime.date,
    activity: Activity | None,
    referral: Referral | None,
    import_batch: ImportBatch | None,
    activity_municipalities: set[int],
) -> list[str]:
    """Evidence must concern this change: the same local government and item, on or before its date.

    ``activity_municipalities`` holds the ids of the activity's local governments.
    """
    errors = []
    if sum(evidence is not None for evidence in (activity, referral, import_batch)) > 1:
        errors.append(_("A change has one piece of evidence: an activity, a referral or an import."))
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
        or progress.item.code != REFERRAL_ITEM_CODE
        or referral.received_on > effective_date
    ):
        errors.append(
            _("The referral is not evidence for {name} {item} on {date}.").format(
                name=progress.municipality.name, item=progress.item.code, date=format_date(effective_date)
            )
        )
    return errors


def _check_may_change(by: User | None, municipality_ids: Iterable[int]) -> None:
    """A user may only change local governments in their write scope; ``by=None`` is the system."""
    if by is None:
        return
    wanted = set(municipality_ids)
    allowed = set()
    for chunk in _chunks(list(wanted)):
        allowed.update(Municipality.objects.editable_by(by).filter(pk__in=chunk).values_list("pk", flat=True))
    if wanted - allowed:
        raise PermissionDenied(_("You may not change the progress of this local government."))


def _locked(ids: Sequence[int], *related: str) -> dict[int, Progress]:
    """Progress rows locked until the end of the transaction, read after the lock is held.

    The lock is taken on the rows alone and the rows are read in a second
    statement: PostgreSQL re-reads a row it waited for, but not the rows joined
    to it, so a join in the locking query would show the new stage with the
    old ``updated_by``.
    """
    rows = {}
    for chunk in _chunks(ids):
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
) -> ProgressChange | None:
    """Move one progress to ``stage`` and record the change; the only way a stage changes.

    Locks the row, checks the user's scope (``PermissionDenied``), refuses the
    change if ``expected_version`` is given and the row has moved on since
    (``ProgressConflict``, naming the newer value), then checks the rules
    (``ValidationError``): a stage of the ladder or 当面困難 with a reason, an
    item that applies and is not retired, an effective date neither in the
    future nor before the current stage's date, and evidence (at most one)
    that concerns this local government and item. Setting the stage it already
    has changes nothing and returns None. ``progress`` is refreshed in place.
    """
    current = _locked([progress.pk], "municipality", "item", "updated_by")[progress.pk]
    _check_may_change(by, [current.municipality_id])
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
    )
    _apply(current, stage=stage, effective_date=effective_date, note=note, by=by, at=change.recorded_at)
    current.save(update_fields=PROGRESS_STATE_FIELDS)
    _copy_state(current, progress)
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
    for chunk in _chunks(activity_ids):
        for activity_id, municipality_id in through.filter(activity_id__in=chunk).values_list(
            "activity_id", "municipality_id"
        ):
            members.setdefault(activity_id, set()).add(municipality_id)
    return members


@transaction.atomic
def progress_update_many(
    *, changes: Sequence[StageChange], by: User | None, import_batch: ImportBatch | None = None
) -> list[ProgressChange]:
    """Apply many changes at once with the same rules as :func:`progress_update`.

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
    _check_may_change(by, {row.municipality_id for row in locked.values()})
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
        if problems:
            errors[position] = problems
            continue
        todo.append((current, change, note))
    if errors:
        raise ValidationError({str(position): messages for position, messages in errors.items()})
    now = timezone.now()
    records = []
    for current, change, note in todo:
        records.append(
            ProgressChange(
                progress=current,
                from_stage=current.stage,
                to_stage=change.stage,
                effective_date=change.effective_date,
                recorded_at=now,
                recorded_by=by,
                note=note,
                activity=change.activity,
                referral=change.referral,
                import_batch=import_batch,
            )
        )
        _apply(current, stage=change.stage, effective_date=change.effective_date, note=note, by=by, at=now)
    ProgressChange.objects.bulk_create(records, batch_size=1000)
    _update_columns(Progress, PROGRESS_STATE_FIELDS, [current for current, _change, _note in todo])
    return records


def _update_columns(model, fields: Sequence[str], objects: Sequence) -> None:
    """Write ``fields`` of many rows with one parameterised UPDATE executed for each row.

    ``bulk_update`` builds a CASE expression per row and field, which costs
    seconds of Python for a few thousand rows; ``executemany`` sends one
    statement with each row's values (pipelined by psycopg, in C on SQLite)
    and counts as one query per 5,000 rows.
    """
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        for chunk in _chunks(objects, 5000):
            cursor.executemany(
                sql,
                [
                    [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns] + [obj.pk]
                    for obj in chunk
                ],
            )


def progress_backfill(*, municipalities: Iterable[Municipality] | None = None) -> int:
    """Make sure every active local government has a progress row (未着手) for each active item that applies.

    Called after master data or items change (``load_master_data``, saving an
    item in the admin), so a new item shows up everywhere at once. Retired
    items get no new rows; their history stays. Returns the number of rows created.
    """
    items = list(RequestItem.objects.active())
    targets = Municipality.objects.active() if municipalities is None else municipalities
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


def attachment_validate(uploaded_file) -> None:
    """Refuse anything but a non-empty PDF, image or Office file within the size limit.

    The extension decides the type, and the file's first bytes must match it,
    so a web page renamed to .pdf is refused.
    """
    name = Path(uploaded_file.name).name
    extension = Path(name).suffix.lower()
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(_("“{name}”: only PDF, images and Office files can be attached.").format(name=name))
    if uploaded_file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“{name}” is larger than {limit} MB.").format(
                name=name, limit=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
            )
        )
    if not uploaded_file.size:
        raise ValidationError(_("“{name}” is empty.").format(name=name))
    uploaded_file.seek(0)
    start = uploaded_file.read(16)
    uploaded_file.seek(0)
    _content_type, signatures = ATTACHMENT_TYPES[extension]
    if not start.startswith(signatures):
        raise ValidationError(
            _("“{name}” does not look like a {kind} file.").format(name=name, kind=extension.lstrip(".").upper())
        )


def office_may_write(user: User, office) -> bool:
    """Whether ``user`` may log activities for ``office`` (its staff, its bureau, headquarters; not viewers)."""
    from offices.models import Office
    from offices.scopes import office_scope_q

    return Office.objects.filter(office_scope_q(user, write=True), pk=office.pk).exists()


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
    the counts, follow_up_on). The activity is logged after it took place (no
    future date), for an active item that applies to every local government
    named. Those in ``advance`` (a subset of ``municipalities``) that have not
    adopted the item move to 実施 through :func:`progress_update`, with the
    activity as evidence. Scope is checked for the center and for every local
    government; attachments are validated. All or nothing.
    """
    office = fields.get("office")
    if by is not None and office is not None and not office_may_write(by, office):
        raise PermissionDenied(_("You may not log activities for this center."))
    municipalities = list(municipalities)
    advance = list(advance)
    _check_may_change(by, [municipality.pk for municipality in municipalities])
    activity = Activity(created_by=by, **fields)
    activity.full_clean(exclude=["municipalities"])
    errors = []
    if not municipalities:
        errors.append(_("Choose at least one local government."))
    if activity.date > today():
        errors.append(_("The date of the activity lies in the future."))
    item = activity.item
    if not item.is_active:
        errors.append(_("Item {item} has been retired.").format(item=item.code))
    elsewhere = [municipality.name for municipality in municipalities if not item.applies_to(municipality)]
    if elsewhere:
        errors.append(
            _("Item {item} applies to prefectural governments only, not to {names}.").format(
                item=item.code, names="、".join(elsewhere)
            )
        )
    chosen = {municipality.pk for municipality in municipalities}
    if any(municipality.pk not in chosen for municipality in advance):
        errors.append(_("Only local governments named in the activity can be moved to “Done” by it."))
    if errors:
        raise ValidationError(errors)
    activity.save()
    activity.municipalities.set(municipalities)
    for uploaded in files:
        attachment_add(activity=activity, uploaded_file=uploaded, by=by)
    for municipality in advance:
        _advance_to_done(municipality=municipality, item=item, by=by, on=activity.date, activity=activity)
    return activity


@transaction.atomic
def activity_follow_up_done(*, activity: Activity, by: User | None) -> Activity:
    """Mark an activity's follow-up as done (it leaves the desk's list of follow-ups due)."""
    if by is not None and not office_may_write(by, activity.office):
        raise PermissionDenied(_("You may not change activities of this center."))
    if activity.follow_up_on is None:
        raise ValidationError(_("This activity has no follow-up date."))
    Activity.objects.filter(pk=activity.pk).update(follow_up_done=True)
    activity.follow_up_done = True
    return activity


@transaction.atomic
def attachment_add(*, activity: Activity, uploaded_file, by: User | None) -> Attachment:
    """Attach a validated file to an activity; stored privately, served only by the scope-checked download view."""
    if by is not None and not office_may_write(by, activity.office):
        raise PermissionDenied(_("You may not change activities of this center."))
    attachment_validate(uploaded_file)
    name = Path(uploaded_file.name).name
    content_type, _signatures = ATTACHMENT_TYPES[Path(name).suffix.lower()]
    return Attachment.objects.create(
        activity=activity,
        file=uploaded_file,
        original_name=name[:255],
        content_type=content_type,
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
    """File a referral (回付) with the local government's center, as 提出済み, with its first event.

    A local government's first referral moves its item 2-3 to 実施 through
    :func:`progress_update`, recorded by the same user with the referral as
    evidence (unless 2-3 is already 実施 or 定着).
    """
    _check_may_change(by, [municipality.pk])
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
        item = RequestItem.objects.filter(code=REFERRAL_ITEM_CODE).first()
        if item is not None:
            _advance_to_done(municipality=municipality, item=item, by=by, on=received_on, referral=referral)
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
    """Move a referral along submitted → acknowledged → in progress → closed, timestamping each step.

    Closing needs an outcome, and only closing takes one. Each step leaves a
    ``ReferralEvent`` with the same time as the referral's own timestamp.
    """
    if to_status not in Referral.Status.values:
        raise ValidationError(_("“{status}” is not a status.").format(status=to_status))
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if by is not None and not referral_may_handle(by, current):
        raise PermissionDenied(_("You may not handle this referral."))
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
    setattr(current, REFERRAL_TIMESTAMPS[to_status], now)
    current.outcome = outcome
    ReferralEvent.objects.create(
        referral=current, from_status=current.status, to_status=to_status, by=by, note=note.strip(), at=now
    )
    current.status = to_status
    current.save(update_fields=["status", "outcome", REFERRAL_TIMESTAMPS[to_status]])
    for name in ("status", "outcome", "acknowledged_at", "started_at", "closed_at"):
        setattr(referral, name, getattr(current, name))
    return referral
