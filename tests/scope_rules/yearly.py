"""The yearly report (issue 15): ministry staff read it for their own scope; municipal roles get 403.

Closing, re-issuing and reopening a fiscal year is headquarters' only: the
read-only headquarters viewer and every other ministry role get 403 and
nothing changes (tests/cooperation/test_yearly_views.py checks the rows).
"""

from cooperation import fiscal
from tests.scope_rules import MUNICIPAL, Rule, statuses

MINISTRY_READ = statuses(200, **{role: 403 for role in MUNICIPAL})
POST_ONLY = statuses(405, **{role: 403 for role in MUNICIPAL})
HQ_ONLY = statuses(403, hq=302)


def _current(world):
    return {"year": fiscal.fiscal_year(fiscal.today())}


def _last_year(world):
    """Last fiscal year, given one recorded stage change in it (a year with data)."""
    from cooperation.models import Progress, ProgressChange
    from cooperation.progress.services import progress_update

    year = fiscal.fiscal_year(fiscal.today()) - 1
    if not ProgressChange.objects.filter(effective_date__lte=fiscal.fiscal_year_end(year)).exists():
        progress = Progress.objects.select_related("municipality", "item").get(
            municipality=world.otaru, item__code="1-2"
        )
        progress_update(progress=progress, stage="considering", by=None, effective_date=fiscal.fiscal_year_start(year))
    return {"year": year}


def _closed_last_year(world):
    from cooperation.models import FiscalYearClose
    from cooperation.yearly.services import year_close

    kwargs = _last_year(world)
    if not FiscalYearClose.objects.filter(year=kwargs["year"]).exists():
        year_close(year=kwargs["year"], by=None)
    return kwargs


RULES = [
    Rule(name="cooperation:stage_meanings", get=statuses(200)),
    Rule(name="cooperation:yearly_list", get=MINISTRY_READ),
    Rule(name="cooperation:yearly_trends", get=MINISTRY_READ),
    Rule(name="cooperation:yearly_trends", get=MINISTRY_READ, query="area=prefecture:01&item=1-1", label="trends-01"),
    Rule(name="cooperation:yearly_report", get=MINISTRY_READ, kwargs=_current),
    Rule(name="cooperation:yearly_report", get=MINISTRY_READ, kwargs=_closed_last_year, label="yearly_report-closed"),
    Rule(name="cooperation:yearly_print", get=MINISTRY_READ, kwargs=_closed_last_year),
    Rule(name="cooperation:yearly_workbook", get=MINISTRY_READ, kwargs=_closed_last_year),
    Rule(
        name="cooperation:yearly_close",
        get=POST_ONLY,
        kwargs=_last_year,
        post=HQ_ONLY,
        post_data=lambda world: {"note": ""},
        writes=("cooperation.FiscalYearClose", "cooperation.ClosedFigure", "offices.AuditEvent"),
    ),
    Rule(
        name="cooperation:yearly_reissue",
        get=POST_ONLY,
        kwargs=_closed_last_year,
        post=HQ_ONLY,
        post_data=lambda world: {"note": ""},
        writes=("cooperation.FiscalYearClose", "cooperation.ClosedFigure", "offices.AuditEvent"),
    ),
    Rule(
        name="cooperation:yearly_reopen",
        get=POST_ONLY,
        kwargs=_closed_last_year,
        post=HQ_ONLY,
        post_data=lambda world: {"reason": "誤りの訂正"},
        writes=("cooperation.FiscalYearClose", "offices.AuditEvent"),
    ),
]
