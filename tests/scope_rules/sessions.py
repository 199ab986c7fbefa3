"""The calendar, sessions, feeds and disaster response (issue 14).

The objects are 札幌's sessions with 小樽市 and a disaster affecting 小樽市, so
the statuses mirror those of 小樽市's page: planning is for ministry staff with
write scope on 札幌, confirming for 小樽市's own officer, reading for whoever sees 小樽市.
"""

import datetime

from cooperation.disasters.services import disaster_declare, special_office_open
from cooperation.fiscal import today
from cooperation.sessions.feeds import calendar_feed_create
from cooperation.sessions.models import Recurrence
from cooperation.sessions.series import session_series_create
from tests.scope_rules import Rule, statuses
from tests.scope_rules.work import OTARU_HANDLE, OTARU_SEE, OTARU_WRITE, POST_ONLY

EVERYONE = statuses(200)
SAPPORO_DESK = statuses(404, hq=200, viewer_hq=200, bureau_hokkaido=200, center_sapporo=200, viewer_sapporo=200)
# Planning for 札幌: its staff, its bureau and HQ; viewers and local governments 403; other centers/bureaus 404.
SAPPORO_PLAN_GET = statuses(
    403, hq=200, bureau_hokkaido=200, center_sapporo=200, bureau_chugoku_shikoku=404, center_hakodate=404
)
SAPPORO_PLAN_POST = statuses(
    403, hq=302, bureau_hokkaido=302, center_sapporo=302, bureau_chugoku_shikoku=404, center_hakodate=404
)
OTARU_HANDLE_GET = {role: (200 if status == 302 else status) for role, status in OTARU_HANDLE.items()}
LOCAL_OFFICERS = statuses(403, pref_01=200, lg_otaru=200, lg_hakodate=200, lg_sapporo=200)


def _cache(world) -> dict:
    return world.__dict__.setdefault("_issue_14", {})


def _otaru_series(world):
    cache = _cache(world)
    if "series" not in cache:
        cache["series"] = session_series_create(
            by=None,
            office=world.sapporo_office,
            title="小樽市 定例行政相談",
            recurrence=Recurrence.MONTHLY_DAY,
            starts_on=today() - datetime.timedelta(days=40),
            ends_on=today() + datetime.timedelta(days=200),
            start_time=datetime.time(10),
            end_time=datetime.time(15),
            municipalities=[world.otaru],
        )
    return cache["series"]


def _past_session(world):
    return _otaru_series(world).sessions.filter(date__lte=today()).order_by("date").first()


def _future_session(world):
    return _otaru_series(world).sessions.filter(date__gt=today()).order_by("date").first()


def _disaster(world):
    cache = _cache(world)
    if "disaster" not in cache:
        cache["disaster"] = disaster_declare(
            by=None,
            name="後志地方 大雨",
            kind="heavy_rain",
            started_on=today() - datetime.timedelta(days=2),
            prefectures=[world.hokkaido],
            municipalities=[world.otaru],
        )
    return cache["disaster"]


def _special_office(world):
    cache = _cache(world)
    if "office" not in cache:
        cache["office"] = special_office_open(
            by=None,
            disaster=_disaster(world),
            office=world.sapporo_office,
            title="小樽市役所 特別行政相談所",
            date=today() - datetime.timedelta(days=1),
            end_date=today() + datetime.timedelta(days=3),
            start_time=datetime.time(9),
            end_time=datetime.time(17),
            municipalities=[world.otaru],
        )
    return cache["office"]


def _feed_token(world):
    _feed, token = calendar_feed_create(by=world.users["center_sapporo"], office=world.sapporo_office)
    return {"token": token}


def _plan(world):
    return {
        "title": "小樽市 合同行政相談所",
        "start_time": "10:00",
        "end_time": "15:00",
        "municipalities": [world.otaru.pk],
        "note": "",
    }


def _series_post(world):
    return {
        **_plan(world),
        "kind": "joint_session",
        "recurrence": "monthly_day",
        "starts_on": today().isoformat(),
        "ends_on": (today() + datetime.timedelta(days=90)).isoformat(),
    }


def _session_post(world):
    return {**_plan(world), "kind": "joint_session", "date": (today() + datetime.timedelta(days=7)).isoformat()}


def _series_update_post(world):
    series = _otaru_series(world)
    return {**_plan(world), "version": series.version, "ends_on": series.ends_on.isoformat()}


def _session_update_post(world):
    session = _future_session(world)
    return {**_plan(world), "version": session.version, "date": session.date.isoformat()}


RULES = [
    Rule(name="cooperation:session_calendar", get=EVERYONE),
    Rule(
        name="cooperation:session_calendar",
        get=OTARU_SEE,
        query="municipality=012033",
        label="session_calendar-otaru",
    ),
    Rule(
        name="cooperation:session_calendar", get=SAPPORO_DESK, query="office=sapporo", label="session_calendar-sapporo"
    ),
    Rule(name="cooperation:session_list", get=EVERYONE),
    Rule(name="cooperation:session_list", get=OTARU_SEE, query="municipality=012033", label="session_list-otaru"),
    Rule(name="cooperation:session_print", get=EVERYONE),
    Rule(
        name="cooperation:calendarfeed_list",
        get=EVERYONE,
        post=statuses(302),
        post_data=lambda world: {"action": "make", "office": ""},
        writes=("cooperation.CalendarFeed",),
    ),
    # The token stands for its user: no sign-in, the same feed whoever fetches it.
    Rule(name="cooperation:calendarfeed_ics", get=EVERYONE, kwargs=_feed_token, anonymous=200),
    Rule(
        name="cooperation:calendarfeed_ics",
        get=statuses(404),
        kwargs=lambda world: {"token": "revoked-or-never-made"},
        anonymous=404,
        label="calendarfeed_ics-unknown",
    ),
    Rule(
        name="cooperation:session_create",
        get=statuses(
            403, hq=200, bureau_hokkaido=200, bureau_chugoku_shikoku=200, center_sapporo=200, center_hakodate=200
        ),
    ),
    Rule(
        name="cooperation:session_create",
        get=SAPPORO_PLAN_GET,
        query="office=sapporo",
        post=SAPPORO_PLAN_POST,
        writes=("cooperation.Session", "cooperation.Participant"),
        post_data=_session_post,
        label="session_create-sapporo",
    ),
    Rule(
        name="cooperation:sessionseries_create",
        get=SAPPORO_PLAN_GET,
        query="office=sapporo",
        post=SAPPORO_PLAN_POST,
        writes=("cooperation.SessionSeries", "cooperation.Session"),
        post_data=_series_post,
    ),
    Rule(
        name="cooperation:session_propose",
        get=LOCAL_OFFICERS,
        post={role: (302 if status == 200 else status) for role, status in LOCAL_OFFICERS.items()},
        writes=("cooperation.Session", "cooperation.Participant"),
        post_data=lambda world: {
            "title": "合同行政相談所（提案）",
            "date": (today() + datetime.timedelta(days=30)).isoformat(),
            "start_time": "10:00",
            "end_time": "12:00",
        },
    ),
    Rule(
        name="cooperation:sessionseries_detail",
        get=OTARU_SEE,
        kwargs=lambda world: {"pk": _otaru_series(world).pk},
    ),
    Rule(
        name="cooperation:sessionseries_update",
        get=OTARU_HANDLE_GET,
        kwargs=lambda world: {"pk": _otaru_series(world).pk},
        post=OTARU_HANDLE,
        writes=("cooperation.SessionSeries", "cooperation.Session"),
        post_data=_series_update_post,
    ),
    Rule(name="cooperation:session_detail", get=OTARU_SEE, kwargs=lambda world: {"pk": _future_session(world).pk}),
    Rule(
        name="cooperation:session_update",
        get=OTARU_HANDLE_GET,
        kwargs=lambda world: {"pk": _future_session(world).pk},
        post=OTARU_HANDLE,
        writes=("cooperation.Session",),
        post_data=_session_update_post,
    ),
    Rule(
        name="cooperation:session_hold",
        get=OTARU_HANDLE_GET,
        kwargs=lambda world: {"pk": _past_session(world).pk},
        post=OTARU_HANDLE,
        writes=("cooperation.Session", "cooperation.Activity", "cooperation.SessionFigure"),
        post_data=lambda world: {"version": _past_session(world).version, "field_tax": "2"},
    ),
    Rule(
        name="cooperation:session_transition",
        get=POST_ONLY,
        kwargs=lambda world: {"pk": _future_session(world).pk, "action": "cancel"},
        post=OTARU_HANDLE,
        writes=("cooperation.Session",),
        post_data=lambda world: {"version": _future_session(world).version, "reason": "荒天"},
    ),
    Rule(
        name="cooperation:session_transition",
        get=POST_ONLY,
        kwargs=lambda world: {"pk": _future_session(world).pk, "action": "confirm"},
        post={**OTARU_HANDLE, "lg_otaru": 302, "hq": 403, "bureau_hokkaido": 403, "center_sapporo": 403},
        writes=("cooperation.Participant",),
        label="session_transition-confirm",
    ),
    Rule(name="cooperation:disaster_list", get=EVERYONE),
    Rule(
        name="cooperation:disaster_create",
        get=statuses(403, hq=200, bureau_hokkaido=200, bureau_chugoku_shikoku=200),
        # 北海道 is not among the 中国四国 bureau's choices: its form is shown again with the error, nothing declared.
        post=statuses(403, hq=302, bureau_hokkaido=302, bureau_chugoku_shikoku=200),
        writes=("cooperation.Disaster",),
        post_data=lambda world: {
            "name": "地震",
            "kind": "earthquake",
            "started_on": today().isoformat(),
            "prefectures": [world.hokkaido.pk],
            "municipalities": "012033",
        },
    ),
    Rule(name="cooperation:disaster_detail", get=OTARU_SEE, kwargs=lambda world: {"pk": _disaster(world).pk}),
    Rule(
        name="cooperation:disaster_close",
        get=POST_ONLY,
        kwargs=lambda world: {"pk": _disaster(world).pk},
        post={**OTARU_HANDLE, "center_sapporo": 403},
        writes=("cooperation.Disaster",),
        post_data=lambda world: {"version": _disaster(world).version, "ended_on": today().isoformat()},
    ),
    Rule(
        name="cooperation:specialoffice_create",
        get=OTARU_HANDLE_GET,
        kwargs=lambda world: {"pk": _disaster(world).pk},
        post=OTARU_HANDLE,
        writes=("cooperation.Session",),
        post_data=lambda world: {
            "office": world.sapporo_office.pk,
            "title": "小樽市 特別行政相談所",
            "date": today().isoformat(),
            "start_time": "09:00",
            "end_time": "17:00",
            "municipalities": [world.otaru.pk],
        },
    ),
    Rule(
        name="cooperation:specialoffice_cases",
        get=OTARU_HANDLE_GET,
        kwargs=lambda world: {"pk": _special_office(world).pk},
        post=OTARU_HANDLE,
        writes=("cooperation.SpecialOfficeDay",),
        post_data=lambda world: {(today() - datetime.timedelta(days=1)).isoformat(): "9"},
    ),
    Rule(
        name="cooperation:disaster_report",
        get=OTARU_SEE,
        kwargs=lambda world: {"pk": _special_office(world).disaster_id},
    ),
    Rule(
        name="cooperation:disaster_report_print",
        get=OTARU_SEE,
        kwargs=lambda world: {"pk": _special_office(world).disaster_id},
    ),
    Rule(
        name="cooperation:disaster_report_xlsx",
        get=OTARU_SEE,
        kwargs=lambda world: {"pk": _special_office(world).disaster_id},
    ),
    Rule(
        name="cooperation:preparedness_update",
        get=OTARU_SEE,
        kwargs=lambda world: {"lg_code": "012033"},
        post=OTARU_WRITE,
        writes=("cooperation.Preparedness",),
        post_data=lambda world: {"liaison_department": "総務部 防災対策室", "liaison_phone": "0134-32-4111"},
    ),
]
