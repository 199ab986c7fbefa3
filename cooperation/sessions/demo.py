"""Demo year of sessions and disaster response, deterministic by seed (called from the demo generator).

- Monthly regular consultations (定例相談) in about a fifth of the municipalities,
  on the same weekday each month of the fiscal year, in a venue the local
  government provides: those past are held (with figures and their 2-2
  activity), a few cancelled, the rest planned.
- The October administrative counseling week (行政相談週間): 157 one-day joint
  sessions nationwide, with other agencies present.
- One past disaster (heavy rain in 九州北部) with special consultation offices
  open for three weeks and their cases per day.
- Peacetime preparedness (2-4): liaison contacts and venues agreed for disasters.

Rows are written with ``bulk_create`` and are those the services would leave
(the held sessions' activities included); every row is recorded by the demo
user, and running it again first removes what it wrote before.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter

from django.db import transaction

from cooperation.disasters.models import Disaster, Preparedness, SpecialOfficeDay
from cooperation.fiscal import fiscal_year, fiscal_year_start
from cooperation.models import Activity, RequestItem
from cooperation.sessions.models import (
    Agency,
    ConsultationField,
    Kind,
    Participant,
    Session,
    SessionFigure,
    SessionSeries,
    Venue,
)
from cooperation.sessions.recurrence import occurrence_dates
from offices.models import Municipality, Prefecture, Region

WEEK_SITES = 157
DEMO_VENUE_NOTE = "デモデータ"


@transaction.atomic
def remove(*, user) -> Counter:
    """Remove what :func:`generate` wrote (sessions, series, disasters, venues, preparedness of the demo user)."""
    removed = Counter()
    sessions = Session.objects.filter(created_by=user)
    activity_ids = list(sessions.exclude(activity=None).values_list("activity_id", flat=True))
    SpecialOfficeDay.objects.filter(session__in=sessions).delete()
    removed["sessions"] = sessions.count()
    sessions.delete()
    Activity.municipalities.through.objects.filter(activity_id__in=activity_ids).delete()
    removed["activities"] = Activity.objects.filter(pk__in=activity_ids).count()
    Activity.objects.filter(pk__in=activity_ids).delete()
    removed["session series"] = SessionSeries.objects.filter(created_by=user).delete()[0]
    removed["disasters"] = Disaster.objects.filter(declared_by=user).delete()[0]
    removed["preparedness"] = Preparedness.objects.filter(updated_by=user).delete()[0]
    removed["venues"] = Venue.objects.filter(note=DEMO_VENUE_NOTE, sessions=None, series=None).delete()[0]
    return +removed


@transaction.atomic
def generate(*, user, today: datetime.date, seed: int = 2026, prefectures: list[str] | None = None) -> Counter:
    """Write the demo year around ``today``; the same seed and day give the same rows."""
    remove(user=user)
    rng = random.Random(seed + 14)
    created = Counter()
    municipalities = list(Municipality.objects.active().select_related("office", "prefecture").order_by("lg_code"))
    if prefectures:
        municipalities = [m for m in municipalities if m.prefecture.code in prefectures]
    if not municipalities:
        return created
    agencies = list(Agency.objects.filter(is_active=True))
    item = RequestItem.objects.get(code="2-2")
    venues = _venues(municipalities, rng)
    created["venues"] = len(venues)
    created["preparedness"] = _preparedness(municipalities, user, today, rng)
    writer = _Writer(user=user, item=item, today=today, rng=rng, agencies=agencies)

    start = fiscal_year_start(fiscal_year(today))
    end = datetime.date(start.year + 1, 3, 31)
    regular = [m for m in municipalities if m.kind != Municipality.Kind.PREFECTURE and rng.random() < 0.2]
    for municipality in regular:
        first = start + datetime.timedelta(days=rng.randrange(7, 35))
        series = SessionSeries.objects.create(
            office=municipality.office,
            kind=Kind.COMMISSIONER,
            title=f"{municipality.name} 定例行政相談",
            venue=venues[municipality.pk],
            start_time=datetime.time(10),
            end_time=datetime.time(15),
            recurrence="monthly_weekday",
            starts_on=first,
            ends_on=end,
            created_by=user,
        )
        series.municipalities.set([municipality])
        for day in occurrence_dates("monthly_weekday", first, end):
            writer.add(
                office=municipality.office,
                kind=Kind.COMMISSIONER,
                title=series.title,
                day=day,
                venue=venues[municipality.pk],
                municipalities=[municipality],
                series=series,
                times=(datetime.time(10), datetime.time(15)),
            )
    created["session series"] = len(regular)

    week_start = _counseling_week(start.year)
    by_office: dict[int, list[Municipality]] = {}
    for municipality in municipalities:
        if municipality.kind != Municipality.Kind.PREFECTURE:
            by_office.setdefault(municipality.office_id, []).append(municipality)
    offices = sorted(by_office)
    for index in range(WEEK_SITES):
        office_id = offices[index % len(offices)]
        municipality = rng.choice(by_office[office_id])
        writer.add(
            office=municipality.office,
            kind=Kind.JOINT_SESSION,
            title=f"行政相談週間 {municipality.name} 一日合同行政相談所",
            day=week_start + datetime.timedelta(days=rng.randrange(0, 7)),
            venue=venues[municipality.pk],
            municipalities=[municipality],
            agencies=rng.sample(agencies, k=min(len(agencies), rng.randint(2, 5))),
            times=(datetime.time(10), datetime.time(16)),
        )
    created["sessions"] = writer.flush()
    created["activities"] = writer.activities
    created.update(_disaster(user=user, today=today, rng=rng, venues=venues, prefectures=prefectures))
    return +created


def _counseling_week(year: int) -> datetime.date:
    """The Monday of the third full week of October (行政相談週間 runs for a week in mid-October)."""
    day = datetime.date(year, 10, 1)
    day += datetime.timedelta(days=(7 - day.weekday()) % 7)
    return day + datetime.timedelta(weeks=2)


def _venues(municipalities, rng) -> dict[int, Venue]:
    rows = []
    for municipality in municipalities:
        hall = (
            "庁舎 会議室"
            if municipality.kind == Municipality.Kind.PREFECTURE
            else rng.choice(["市民センター", "総合福祉センター", "公民館", "役場 会議室", "コミュニティセンター"])
        )
        rows.append(
            Venue(
                municipality=municipality,
                name=f"{municipality.name}{hall}",
                address=f"{municipality.prefecture.name}{municipality.name}",
                provided_by_municipality=True,
                for_disasters=rng.random() < 0.4,
                note=DEMO_VENUE_NOTE,
            )
        )
    Venue.objects.bulk_create(rows, batch_size=500)
    return {venue.municipality_id: venue for venue in rows}


def _preparedness(municipalities, user, today, rng) -> int:
    existing = set(Preparedness.objects.values_list("municipality_id", flat=True))
    rows = [
        Preparedness(
            municipality=municipality,
            liaison_department=rng.choice(["総務課 防災係", "危機管理課", "防災対策室", "総務部 危機管理室"]),
            liaison_phone=f"0{rng.randint(10, 99)}-{rng.randint(10, 99):02d}-{rng.randint(0, 9999):04d}",
            agreed_on=today - datetime.timedelta(days=rng.randint(30, 700)),
            note="災害時の特別行政相談所の開設に協力（会場提供・広報）",
            updated_by=user,
        )
        for municipality in municipalities
        if rng.random() < 0.4 and municipality.pk not in existing
    ]
    Preparedness.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


class _Writer:
    """Collects sessions and writes them, their participants, figures and activities in a few bulk inserts."""

    def __init__(self, *, user, item, today, rng, agencies):
        self.user, self.item, self.today, self.rng, self.agencies = user, item, today, rng, agencies
        self.pending = []
        self.activities = 0

    def add(
        self,
        *,
        office,
        kind,
        title,
        day,
        venue,
        municipalities,
        times,
        series=None,
        agencies=(),
        disaster=None,
        end_date=None,
    ):
        status = Session.Status.PLANNED
        if day <= self.today and disaster is None:
            status = Session.Status.CANCELLED if self.rng.random() < 0.04 else Session.Status.HELD
        session = Session(
            series=series,
            disaster=disaster,
            office=office,
            kind=kind,
            status=status,
            title=title,
            date=day,
            end_date=end_date,
            start_time=times[0],
            end_time=times[1],
            venue=venue,
            created_by=self.user,
        )
        self.pending.append((session, municipalities, list(agencies)))
        return session

    def flush(self) -> int:
        held = [(s, ms) for s, ms, _a in self.pending if s.status == Session.Status.HELD]
        figures = {}
        activities = []
        for session, _municipalities in held:
            counts = {f: self.rng.randint(0, 4) for f in self.rng.sample(ConsultationField.values, k=3)}
            figures[id(session)] = counts
            session.consultations = sum(counts.values())
            session.commissioners_present = self.rng.randint(1, 3)
            activity = Activity(
                date=session.date,
                office=session.office,
                item=self.item,
                kind=Activity.Kind.VENUE if session.kind == Kind.COMMISSIONER else Activity.Kind.JOINT_SESSION,
                title=session.title,
                consultations=session.consultations,
                commissioners_present=session.commissioners_present,
                created_by=self.user,
            )
            activities.append(activity)
            session.activity = activity
        Activity.objects.bulk_create(activities, batch_size=500)
        through = Activity.municipalities.through
        through.objects.bulk_create(
            [through(activity_id=s.activity.pk, municipality_id=m.pk) for s, ms in held for m in ms], batch_size=500
        )
        for session, _ms in held:
            session.activity_id = session.activity.pk
        Session.objects.bulk_create([s for s, _m, _a in self.pending], batch_size=500)
        Participant.objects.bulk_create(
            [Participant(session=s, municipality=m) for s, ms, _a in self.pending for m in ms], batch_size=500
        )
        agency_through = Session.agencies.through
        agency_through.objects.bulk_create(
            [agency_through(session_id=s.pk, agency_id=a.pk) for s, _m, ags in self.pending for a in ags],
            batch_size=500,
        )
        SessionFigure.objects.bulk_create(
            [
                SessionFigure(session=s, field=field, count=count)
                for s, _ms in held
                for field, count in figures[id(s)].items()
                if count
            ],
            batch_size=500,
        )
        written = len(self.pending)
        self.activities += len(activities)
        self.pending = []
        return written


def _disaster(*, user, today, rng, venues, prefectures) -> Counter:
    """A past heavy-rain disaster in 福岡県 and 佐賀県 with three weeks of special offices, closed since."""
    codes = [code for code in ("40", "41") if not prefectures or code in prefectures]
    if not codes:
        return Counter()
    started = today - datetime.timedelta(days=150)
    affected = list(
        Municipality.objects.filter(prefecture__code__in=codes, kind__in=["city", "town"])
        .select_related("office")
        .order_by("lg_code")
    )
    affected = [m for m in affected if m.pk in venues][:: max(1, len(affected) // 12)][:12]
    disaster = Disaster.objects.create(
        name=f"令和{started.year - 2018}年 九州北部豪雨",
        kind=Disaster.Kind.HEAVY_RAIN,
        started_on=started,
        ended_on=started + datetime.timedelta(days=35),
        region=Region.objects.filter(code="kyushu").first(),
        declared_by=user,
        note="デモデータ",
    )
    disaster.prefectures.set(Prefecture.objects.filter(code__in=codes))
    disaster.municipalities.set(affected)
    writer = _Writer(user=user, item=None, today=today, rng=rng, agencies=[])
    sessions = []
    for index, municipality in enumerate(affected):
        first = started + datetime.timedelta(days=3 + index % 4)
        sessions.append(
            writer.add(
                office=municipality.office,
                kind=Kind.SPECIAL_OFFICE,
                title=f"{venues[municipality.pk].name} 特別行政相談所",
                day=first,
                end_date=first + datetime.timedelta(days=20),
                venue=venues[municipality.pk],
                municipalities=[municipality],
                times=(datetime.time(9), datetime.time(17)),
                disaster=disaster,
            )
        )
    writer.flush()
    days = []
    for session in sessions:
        day, peak = session.date, rng.randint(15, 40)
        while day <= session.end_date:
            elapsed = (day - session.date).days
            days.append(
                SpecialOfficeDay(
                    session=session,
                    date=day,
                    cases=max(0, int(peak * 0.88**elapsed) + rng.randint(-2, 2)),
                    recorded_by=user,
                )
            )
            day += datetime.timedelta(days=1)
    SpecialOfficeDay.objects.bulk_create(days, batch_size=500)
    return Counter({"disasters": 1, "special offices": len(sessions), "special office days": len(days)})
