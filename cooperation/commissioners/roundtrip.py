"""The register round trip (行政相談委員名簿): download as xlsx/CSV, edit in Excel, import it back.

The same standard as the survey (``cooperation/survey``): one sheet named
行政相談委員 (or a CSV file in UTF-8 with or without BOM, or Shift_JIS), the
header row matched by name in any order, every row keyed on the stable
委員番号, a preview listing every change and every problem with its row and
column, and an import that writes every row or none. The header and the
status labels are the file format and stay Japanese in every language.

Columns: 委員番号, 氏名, ふりがな, 団体コード, 団体名, 状態, 委嘱日,
任期満了日, 初委嘱日, 退任日, 推薦団体コード, 推薦日, 苦情相談員兼務開始日,
経歴 (categories separated by 、), then the contact columns 郵便番号, 住所,
電話, メール (in the files of ministry staff only) and 備考. A column left out of
the file leaves that field as it is. What a row can do: create a commissioner
(a new number), change the editable fields, record a new term (a later
委嘱日: reappointment or appointment) or a retirement (状態 退任 or 死去 with
退任日). Recommendations and awards are recorded on their pages (they move
stages); their columns are shown for reference and must not change.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cooperation import exports
from cooperation.commissioners.models import Commissioner, CommissionerBackground
from cooperation.commissioners.services import (
    CommissionerConflict,
    commissioner_appoint,
    commissioner_create,
    commissioner_end,
    commissioner_update,
    term_end,
)
from cooperation.fiscal import format_date, today
from cooperation.survey.formats import CellError, code_digits, is_blank, name_key, normalise, parse_date, parse_note
from cooperation.survey.reading import FileProblem, _csv_table
from offices import policies
from offices.models import Municipality, User
from offices.services import audit_record
from offices.validators import lg_code_complete

SHEET_NAME = "行政相談委員"
NUMBER, NAME, KANA, CODE, AREA, STATUS = "委員番号", "氏名", "ふりがな", "団体コード", "団体名", "状態"
APPOINTED, ENDS, FIRST, ENDED = "委嘱日", "任期満了日", "初委嘱日", "退任日"
REC_CODE, REC_DATE, COUNSELOR, BACKGROUND = "推薦団体コード", "推薦日", "苦情相談員兼務開始日", "経歴"
POSTAL, ADDRESS, PHONE, EMAIL, NOTE = "郵便番号", "住所", "電話", "メール", "備考"
CONTACT = (POSTAL, ADDRESS, PHONE, EMAIL)
HEADER = (
    NUMBER, NAME, KANA, CODE, AREA, STATUS, APPOINTED, ENDS, FIRST, ENDED,
    REC_CODE, REC_DATE, COUNSELOR, BACKGROUND, *CONTACT, NOTE,
)  # fmt: skip
PUBLIC_HEADER = tuple(column for column in HEADER if column not in CONTACT)
REQUIRED = (NUMBER, NAME, KANA, CODE, STATUS, APPOINTED, ENDS)
DATE_COLUMNS = (APPOINTED, ENDS, FIRST, ENDED, REC_DATE, COUNSELOR)
STATUS_LABELS = {
    Commissioner.Status.RECOMMENDED: "推薦中",
    Commissioner.Status.APPOINTED: "委嘱",
    Commissioner.Status.REAPPOINTED: "再委嘱",
    Commissioner.Status.RETIRED: "退任",
    Commissioner.Status.DECEASED: "死去",
}
_STATUS_LOOKUP = {
    **{label: code for code, label in STATUS_LABELS.items()},
    **{str(code): code for code in Commissioner.Status},
    "在任": Commissioner.Status.APPOINTED,
}
BACKGROUND_SEPARATOR = "、"
_MAX_UNPACKED_RATIO = 40
_ZIP = b"PK\x03\x04"
WIDTHS = {NUMBER: 10, NAME: 14, KANA: 18, CODE: 9, AREA: 12, STATUS: 8, ADDRESS: 36, NOTE: 30, BACKGROUND: 24}


# --- export ---------------------------------------------------------------------------------------------------------


def register_rows(commissioners, *, contact: bool) -> tuple[tuple[str, ...], list[tuple]]:
    """Header and one row per commissioner (in the order given), in three queries whatever their number."""
    header = HEADER if contact else PUBLIC_HEADER
    rows = list(
        commissioners.select_related(None)
        .order_by("municipality__lg_code", "name_kana", "number")
        .values_list(
            "pk",
            "number",
            "name",
            "name_kana",
            "municipality__lg_code",
            "municipality__name",
            "status",
            "appointed_on",
            "term_ends_on",
            "first_appointed_on",
            "ended_on",
            "recommended_by__lg_code",
            "recommended_on",
            "counselor_since",
            "postal_code",
            "address",
            "phone",
            "email",
            "note",
        )  # fmt: skip
    )
    names = dict(CommissionerBackground.objects.values_list("pk", "name_ja"))
    order = {pk: index for index, pk in enumerate(names)}
    backgrounds: dict[int, list[int]] = {}
    through = Commissioner.backgrounds.through.objects
    for commissioner_id, background_id in through.filter(commissioner__in=commissioners.values("pk")).values_list(
        "commissioner_id", "commissionerbackground_id"
    ):
        backgrounds.setdefault(commissioner_id, []).append(background_id)
    result = []
    for pk, number, name, kana, code, area, status, start, end, first, ended, rec, rec_on, since, *rest in rows:
        postal, address, phone, email, note = rest
        kinds = BACKGROUND_SEPARATOR.join(names[b] for b in sorted(backgrounds.get(pk, ()), key=order.get))
        row = [number, name, kana, code, area, STATUS_LABELS[status], start, end, first, ended, rec or ""]
        row += [rec_on, since, kinds]
        if contact:
            row += [postal, address, phone, email]
        row.append(note)
        result.append(tuple(row))
    return header, result


def register_csv(header, rows) -> bytes:
    """UTF-8 with BOM, dates as 2026-04-01, every cell neutralised."""
    return exports.csv_bytes(
        header, [tuple(cell.isoformat() if isinstance(cell, datetime.date) else cell for cell in row) for row in rows]
    )


def register_xlsx(header, rows) -> bytes:
    """The sheet 行政相談委員: header bold and frozen, codes and numbers as text, dates as dates, a status list."""
    buffer = io.BytesIO()
    workbook = exports.new_workbook(buffer)
    bold = workbook.add_format({"bold": True})
    as_text = workbook.add_format({"num_format": "@"})
    as_date = workbook.add_format({"num_format": "yyyy/m/d"})
    sheet = workbook.add_worksheet(SHEET_NAME)
    sheet.freeze_panes(1, 0)
    text_columns = {header.index(name) for name in (NUMBER, CODE, REC_CODE, POSTAL, PHONE) if name in header}
    date_columns = {header.index(name) for name in DATE_COLUMNS}
    for index, name in enumerate(header):
        width = WIDTHS.get(name, 12)
        sheet.set_column(index, index, width, as_text if index in text_columns else None)
        sheet.write_string(0, index, name, bold)
    status_column = header.index(STATUS)
    sheet.data_validation(
        1,
        status_column,
        1_048_575,
        status_column,
        {"validate": "list", "source": list(STATUS_LABELS.values()), "show_error": True},
    )
    string, moment, text = sheet.write_string, sheet.write_datetime, exports.xlsx_text
    for row_index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if column in date_columns:
                moment(row_index, column, value, as_date)
            elif column in text_columns:
                string(row_index, column, text(value), as_text)
            else:
                string(row_index, column, text(str(value)))
    workbook.close()
    return buffer.getvalue()


# --- reading --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    number: int
    cells: dict


def read_register(content: bytes, file_name: str) -> tuple[list[str], list[Row]]:
    """The columns present and the non-blank data rows of a register file; raises ``FileProblem``."""
    if not content:
        raise FileProblem(_("The file is empty."))
    if len(content) > settings.SURVEY_MAX_BYTES:
        raise FileProblem(
            _("The file is larger than {limit} MB: split it, e.g. by center.").format(
                limit=round(settings.SURVEY_MAX_BYTES / (1024 * 1024), 1)
            )
        )
    suffix = PurePath(file_name).suffix.lower()
    if content.startswith(_ZIP):
        table = _xlsx_table(content)
    elif suffix in {".csv", ".txt", ""}:
        table = _csv_table(content)
    else:
        raise FileProblem(_("Only .xlsx and .csv files can be imported."))
    header = None
    rows = []
    for number, values in enumerate(table, start=1):
        values = list(values)
        if header is None:
            header = _columns(["" if value is None else str(value).replace("\ufeff", "").strip() for value in values])
            continue
        cells = {name: (values[index] if index < len(values) else None) for name, index in header.items()}
        if all(is_blank(value) for value in cells.values()):
            continue
        rows.append(Row(number=number, cells=cells))
    if header is None:
        raise FileProblem(_("The file is empty."))
    if not rows:
        raise FileProblem(_("The file has a header row but no data rows."))
    return list(header), rows


def _columns(names: list[str]) -> dict[str, int]:
    doubled = sorted({name for name in names if name in HEADER and names.count(name) > 1}, key=HEADER.index)
    if doubled:
        raise FileProblem(
            _("The header row has the column {columns} more than once.").format(columns="、".join(doubled)),
            column="、".join(doubled),
        )
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise FileProblem(
            _("The header row lacks the column(s) {missing}; a register has the columns {columns}.").format(
                missing="、".join(missing), columns="、".join(HEADER)
            ),
            column="、".join(missing),
        )
    return {name: names.index(name) for name in HEADER if name in names}


def _xlsx_table(content: bytes):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise FileProblem(_("The file is damaged: it cannot be opened as an Excel workbook.")) from error
    if unpacked > _MAX_UNPACKED_RATIO * settings.SURVEY_MAX_BYTES:
        raise FileProblem(_("The workbook unpacks to far more data than a survey holds; it was not opened."))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken or foreign zip
        raise FileProblem(_("The file is damaged: it cannot be opened as an Excel workbook.")) from error
    try:
        if SHEET_NAME not in workbook.sheetnames:
            raise FileProblem(
                _("The workbook has no sheet named “{expected}” (its sheets: {found}).").format(
                    expected=SHEET_NAME, found="、".join(workbook.sheetnames)
                )
            )
        return list(workbook[SHEET_NAME].iter_rows(values_only=True))
    finally:
        workbook.close()


# --- planning -------------------------------------------------------------------------------------------------------


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


class _Refused(Exception):
    pass


def register_apply(
    *, content: bytes, file_name: str, by: User | None, fingerprint: str | None = None, request=None
) -> Outcome:
    """Import a register file through the register's services: every row or none.

    Plans again with the commissioners of the file locked; writes nothing if
    a row has a problem, if a service refuses a row (its message is reported
    on that row), or if ``fingerprint`` no longer matches (``stale``).
    """
    policies.require(by, policies.COMMISSIONER_IMPORT)
    try:
        with transaction.atomic():
            plan = register_plan(content=content, file_name=file_name, by=by, lock=True)
            if not plan.ok:
                return Outcome(plan=plan)
            if fingerprint is not None and fingerprint != plan.fingerprint:
                return Outcome(plan=plan, stale=True)
            areas = {
                municipality.pk: municipality
                for municipality in Municipality.objects.select_related("prefecture").filter(
                    pk__in={c.create["municipality_id"] for c in plan.changes if c.create}
                    | {c.fields["municipality_id"] for c in plan.changes if "municipality_id" in c.fields}
                )
            }
            backgrounds = CommissionerBackground.objects.in_bulk()
            for change in plan.changes:
                try:
                    _apply_change(change, by=by, areas=areas, backgrounds=backgrounds)
                except (ValidationError, CommissionerConflict) as error:
                    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                    plan.problems.extend(Problem(row=change.row, column="", message=message) for message in messages)
            if not plan.ok:
                raise _Refused
            audit_record(
                action="commissioner_imported",
                actor=by,
                request=request,
                target=file_name,
                detail={"sha256": plan.sha256, "rows": plan.row_count, "changes": len(plan.changes)},
            )
    except _Refused:
        return Outcome(plan=plan)
    return Outcome(plan=plan, applied=bool(plan.changes))


def _apply_change(change: Change, *, by, areas, backgrounds) -> None:
    if change.create:
        data = change.create
        values = data["values"]
        commissioner_create(
            municipality=areas[data["municipality_id"]],
            number=change.number,
            appointed_on=data["appointed_on"],
            term_ends_on=data["term_ends_on"],
            first_appointed_on=data["first_appointed_on"],
            backgrounds=[backgrounds[pk] for pk in data["backgrounds"]],
            by=by,
            **values,
        )
        return
    commissioner = Commissioner.objects.select_related("municipality").get(pk=change.commissioner_id)
    version = change.version
    if "update" in change.actions:
        fields = dict(change.fields)
        if "municipality_id" in fields:
            fields["municipality"] = areas[fields.pop("municipality_id")]
        commissioner_update(
            commissioner=commissioner,
            by=by,
            expected_version=version,
            backgrounds=[backgrounds[pk] for pk in change.backgrounds] if change.backgrounds is not None else None,
            **fields,
        )
        version = commissioner.version
    if "appoint" in change.actions:
        commissioner_appoint(
            commissioner=commissioner, starts_on=change.term[0], ends_on=change.term[1], by=by, expected_version=version
        )
        version = commissioner.version
    if "end" in change.actions:
        commissioner_end(
            commissioner=commissioner, status=change.end[0], on=change.end[1], by=by, expected_version=version
        )
