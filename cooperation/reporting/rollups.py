"""Roll-ups behind the national dashboard and the prefecture report.

Pure query builders: each function takes querysets the caller has already
narrowed to the user's scope (``visible_to``) and returns plain data
(dataclasses, dicts, lists), never a response or a template, so the screens,
the exports and the benchmark all count the same way. Each function runs a
fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from cooperation import fiscal
from cooperation.models import Activity, Progress, ProgressChange, Referral, RequestItem, Stage
from offices.models import Municipality
from offices.scopes import region_q

# Where each prefecture's square sits on the tile-grid map: (column, row), 13 × 11,
# north-east at the top right and Okinawa at the bottom left.
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "01": (12, 0),
    "02": (11, 1),
    "05": (10, 2),
    "03": (11, 2),
    "17": (7, 3),
    "16": (8, 3),
    "15": (9, 3),
    "06": (10, 3),
    "04": (11, 3),
    "18": (6, 4),
    "21": (7, 4),
    "20": (8, 4),
    "10": (9, 4),
    "09": (10, 4),
    "07": (11, 4),
    "32": (2, 5),
    "31": (3, 5),
    "28": (4, 5),
    "26": (5, 5),
    "25": (6, 5),
    "23": (7, 5),
    "19": (8, 5),
    "11": (9, 5),
    "08": (10, 5),
    "35": (1, 6),
    "34": (2, 6),
    "33": (3, 6),
    "27": (4, 6),
    "29": (5, 6),
    "24": (6, 6),
    "22": (7, 6),
    "14": (8, 6),
    "13": (9, 6),
    "12": (10, 6),
    "41": (0, 7),
    "40": (1, 7),
    "44": (2, 7),
    "38": (3, 7),
    "37": (4, 7),
    "30": (5, 7),
    "42": (0, 8),
    "43": (1, 8),
    "45": (2, 8),
    "39": (3, 8),
    "36": (4, 8),
    "46": (1, 9),
    "47": (0, 10),
}

# Adoption bands of the map and its legend: [lower, upper) in whole percent; the last one includes 100.
ADOPTION_BANDS: list[tuple[int, int]] = [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]

ADOPTED = Stage.adopted()
# The same stages as plain strings, for set lookups in Python loops.
ADOPTED_VALUES = frozenset(stage.value for stage in ADOPTED)


def adoption_band(percent: float | None) -> int | None:
    """Index into ADOPTION_BANDS for a percentage; None when there is nothing to count."""
    if percent is None:
        return None
    for index, (_lower, upper) in enumerate(ADOPTION_BANDS):
        if percent < upper:
            return index
    return len(ADOPTION_BANDS) - 1


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


@dataclass(frozen=True)
class Share:
    """``adopted`` of ``total`` applicable progress rows are at 実施 or 定着."""

    adopted: int
    total: int

    @property
    def percent(self) -> float | None:
        return _percent(self.adopted, self.total)

    @property
    def whole_percent(self) -> int | None:
        """The percentage rounded down, as printed on a tile: 99.6 % adopted is not yet 100 %."""
        return None if not self.total else 100 * self.adopted // self.total

    @property
    def band(self) -> int | None:
        return adoption_band(self.whole_percent)


def with_stage_on(progress: QuerySet[Progress], day: datetime.date, *, today: datetime.date) -> QuerySet[Progress]:
    """Annotate ``stage_as_of``: the stage in force at the end of ``day``.

    On or after today that is the row's own stage (no change can be dated in
    the future, and it is one column instead of a subquery per row); before
    today it comes from the history (``with_stage_as_of``).
    """
    if day >= today:
        return progress.annotate(stage_as_of=F("stage"))
    return progress.with_stage_as_of(day)


def with_stages_on(
    progress: QuerySet[Progress], day: datetime.date, baseline: datetime.date, *, today: datetime.date
) -> QuerySet[Progress]:
    """Annotate ``stage_as_of`` (at ``day``) and ``stage_baseline`` (at ``baseline``), still one query."""
    # F() copies the baseline's expression before stage_as_of is annotated again for ``day``.
    progress = with_stage_on(progress, baseline, today=today).annotate(stage_baseline=F("stage_as_of"))
    return with_stage_on(progress, day, today=today)


def in_region(region, path: str) -> Q:
    """A regional bureau with its branches (``scopes.region_q``); Q() for the whole country (``region`` None).

    ``path`` leads to a Region foreign key (``"municipality__prefecture__region"``).
    """
    return Q() if region is None else region_q(region.pk, path)


# ---------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class Tile:
    """One prefecture on the map; ``share`` is None outside the user's scope or the chosen region."""

    code: str
    name: str
    column: int
    row: int
    share: Share | None


def tile_map(prefectures, shares: dict[str, Share]) -> list[Tile]:
    """The 47 tiles in code order, each with its grid position and its share (or None)."""
    tiles = []
    for prefecture in prefectures:
        column, row = TILE_POSITIONS[prefecture.code]
        tiles.append(Tile(prefecture.code, prefecture.display_name, column, row, shares.get(prefecture.code)))
    return tiles


@dataclass(frozen=True)
class StageCount:
    stage: str
    count: int
    percent: float | None

    @property
    def label(self) -> str:
        return str(Stage(self.stage).label)


@dataclass(frozen=True)
class ItemStages:
    """Counts per stage for one request item; ``adopted_baseline`` is filled by the prefecture report."""

    code: str
    title: str
    total: int
    stages: list[StageCount]
    adopted_baseline: int | None = None

    @property
    def adopted(self) -> int:
        return sum(entry.count for entry in self.stages if entry.stage in ADOPTED)

    @property
    def share(self) -> Share:
        return Share(self.adopted, self.total)

    @property
    def adopted_change(self) -> int | None:
        return None if self.adopted_baseline is None else self.adopted - self.adopted_baseline

    def count(self, stage: str) -> int:
        return next(entry.count for entry in self.stages if entry.stage == stage)


def _item_stages(item: RequestItem, counts: dict[str, int], adopted_baseline: int | None = None) -> ItemStages:
    total = sum(counts.values())
    stages = [StageCount(stage, counts.get(stage, 0), _percent(counts.get(stage, 0), total)) for stage in Stage.values]
    return ItemStages(item.code, item.title, total, stages, adopted_baseline)


@dataclass(frozen=True)
class StageTally:
    """How many progress rows stand at each stage, per prefecture and item: both roll-ups of the dashboard.

    ``counts`` maps (prefecture code, item id, stage) to a number of rows; the
    per-prefecture shares (the map) and the per-item counts (the bars) are
    sums over it, so the page reads the progress table once.
    """

    counts: dict[tuple[str, int, str], int]

    def shares(self, item: RequestItem | None = None) -> dict[str, Share]:
        """Adoption per prefecture code (in code order), for one item or for all; prefectures without rows absent."""
        adopted: dict[str, int] = defaultdict(int)
        total: dict[str, int] = defaultdict(int)
        for (code, item_id, stage), count in self.counts.items():
            if item is not None and item_id != item.pk:
                continue
            total[code] += count
            if stage in ADOPTED_VALUES:
                adopted[code] += count
        return {code: Share(adopted[code], total[code]) for code in sorted(total)}

    def item_stages(self, items: list[RequestItem]) -> list[ItemStages]:
        """For each of ``items`` (in that order), the rows at each stage, all prefectures together."""
        by_item: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (_code, item_id, stage), count in self.counts.items():
            by_item[item_id][stage] += count
        return [_item_stages(item, {stage: by_item[item.pk][stage] for stage in Stage.values}) for item in items]


def stage_tally(progress: QuerySet[Progress], *, as_of: datetime.date, today: datetime.date) -> StageTally:
    """Current rows of the given (scoped) progress per prefecture × item × stage at the end of ``as_of``. One query."""
    rows = (
        with_stage_on(progress.current(), as_of, today=today)
        .order_by()
        .values_list("municipality__prefecture__code", "item_id", "stage_as_of")
        .annotate(count=Count("pk"))
    )
    return StageTally({(code, item_id, stage): count for code, item_id, stage, count in rows})


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class FiscalYearCounts:
    """Activities by kind and referrals opened and closed within one fiscal year."""

    year: int
    start: datetime.date
    end: datetime.date
    activities: list[KindCount]
    referrals_opened: int
    referrals_closed: int

    @property
    def activity_total(self) -> int:
        return sum(entry.count for entry in self.activities)


def fiscal_year_counts(*, activities: QuerySet[Activity], referrals: QuerySet[Referral], year: int) -> FiscalYearCounts:
    """Counts for fiscal ``year`` over the given (scoped) activities and referrals. Two queries.

    A referral counts as opened in the year it was received and as closed in
    the year it was closed (Japan time), so one referral may count in two years.
    """
    start, end = fiscal.fiscal_year_start(year), fiscal.fiscal_year_end(year)
    by_kind = dict(activities.filter(date__range=(start, end)).order_by().values_list("kind").annotate(n=Count("pk")))
    zone = timezone.get_current_timezone()
    closed_from = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    closed_until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    opened = Q(received_on__range=(start, end))
    closed = Q(closed_at__gte=closed_from, closed_at__lt=closed_until)
    # The WHERE drops the rows neither count would take before they are aggregated.
    referral_counts = referrals.filter(opened | closed).aggregate(
        opened=Count("pk", filter=opened), closed=Count("pk", filter=closed)
    )
    return FiscalYearCounts(
        year=year,
        start=start,
        end=end,
        activities=[KindCount(kind, label, by_kind.get(kind, 0)) for kind, label in Activity.Kind.choices],
        referrals_opened=referral_counts["opened"],
        referrals_closed=referral_counts["closed"],
    )


@dataclass(frozen=True)
class ChangeEntry:
    """One line of the latest changes."""

    effective_date: datetime.date
    recorded_at: datetime.datetime
    lg_code: str
    municipality: str
    prefecture: str
    item_code: str
    item_title: str
    from_stage: str
    to_stage: str
    by: str


def latest_changes(changes: QuerySet[ProgressChange], *, as_of: datetime.date, limit: int = 15) -> list[ChangeEntry]:
    """The newest changes effective on or before ``as_of`` (by effective date, then as recorded). One query."""
    rows = (
        changes.filter(effective_date__lte=as_of)
        .select_related("progress__municipality__prefecture", "progress__item", "recorded_by")
        .order_by("-effective_date", "-recorded_at", "-id")[:limit]
    )
    return [
        ChangeEntry(
            effective_date=change.effective_date,
            recorded_at=change.recorded_at,
            lg_code=change.progress.municipality.lg_code,
            municipality=change.progress.municipality.name,
            prefecture=change.progress.municipality.prefecture.display_name,
            item_code=change.progress.item.code,
            item_title=change.progress.item.title,
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            by=str(change.recorded_by) if change.recorded_by else "",
        )
        for change in rows
    ]


# ---------------------------------------------------------------- prefecture report


@dataclass(frozen=True)
class Cell:
    """One local government × item: the stage at the as-of date and at the baseline; None where it does not apply."""

    item_code: str
    stage: str | None
    baseline: str | None

    @property
    def applies(self) -> bool:
        return self.stage is not None

    @property
    def changed(self) -> bool:
        return self.applies and self.stage != self.baseline

    @property
    def label(self) -> str:
        return str(Stage(self.stage).label) if self.applies else ""

    @property
    def baseline_label(self) -> str:
        return str(Stage(self.baseline).label) if self.baseline else ""


@dataclass(frozen=True)
class MatrixRow:
    lg_code: str
    name: str
    kind: str
    kind_label: str
    office: str
    office_code: str
    cells: list[Cell]


@dataclass(frozen=True)
class ItemColumn:
    code: str
    title: str


@dataclass
class Matrix:
    """What the prefecture report shows: rows × item columns, and the per-item counts of those rows."""

    as_of: datetime.date
    baseline: datetime.date
    items: list[ItemColumn]
    rows: list[MatrixRow]
    summary: list[ItemStages] = field(default_factory=list)

    @cached_property
    def changed_cells(self) -> int:
        """How many cells changed since the baseline (computed once: the page asks twice)."""
        return sum(cell.changed for row in self.rows for cell in row.cells)


def report_municipalities(municipalities: QuerySet[Municipality]) -> QuerySet[Municipality]:
    """Active local governments in report order: the prefectural government first, then by code."""
    return (
        municipalities.filter(is_active=True)
        .select_related("office")
        .annotate(
            report_order=Case(
                When(kind=Municipality.Kind.PREFECTURE, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("report_order", "lg_code")
    )


def prefecture_matrix(
    municipalities: QuerySet[Municipality],
    *,
    items: list[RequestItem],
    as_of: datetime.date,
    baseline: datetime.date,
    today: datetime.date,
    stage: str | None = None,
) -> Matrix:
    """The stage of each given local government for each item, at ``as_of`` and at ``baseline``.

    ``municipalities`` is the scoped, filtered set of rows; ``stage`` keeps only
    the rows where at least one of ``items`` stands at that stage. The per-item
    counts are drawn from the rows kept, so the summary always matches the
    matrix. Two queries.
    """
    local_governments = list(
        report_municipalities(municipalities).values_list(
            "pk", "lg_code", "name", "kind", "office__label", "office__code", named=True
        )
    )
    stages = defaultdict(dict)
    # The same local governments as a subquery, not a list of ids: PostgreSQL then joins
    # through the index instead of testing every progress row against the whole list.
    progress = Progress.objects.current().filter(
        municipality__in=municipalities.filter(is_active=True).values("pk"),
        item__in=[item.pk for item in items],
    )
    for municipality_id, item_id, current, then in (
        with_stages_on(progress, as_of, baseline, today=today)
        .order_by()
        .values_list("municipality_id", "item_id", "stage_as_of", "stage_baseline")
    ):
        stages[municipality_id][item_id] = (current, then)

    # get_kind_display() would build the choices dict (translating every label) once per row.
    kind_labels = {kind: str(label) for kind, label in Municipality.Kind.choices}
    not_applicable = (None, None)
    rows = []
    for municipality in local_governments:
        by_item = stages.get(municipality.pk, {})
        cells = [Cell(item.code, *by_item.get(item.pk, not_applicable)) for item in items]
        if stage and not any(cell.stage == stage for cell in cells):
            continue
        rows.append(
            MatrixRow(
                lg_code=municipality.lg_code,
                name=municipality.name,
                kind=municipality.kind,
                kind_label=kind_labels.get(municipality.kind, municipality.kind),
                office=municipality.office__label,
                office_code=municipality.office__code,
                cells=cells,
            )
        )

    summary = []
    for position, item in enumerate(items):
        counts = defaultdict(int)
        adopted_baseline = 0
        for row in rows:
            cell = row.cells[position]
            if cell.applies:
                counts[cell.stage] += 1
                adopted_baseline += cell.baseline in ADOPTED_VALUES
        summary.append(_item_stages(item, counts, adopted_baseline))
    return Matrix(
        as_of=as_of,
        baseline=baseline,
        items=[ItemColumn(item.code, item.title) for item in items],
        rows=rows,
        summary=summary,
    )


def previous_fiscal_year_end(day: datetime.date) -> datetime.date:
    """The end of the fiscal year before the one ``day`` falls in (2026-11-29 → 2026-03-31)."""
    return fiscal.fiscal_year_end(fiscal.fiscal_year(day) - 1)
