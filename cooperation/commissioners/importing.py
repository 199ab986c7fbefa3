"""Importing the commissioner register: preview with row and column problems, then all or nothing."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cooperation.commissioners.models import Commissioner, CommissionerBackground
from cooperation.commissioners.roundtrip import (
    _STATUS_LOOKUP,
    ADDRESS,
    APPOINTED,
    AREA,
    BACKGROUND,
    BACKGROUND_SEPARATOR,
    CODE,
    COUNSELOR,
    EMAIL,
    ENDED,
    ENDS,
    FIRST,
    KANA,
    NAME,
    NOTE,
    NUMBER,
    PHONE,
    POSTAL,
    REC_CODE,
    REC_DATE,
    STATUS,
    STATUS_LABELS,
    Row,
    read_register,
)
from cooperation.commissioners.services import (
    term_end,
)
from cooperation.fiscal import format_date, today
from cooperation.survey.formats import CellError, code_digits, name_key, normalise, parse_date, parse_note
from cooperation.survey.reading import FileProblem
from offices import policies
from offices.models import Municipality, User
from offices.validators import lg_code_complete


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str
    message: str


@dataclass
class Change:
    """What one row does: ``action`` is create, update, appoint or end (a row may do update and appoint)."""

    row: int
    number: str
    name: str
    actions: list[str]
    commissioner_id: int | None = None
    version: int | None = None
    fields: dict = field(default_factory=dict)
    backgrounds: list[int] | None = None
    term: tuple | None = None
    end: tuple | None = None
    create: dict | None = None

    def describe(self) -> str:
        parts = []
        if "create" in self.actions:
            parts.append(_("new commissioner"))
        if self.fields or self.backgrounds is not None:
            names = [Commissioner._meta.get_field(name).verbose_name for name in self.fields]
            if self.backgrounds is not None:
                names.append(Commissioner._meta.get_field("backgrounds").verbose_name)
            parts.append(_("changed: {fields}").format(fields="、".join(str(name) for name in names)))
        if self.term:
            parts.append(
                _("new term {start} – {end}").format(start=format_date(self.term[0]), end=format_date(self.term[1]))
            )
        if self.end:
            parts.append(
                _("{status} on {date}").format(
                    status=Commissioner.Status(self.end[0]).label, date=format_date(self.end[1])
                )
            )
        return "; ".join(parts)


@dataclass
class Plan:
    file_name: str
    sha256: str
    row_count: int = 0
    unchanged_count: int = 0
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.sha256.encode())
        for change in self.changes:
            digest.update(f"|{change.number}:{change.commissioner_id}:{change.version}".encode())
        return digest.hexdigest()


@dataclass
class Outcome:
    plan: Plan
    applied: bool = False
    stale: bool = False


def _status(value) -> str:
    text = normalise(value)
    status = _STATUS_LOOKUP.get(text) or _STATUS_LOOKUP.get(text.casefold())
    if status is None:
        raise CellError(
            _("“{value}” is not a status: use one of {labels}.").format(
                value=text, labels="、".join(STATUS_LABELS.values())
            )
        )
    return status


def _text(value) -> str:
    return parse_note(value)


class _Planner:
    def __init__(self, plan: Plan, *, by: User | None, lock: bool):
        self.plan, self.by, self.lock = plan, by, lock
        self.today = today()
        rows = Municipality.objects.values_list("pk", "lg_code", "name", "kind", "is_active")
        self.governments = {code: (pk, code, name, kind, active) for pk, code, name, kind, active in rows}
        self.backgrounds = {
            name_key(name): pk for pk, name in CommissionerBackground.objects.values_list("pk", "name_ja")
        }

    def problem(self, row: Row, column: str, message: str) -> None:
        self.plan.problems.append(Problem(row=row.number, column=column, message=message))

    def government(self, row: Row, column: str, value):
        digits = code_digits(value)
        if not digits:
            return None
        code = digits if len(digits) == 6 else lg_code_complete(digits.zfill(5))
        found = self.governments.get(code)
        if found is None:
            self.problem(
                row,
                column,
                _("“{value}” is not a local government code: six digits, e.g. 012033.").format(value=digits),
            )
        return found

    def date(self, row: Row, column: str, columns) -> datetime.date | None:
        if column not in columns:
            return None
        try:
            day = parse_date(row.cells[column])
        except CellError as error:
            self.problem(row, column, str(error))
            return None
        if day is not None and day > self.today and column not in (ENDS,):
            self.problem(row, column, _("The date {date} lies in the future.").format(date=format_date(day)))
        return day

    def run(self, columns: list[str], rows: list[Row]) -> None:
        numbers = [normalise(row.cells[NUMBER]) for row in rows]
        query = Commissioner.objects.filter(number__in=[number for number in numbers if number]).order_by()
        if self.lock:
            query = query.select_for_update()
        existing = {commissioner.number: commissioner for commissioner in query}
        current_backgrounds: dict[int, set[int]] = {}
        for commissioner_id, background_id in Commissioner.backgrounds.through.objects.filter(
            commissioner__in=[commissioner.pk for commissioner in existing.values()]
        ).values_list("commissioner_id", "commissionerbackground_id"):
            current_backgrounds.setdefault(commissioner_id, set()).add(background_id)
        areas = {
            self.governments[code][0]
            for code in (code_digits(row.cells[CODE]) for row in rows)
            if code in self.governments
        }
        areas |= {commissioner.municipality_id for commissioner in existing.values()}
        self.manageable = policies.permitted_ids(self.by, policies.COMMISSIONER_MANAGE, areas)
        recommenders = dict(
            Municipality.objects.filter(pk__in={c.recommended_by_id for c in existing.values()}).values_list(
                "pk", "lg_code"
            )
        )
        seen: dict[str, int] = {}
        for row, number in zip(rows, numbers, strict=True):
            if not number:
                self.problem(row, NUMBER, _("The commissioner number is empty: every row needs its number."))
                continue
            if number in seen:
                self.problem(
                    row,
                    NUMBER,
                    _("{number} appears twice: in row {first} and in this row.").format(
                        number=number, first=seen[number]
                    ),
                )
                continue
            seen[number] = row.number
            self.plan_row(row, number, columns, existing.get(number), current_backgrounds, recommenders)

    def plan_row(self, row, number, columns, current, current_backgrounds, recommenders) -> None:
        cells = row.cells
        problems_before = len(self.plan.problems)
        name, kana = _text(cells[NAME]), _text(cells[KANA])
        if not name:
            self.problem(row, NAME, _("The name is empty."))
        if not kana:
            self.problem(row, KANA, _("The kana of the name is empty."))
        area = self.government(row, CODE, cells[CODE])
        if area is None and not code_digits(cells[CODE]):
            self.problem(row, CODE, _("The local government code is empty."))
        if area is not None:
            pk, code, area_name, kind, active = area
            if AREA in columns and normalise(cells[AREA]) and name_key(cells[AREA]) != name_key(area_name):
                self.problem(
                    row,
                    AREA,
                    _("The code {code} belongs to {name}, not to “{given}”.").format(
                        code=code, name=area_name, given=normalise(cells[AREA])
                    ),
                )
            if kind == Municipality.Kind.PREFECTURE or not active:
                self.problem(
                    row,
                    CODE,
                    _("A commissioner works in the area of an active municipality, not of {name}.").format(
                        name=area_name
                    ),
                )
            elif pk not in self.manageable:
                self.problem(
                    row,
                    CODE,
                    _("You may not maintain the register of {name}: it is outside your scope.").format(name=area_name),
                )
        try:
            status = _status(cells[STATUS])
        except CellError as error:
            self.problem(row, STATUS, str(error))
            status = None
        start, ends = self.date(row, APPOINTED, columns), self.date(row, ENDS, columns)
        first, ended = self.date(row, FIRST, columns), self.date(row, ENDED, columns)
        since = self.date(row, COUNSELOR, columns)
        rec_on = self.date(row, REC_DATE, columns)
        rec = code_digits(cells[REC_CODE]) if REC_CODE in columns else ""
        background_ids = None
        if BACKGROUND in columns:
            background_ids = []
            for label in (
                part
                for part in normalise(cells[BACKGROUND]).replace(",", BACKGROUND_SEPARATOR).split(BACKGROUND_SEPARATOR)
                if part.strip()
            ):
                pk = self.backgrounds.get(name_key(label))
                if pk is None:
                    self.problem(
                        row,
                        BACKGROUND,
                        _("“{value}” is not a background category: use one of {labels}.").format(
                            value=label.strip(),
                            labels="、".join(CommissionerBackground.objects.values_list("name_ja", flat=True)),
                        ),
                    )
                else:
                    background_ids.append(pk)
        values = (
            {"name": name, "name_kana": kana, "counselor_since": since}
            if COUNSELOR in columns
            else {"name": name, "name_kana": kana}
        )
        for column, attribute in (
            (POSTAL, "postal_code"),
            (ADDRESS, "address"),
            (PHONE, "phone"),
            (EMAIL, "email"),
            (NOTE, "note"),
        ):
            if column in columns:
                values[attribute] = _text(cells[column])
        if len(self.plan.problems) > problems_before or area is None or status is None:
            return
        if current is None:
            self.plan_new(row, number, area, status, start, ends, first, rec, rec_on, values, background_ids)
        else:
            self.plan_existing(
                row,
                current,
                area,
                status,
                start,
                ends,
                ended,
                rec,
                rec_on,
                values,
                background_ids,
                current_backgrounds,
                recommenders,
            )

    def plan_new(self, row, number, area, status, start, ends, first, rec, rec_on, values, background_ids) -> None:
        if status not in Commissioner.Status.serving():
            self.problem(
                row,
                STATUS,
                _(
                    "A new commissioner enters the register appointed (委嘱 or 再委嘱): "
                    "recommendations are recorded by the municipality."
                ),
            )
            return
        if start is None:
            self.problem(row, APPOINTED, _("A new commissioner needs the date of appointment."))
            return
        if rec or rec_on:
            self.problem(
                row, REC_CODE, _("Recommendations are recorded by the recommending municipality, not by import.")
            )
            return
        if ends is not None and ends <= start:
            self.problem(row, ENDS, _("The term must end after it begins."))
            return
        self.plan.changes.append(
            Change(
                row=row.number, number=number, name=values["name"], actions=["create"],
                create={"municipality_id": area[0], "appointed_on": start, "term_ends_on": ends or term_end(start),
                        "first_appointed_on": first, "values": values, "backgrounds": background_ids or []},
            )
        )  # fmt: skip

    def plan_existing(
        self,
        row,
        current,
        area,
        status,
        start,
        ends,
        ended,
        rec,
        rec_on,
        values,
        background_ids,
        current_backgrounds,
        recommenders,
    ) -> None:
        if current.municipality_id not in self.manageable:
            self.problem(
                row,
                NUMBER,
                _("You may not maintain the register of {number}: it is outside your scope.").format(
                    number=current.number
                ),
            )
            return
        if (rec or "") != (recommenders.get(current.recommended_by_id) or "") or (
            rec_on is not None and rec_on != current.recommended_on
        ):
            self.problem(
                row, REC_CODE, _("Recommendations are recorded by the recommending municipality, not by import.")
            )
            return
        change = Change(
            row=row.number,
            number=current.number,
            name=current.name,
            actions=[],
            commissioner_id=current.pk,
            version=current.version,
        )
        fields = {name: value for name, value in values.items() if getattr(current, name) != value}
        if area[0] != current.municipality_id:
            fields["municipality_id"] = area[0]
        change.fields = fields
        if background_ids is not None and set(background_ids) != current_backgrounds.get(current.pk, set()):
            change.backgrounds = sorted(set(background_ids))
        serving_now = current.status in Commissioner.Status.serving()
        if start is not None and (current.appointed_on is None or start > current.appointed_on):
            if status not in Commissioner.Status.serving():
                self.problem(row, STATUS, _("A new term needs the status 委嘱 or 再委嘱."))
                return
            if ends is not None and ends <= start:
                self.problem(row, ENDS, _("The term must end after it begins."))
                return
            change.term = (start, ends or term_end(start))
        elif start != current.appointed_on or (ends is not None and ends != current.term_ends_on):
            self.problem(
                row,
                APPOINTED,
                _("The current term ({start} – {end}) cannot be changed by import: a new term begins after it.").format(
                    start=format_date(current.appointed_on), end=format_date(current.term_ends_on)
                ),
            )
            return
        if status in Commissioner.Status.ended():
            if current.status in Commissioner.Status.ended():
                if status != current.status:
                    self.problem(row, STATUS, _("{name} has already left the register.").format(name=current.name))
                    return
            else:
                change.end = (status, ended or self.today)
        elif status == Commissioner.Status.RECOMMENDED and current.status != status:
            self.problem(row, STATUS, _("An appointed commissioner cannot go back to 推薦中."))
            return
        elif not serving_now and change.term is None and current.status != Commissioner.Status.RECOMMENDED:
            self.problem(
                row,
                STATUS,
                _("{name} has left the register: a return needs a new term (a later 委嘱日).").format(
                    name=current.name
                ),
            )
            return
        change.actions = [
            name
            for name, wanted in (
                ("update", fields or change.backgrounds is not None),
                ("appoint", change.term),
                ("end", change.end),
            )
            if wanted
        ]
        if change.actions:
            self.plan.changes.append(change)
        else:
            self.plan.unchanged_count += 1


def register_plan(*, content: bytes, file_name: str, by: User | None, lock: bool = False) -> Plan:
    """Read and validate a register file; write nothing. ``by`` None is the system (no scope limit)."""
    plan = Plan(file_name=file_name, sha256=hashlib.sha256(content).hexdigest())
    try:
        columns, rows = read_register(content, file_name)
    except FileProblem as problem:
        plan.problems.append(Problem(row=None, column=problem.column, message=problem.message))
        return plan
    plan.row_count = len(rows)
    if by is not None and not policies.can(by, policies.COMMISSIONER_IMPORT):
        plan.problems.append(Problem(row=None, column="", message=_("Only ministry staff may import the register.")))
        return plan
    _Planner(plan, by=by, lock=lock).run(columns, rows)
    return plan
