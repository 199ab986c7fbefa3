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
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from cooperation import exports
from cooperation.commissioners.models import Commissioner, CommissionerBackground
from cooperation.survey.formats import is_blank
from cooperation.survey.reading import FileProblem, _csv_table

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
