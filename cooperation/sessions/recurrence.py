"""Dates of a recurrence: pure functions, no database."""

from __future__ import annotations

import calendar
import datetime

from cooperation.sessions.models import Recurrence

MAX_OCCURRENCES = 160


def _add_months(day: datetime.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> datetime.date | None:
    """The ``nth`` (1-5) ``weekday`` of a month; None when the month has no fifth one."""
    first = datetime.date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + (nth - 1) * 7
    if day > calendar.monthrange(year, month)[1]:
        return None
    return datetime.date(year, month, day)


def occurrence_dates(recurrence: str, starts_on: datetime.date, ends_on: datetime.date) -> list[datetime.date]:
    """Every date of the recurrence from ``starts_on`` (the first occurrence) to ``ends_on``, both included.

    A monthly series on the 31st skips the months without one (it never
    moves to another day silently); a series on the 5th Friday skips the
    months without a fifth Friday.
    """
    dates: list[datetime.date] = []
    step = 0
    while len(dates) <= MAX_OCCURRENCES:
        if recurrence == Recurrence.WEEKLY:
            day = starts_on + datetime.timedelta(weeks=step)
        elif recurrence == Recurrence.MONTHLY_DAY:
            year, month = _add_months(starts_on, step)
            day = (
                datetime.date(year, month, starts_on.day)
                if starts_on.day <= calendar.monthrange(year, month)[1]
                else None
            )
        elif recurrence == Recurrence.MONTHLY_WEEKDAY:
            year, month = _add_months(starts_on, step)
            day = _nth_weekday(year, month, starts_on.weekday(), (starts_on.day - 1) // 7 + 1)
        elif recurrence == Recurrence.YEARLY:
            year = starts_on.year + step
            try:
                day = starts_on.replace(year=year)
            except ValueError:  # 29 February
                day = None
            if day is None and datetime.date(year, 1, 1) > ends_on:
                break
        else:
            raise ValueError(f"Unknown recurrence {recurrence!r}")
        step += 1
        if day is None:
            if recurrence != Recurrence.YEARLY and datetime.date(*_add_months(starts_on, step - 1), 1) > ends_on:
                break
            continue
        if day > ends_on:
            break
        dates.append(day)
    return dates
