"""Reading a survey file (.xlsx, or .csv in UTF-8 with or without BOM or in Shift_JIS/CP932) into rows.

A file is read as a stream and refused as soon as it passes a limit, so a
hostile file costs about a second and little memory (issue 11): at most
``SURVEY_MAX_ROWS`` rows (counted while reading, blank rows included), and for
a workbook at most ``SURVEY_MAX_UNPACKED_BYTES`` once unpacked, checked from
the zip directory before anything is decompressed. Python's zipfile never
inflates an entry beyond the size its directory declares, so the check holds
for a zip that lies about its sizes too.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from cooperation.survey.formats import HEADER, SHEET_NAME, is_blank

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileProblem(Exception):
    """The file as a whole cannot be read (empty, too large, wrong sheet, missing columns…); nothing is imported."""

    def __init__(self, message: str, column: str = ""):
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Row:
    """One data row: its number as the spreadsheet shows it (the header is row 1) and its cells by column."""

    number: int
    cells: dict


def read_rows(content: bytes, file_name: str) -> list[Row]:
    """The data rows of a survey file, fully blank rows left out; raises ``FileProblem``."""
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
        return _xlsx_rows(content)
    if content.startswith(_OLE) or suffix == ".xls":
        raise FileProblem(_("Excel 97–2003 files (.xls) cannot be read: save the file as .xlsx or as CSV."))
    if suffix == ".xlsx":
        raise FileProblem(_("The file is named .xlsx but is not an Excel workbook."))
    if suffix in {".csv", ".txt", ""}:
        return _rows(_csv_table(content))
    raise FileProblem(_("Only .xlsx and .csv files can be imported."))


def _header_text(value) -> str:
    return "" if value is None else str(value).replace("\ufeff", "").strip()


def _too_many_rows() -> FileProblem:
    return FileProblem(
        _(
            "The file has more than {limit} rows; a survey has one row per local government and item "
            "(the national survey has 16,139): split it, e.g. by center."
        ).format(limit=f"{settings.SURVEY_MAX_ROWS:,}")
    )


def _rows(table) -> list[Row]:
    """Match the header row by name (any order) and keep the non-blank rows below it.

    Stops reading at the first row past ``SURVEY_MAX_ROWS`` (blank rows count
    too: reading them costs the same).
    """
    header = None
    rows = []
    limit = settings.SURVEY_MAX_ROWS + 1
    for number, values in enumerate(table, start=1):
        if number > limit:
            raise _too_many_rows()
        values = list(values)
        if header is None:
            header = _columns([_header_text(value) for value in values])
            continue
        cells = {name: (values[index] if index < len(values) else None) for name, index in header.items()}
        if all(is_blank(value) for value in cells.values()):
            continue
        rows.append(Row(number=number, cells=cells))
    if header is None:
        raise FileProblem(_("The file is empty."))
    if not rows:
        raise FileProblem(_("The file has a header row but no data rows."))
    return rows


def _has_header(values) -> bool:
    names = {_header_text(value) for value in values or ()}
    return all(name in names for name in HEADER)


def _columns(names: list[str]) -> dict[str, int]:
    if not any(names):
        raise FileProblem(
            _("Row 1 must be the header row: {columns}.").format(columns="、".join(HEADER)), column="、".join(HEADER)
        )
    doubled = sorted({name for name in names if name in HEADER and names.count(name) > 1}, key=HEADER.index)
    if doubled:
        raise FileProblem(
            _("The header row has the column {columns} more than once.").format(columns="、".join(doubled)),
            column="、".join(doubled),
        )
    missing = [name for name in HEADER if name not in names]
    if missing:
        unexpected = [name for name in names if name and name not in HEADER]
        message = _("The header row lacks the column(s) {missing}; a survey has the columns {columns}.").format(
            missing="、".join(missing), columns="、".join(HEADER)
        )
        if unexpected:
            message += " " + _("Columns not recognised (renamed?): {names}.").format(names="、".join(unexpected))
        raise FileProblem(message, column="、".join(missing))
    return {name: names.index(name) for name in HEADER}


def _xlsx_rows(content: bytes) -> list[Row]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise FileProblem(_("The file is damaged: it cannot be opened as an Excel workbook.")) from error
    if unpacked > settings.SURVEY_MAX_UNPACKED_BYTES:
        raise FileProblem(
            _(
                "The workbook unpacks to {size} MB, far more than a survey holds (at most {limit} MB); "
                "it was not opened. Save the survey alone as a new workbook, or as CSV."
            ).format(
                size=round(unpacked / (1024 * 1024)), limit=round(settings.SURVEY_MAX_UNPACKED_BYTES / (1024 * 1024))
            )
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken or foreign zip
        raise FileProblem(_("The file is damaged: it cannot be opened as an Excel workbook.")) from error
    try:
        return _rows(_survey_sheet(workbook).iter_rows(values_only=True))
    except FileProblem:
        raise
    except Exception as error:  # a sheet whose XML breaks off or is not a sheet
        raise FileProblem(_("The file is damaged: it cannot be opened as an Excel workbook.")) from error
    finally:
        workbook.close()


def _survey_sheet(workbook):
    """The sheet to read, as spreadsheet programs save a survey.

    A workbook of one sheet is read whatever that sheet is called (a CSV saved
    as a workbook gets a sheet named after the file); of several, the sheet
    named 調査票, or else the only one whose first row is the survey header.
    """
    sheets = workbook.worksheets
    names = "、".join(workbook.sheetnames)
    if len(sheets) == 1:
        return sheets[0]
    if SHEET_NAME in workbook.sheetnames:
        return workbook[SHEET_NAME]
    matching = [sheet for sheet in sheets if _has_header(next(sheet.iter_rows(max_row=1, values_only=True), None))]
    if len(matching) == 1:
        return matching[0]
    if matching:
        raise FileProblem(
            _(
                "Several sheets have the survey header ({found}): name the one to import “{expected}”, "
                "or delete the others."
            ).format(found="、".join(sheet.title for sheet in matching), expected=SHEET_NAME)
        )
    raise FileProblem(
        _(
            "The workbook has no sheet named “{expected}” and none of its sheets ({found}) begins with the "
            "survey header; put the survey on a sheet named “{expected}”."
        ).format(expected=SHEET_NAME, found=names)
    )


def _csv_table(content: bytes):
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(_("UTF-16 text cannot be read: save the file as “CSV UTF-8” or as CSV (Shift_JIS)."))
    if content.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    else:
        encodings = ["utf-8", "cp932"]
    for encoding in encodings:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem(_("The file's characters cannot be read: save it as “CSV UTF-8” or as CSV (Shift_JIS)."))
    return _csv_records(text)


def _csv_records(text: str):
    """The records of a CSV text, one at a time (a broken file is reported when reading reaches it)."""
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise FileProblem(_("The CSV file cannot be read: {reason}.").format(reason=error)) from error
