"""From a survey file to a plan (every change, every problem), and from a clean plan to the database.

The whole file is validated in memory against data loaded in a fixed number
of queries (local governments, items, the user's write scope, the progress
rows of the file's local governments), whatever its length. Applying re-reads
the file inside one transaction with those progress rows locked, plans again
and writes through :func:`cooperation.progress.services.progress_update_many`: every
row or none.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cooperation.fiscal import format_date, today
from cooperation.models import ImportBatch, Progress, RequestItem, Stage
from cooperation.progress.models import scope_applies
from cooperation.progress.services import StageChange, progress_update_many
from cooperation.security.dates import too_early, too_early_message
from cooperation.survey.directory import Current, Directory, Item, LocalGovernment
from cooperation.survey.formats import (
    CODE,
    DATE,
    ITEM,
    NAME,
    NOTE,
    STAGE,
    CellError,
    code_digits,
    is_blank,
    name_key,
    normalise,
    parse_date,
    parse_item_code,
    parse_note,
    parse_stage,
    stage_label,
)
from cooperation.survey.reading import FileProblem, Row, read_rows
from offices.models import User
from offices.policies import PROGRESS_CHANGE, SURVEY_IMPORT, permitted_ids, require
from offices.services import audit_record


@dataclass(frozen=True)
class Problem:
    """Why a row (or, with ``row`` None, the whole file) cannot be imported."""

    row: int | None
    column: str
    message: str


@dataclass(frozen=True)
class Change:
    """One stage the import would move."""

    row: int
    progress_id: int
    version: int
    lg_code: str
    name: str
    item_code: str
    from_stage: str
    to_stage: str
    effective_date: datetime.date
    note: str


@dataclass(frozen=True)
class Ignored:
    """A row whose stage is unchanged but whose date or note differs: nothing is recorded, for ``reason``."""

    row: int
    lg_code: str
    name: str
    item_code: str
    reason: str


@dataclass
class Plan:
    """What importing a file would do; it may be applied only if it has no problem.

    At most ``SURVEY_MAX_PROBLEMS`` problems (and as many ignored rows) are
    listed; ``problem_count`` and ``ignored_count`` count them all.
    ``skipped_count`` counts rows outside the user's scope that change nothing
    (a prefecture's consolidated file imported by one of its centers).
    """

    file_name: str
    sha256: str
    row_count: int = 0
    unchanged_count: int = 0
    skipped_count: int = 0
    problem_count: int = 0
    ignored_count: int = 0
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.problem_count

    @property
    def unlisted_problems(self) -> int:
        return max(0, self.problem_count - len(self.problems))

    @property
    def unlisted_ignored(self) -> int:
        return max(0, self.ignored_count - len(self.ignored))

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < settings.SURVEY_MAX_PROBLEMS:
            self.problems.append(problem)

    def add_ignored(self, ignored: Ignored) -> None:
        self.ignored_count += 1
        if len(self.ignored) < settings.SURVEY_MAX_PROBLEMS:
            self.ignored.append(ignored)

    @property
    def fingerprint(self) -> str:
        """Names this exact set of changes against this exact state: a preview confirmed is the one applied."""
        digest = hashlib.sha256(self.sha256.encode())
        for change in self.changes:
            digest.update(
                f"|{change.progress_id}:{change.version}:{change.to_stage}:{change.effective_date}:{change.note}".encode()
            )
        return digest.hexdigest()


@dataclass
class Outcome:
    """The result of :func:`survey_apply`: the plan, and the batch if anything was written."""

    plan: Plan
    batch: ImportBatch | None = None
    stale: bool = False

    @property
    def applied(self) -> bool:
        return self.batch is not None


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def survey_plan(*, content: bytes, file_name: str, by: User | None, lock: bool = False) -> Plan:
    """Read and validate a survey file; write nothing.

    ``by`` None is the system: no scope restriction; anyone else must be
    allowed ``survey.import`` (``NotAllowed`` otherwise) and each row is
    checked against ``progress.change``. With ``lock`` (inside a transaction)
    the progress rows read stay locked until it ends.
    """
    require(by, SURVEY_IMPORT)
    plan = Plan(file_name=file_name, sha256=_sha256(content))
    try:
        rows = read_rows(content, file_name)
    except FileProblem as problem:
        plan.add_problem(Problem(row=None, column=problem.column, message=problem.message))
        return plan
    plan.row_count = len(rows)
    _Planner(plan, by=by, lock=lock).run(rows)
    return plan


@dataclass
class _Parsed:
    """One row's cells read; None where a cell was refused (its problem is already recorded)."""

    row: Row
    government: LocalGovernment | None = None
    item: Item | None = None
    stage: str | None = None
    date: datetime.date | None = None
    date_ok: bool = True
    note: str = ""


class _Planner:
    def __init__(self, plan: Plan, *, by: User | None, lock: bool):
        self.plan = plan
        self.by = by
        self.lock = lock
        self.directory = Directory()
        self.items = {row[1]: Item(*row) for row in RequestItem.objects.values_list("pk", "code", "scope", "is_active")}
        self.today = today()

    def problem(self, row: Row, column: str, message: str) -> None:
        self.plan.add_problem(Problem(row=row.number, column=column, message=message))

    def run(self, rows: list[Row]) -> None:
        prefixes = Counter(digits[:2] for digits in (code_digits(row.cells[CODE]) for row in rows) if len(digits) == 6)
        file_prefecture = prefixes.most_common(1)[0][0] if prefixes else None
        parsed = [self.parse(row, file_prefecture) for row in rows]
        ids = {entry.government.pk for entry in parsed if entry.government is not None}
        editable = self.editable(ids)
        current = self.current(ids)
        seen = {}
        for entry in parsed:
            government, item, row = entry.government, entry.item, entry.row
            if government is not None and government.pk not in editable:
                if self.unchanged_outside_scope(entry, current):
                    self.plan.skipped_count += 1
                else:
                    self.problem(
                        row,
                        CODE,
                        _("You may not change {label}: it is outside your scope.").format(label=government.label),
                    )
                continue
            if government is None or item is None:
                continue
            key = (government.pk, item.pk)
            if key in seen:
                self.problem(
                    row,
                    ITEM,
                    _("{label} {item} appears twice: in row {first} and in this row.").format(
                        label=government.label, item=item.code, first=seen[key]
                    ),
                )
                continue
            seen[key] = row.number
            progress = current.get(key)
            if progress is None:
                self.problem(
                    row,
                    ITEM,
                    _("{label} has no progress for item {item}: ask an administrator to load the master data.").format(
                        label=government.label, item=item.code
                    ),
                )
            elif entry.stage is not None and entry.date_ok:
                self.plan_row(entry, progress)

    @staticmethod
    def unchanged_outside_scope(entry: _Parsed, current: dict) -> bool:
        """A row of a local government outside the user's scope that would change nothing: skipped, not refused."""
        if entry.item is None or entry.stage is None:
            return False
        progress = current.get((entry.government.pk, entry.item.pk))
        return progress is not None and progress.stage == entry.stage

    def parse(self, row: Row, file_prefecture: str | None) -> _Parsed:
        cells = row.cells
        entry = _Parsed(row=row, note=parse_note(cells[NOTE]))
        given_name = normalise(cells[NAME])
        try:
            entry.government = self.directory.resolve(cells[CODE], given_name, file_prefecture)
        except CellError as error:
            self.problem(row, CODE, str(error))
        if entry.government is not None and given_name and name_key(given_name) != name_key(entry.government.name):
            self.problem(row, NAME, self._name_mismatch(entry.government, given_name))
            entry.government = None
        entry.item = self.parse_item(row, entry.government)
        try:
            entry.stage = parse_stage(cells[STAGE])
        except CellError as error:
            self.problem(row, STAGE, str(error))
        try:
            entry.date = parse_date(cells[DATE])
        except CellError as error:
            self.problem(row, DATE, str(error))
            entry.date_ok = False
        else:
            if entry.date is not None and entry.date > self.today:
                self.problem(row, DATE, _("The date {date} lies in the future.").format(date=format_date(entry.date)))
                entry.date_ok = False
            elif too_early(entry.date):
                self.problem(row, DATE, too_early_message(entry.date))
                entry.date_ok = False
        return entry

    def parse_item(self, row: Row, government: LocalGovernment | None) -> Item | None:
        code = parse_item_code(row.cells[ITEM])
        item = self.items.get(code)
        if item is None:
            if not code:
                self.problem(row, ITEM, _("The item is empty."))
            else:
                self.problem(
                    row, ITEM, _("“{value}” is not a request item: use a code such as 1-1 or 2-3.").format(value=code)
                )
            return None
        if not item.is_active:
            self.problem(row, ITEM, _("Item {item} has been retired.").format(item=item.code))
            return None
        if government is not None and not scope_applies(item.scope, government.kind):
            self.problem(
                row,
                ITEM,
                _("Item {item} applies to {scope}, not to {name}.").format(
                    item=item.code, scope=RequestItem.Scope(item.scope).label, name=government.name
                ),
            )
            return None
        return item

    def _name_mismatch(self, government: LocalGovernment, given_name: str) -> str:
        message = _("The code {code} belongs to {name}, not to “{given}”.").format(
            code=government.lg_code, name=government.name, given=given_name
        )
        other = self.directory.named(government.prefecture_code, given_name)
        if other is not None:
            message += " " + _("{name} has the code {code}.").format(name=other.name, code=other.lg_code)
        return message

    def editable(self, ids: set[int]) -> set[int]:
        return permitted_ids(self.by, PROGRESS_CHANGE, ids)

    def current(self, ids: set[int]) -> dict[tuple[int, int], Current]:
        query = Progress.objects.filter(municipality_id__in=ids).order_by()
        if self.lock:
            query = query.select_for_update()
        return {
            (municipality_id, item_id): Current(pk, stage, stage_date, version, note)
            for pk, municipality_id, item_id, stage, stage_date, version, note in query.values_list(
                "pk", "municipality_id", "item_id", "stage", "stage_date", "version", "note"
            )
        }

    def plan_row(self, entry: _Parsed, progress: Current) -> None:
        if entry.stage == progress.stage:
            self.plan.unchanged_count += 1
            self.ignore_unchanged(entry, progress)
            return
        row = entry.row
        date = entry.date or self.today
        refused = False
        if progress.stage_date and date < progress.stage_date:
            self.problem(
                row,
                DATE,
                _("The date {date} is earlier than the date of the current stage “{stage}” ({current}).").format(
                    date=format_date(date), stage=stage_label(progress.stage), current=format_date(progress.stage_date)
                ),
            )
            refused = True
        if entry.stage == Stage.NOT_FEASIBLE and is_blank(entry.note):
            self.problem(row, NOTE, _("当面困難 (not feasible for now) needs a reason in 備考."))
            refused = True
        if not refused:
            self.plan.changes.append(
                Change(
                    row=row.number,
                    progress_id=progress.pk,
                    version=progress.version,
                    lg_code=entry.government.lg_code,
                    name=entry.government.name,
                    item_code=entry.item.code,
                    from_stage=progress.stage,
                    to_stage=entry.stage,
                    effective_date=date,
                    note=entry.note,
                )
            )

    def ignore_unchanged(self, entry: _Parsed, progress: Current) -> None:
        """Report a date or note given with an unchanged stage: only a change of stage records them."""
        reasons = []
        label = stage_label(progress.stage)
        if entry.date is not None and entry.date != progress.stage_date:
            if progress.stage_date is None:
                reasons.append(
                    _("The stage “{stage}” is unchanged: the date {date} is not recorded.").format(
                        stage=label, date=format_date(entry.date)
                    )
                )
            else:
                reasons.append(
                    _(
                        "The stage “{stage}” is unchanged: the date {date} is not recorded (the stage dates from "
                        "{current})."
                    ).format(stage=label, date=format_date(entry.date), current=format_date(progress.stage_date))
                )
        if entry.note != progress.note:
            reasons.append(
                _(
                    "The stage “{stage}” is unchanged: the note is not recorded (a note goes with a change of stage)."
                ).format(stage=label)
            )
        if reasons:
            self.plan.add_ignored(
                Ignored(
                    row=entry.row.number,
                    lg_code=entry.government.lg_code,
                    name=entry.government.name,
                    item_code=entry.item.code,
                    reason=" ".join(reasons),
                )
            )


@transaction.atomic
def survey_apply(
    *, content: bytes, file_name: str, by: User | None, fingerprint: str | None = None, request=None
) -> Outcome:
    """Import a survey file: all its changes in one transaction, or none.

    Plans again with the progress rows locked; writes nothing if the file has
    a problem, or if ``fingerprint`` is given and the plan is no longer the
    one previewed (``stale``: someone changed a stage meanwhile). A file that
    changes nothing stores no batch (the audit trail still records the
    import); otherwise the ImportBatch is the evidence of every change.
    """
    plan = survey_plan(content=content, file_name=file_name, by=by, lock=True)
    if not plan.ok:
        return Outcome(plan=plan)
    if fingerprint is not None and fingerprint != plan.fingerprint:
        return Outcome(plan=plan, stale=True)
    batch = None
    if plan.changes:
        try:
            with transaction.atomic():
                batch = ImportBatch.objects.create(
                    created_by=by,
                    file_name=file_name[:255],
                    sha256=plan.sha256,
                    row_count=plan.row_count,
                    change_count=len(plan.changes),
                    unchanged_count=plan.unchanged_count,
                )
                progress_update_many(
                    changes=[
                        StageChange(
                            progress=Progress(pk=change.progress_id),
                            stage=change.to_stage,
                            effective_date=change.effective_date,
                            note=change.note,
                            expected_version=change.version,
                        )
                        for change in plan.changes
                    ],
                    by=by,
                    import_batch=batch,
                )
        except ValidationError as error:
            _refused(plan, error)
            return Outcome(plan=plan)
    audit_record(
        action="import",
        actor=by,
        request=request,
        target=file_name,
        detail={
            "sha256": plan.sha256,
            "rows": plan.row_count,
            "changes": len(plan.changes),
            "unchanged": plan.unchanged_count,
            "skipped": plan.skipped_count,
            "batch": batch.pk if batch is not None else None,
        },
    )
    return Outcome(plan=plan, batch=batch)


def _refused(plan: Plan, error: ValidationError) -> None:
    """The progress service refused changes the plan accepted: report them on their rows."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            plan.add_problem(Problem(row=None, column="", message=message))
        return
    for position, errors in error.message_dict.items():
        change = plan.changes[int(position)]
        for message in errors:
            plan.add_problem(Problem(row=change.row, column=STAGE, message=message))
