"""What the activities achieved and how referrals went in a fiscal year: the yearly report's sums and statistics."""

from __future__ import annotations

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from cooperation.models import (
    Activity,
    Referral,
)
from offices.models import Office

ACTIVITY_FIGURES = (
    "attendees",
    "consultations",
    "commissioners_present",
    "people_recommended",
    "commissioners_awarded",
)


@dataclass(frozen=True)
class ActivityRow:
    code: str
    label: str
    prefecture: str
    counts: list[int]
    figures: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class ReferralRow:
    label: str
    filed: int
    closed: int
    median_days: float | None = None
    p90_days: int | None = None
    code: str = ""  # what the row groups by: a prefecture code, a topic, an agency, an outcome (the API's key)


def percentile_nearest_rank(values: list[int], fraction: float) -> int | None:
    """The nearest-rank percentile: the smallest value with at least ``fraction`` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _referral_row(label: str, filed: int, days: list[int], code: str = "") -> ReferralRow:
    return ReferralRow(
        code=code,
        label=label,
        filed=filed,
        closed=len(days),
        median_days=statistics.median(days) if days else None,
        p90_days=percentile_nearest_rank(days, 0.9),
    )


def _activities(*, user, start, end):
    kinds = [(kind, str(label)) for kind, label in Activity.Kind.choices]
    rows = (
        Activity.objects.visible_to(user)
        .filter(date__range=(start, end))
        .order_by()
        .values_list("office_id", "kind")
        .annotate(n=Count("pk"), **{name: Sum(name) for name in ACTIVITY_FIGURES})
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sums: dict[int, list[int]] = defaultdict(lambda: [0] * len(ACTIVITY_FIGURES))
    for office_id, kind, n, *figures in rows:
        counts[office_id][kind] += n
        sums[office_id] = [a + (b or 0) for a, b in zip(sums[office_id], figures, strict=True)]
    offices = list(Office.objects.filter(pk__in=list(counts)).select_related("prefecture").order_by("sort_order"))
    by_center = [
        ActivityRow(
            office.code,
            office.label,
            office.prefecture.display_name,
            [counts[office.pk][kind] for kind, _label in kinds],
            sums[office.pk],
        )
        for office in offices
    ]
    by_prefecture: dict[str, ActivityRow] = {}
    for office, row in zip(offices, by_center, strict=True):
        code = office.prefecture.code
        if code in by_prefecture:
            before = by_prefecture[code]
            row = ActivityRow(
                code,
                before.label,
                before.prefecture,
                [a + b for a, b in zip(before.counts, row.counts, strict=True)],
                [a + b for a, b in zip(before.figures, row.figures, strict=True)],
            )
        else:
            row = ActivityRow(
                code, office.prefecture.display_name, office.prefecture.display_name, row.counts, row.figures
            )
        by_prefecture[code] = row
    return kinds, by_center, [by_prefecture[code] for code in sorted(by_prefecture)]


def _referrals(*, user, start, end) -> dict:
    zone = timezone.get_current_timezone()
    closed_from = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    closed_until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    filed_q = Q(received_on__range=(start, end))
    closed_q = Q(closed_at__gte=closed_from, closed_at__lt=closed_until)
    rows = (
        Referral.objects.visible_to(user)
        .filter(filed_q | closed_q)
        .order_by()
        .values_list(
            "municipality__prefecture__code",
            "municipality__prefecture__name",
            "topic",
            "agency",
            "outcome",
            "direction",
            "received_on",
            "closed_at",
        )
    )
    filed: dict[tuple[str, str], int] = defaultdict(int)
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    prefecture_names: dict[str, str] = {}
    for code, name, topic, agency, outcome, direction, received_on, closed_at in rows:
        prefecture_names[code] = name
        keys = [("prefecture", code), ("direction", direction), ("topic", topic), ("agency", agency.strip())]
        if start <= received_on <= end:
            filed[("all", "")] += 1
            for key in keys:
                filed[key] += 1
        if closed_at is not None and closed_from <= closed_at < closed_until:
            took = (timezone.localtime(closed_at, zone).date() - received_on).days
            days[("all", "")].append(took)
            for key in [*keys, ("outcome", outcome)]:
                days[key].append(took)

    def table(dimension: str, labels: list[tuple[str, str]]) -> list[ReferralRow]:
        return [
            _referral_row(label, filed.get((dimension, value), 0), days.get((dimension, value), []), value)
            for value, label in labels
            if filed.get((dimension, value)) or days.get((dimension, value))
        ]

    agencies = sorted({value for dimension, value in [*filed, *days] if dimension == "agency"})
    return {
        "referrals_by_prefecture": table("prefecture", sorted(prefecture_names.items())),
        "referrals_by_direction": table("direction", [(k, str(v)) for k, v in Referral.Direction.choices]),
        "referrals_by_topic": table("topic", [(k, str(v)) for k, v in Referral.Topic.choices]),
        "referrals_by_agency": table("agency", [(a, a or "—") for a in agencies]),
        "referrals_by_outcome": table("outcome", [(k, str(v)) for k, v in Referral.Outcome.choices]),
        "referrals_total": _referral_row("", filed.get(("all", ""), 0), days.get(("all", ""), [])),
    }
