"""CSV and xlsx downloads that Excel opens as they are, and that cannot carry a formula.

Workbooks are written with XlsxWriter in its constant-memory mode: each row
goes to a temporary file as soon as it is written, so memory does not grow
with the rows, and it writes about twice as fast as openpyxl's write-only
mode (112,496 rows × 9 cells: 5 s against 9 s; see docs/benchmarks.md).
openpyxl still reads workbooks (the survey import, the tests).
"""

import csv
import datetime
import decimal
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from django.http import HttpResponse
from django.utils.functional import Promise

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet may still read as the start of a formula: the full-width forms an IME types
# (＝＋－＠) and the minus sign, behind any blanks, line breaks, byte-order marks or zero-width
# characters that hide them.
_FORMULA_START = re.compile(r"[\s\ufeff\u200b-\u200d\u2060\u180e]*[=+\-@\uff1d\uff0b\uff0d\uff20\u2212]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Control characters a workbook cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): left out of xlsx cells.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# The number formats openpyxl gives dates and moments, so a spreadsheet sorts and filters them as such.
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
WORKBOOK_OPTIONS = {
    # Rows go to a temporary file as they are written: memory stays flat whatever the size.
    "constant_memory": True,
    # Text is text: never turned into a formula, a link or a number.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could evaluate ``text``: it begins with = + - @ (ASCII or full-width),
    a tab or a carriage return, possibly behind blanks, line feeds, a BOM or zero-width characters."""
    return text.startswith(FORMULA_PREFIXES) or _FORMULA_START.match(text) is not None


def neutralise(value):
    """Make a cell safe from formula injection: text a spreadsheet could evaluate gets a leading apostrophe.

    Numbers and dates pass unchanged; only text that a spreadsheet would
    evaluate is touched (:func:`looks_like_formula`). Applied to every CSV and
    xlsx cell the product writes.
    """
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def xlsx_text(value: str) -> str:
    """Text for an xlsx cell: neutralised, without the control characters a workbook cannot hold."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM and CRLF, so Excel on Windows opens Japanese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response


def new_workbook(target):
    """An XlsxWriter workbook writing to ``target`` (a path or a binary file) with the options above."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, no apostrophe at either end."""
    base = _SHEET_TITLE_FORBIDDEN.sub("_", str(title)).strip("'")[:31] or "Sheet"
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


class XlsxRowWriter:
    """Writes plain values into a worksheet: text, numbers, booleans, dates and moments (as dates).

    Text is neutralised (:func:`xlsx_text`); None and empty text leave the cell
    empty; translated labels are written as their text. Anything else is a
    programming error (TypeError), as it was with openpyxl.
    """

    def __init__(self, workbook, worksheet):
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.moment = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.worksheet = worksheet

    def write_rows(self, rows: Iterable[Sequence], first_row: int) -> int:
        """Write ``rows`` from ``first_row`` on; return the index of the next free row."""
        sheet = self.worksheet
        string, number, moment = sheet.write_string, sheet.write_number, sheet.write_datetime
        date_format, moment_format = self.date, self.moment
        date_type, moment_type = datetime.date, datetime.datetime
        index = first_row
        for row in rows:
            for column, value in enumerate(row):
                kind = type(value)
                if kind is str:
                    if value:
                        string(index, column, xlsx_text(value))
                elif value is None:
                    continue
                elif kind is int or kind is float:
                    number(index, column, value)
                elif kind is moment_type:
                    moment(index, column, value, moment_format)
                elif kind is date_type:
                    moment(index, column, value, date_format)
                else:
                    self.write_other(index, column, value)
            index += 1
        return index

    def write_other(self, row: int, column: int, value) -> None:
        sheet = self.worksheet
        if isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, str | Promise):
            text = str(value)
            if text:
                sheet.write_string(row, column, xlsx_text(text))
        elif isinstance(value, int | float | decimal.Decimal):
            sheet.write_number(row, column, value)
        elif isinstance(value, datetime.datetime):
            sheet.write_datetime(row, column, value, self.moment)
        elif isinstance(value, datetime.date):
            sheet.write_datetime(row, column, value, self.date)
        else:
            raise TypeError(f"Cannot write {type(value).__name__} to a workbook: {value!r}")


@dataclass(frozen=True)
class SheetHeading:
    """The title and the conditions written above each sheet's table, so a printed or forwarded sheet says
    what it holds: the title on row 1, the conditions on row 2, row 3 blank, the column header on row 4."""

    title: str
    conditions: str = ""


# Rows above the column header when a heading is given.
HEADING_ROWS = 3
# Column widths are measured on the header and this many rows (the rest stream through unmeasured).
MEASURED_ROWS = 300
MAX_COLUMN_WIDTH = 60


def _display_width(value) -> int:
    """Characters as Excel shows them: full-width (Japanese) characters count twice."""
    if isinstance(value, datetime.datetime):
        return 19
    if isinstance(value, datetime.date):
        return 10
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _measured(rows: Iterable[Sequence], widths: list[int]) -> Iterable[Sequence]:
    """``rows`` unchanged, measuring the first ones' cells into ``widths`` on the way."""
    iterator = iter(rows)
    for row in islice(iterator, MEASURED_ROWS):
        for column, value in enumerate(row):
            if column < len(widths):
                widths[column] = max(widths[column], _display_width(value))
        yield row
    yield from iterator


def _page_text(text: str) -> str:
    """Text for a printed page header: ``&`` starts a code there, so it is doubled."""
    return text.replace("&", "&&")


def write_sheets(
    target,
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]],
    *,
    heading: SheetHeading | None = None,
    freeze_columns: int = 0,
) -> None:
    """Write one (title, header, rows) per sheet to ``target``.

    Every sheet gets a bold, frozen header with an autofilter, columns as
    wide as their content, and an A4 landscape print setup (one page wide,
    header repeated on every page, page x / y in the footer). With a
    ``heading``, its title and conditions sit above the table (HEADING_ROWS)
    and head every printed page; ``freeze_columns`` keeps the first columns of
    the first sheet in view (the names of a matrix).
    """
    workbook = new_workbook(target)
    bold = workbook.add_format({"bold": True, "bg_color": "#E6E6E6", "bottom": 1, "text_wrap": True, "valign": "top"})
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    taken: set[str] = set()
    for index, (title, header, rows) in enumerate(sheets):
        sheet = workbook.add_worksheet(sheet_title(title, taken))
        header_row = HEADING_ROWS if heading is not None else 0
        if heading is not None:
            sheet.write_string(0, 0, xlsx_text(f"{heading.title} — {title}"), title_format)
            if heading.conditions:
                sheet.write_string(1, 0, xlsx_text(heading.conditions))
            sheet.set_header("&L" + _page_text(f"{heading.title} — {title}"[:200]) + "&R&D")
        sheet.freeze_panes(header_row + 1, freeze_columns if index == 0 else 0)
        widths = [_display_width(text) for text in header]
        for column, text in enumerate(header):
            sheet.write_string(header_row, column, xlsx_text(str(text)), bold)
        next_row = XlsxRowWriter(workbook, sheet).write_rows(_measured(rows, widths), first_row=header_row + 1)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, min(max(width + 2, 6), MAX_COLUMN_WIDTH))
        if header:
            sheet.autofilter(header_row, 0, max(next_row - 1, header_row), len(header) - 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(header_row)
        sheet.set_footer("&C&P / &N")
    workbook.close()


def condition_file_suffix(conditions: dict) -> str:
    """The conditions of a download for its file name: ``_kind-town_office-sapporo`` (empty without any)."""
    parts = []
    for key, value in conditions.items():
        values = value if isinstance(value, list | tuple) else [value]
        text = "+".join(str(item) for item in values if item not in (None, ""))
        if text:
            parts.append(re.sub(r"[^\w.+-]+", "-", f"{key}-{text}").strip("-"))
    return "".join("_" + part for part in parts)[:120]


class XlsxWorkbook:
    """Sheets that ``save(target)`` writes as an xlsx file (a path or a binary file), rows read as they go."""

    def __init__(self, sheets, **options):
        self.sheets = sheets
        self.options = options

    def save(self, target) -> None:
        write_sheets(target, self.sheets, **self.options)


def xlsx_workbook(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]], **options) -> XlsxWorkbook:
    """A workbook of one (title, header, rows) per sheet (options of :func:`write_sheets`); ``.save(target)``."""
    return XlsxWorkbook(sheets, **options)


def xlsx_bytes(sheets, **options) -> bytes:
    buffer = io.BytesIO()
    xlsx_workbook(sheets, **options).save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets, **options) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets, **options), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response
