"""Reading the commissioner register: the overview of a jurisdiction, national counts, one local government.

Every function costs a fixed number of queries whatever the size of the
scope (北海道's 179 municipalities or 鳥取's 19): counts are aggregates,
lists are single queries with their ``select_related``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from cooperation.commissioners.models import Commissioner, CommissionerAward
from cooperation.fiscal import fiscal_year, fiscal_year_start
from offices.models import Municipality, Office, Prefecture
from offices.scopes import is_ministry_staff

ENDING_WITHIN_DAYS = 90
AWARD_YEARS = 5


def may_see_contact(user) -> bool:
    """Contact details (address, telephone, e-mail) are for ministry staff only, viewers included."""
    return is_ministry_staff(user)


def serving_exists() -> Exists:
    return Exists(Commissioner.objects.serving().filter(municipality=OuterRef("pk")))


def register_queryset(user) -> QuerySet:
    """The commissioners ``user`` sees, with what every list shows."""
    return (
        Commissioner.objects.visible_to(user)
        .select_related("municipality__prefecture", "municipality__office", "recommended_by")
        .order_by("municipality__lg_code", "name_kana", "number")
    )


@dataclass
class AwardYear:
    year: int
    counts: dict = field(default_factory=dict)
    total: int = 0


@dataclass
class Overview:
    """What a center (or a prefecture) asks of its register, for the municipalities in ``municipalities``."""

    today: datetime.date
    until: datetime.date
    municipality_count: int = 0
    without: list = field(default_factory=list)
    ending: list = field(default_factory=list)
    serving: int = 0
    concurrent: int = 0
    recommended: list = field(default_factory=list)
    per_municipality: list = field(default_factory=list)
    award_years: list = field(default_factory=list)
    conferrers: list = field(default_factory=list)


def overview(user, municipalities: QuerySet, *, today: datetime.date) -> Overview:
    """Municipalities without any serving commissioner, terms ending in the next 90 days, 兼務, awards per year.

    ``municipalities`` is already limited to the user's scope; prefectural
    governments have no commissioners of their own and are left out. Six queries.
    """
    until = today + datetime.timedelta(days=ENDING_WITHIN_DAYS)
    result = Overview(today=today, until=until)
    areas = municipalities.active().exclude(kind=Municipality.Kind.PREFECTURE)
    rows = list(
        areas.annotate(
            serving_count=Count("commissioners", filter=Q(commissioners__status__in=Commissioner.Status.serving())),
            concurrent_count=Count(
                "commissioners",
                filter=Q(
                    commissioners__status__in=Commissioner.Status.serving(),
                    commissioners__counselor_since__isnull=False,
                ),
            ),
        )
        .select_related("office")
        .order_by("lg_code")
    )
    result.municipality_count = len(rows)
    result.per_municipality = rows
    result.without = [row for row in rows if row.serving_count == 0]
    result.serving = sum(row.serving_count for row in rows)
    result.concurrent = sum(row.concurrent_count for row in rows)
    in_areas = register_queryset(user).filter(municipality__in=areas)
    result.ending = list(
        in_areas.serving()
        .filter(term_ends_on__gte=today, term_ends_on__lte=until)
        .order_by("term_ends_on", "municipality__lg_code", "name_kana")
    )
    result.recommended = list(in_areas.filter(status=Commissioner.Status.RECOMMENDED).order_by("recommended_on"))
    first_year = fiscal_year(today) - AWARD_YEARS + 1
    counts = (
        CommissionerAward.objects.filter(
            commissioner__municipality__in=areas, awarded_on__gte=fiscal_year_start(first_year)
        )
        .order_by()
        .values_list("awarded_on", "conferrer")
    )
    years = {year: AwardYear(year=year) for year in range(fiscal_year(today), first_year - 1, -1)}
    for awarded_on, conferrer in counts:
        entry = years[fiscal_year(awarded_on)]
        entry.counts[conferrer] = entry.counts.get(conferrer, 0) + 1
        entry.total += 1
    result.conferrers = list(CommissionerAward.Conferrer.choices)
    for entry in years.values():
        entry.cells = [entry.counts.get(code, 0) for code, _label in result.conferrers]
    result.award_years = list(years.values())
    return result


@dataclass
class PrefectureCounts:
    prefecture: Prefecture
    municipalities: int = 0
    without: int = 0
    serving: int = 0
    concurrent: int = 0
    ending: int = 0
    recommended: int = 0
    awards: int = 0


def national_counts(user, *, today: datetime.date) -> list[PrefectureCounts]:
    """Per prefecture the user sees: municipalities, those without a commissioner, serving, 兼務, terms ending,
    pending recommendations and awards of this fiscal year. Four queries."""
    until = today + datetime.timedelta(days=ENDING_WITHIN_DAYS)
    visible = Municipality.objects.visible_to(user).active().exclude(kind=Municipality.Kind.PREFECTURE)
    serving = Q(status__in=Commissioner.Status.serving())
    table: dict[int, PrefectureCounts] = {}
    prefectures = Prefecture.objects.filter(pk__in=visible.values("prefecture")).order_by("code")
    for prefecture in prefectures:
        table[prefecture.pk] = PrefectureCounts(prefecture=prefecture)
    for prefecture_id, total, without in (
        visible.order_by()
        .values("prefecture")
        .annotate(total=Count("pk"), without=Count("pk", filter=~Q(serving_exists())))
        .values_list("prefecture", "total", "without")
    ):
        table[prefecture_id].municipalities, table[prefecture_id].without = total, without
    for prefecture_id, count, concurrent, ending, recommended in (
        Commissioner.objects.filter(municipality__in=visible)
        .order_by()
        .values("municipality__prefecture")
        .annotate(
            count=Count("pk", filter=serving),
            concurrent=Count("pk", filter=serving & Q(counselor_since__isnull=False)),
            ending=Count("pk", filter=serving & Q(term_ends_on__gte=today, term_ends_on__lte=until)),
            recommended=Count("pk", filter=Q(status=Commissioner.Status.RECOMMENDED)),
        )
        .values_list("municipality__prefecture", "count", "concurrent", "ending", "recommended")
    ):
        entry = table[prefecture_id]
        entry.serving, entry.concurrent, entry.ending, entry.recommended = count, concurrent, ending, recommended
    for prefecture_id, awards in (
        CommissionerAward.objects.filter(
            commissioner__municipality__in=visible, awarded_on__gte=fiscal_year_start(fiscal_year(today))
        )
        .order_by()
        .values("commissioner__municipality__prefecture")
        .annotate(n=Count("pk"))
        .values_list("commissioner__municipality__prefecture", "n")
    ):
        table[prefecture_id].awards = awards
    return list(table.values())


def municipality_commissioners(user, municipality: Municipality) -> list[Commissioner]:
    """The commissioners working in ``municipality`` (or, for a prefectural government, recommended by it: none),
    if ``user`` sees them; one query."""
    return list(
        Commissioner.objects.visible_to(user)
        .filter(municipality=municipality)
        .exclude(status__in=Commissioner.Status.ended())
        .order_by("name_kana", "number")
    )


def units_of(user) -> tuple[list[Office], list[Prefecture]]:
    """The centers whose desk the user sees, and the prefectures it sees municipalities of (for the chooser)."""
    offices = list(Office.objects.visible_to(user).order_by("sort_order", "code"))
    visible = Municipality.objects.visible_to(user).active().exclude(kind=Municipality.Kind.PREFECTURE)
    prefectures = list(Prefecture.objects.filter(pk__in=visible.values("prefecture")).order_by("code"))
    return offices, prefectures


def awards_by_fiscal_year(awards) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for award in awards:
        counts[fiscal_year(award.awarded_on)] += 1
    return dict(counts)
