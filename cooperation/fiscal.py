"""Fiscal years (年度, 1 April – 31 March) and Japanese era (和暦) labels."""

import datetime

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# First day of each era in use since the request letter's law (昭和22年) was passed.
ERAS = [
    (datetime.date(2019, 5, 1), "令和", "R"),
    (datetime.date(1989, 1, 8), "平成", "H"),
    (datetime.date(1926, 12, 25), "昭和", "S"),
]


def today() -> datetime.date:
    """Today in the site's time zone (Asia/Tokyo): the date every "not in the future" rule compares with."""
    return timezone.localdate()


def fiscal_year(day: datetime.date) -> int:
    """The fiscal year a date belongs to, named by the calendar year it starts in (2026年度 = 2026-04-01…)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_start(year: int) -> datetime.date:
    return datetime.date(year, 4, 1)


def fiscal_year_end(year: int) -> datetime.date:
    return datetime.date(year + 1, 3, 31)


def era_year(year: int, on: datetime.date | None = None) -> tuple[str, int]:
    """Era name and year for a calendar year (taken at ``on``, default 1 April of it: the fiscal-year start)."""
    on = on or datetime.date(year, 4, 1)
    for start, name, _letter in ERAS:
        if on >= start:
            return name, year - start.year + 1
    raise ValueError(f"No era for {on}")


def fiscal_year_label(year: int) -> str:
    """令和8年度 (2026年度) in Japanese, FY2026 in English."""
    if (get_language() or "ja").startswith("en"):
        return _("FY{year}").format(year=year)
    # 2019年度 began under 平成 (4 April 2019) but is called 令和元年度 by convention.
    name, number = era_year(year, datetime.date(year, 12, 31) if year == 2019 else None)
    number_label = "元" if number == 1 else str(number)
    return f"{name}{number_label}年度 ({year}年度)"


def format_date(day: datetime.date | None) -> str:
    """2026年11月29日 in Japanese, 29 Nov 2026 in English; empty for None."""
    if day is None:
        return ""
    if (get_language() or "ja").startswith("en"):
        return day.strftime("%-d %b %Y")
    return f"{day.year}年{day.month}月{day.day}日"
