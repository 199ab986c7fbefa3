"""The survey pre-filled with the current stages, as .xlsx and as .csv (UTF-8 with BOM)."""

from __future__ import annotations

import datetime
import io

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cooperation import exports
from cooperation.models import Progress, RequestItem
from cooperation.survey.formats import HEADER, SHEET_NAME, STAGE_LABELS

# Column widths in characters: code, name, item, stage, date, note.
WIDTHS = (10, 16, 7, 10, 12, 48)
# The drop-down of stages covers the whole column (Excel's last row is 1,048,576).
LAST_ROW = 1_048_575


def survey_rows(municipalities: QuerySet) -> list[tuple]:
    """One row per active local government × active item that applies to it, by code then item, in one query."""
    rows = (
        Progress.objects.filter(municipality__in=municipalities, municipality__is_active=True, item__is_active=True)
        .filter(RequestItem.applicable_q())
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

    Every text cell goes through :func:`cooperation.exports.xlsx_text`
    (neutralised, without the control characters a workbook cannot hold).
    Written with XlsxWriter in constant memory, as every workbook the product
    writes (:mod:`cooperation.exports`): the national survey's 16,000 rows
    take about half a second.
    """
    buffer = io.BytesIO()
    workbook = exports.new_workbook(buffer)
    bold = workbook.add_format({"bold": True})
    as_text = workbook.add_format({"num_format": "@"})
    as_date = workbook.add_format({"num_format": "yyyy/m/d"})
    sheet = workbook.add_worksheet(SHEET_NAME)
    sheet.freeze_panes(1, 0)
    for index, width in enumerate(WIDTHS):
        # Codes typed into new rows keep their leading zero too.
        sheet.set_column(index, index, width, as_text if index == 0 else None)
    sheet.data_validation(
        1,
        3,
        LAST_ROW,
        3,
        {
            "validate": "list",
            "source": list(STAGE_LABELS.values()),
            "ignore_blank": False,
            "show_error": True,
            "error_title": _("Stage"),
            "error_message": _("Choose a stage from the list."),
            "show_input": True,
            "input_title": _("Stage"),
            "input_message": _("Choose a stage from the list."),
        },
    )
    for column, title in enumerate(HEADER):
        sheet.write_string(0, column, title, bold)

    text = exports.xlsx_text
    string, moment = sheet.write_string, sheet.write_datetime
    for index, (code, name, item, stage, day, note) in enumerate(rows, start=1):
        string(index, 0, text(code), as_text)
        if name:
            string(index, 1, text(name))
        string(index, 2, text(item), as_text)
        string(index, 3, text(stage))
        if isinstance(day, datetime.date):
            moment(index, 4, day, as_date)
        if note:
            string(index, 5, text(note))
    workbook.close()
    return buffer.getvalue()
