"""Adoption over the fiscal years (年度ごとの推移): one tally per year end, frozen where the year is closed.

Closed years read their close in force in one query for all of them; an
open year (never closed, reopened, or the current one as of today) is drawn
from the history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from cooperation import fiscal
from cooperation.models import ClosedFigure, Progress
from cooperation.yearly.selectors import Tally, closes_in_force, live_tally
from offices.scopes import municipality_scope_q


@dataclass(frozen=True)
class TrendSeries:
    code: str
    label: str
    points: list[float | None]  # one per year, percent adopted


@dataclass(frozen=True)
class Trend:
    years: list[int]
    closed: list[bool]
    series: list[TrendSeries]

    @property
    def year_labels(self) -> list[str]:
        return [fiscal.fiscal_year_label(year) for year in self.years]

    @property
    def year_columns(self) -> list[tuple[str, bool]]:
        return list(zip(self.year_labels, self.closed, strict=True))


def year_end_tallies(*, user, years: list[int], today: datetime.date | None = None) -> dict[int, Tally]:
    """The year-end tally of each year (frozen when closed; the current year as of today)."""
    today = today or fiscal.today()
    closes = closes_in_force(years)
    scope = municipality_scope_q(user, prefix="municipality__")
    tallies: dict[int, Tally] = {}
    closed = [closes[year] for year in years if year in closes]
    if closed:
        by_close: dict[int, Tally] = defaultdict(dict)
        rows = (
            ClosedFigure.objects.filter(close__in=closed, municipality_active=True, item_active=True)
            .filter(scope)
            .order_by()
            .values_list("close_id", "prefecture_id", "kind", "item_id", "stage")
            .annotate(n=Count("pk"))
        )
        for close_id, prefecture, kind, item, stage, n in rows:
            by_close[close_id][(prefecture, kind, item, stage)] = n
        for close in closed:
            tallies[close.year] = by_close.get(close.pk, {})
    for year in years:
        if year not in tallies:
            tallies[year] = live_tally(Progress.objects.visible_to(user), min(fiscal.fiscal_year_end(year), today))
    return tallies
