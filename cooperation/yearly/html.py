"""The report's large tables built as HTML in Python, a row at a time, rather than cell by cell in templates.

The national report has 47 × 10 × 3 share cells and a list of some two
thousand local governments; Django's template engine spends seconds on that
many cells, string formatting a few milliseconds. Every value is escaped.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from cooperation import fiscal
from cooperation.yearly.selectors import ActivityRow, NewlyStarted, ReferralRow, Row


def _e(value) -> str:
    return escape(str(value))


def _share_cells(row: Row) -> str:
    parts = []
    for cell in row.cells:
        share = cell.share
        percent = "—" if share.percent is None else f"{share.percent:.1f}%"
        change = "" if cell.change is None else (f"+{cell.change}" if cell.change > 0 else str(cell.change))
        parts.append(
            f'<td class="num">{share.adopted} / {share.total}</td><td class="num">{percent}</td>'
            f'<td class="num">{change}</td>'
        )
    return "".join(parts)


def share_rows_html(rows: list[Row]) -> list[SafeString]:
    """The body rows of a group × item table: the group's name, then adopted / total, share and change per item."""
    return [mark_safe(f'<tr><th scope="row">{_e(row.label)}</th>{_share_cells(row)}</tr>') for row in rows]


def share_total_html(row: Row, label: str) -> SafeString:
    return mark_safe(f'<tr><th scope="row">{_e(label)}</th>{_share_cells(row)}</tr>')


def newly_started_rows_html(entries: list[NewlyStarted]) -> SafeString:
    """The rows of the list of local governments that newly started an item, joined."""
    dates: dict = {}
    parts = []
    for e in entries:
        day = dates.get(e.first_adopted_on)
        if day is None:
            day = dates[e.first_adopted_on] = escape(fiscal.format_date(e.first_adopted_on))
        parts.append(
            f"<tr><td>{escape(e.lg_code)}</td><td>{escape(e.prefecture)}</td><td>{escape(e.name)}</td>"
            f"<td>{escape(e.kind_label)}</td><td>{escape(e.item_code)}</td><td>{day}</td>"
            f"<td>{escape(e.stage_label)}</td></tr>"
        )
    return mark_safe("".join(parts))


def activity_rows_html(rows: list[ActivityRow]) -> SafeString:
    """Per center or prefecture: the total, the count per kind and the sums of the figures."""
    return mark_safe(
        "".join(
            f'<tr><th scope="row">{escape(row.label)}</th><td class="num">{row.total:,}</td>'
            + "".join(f'<td class="num">{n:,}</td>' for n in (*row.counts, *row.figures))
            + "</tr>"
            for row in rows
        )
    )


def _days(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def referral_rows_html(rows: list[ReferralRow]) -> SafeString:
    return mark_safe(
        "".join(
            f'<tr><th scope="row">{escape(row.label)}</th><td class="num">{row.filed:,}</td>'
            f'<td class="num">{row.closed:,}</td><td class="num">{_days(row.median_days)}</td>'
            f'<td class="num">{_days(row.p90_days)}</td></tr>'
            for row in rows
        )
    )
