"""Reads of the calendar: sessions in scope for a period, laid out by month or listed."""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Prefetch

from cooperation.sessions.models import Participant, Session


def calendar_sessions(
    user,
    first: datetime.date,
    last: datetime.date,
    *,
    office=None,
    prefecture=None,
    municipality=None,
    kind: str = "",
    status: str = "",
):
    """Sessions the user sees that take place between ``first`` and ``last``; three queries whatever the count."""
    sessions = Session.objects.visible_to(user).on_calendar(first, last)
    if office is not None:
        sessions = sessions.filter(office=office)
    if prefecture is not None:
        sessions = sessions.filter(participants__municipality__prefecture=prefecture).distinct()
    if municipality is not None:
        sessions = sessions.filter(participants__municipality=municipality)
    if kind:
        sessions = sessions.filter(kind=kind)
    if status:
        sessions = sessions.filter(status=status)
    return sessions.select_related("office", "venue", "disaster").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("municipality")),
        "agencies",
    )


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def month_weeks(year: int, month: int, sessions) -> list[list[tuple[datetime.date, bool, list[Session]]]]:
    """Weeks (Monday first) of (day, in this month, sessions that day); a multi-day office shows every day."""
    by_day: dict[datetime.date, list[Session]] = {}
    for session in sessions:
        day = session.date
        while day <= session.last_day:
            by_day.setdefault(day, []).append(session)
            day += datetime.timedelta(days=1)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([(day, day.month == month, by_day.get(day, [])) for day in week])
    return weeks
