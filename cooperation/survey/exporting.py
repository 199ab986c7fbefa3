"""The survey pre-filled with the current stages, as .xlsx and as .csv (UTF-8 with BOM)."""

from __future__ import annotations

import datetime
import io

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cooperation import exports
from cooperation.models import Progress, RequestItem
from cooperation.survey.formats import HEADER, SHEET_NAME, STAGE_LABELS
from offices.models import Municipality

# Column widths in characters: code, name, item, stage, date, note.
WIDTHS = (10, 16, 7, 10, 12, 48)


def survey_rows(municipalities: QuerySet) -> list[tuple]:
    """One row per active local government × active item that applies to it, by code then item, in one query."""
    rows = (
        Progress.objects.filter(municipality__in=municipalities, municipality__is_active=True, item__is_active=True)
        .filter(Q(item__scope=RequestItem.Scope.ALL) | Q(municipality__kind=Municipality.Kind.PREFECTURE))
        .order_by("municipality__lg_code", "item__sort_order", "item__code")
        .values_list("municipality__lg_code", "municipality__name", "item__code", "stage", "stage_date", "note")
    )
    return [(code, name, item, STAGE_LABELS[stage], day, note) for code, name, item, stage, day, note in rows]


def csv_cells(rows: list[tuple]) -> list[tuple]:
    """Rows of :func:`survey_rows` as CSV cells: dates written 2026-04-01, which Excel reads as dates."""
    return [
        (code, name, item, stage, day.isoformat() if day else "", note) for code, name, item, stage, day, note in rows
    ]


def survey_csv(rows: list[tuple]) -> bytes:
    """UTF-8 with BOM and every cell neutralised, through :mod:`cooperation.exports`."""
    return exports.csv_bytes(HEADER, csv_cells(rows))


def survey_xlsx(rows: list[tuple]) -> bytes:
    """The sheet 調査票: header frozen and bold, 団体コード as text, a drop-down of stages, dates as dates.

    Every text cell goes through :func:`cooperation.exports.neutralise`, and
    characters a workbook cannot hold (control characters) are left out.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=SHEET_NAME)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Codes typed into new rows keep their leading zero too.
    sheet.column_dimensions["A"].number_format = "@"
    choices = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(STAGE_LABELS.values())),
        allow_blank=False,
        showErrorMessage=True,
        errorTitle=_("Stage"),
        error=_("Choose a stage from the list."),
        promptTitle=_("Stage"),
        prompt=_("Choose a stage from the list."),
        showInputMessage=True,
    )
    choices.add("D2:D1048576")
    sheet.data_validations.append(choices)

    def text(value):
        return exports.neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))

    bold = Font(bold=True)
    header = []
    for title in HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for code, name, item, stage, day, note in rows:
        code_cell = WriteOnlyCell(sheet, value=text(code))
        code_cell.number_format = "@"
        item_cell = WriteOnlyCell(sheet, value=text(item))
        item_cell.number_format = "@"
        date_cell = WriteOnlyCell(sheet, value=day)
        if isinstance(day, datetime.date):
            date_cell.number_format = "yyyy/m/d"
        sheet.append([code_cell, text(name), item_cell, text(stage), date_cell, text(note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
