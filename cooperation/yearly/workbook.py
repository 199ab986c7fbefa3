"""The national report of a fiscal year as one xlsx workbook, a sheet per table, ready to hand on.

Each sheet has its title, the 時点 (as of) and the conditions on top, a bold
frozen header with an autofilter, column widths, number formats, and an A4
landscape print setup (fit to one page wide, header rows repeated, page x of
y in the footer). Every text cell goes through ``exports.xlsx_text``
(formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation import exports, fiscal
from cooperation.yearly.selectors import ACTIVITY_FIGURES, YearReport

PERCENT = "0.0%"
POINTS = '+0.0"pt";-0.0"pt";0.0"pt"'
INTEGER = "#,##0"
SIGNED = "+#,##0;-#,##0;0"
DECIMAL = "0.0"


def _figure_labels() -> list[str]:
    from cooperation.models import Activity

    return [str(Activity._meta.get_field(name).verbose_name) for name in ACTIVITY_FIGURES]


def conditions(report: YearReport, scope_label: str) -> str:
    if report.close is not None:
        state = _("closed figures, version {version} of {date}").format(
            version=report.close.version, date=fiscal.format_date(report.close.closed_at.date())
        )
    else:
        state = _("provisional: not closed, drawn from the history")
    return _("Scope: {scope}; {state}").format(scope=scope_label, state=state)


class _Sheets:
    def __init__(self, workbook, report: YearReport, scope_label: str, printed_on):
        self.workbook = workbook
        self.report = report
        self.taken: set[str] = set()
        self.title_format = workbook.add_format({"bold": True, "font_size": 14})
        self.meta_format = workbook.add_format({"font_color": "#444444"})
        self.header_format = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.formats = {
            "int": workbook.add_format({"num_format": INTEGER}),
            "signed": workbook.add_format({"num_format": SIGNED}),
            "percent": workbook.add_format({"num_format": PERCENT}),
            "points": workbook.add_format({"num_format": POINTS}),
            "decimal": workbook.add_format({"num_format": DECIMAL}),
            "date": workbook.add_format({"num_format": exports.DATE_FORMAT}),
            "moment": workbook.add_format({"num_format": exports.DATETIME_FORMAT}),
            "text": None,
        }
        self.as_of_line = _("As of {date} (end of {year})").format(
            date=fiscal.format_date(report.as_of), year=report.label
        )
        self.conditions = conditions(report, scope_label)
        self.printed = _("Printed on {date}").format(date=fiscal.format_date(printed_on))

    def add(self, title: str, columns: Sequence[tuple[str, str, int]], rows: Sequence[Sequence]) -> None:
        """One sheet: ``columns`` are (header, format name, width); rows hold plain values."""
        sheet = self.workbook.add_worksheet(exports.sheet_title(title, self.taken))
        sheet.write_string(0, 0, exports.xlsx_text(title), self.title_format)
        sheet.write_string(1, 0, exports.xlsx_text(self.as_of_line), self.meta_format)
        sheet.write_string(2, 0, exports.xlsx_text(self.conditions), self.meta_format)
        header_row = 4
        for column, (header, kind, width) in enumerate(columns):
            sheet.write_string(header_row, column, exports.xlsx_text(header), self.header_format)
            sheet.set_column(column, column, width, self.formats[kind])
        for index, row in enumerate(rows, start=header_row + 1):
            for column, value in enumerate(row):
                kind = columns[column][1]
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(index, column, exports.xlsx_text(value))
                elif kind in ("date", "moment"):
                    sheet.write_datetime(index, column, value, self.formats[kind])
                else:
                    sheet.write_number(index, column, value, self.formats[kind])
        last_row = header_row + max(len(rows), 1)
        sheet.freeze_panes(header_row + 1, 0)
        sheet.autofilter(header_row, 0, last_row, len(columns) - 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(header_row)
        header_text = f"&L{_escape_hf(title)}&R{_escape_hf(self.as_of_line)}"
        sheet.set_header(header_text)
        sheet.set_footer(f"&L{_escape_hf(self.conditions)}&C&P / &N&R{_escape_hf(self.printed)}")


def _escape_hf(text: str) -> str:
    """Header and footer text is a small language of its own: a literal & is written &&."""
    return str(text).replace("&", "&&")[:80]


def _share_columns(report: YearReport) -> list[tuple[str, str, int]]:
    columns = []
    for item in report.items:
        columns += [
            (_("{item} Done or established").format(item=item.code), "int", 10),
            (_("{item} applicable").format(item=item.code), "int", 9),
            (_("{item} share").format(item=item.code), "percent", 8),
            (_("{item} change (local governments)").format(item=item.code), "signed", 10),
            (_("{item} change (points)").format(item=item.code), "points", 10),
        ]
    return columns


def _share_values(row) -> list:
    values = []
    for cell in row.cells:
        values += [
            cell.share.adopted,
            cell.share.total,
            None if cell.share.percent is None else cell.share.percent / 100,
            cell.change,
            None if cell.point_change is None else cell.point_change / 100,
        ]
    return values


def write_report(target, report: YearReport, *, scope_label: str, printed_on) -> None:
    workbook = exports.new_workbook(target)
    sheets = _Sheets(workbook, report, scope_label, printed_on)
    share_columns = _share_columns(report)

    sheets.add(
        _("Prefecture × item"),
        [(_("Prefecture code"), "text", 8), (_("Prefecture"), "text", 10), *share_columns],
        [[row.code, row.label, *_share_values(row)] for row in report.prefectures]
        + [["", _("National"), *_share_values(report.national)]],
    )
    sheets.add(
        _("By kind of local government"),
        [(_("Kind of local government"), "text", 16), *share_columns],
        [[row.label, *_share_values(row)] for row in report.kinds] + [[_("National"), *_share_values(report.national)]],
    )
    sheets.add(
        _("Newly started per item"),
        [(_("Item"), "text", 8), (_("Title"), "text", 50), (_("Newly started"), "int", 12)],
        [[item.code, item.title, count] for item, count in zip(report.items, report.newly_started_counts, strict=True)],
    )
    sheets.add(
        _("Newly started: list"),
        [
            (_("Local government code"), "text", 10),
            (_("Prefecture"), "text", 10),
            (_("Local government"), "text", 16),
            (_("Kind"), "text", 12),
            (_("Item"), "text", 8),
            (_("First reached Done on"), "date", 12),
            (_("Stage at the year end"), "text", 12),
        ],
        [
            [e.lg_code, e.prefecture, e.name, e.kind_label, e.item_code, e.first_adopted_on, e.stage_label]
            for e in report.newly_started
        ],
    )
    kind_columns = [(label, "int", 9) for _kind, label in report.activity_kinds]
    figure_columns = [(label, "int", 11) for label in _figure_labels()]
    sheets.add(
        _("Activities per prefecture"),
        [
            (_("Prefecture code"), "text", 8),
            (_("Prefecture"), "text", 10),
            (_("Total"), "int", 8),
            *kind_columns,
            *figure_columns,
        ],
        [[row.code, row.label, row.total, *row.counts, *row.figures] for row in report.activities_by_prefecture],
    )
    sheets.add(
        _("Activities per center"),
        [
            (_("Center"), "text", 12),
            (_("Prefecture"), "text", 10),
            (_("Total"), "int", 8),
            *kind_columns,
            *figure_columns,
        ],
        [[row.label, row.prefecture, row.total, *row.counts, *row.figures] for row in report.activities_by_center],
    )
    referral_columns = [
        (_("Filed"), "int", 8),
        (_("Closed"), "int", 8),
        (_("Median days to close"), "decimal", 12),
        (_("90th percentile days to close"), "int", 12),
    ]

    def referral_values(row):
        return [row.filed, row.closed, row.median_days, row.p90_days]

    for title, heading, rows in (
        (_("Referrals per prefecture"), _("Prefecture"), report.referrals_by_prefecture),
        (_("Referrals by direction"), _("Direction"), report.referrals_by_direction),
        (_("Referrals by topic"), _("Topic"), report.referrals_by_topic),
        (_("Referrals by agency"), _("National agency concerned"), report.referrals_by_agency),
        (_("Referrals by outcome"), _("Outcome"), report.referrals_by_outcome),
    ):
        sheets.add(
            title,
            [(heading, "text", 24), *referral_columns],
            [[row.label, *referral_values(row)] for row in rows]
            + [[_("Total"), *referral_values(report.referrals_total)]],
        )
    if report.close is not None:
        sheets.add(
            _("Post-close adjustments"),
            [
                (_("Local government code"), "text", 10),
                (_("Prefecture"), "text", 10),
                (_("Local government"), "text", 16),
                (_("Item"), "text", 8),
                (_("From"), "text", 10),
                (_("To"), "text", 10),
                (_("Effective date"), "date", 12),
                (_("Recorded at"), "moment", 18),
                (_("Recorded by"), "text", 14),
                (_("Note"), "text", 30),
            ],
            [
                [
                    a.lg_code,
                    a.prefecture,
                    a.name,
                    a.item_code,
                    a.from_label,
                    a.to_label,
                    a.effective_date,
                    timezone.localtime(a.recorded_at).replace(tzinfo=None),
                    a.recorded_by,
                    a.note,
                ]
                for a in report.adjustments
            ],
        )
    workbook.close()


def report_bytes(report: YearReport, *, scope_label: str, printed_on) -> bytes:
    buffer = io.BytesIO()
    write_report(buffer, report, scope_label=scope_label, printed_on=printed_on)
    return buffer.getvalue()
