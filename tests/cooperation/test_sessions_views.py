"""The calendar, the iCal feed and holding a session, through the pages (issue 14's "done when")."""

import datetime
import re
from http import HTTPStatus

import ics
import pytest
from django.core.cache import cache
from django.urls import reverse

from cooperation.fiscal import today
from cooperation.models import CalendarFeed, Progress, Session, SessionSeries
from cooperation.sessions.models import Recurrence, Venue
from cooperation.sessions.series import session_series_create
from offices.models import Municipality, Office


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _plan_otaru_series(client, otaru, venue, starts_on):
    return client.post(
        reverse("cooperation:sessionseries_create") + "?office=sapporo",
        {
            "kind": "joint_session",
            "title": "小樽市 定例合同行政相談所",
            "recurrence": Recurrence.MONTHLY_DAY,
            "starts_on": starts_on.isoformat(),
            "ends_on": (starts_on + datetime.timedelta(days=330)).isoformat(),
            "start_time": "10:00",
            "end_time": "15:00",
            "venue": venue.pk,
            "municipalities": [otaru.pk],
            "agencies": [],
            "note": "",
        },
    )


def _feed_url(client, office_code=""):
    response = client.post(reverse("cooperation:calendarfeed_list"), {"action": "make", "office": office_code})
    assert response.status_code == HTTPStatus.FOUND
    page = client.get(response["Location"])
    assert page.context["new_url"] in page.content.decode()
    assert client.get(response["Location"]).context["new_url"] == "", "the address is shown once"
    return page.context["new_url"]


def test_done_when_series_for_otaru_reaches_calendar_feed_and_2_2(client_for, center_sapporo, lg_otaru, otaru):
    venue = Venue.objects.create(municipality=otaru, name="小樽市役所 別館", address="小樽市花園2丁目12-1")
    starts_on = today() - datetime.timedelta(days=40)
    sapporo_client = client_for(center_sapporo)
    response = _plan_otaru_series(sapporo_client, otaru, venue, starts_on)
    series = SessionSeries.objects.get()
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == series.get_absolute_url()
    assert series.sessions.count() == 11

    # On 小樽市's calendar, for its own officer.
    month = starts_on.strftime("%Y-%m")
    page = client_for(lg_otaru).get(reverse("cooperation:session_calendar") + f"?municipality=012033&month={month}")
    assert page.status_code == HTTPStatus.OK
    assert "小樽市 定例合同行政相談所" in page.content.decode()

    # In center-sapporo's iCal feed, read by an independent parser.
    url = _feed_url(sapporo_client, "sapporo")
    token = re.search(r"/calendar/feeds/([^/]+)\.ics$", url).group(1)
    feed = client_for(lg_otaru).get(reverse("cooperation:calendarfeed_ics", args=[token]))
    assert feed.status_code == HTTPStatus.OK and feed["Content-Type"].startswith("text/calendar")
    calendar = ics.Calendar(feed.content.decode())
    events = sorted(calendar.events, key=lambda event: event.begin)
    assert len(events) == 11
    first = events[0]
    assert first.name == "小樽市 定例合同行政相談所"
    assert first.begin.datetime.astimezone(datetime.UTC) == datetime.datetime.combine(
        starts_on, datetime.time(1), tzinfo=datetime.UTC
    )
    assert "小樽市役所 別館" in first.location
    assert "小樽市" in first.description
    assert "center-sapporo" not in feed.content.decode()

    # Holding the first occurrence moves 2-2 with the session as evidence.
    session = series.sessions.order_by("date").first()
    hold = sapporo_client.post(
        reverse("cooperation:session_hold", args=[session.pk]),
        {"version": session.version, "field_pension": "4", "field_tax": "1", "commissioners_present": "2"},
    )
    assert hold.status_code == HTTPStatus.FOUND
    session.refresh_from_db()
    assert session.status == "held" and session.consultations == 5
    progress = Progress.objects.get(municipality=otaru, item__code="2-2")
    assert progress.stage == "done"
    assert progress.changes.latest("id").activity == session.activity
    detail = sapporo_client.get(session.get_absolute_url()).content.decode()
    assert session.activity.get_absolute_url() in detail


def test_feed_revoked_or_renewed_answers_404(client_for, center_sapporo, client):
    sapporo_client = client_for(center_sapporo)
    url = _feed_url(sapporo_client)
    path = url.split("testserver", 1)[1]
    assert client.get(path).status_code == HTTPStatus.OK
    feed = CalendarFeed.objects.get(user=center_sapporo)
    assert len(feed.token_hash) == 64 and path.split("/")[-1][:-4] not in feed.token_hash
    renewed = sapporo_client.post(
        reverse("cooperation:calendarfeed_list"), {"action": "renew", "feed": feed.pk}, follow=True
    )
    new_path = renewed.context["new_url"].split("testserver", 1)[1]
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND
    assert client.get(new_path).status_code == HTTPStatus.OK
    newest = CalendarFeed.objects.get(user=center_sapporo, revoked_at=None)
    sapporo_client.post(reverse("cooperation:calendarfeed_list"), {"action": "revoke", "feed": newest.pk})
    assert client.get(new_path).status_code == HTTPStatus.NOT_FOUND
    assert client.get("/calendar/feeds/not-a-token.ics").status_code == HTTPStatus.NOT_FOUND


def test_feed_carries_only_what_its_user_sees(client_for, center_hakodate, center_sapporo, otaru, client):
    session_series_create(
        by=center_sapporo,
        office=Office.objects.get(code="sapporo"),
        title="小樽市 定例行政相談",
        recurrence=Recurrence.MONTHLY_DAY,
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=60),
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        municipalities=[otaru],
    )
    path = _feed_url(client_for(center_hakodate)).split("testserver", 1)[1]
    calendar = ics.Calendar(client.get(path).content.decode())
    assert list(calendar.events) == []
    other = client_for(center_hakodate).post(
        reverse("cooperation:calendarfeed_list"), {"action": "make", "office": "sapporo"}
    )
    assert other.status_code == HTTPStatus.NOT_FOUND
    assert not CalendarFeed.objects.filter(office__code="sapporo").exists()


def test_calendar_outside_scope_is_404(client_for, lg_otaru, center_hakodate):
    assert (
        client_for(lg_otaru).get(reverse("cooperation:session_calendar") + "?municipality=012025").status_code
        == HTTPStatus.NOT_FOUND
    )
    assert (
        client_for(center_hakodate).get(reverse("cooperation:session_calendar") + "?office=sapporo").status_code
        == HTTPStatus.NOT_FOUND
    )


def test_planning_for_a_local_government_outside_the_center_writes_nothing(client_for, center_sapporo, hakodate_city):
    venue = Venue.objects.create(municipality=hakodate_city, name="函館市役所", address="函館市東雲町4-13")
    response = client_for(center_sapporo).post(
        reverse("cooperation:sessionseries_create") + "?office=sapporo",
        {
            "kind": "joint_session",
            "title": "x",
            "recurrence": "monthly_day",
            "starts_on": today().isoformat(),
            "ends_on": today().isoformat(),
            "start_time": "10:00",
            "end_time": "15:00",
            "venue": venue.pk,
            "municipalities": [hakodate_city.pk],
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "municipalities" in response.context["form"].errors
    assert not Session.objects.exists()


def test_calendar_month_and_list_queries_do_not_grow_with_sessions(
    client_for, center_sapporo, django_assert_max_num_queries, master
):
    sapporo = Office.objects.get(code="sapporo")
    served = list(Municipality.objects.filter(office=sapporo, kind="city")[:8])
    client = client_for(center_sapporo)
    url = reverse("cooperation:session_calendar") + "?office=sapporo"
    list_url = reverse("cooperation:session_list") + "?office=sapporo"
    for index, municipality in enumerate(served):
        session_series_create(
            by=None,
            office=sapporo,
            title=f"{municipality.name} 定例相談",
            recurrence=Recurrence.WEEKLY,
            starts_on=today().replace(day=1) + datetime.timedelta(days=index % 3),
            ends_on=today().replace(day=1) + datetime.timedelta(days=80),
            start_time=datetime.time(10),
            end_time=datetime.time(12),
            municipalities=[municipality],
        )
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == HTTPStatus.OK and page.content.decode().count("定例相談") >= 8 * 4
    with django_assert_max_num_queries(12):
        listing = client.get(list_url)
    assert listing.content.decode().count("定例相談") >= 8 * 10
    with django_assert_max_num_queries(12):
        assert client.get(reverse("cooperation:session_print") + "?office=sapporo").status_code == HTTPStatus.OK
    series = SessionSeries.objects.first()
    with django_assert_max_num_queries(12):
        assert client.get(series.get_absolute_url()).status_code == HTTPStatus.OK
    with django_assert_max_num_queries(14):
        assert client.get(series.sessions.first().get_absolute_url()).status_code == HTTPStatus.OK


def test_feed_is_valid_rfc5545_with_its_time_zone(client_for, center_sapporo, otaru, client):
    from icalendar import Calendar

    session_series_create(
        by=center_sapporo,
        office=Office.objects.get(code="sapporo"),
        title="小樽市 定例行政相談",
        recurrence=Recurrence.MONTHLY_DAY,
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=40),
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        municipalities=[otaru],
    )
    path = _feed_url(client_for(center_sapporo)).split("testserver", 1)[1]
    body = client.get(path).content
    assert b"BEGIN:VTIMEZONE" in body and b"TZID:Asia/Tokyo" in body
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    parsed = Calendar.from_ical(body)
    uids = [event["UID"] for event in parsed.walk("VEVENT")]
    assert len(uids) == len(set(uids)) == 2
    assert all(event["STATUS"] == "CONFIRMED" for event in parsed.walk("VEVENT"))


def test_proposal_is_taken_up_and_confirmed_through_the_pages(client_for, lg_otaru, center_sapporo, otaru):
    proposed = client_for(lg_otaru).post(
        reverse("cooperation:session_propose"),
        {
            "title": "小樽市 合同行政相談所（提案）",
            "date": (today() + datetime.timedelta(days=20)).isoformat(),
            "start_time": "10:00",
            "end_time": "12:00",
        },
    )
    session = Session.objects.get()
    assert proposed.status_code == HTTPStatus.FOUND and session.status == "proposed"
    sapporo = client_for(center_sapporo)
    page = sapporo.get(session.get_absolute_url()).content.decode()
    assert reverse("cooperation:session_transition", args=[session.pk, "accept"]) in page
    sapporo.post(reverse("cooperation:session_transition", args=[session.pk, "accept"]), {"version": session.version})
    session.refresh_from_db()
    assert session.status == "planned"
    stale = sapporo.post(
        reverse("cooperation:session_transition", args=[session.pk, "cancel"]), {"version": session.version - 1}
    )
    assert stale.status_code == HTTPStatus.FOUND
    session.refresh_from_db()
    assert session.status == "planned"
