"""Reads of disaster response: the daily report of special offices and the affected local governments' contacts."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from cooperation.disasters.models import Disaster, SpecialOfficeDay
from cooperation.fiscal import today
from cooperation.sessions.models import Kind, Session, Venue
from offices.models import Municipality


@dataclass
class DayRow:
    day: datetime.date
    by_prefecture: dict = field(default_factory=dict)  # prefecture code -> [sites open, cases]
    sites: int = 0
    cases: int = 0


def special_offices(disaster: Disaster):
    return (
        Session.objects.filter(disaster=disaster, kind=Kind.SPECIAL_OFFICE)
        .exclude(status=Session.Status.CANCELLED)
        .select_related("office__prefecture", "venue")
        .order_by("date", "office__sort_order", "id")
    )


def daily_report(disaster: Disaster) -> dict:
    """Sites open and cases per day, per prefecture and in total, from the start to the close (or today).

    Two queries whatever the number of offices and days: the offices, and the
    recorded days. A site counts as open on every day of its dates.
    """
    offices = list(special_offices(disaster))
    cases = defaultdict(int)
    for session_id, day, count in SpecialOfficeDay.objects.filter(session__in=[s.pk for s in offices]).values_list(
        "session_id", "date", "cases"
    ):
        cases[(session_id, day)] += count
    last = min(disaster.ended_on or today(), today())
    if offices:
        last = max(last, min(max(s.last_day for s in offices), today()))
    prefectures = {}
    rows: list[DayRow] = []
    day = disaster.started_on
    while day <= last:
        row = DayRow(day=day)
        for session in offices:
            if session.date <= day <= session.last_day:
                prefecture = session.office.prefecture
                prefectures[prefecture.code] = prefecture
                cell = row.by_prefecture.setdefault(prefecture.code, [0, 0])
                cell[0] += 1
                cell[1] += cases.get((session.pk, day), 0)
        row.sites = sum(cell[0] for cell in row.by_prefecture.values())
        row.cases = sum(cell[1] for cell in row.by_prefecture.values())
        rows.append(row)
        day += datetime.timedelta(days=1)
    ordered = [prefectures[code] for code in sorted(prefectures)]
    for row in rows:
        row.cells = [row.by_prefecture.get(p.code, [0, 0]) for p in ordered]
    totals = [sum(row.by_prefecture.get(p.code, [0, 0])[1] for row in rows) for p in ordered]
    return {
        "rows": rows,
        "prefectures": ordered,
        "totals": totals,
        "total_cases": sum(totals),
        "sites": len(offices),
        "offices": offices,
    }


def affected_contacts(disaster: Disaster, user):
    """Every affected local government the user sees, with its agreed contact (2-4) and disaster venues.

    Three queries whatever the number: the local governments with their
    contact, and their venues agreed for special offices.
    """
    return (
        Municipality.objects.visible_to(user)
        .filter(Q(disasters=disaster))
        .select_related("preparedness", "office")
        .prefetch_related(
            Prefetch("venues", queryset=Venue.objects.filter(for_disasters=True), to_attr="disaster_venues")
        )
        .order_by("lg_code")
    )
