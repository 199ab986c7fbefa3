"""The national report of one fiscal year (年度報告), drawn from the close in force or, before a close, the history.

Each function takes the user (or querysets already narrowed to the user's
scope) and returns plain data, so the page, the print view, the workbook and
the benchmark count the same way. A closed year reads only its frozen
figures (``ClosedFigure``); an open year is provisional, drawn from the
history as of 31 March. The whole report is a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Min, OuterRef, Q, Subquery

from cooperation import fiscal
from cooperation.models import (
    Activity,
    ClosedFigure,
    FiscalYearClose,
    Progress,
    ProgressChange,
    RequestItem,
    Stage,
)
from cooperation.reporting.rollups import ADOPTED_VALUES, Share
from cooperation.yearly.sums import (
    ACTIVITY_FIGURES,
    ActivityRow,
    ReferralRow,
    _activities,
    _referrals,
)
from offices.models import Municipality, Prefecture
from offices.scopes import is_ministry_staff, municipality_scope_q

# (prefecture id, kind, item id, stage) -> number of local governments
Tally = dict[tuple[int, str, int, str], int]


def may_read_report(user) -> bool:
    """The yearly report (page, print, workbook, API) is the ministry's: headquarters, bureau and center staff."""
    return is_ministry_staff(user)


# ---------------------------------------------------------------- the close in force


def close_in_force(year: int) -> FiscalYearClose | None:
    """The close the year's reports read, or None when the year is open (never closed, or reopened)."""
    latest = FiscalYearClose.objects.select_related("closed_by").filter(year=year).order_by("-version").first()
    return latest if latest is not None and latest.reopened_at is None else None


def closes_in_force(years) -> dict[int, FiscalYearClose]:
    """The close in force per year, for many years in one query."""
    latest: dict[int, FiscalYearClose] = {}
    for close in FiscalYearClose.objects.filter(year__in=list(years)).order_by("year", "version"):
        latest[close.year] = close
    return {year: close for year, close in latest.items() if close.reopened_at is None}


def first_data_year() -> int | None:
    """The first fiscal year with any recorded stage change; None when nothing was ever recorded."""
    first = ProgressChange.objects.aggregate(first=Min("effective_date"))["first"]
    return None if first is None else fiscal.fiscal_year(first)


def years_with_data(*, today: datetime.date | None = None) -> list[int]:
    """Fiscal years from the first one with data to the current one, newest first (just the current if none)."""
    current = fiscal.fiscal_year(today or fiscal.today())
    first = first_data_year()
    if first is None or first > current:
        return [current]
    return list(range(current, first - 1, -1))


# ---------------------------------------------------------------- stage tallies


def _first_adopted_subquery(day: datetime.date):
    return Subquery(
        ProgressChange.objects.filter(progress=OuterRef("pk"), effective_date__lte=day, to_stage__in=Stage.adopted())
        .order_by()
        .values("progress")
        .annotate(first=Min("effective_date"))
        .values("first")
    )


def closed_tally(close: FiscalYearClose, scope: Q, *, previous: bool = False) -> Tally:
    """Counted frozen figures (local government and item active at the close) per prefecture × kind × item × stage.

    ``previous=True`` counts the same rows by their stage of the previous 31 March (frozen with them).
    """
    stage = "previous_stage" if previous else "stage"
    rows = (
        ClosedFigure.objects.filter(close=close, municipality_active=True, item_active=True)
        .filter(scope)
        .order_by()
        .values_list("prefecture_id", "kind", "item_id", stage)
        .annotate(n=Count("pk"))
    )
    return {(prefecture, kind, item, stage): n for prefecture, kind, item, stage, n in rows}


def closed_tallies(close: FiscalYearClose, scope: Q) -> tuple[Tally, Tally]:
    """The year-end tally and the previous year-end tally of the same frozen rows, in one query."""
    current: Tally = defaultdict(int)
    previous: Tally = defaultdict(int)
    rows = (
        ClosedFigure.objects.filter(close=close, municipality_active=True, item_active=True)
        .filter(scope)
        .order_by()
        .values_list("prefecture_id", "kind", "item_id", "stage", "previous_stage")
        .annotate(n=Count("pk"))
    )
    for prefecture, kind, item, stage, before, n in rows:
        current[(prefecture, kind, item, stage)] += n
        previous[(prefecture, kind, item, before)] += n
    return dict(current), dict(previous)


def live_tally(progress, day: datetime.date) -> Tally:
    """The same tally drawn from the history at the end of ``day``, over current rows of ``progress``."""
    rows = (
        progress.current()
        .with_stage_as_of(day)
        .order_by()
        .values_list("municipality__prefecture_id", "municipality__kind", "item_id", "stage_as_of")
        .annotate(n=Count("pk"))
    )
    return {(prefecture, kind, item, stage): n for prefecture, kind, item, stage, n in rows}


def tally_for(year: int, *, user, close: FiscalYearClose | None) -> Tally:
    """The year-end tally of ``year`` within the user's scope: frozen if closed, else from the history."""
    if close is not None:
        return closed_tally(close, municipality_scope_q(user, prefix="municipality__"))
    return live_tally(Progress.objects.visible_to(user), fiscal.fiscal_year_end(year))


def _grouped_shares(tally: Tally) -> tuple[dict, dict, dict]:
    """Shares per (prefecture, item), per (kind, item) and per ("all", item), in one pass over the tally."""
    adopted: dict = defaultdict(int)
    total: dict = defaultdict(int)
    adopted_values = ADOPTED_VALUES
    for (prefecture, kind, item, stage), n in tally.items():
        keys = ((0, prefecture, item), (1, kind, item), (2, "all", item))
        for key in keys:
            total[key] += n
        if stage in adopted_values:
            for key in keys:
                adopted[key] += n
    tables: tuple[dict, dict, dict] = ({}, {}, {})
    for key, count in total.items():
        tables[key[0]][(key[1], key[2])] = Share(adopted[key], count)
    return tables


# ---------------------------------------------------------------- the report's tables


@dataclass(frozen=True)
class Cell:
    """One group × item at the year end, with the previous year end beside it."""

    share: Share
    previous: Share | None

    @property
    def change(self) -> int | None:
        """Local governments at 実施 or 定着 more (or fewer) than a year before."""
        return None if self.previous is None else self.share.adopted - self.previous.adopted

    @property
    def point_change(self) -> float | None:
        """The share's change in percentage points against the previous year end."""
        if self.previous is None or self.share.percent is None or self.previous.percent is None:
            return None
        return self.share.percent - self.previous.percent


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class NewlyStarted:
    """A local government that first reached 実施 (or 定着) on one item during the year."""

    lg_code: str
    name: str
    prefecture: str
    kind_label: str
    item_code: str
    first_adopted_on: datetime.date
    stage: str
    stage_label: str


@dataclass(frozen=True)
class Adjustment:
    """A stage change recorded after the close but effective on or before its 31 March (確定後の修正)."""

    lg_code: str
    name: str
    prefecture: str
    item_code: str
    from_stage: str
    to_stage: str
    effective_date: datetime.date
    recorded_at: datetime.datetime
    recorded_by: str
    note: str

    @property
    def from_label(self) -> str:
        return str(Stage(self.from_stage).label)

    @property
    def to_label(self) -> str:
        return str(Stage(self.to_stage).label)


@dataclass
class YearReport:
    year: int
    start: datetime.date
    as_of: datetime.date
    close: FiscalYearClose | None
    previous_close: FiscalYearClose | None
    versions: list[FiscalYearClose]
    items: list[RequestItem]
    national: Row
    prefectures: list[Row]
    kinds: list[Row]
    newly_started: list[NewlyStarted]
    newly_started_counts: list[int]
    activity_kinds: list[tuple[str, str]]
    activities_by_center: list[ActivityRow]
    activities_by_prefecture: list[ActivityRow]
    referrals_by_prefecture: list[ReferralRow]
    referrals_by_direction: list[ReferralRow]
    referrals_by_topic: list[ReferralRow]
    referrals_by_agency: list[ReferralRow]
    referrals_by_outcome: list[ReferralRow]
    referrals_total: ReferralRow
    adjustments: list[Adjustment] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.close is not None

    @property
    def label(self) -> str:
        return fiscal.fiscal_year_label(self.year)

    @property
    def newly_started_per_item(self) -> list[tuple[RequestItem, int]]:
        return list(zip(self.items, self.newly_started_counts, strict=True))

    @property
    def activity_figure_labels(self) -> list[str]:
        return [str(Activity._meta.get_field(name).verbose_name) for name in ACTIVITY_FIGURES]

    @property
    def activity_tables(self) -> list[tuple[str, list[ActivityRow]]]:
        from django.utils.translation import gettext

        return [
            (gettext("Per prefecture"), self.activities_by_prefecture),
            (gettext("Per center"), self.activities_by_center),
        ]


def _rows(items, groups, current: dict, previous: dict | None) -> list[Row]:
    rows = []
    for code, label, key in groups:
        cells = []
        for item in items:
            share = current.get((key, item.pk), Share(0, 0))
            before = previous.get((key, item.pk), Share(0, 0)) if previous is not None else None
            cells.append(Cell(share, before))
        rows.append(Row(code, label, cells))
    return rows


def year_report(*, user, year: int, today: datetime.date | None = None) -> YearReport:
    """Everything the report of fiscal ``year`` shows, within the user's scope."""
    today = today or fiscal.today()
    start, end = fiscal.fiscal_year_start(year), fiscal.fiscal_year_end(year)
    versions = list(
        FiscalYearClose.objects.select_related("closed_by", "reopened_by").filter(year__in=[year, year - 1])
    )
    by_year: dict[int, list[FiscalYearClose]] = defaultdict(list)
    for close in sorted(versions, key=lambda c: c.version):
        by_year[close.year].append(close)

    def in_force(y: int) -> FiscalYearClose | None:
        closes = by_year.get(y)
        return closes[-1] if closes and closes[-1].reopened_at is None else None

    close, previous_close = in_force(year), in_force(year - 1)
    day = min(end, today)
    scope = municipality_scope_q(user, prefix="municipality__")
    if close is not None:
        # The previous year end of the same local governments, frozen with them: a like-for-like change.
        current, previous = closed_tallies(close, scope)
    else:
        current = live_tally(Progress.objects.visible_to(user), day)
        previous = live_tally(Progress.objects.visible_to(user), fiscal.fiscal_year_end(year - 1))

    item_ids = {key[2] for key in current}
    prefecture_ids = {key[0] for key in current}
    kinds_present = {key[1] for key in current}
    items = [item for item in RequestItem.objects.order_by("sort_order", "code") if item.pk in item_ids]
    prefectures = [p for p in Prefecture.objects.order_by("code") if p.pk in prefecture_ids]
    kind_labels = dict(Municipality.Kind.choices)
    kinds = [kind for kind in Municipality.Kind.values if kind in kinds_present]

    now_prefecture, now_kind, now_national = _grouped_shares(current)
    then_prefecture, then_kind, then_national = _grouped_shares(previous)
    national = _rows(items, [("", "", "all")], now_national, then_national)[0]
    prefecture_rows = _rows(
        items, [(p.code, p.display_name, p.pk) for p in prefectures], now_prefecture, then_prefecture
    )
    kind_rows = _rows(items, [(kind, str(kind_labels[kind]), kind) for kind in kinds], now_kind, then_kind)

    newly = _newly_started(user=user, close=close, start=start, end=day, kind_labels=kind_labels)
    newly_counts = [sum(1 for entry in newly if entry.item_code == item.code) for item in items]

    activity_kinds, by_center, by_prefecture_rows = _activities(user=user, start=start, end=end)
    referral_tables = _referrals(user=user, start=start, end=end)
    adjustments = _adjustments(user=user, close=close) if close else []
    return YearReport(
        year=year,
        start=start,
        as_of=day,
        close=close,
        previous_close=previous_close,
        versions=by_year.get(year, []),
        items=items,
        national=national,
        prefectures=prefecture_rows,
        kinds=kind_rows,
        newly_started=newly,
        newly_started_counts=newly_counts,
        activity_kinds=activity_kinds,
        activities_by_center=by_center,
        activities_by_prefecture=by_prefecture_rows,
        adjustments=adjustments,
        **referral_tables,
    )


def _newly_started(*, user, close, start, end, kind_labels) -> list[NewlyStarted]:
    if close is not None:
        rows = (
            ClosedFigure.objects.filter(
                close=close, municipality_active=True, item_active=True, first_adopted_on__range=(start, end)
            )
            .filter(municipality_scope_q(user, prefix="municipality__"))
            .order_by("item__sort_order", "municipality__lg_code")
            .values_list(
                "municipality__lg_code",
                "municipality__name",
                "prefecture__name",
                "kind",
                "item__code",
                "first_adopted_on",
                "stage",
            )
        )
    else:
        rows = (
            Progress.objects.visible_to(user)
            .current()
            .with_stage_as_of(end)
            .annotate(first_adopted_on=_first_adopted_subquery(end))
            .filter(first_adopted_on__range=(start, end))
            .order_by("item__sort_order", "municipality__lg_code")
            .values_list(
                "municipality__lg_code",
                "municipality__name",
                "municipality__prefecture__name",
                "municipality__kind",
                "item__code",
                "first_adopted_on",
                "stage_as_of",
            )
        )
    kinds = {kind: str(label) for kind, label in kind_labels.items()}
    stages = {stage: str(label) for stage, label in Stage.choices}
    return [
        NewlyStarted(lg_code, name, prefecture, kinds.get(kind, kind), item, first, stage, stages[stage])
        for lg_code, name, prefecture, kind, item, first, stage in rows
    ]


def _adjustments(*, user, close: FiscalYearClose) -> list[Adjustment]:
    """Changes recorded after the close and effective on or before its 31 March, newest first. One query."""
    rows = (
        post_close_changes(close)
        .visible_to(user)
        .select_related("progress__municipality__prefecture", "progress__item", "recorded_by")
        .order_by("-recorded_at", "-id")
    )
    return [
        Adjustment(
            lg_code=change.progress.municipality.lg_code,
            name=change.progress.municipality.name,
            prefecture=change.progress.municipality.prefecture.display_name,
            item_code=change.progress.item.code,
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            effective_date=change.effective_date,
            recorded_at=change.recorded_at,
            recorded_by=str(change.recorded_by) if change.recorded_by else "",
            note=change.note,
        )
        for change in rows
    ]


def post_close_changes(close: FiscalYearClose):
    """The history entries a re-issue of ``close`` would take in."""
    return ProgressChange.objects.filter(recorded_at__gt=close.closed_at, effective_date__lte=close.as_of)
