"""The floor of every date a user gives (issue 11): nothing the tracker records happened before it.

``settings.EARLIEST_DATE`` (``DJANGO_EARLIEST_DATE``, default 2015-04-01, the
start of 平成27年度, before any cooperation this site tracks): a stage's
effective date, an activity's date, a referral's date received, a report's
"as of" date and a survey row's date are refused before it with a clear
message, so that no date arithmetic (the previous fiscal year's end of
0001-01-01) can fail.
"""

import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from cooperation.fiscal import format_date


def earliest_date() -> datetime.date:
    return settings.EARLIEST_DATE


def too_early(day: datetime.date | None) -> bool:
    return day is not None and day < earliest_date()


def too_early_message(day: datetime.date) -> str:
    return _("The date {date} is too early: the tracker records nothing before {earliest}.").format(
        date=format_date(day), earliest=format_date(earliest_date())
    )
