"""The API's sessions, disasters, commissioners and yearly report: scope, privacy, filters, and the site's figures."""

import datetime
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cooperation import fiscal
from cooperation.api.services import api_token_create
from cooperation.commissioners import demo as commissioners_demo
from cooperation.commissioners.models import Commissioner
from cooperation.commissioners.selectors import national_counts
from cooperation.commissioners.services import commissioner_create
from cooperation.demo import demo_user
from cooperation.fiscal import today
from cooperation.models import Progress, Session
from cooperation.progress.services import progress_update
from cooperation.sessions import demo as sessions_demo
from cooperation.yearly import services as yearly_services
from offices.models import Municipality

pytestmark = pytest.mark.django_db
LAST_YEAR = fiscal.fiscal_year(today()) - 1


def bearer(user) -> Client:
    return Client(HTTP_AUTHORIZATION="Bearer " + api_token_create(by=user, name="test")[1])


def all_results(client: Client, url: str) -> list[dict]:
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, response.content
        rows.extend(response.json()["results"])
        url = response.json()["next"]
    return rows


@pytest.fixture(autouse=True)
def _generous_throttle(settings):
    settings.API_THROTTLE_RATE = "100000/hour"


@pytest.fixture
def hokkaido_sessions(master):
    """The demo year of sessions of 北海道 and 福岡 (series, the counseling week; a 福岡 disaster, special offices)."""
    sessions_demo.generate(user=demo_user(), today=today(), seed=5, prefectures=["01", "40"])


@pytest.fixture
def hokkaido_register(master):
    commissioners_demo.generate(user=demo_user(), seed=3, today=today(), prefectures=["01", "31"])


@pytest.fixture
def closed_last_year(master):
    """Stage changes in 北海道 and 青森 during last fiscal year, then the year closed."""
    start = fiscal.fiscal_year_start(LAST_YEAR)
    municipalities = Municipality.objects.filter(prefecture__code__in=["01", "02"]).order_by("lg_code")[:40]
    for number, municipality in enumerate(municipalities):
        for code, stage in (("1-1", "done"), ("1-2", "considering"), ("2-2", "established")):
            if number % (2 + len(code)) == 0 or code == "1-1":
                progress = Progress.objects.select_related("municipality", "item").get(
                    municipality=municipality, item__code=code
                )
                day = start + datetime.timedelta(days=number)
                progress_update(progress=progress, stage=stage, by=None, effective_date=day)
    yearly_services.year_close(year=LAST_YEAR, by=None)


# ------------------------------------------------------------------ sessions


def test_sessions_are_the_calendar_list_of_the_same_period(hokkaido_sessions, center_sapporo, client_for):
    first, last = today() - datetime.timedelta(days=60), today() + datetime.timedelta(days=60)
    query = f"office=sapporo&date_from={first.isoformat()}&date_to={last.isoformat()}"

    rows = all_results(bearer(center_sapporo), f"/api/v1/sessions/?{query}&limit=500")
    page = client_for(center_sapporo).get(f"/calendar/list/?office=sapporo&from={first}&to={last}")

    assert page.status_code == HTTPStatus.OK
    assert [row["id"] for row in rows] == [session.pk for session in page.context["sessions"]]
    assert len(rows) > 10
    assert all(row["office"] == "sapporo" for row in rows)


def test_session_rows_carry_venue_participants_and_iso_times(hokkaido_sessions, hq):
    session = Session.objects.filter(kind="joint_session", venue__isnull=False).order_by("date", "id").first()

    row = bearer(hq).get(f"/api/v1/sessions/{session.pk}/").json()

    assert row["date"] == session.date.isoformat() and row["start_time"] == "10:00:00"
    assert row["venue"]["local_government"] == session.venue.municipality.lg_code
    codes = sorted(session.participants.values_list("municipality__lg_code", flat=True))
    assert [entry["local_government"] for entry in row["participants"]] == codes
    assert isinstance(row["participants"][0]["local_government"], str) and len(codes[0]) == 6


def test_sessions_outside_the_scope_are_404_and_never_listed(hokkaido_sessions, center_hakodate, center_sapporo):
    theirs = Session.objects.filter(office__code="sapporo").exclude(participants__municipality__office__code="hakodate")
    session = theirs.order_by("id").first()
    client = bearer(center_hakodate)

    assert client.get(f"/api/v1/sessions/{session.pk}/").status_code == HTTPStatus.NOT_FOUND
    listed = {row["id"] for row in all_results(client, "/api/v1/sessions/?limit=500")}
    assert session.pk not in listed
    assert listed == set(Session.objects.visible_to(center_hakodate).values_list("pk", flat=True))


def test_session_filters_by_municipality_status_and_fiscal_year(hokkaido_sessions, hq):
    session = Session.objects.filter(status="held").order_by("id").first()
    lg_code = session.participants.first().municipality.lg_code
    client = bearer(hq)

    rows = all_results(client, f"/api/v1/sessions/?municipality={lg_code}&status=held&limit=500")
    year = all_results(client, f"/api/v1/sessions/?fiscal_year={fiscal.fiscal_year(today()) - 1}&limit=500")

    assert session.pk in {row["id"] for row in rows}
    assert all(row["status"] == "held" for row in rows)
    assert all(lg_code in [entry["local_government"] for entry in row["participants"]] for row in rows)
    assert year == []
    assert client.get("/api/v1/sessions/?series=99999999999").status_code == HTTPStatus.BAD_REQUEST
    assert client.get("/api/v1/sessions/?prefecture=99").status_code == HTTPStatus.BAD_REQUEST


def test_a_series_is_seen_through_its_sessions(hokkaido_sessions, center_sapporo, center_hakodate):
    series_ids = set(Session.objects.visible_to(center_sapporo).exclude(series=None).values_list("series", flat=True))

    rows = all_results(bearer(center_sapporo), "/api/v1/session-series/?limit=500")

    assert {row["id"] for row in rows} == series_ids and series_ids
    hidden = series_ids - set(
        Session.objects.visible_to(center_hakodate).exclude(series=None).values_list("series", flat=True)
    )
    assert bearer(center_hakodate).get(f"/api/v1/session-series/{min(hidden)}/").status_code == HTTPStatus.NOT_FOUND


def test_disaster_is_listed_with_its_local_governments_and_offices(hokkaido_sessions, lg_otaru, hq):
    from cooperation.models import Disaster

    disaster = Disaster.objects.get()
    visible = bearer(hq).get(f"/api/v1/disasters/{disaster.pk}/").json()
    affected = sorted(disaster.municipalities.values_list("lg_code", flat=True))
    assert visible["local_governments"] == affected and visible["prefectures"] == ["40"]
    offices = all_results(bearer(hq), f"/api/v1/sessions/?disaster={disaster.pk}&kind=special_office&limit=500")
    assert len(offices) == disaster.special_offices.count() > 0
    assert bearer(lg_otaru).get(f"/api/v1/disasters/{disaster.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert bearer(lg_otaru).get("/api/v1/disasters/").json()["count"] == 0


# ------------------------------------------------------------------ commissioners


def _with_contact(municipality):
    return commissioner_create(
        municipality=municipality,
        name="佐藤 和夫",
        name_kana="さとう かずお",
        appointed_on=today() - datetime.timedelta(days=300),
        by=None,
        number="01-99901",
        phone="0134-00-1234",
        address="小樽市稲穂1-1-1",
        email="sato@example.jp",
        postal_code="047-0032",
    )


@pytest.mark.parametrize("role", ["hq", "viewer_hq", "bureau_hokkaido", "center_sapporo", "viewer_sapporo"])
def test_ministry_staff_get_commissioners_contact_details(role, request, otaru):
    _with_contact(otaru)
    client = bearer(request.getfixturevalue(role))

    detail = client.get("/api/v1/commissioners/01-99901/").json()
    listed = client.get("/api/v1/commissioners/?municipality=012033").json()["results"]

    expected = {"postal_code": "047-0032", "address": "小樽市稲穂1-1-1", "phone": "0134-00-1234"}
    assert detail["contact"] == {**expected, "email": "sato@example.jp"}
    assert listed == [detail]


@pytest.mark.parametrize("role", ["pref_01", "lg_otaru"])
def test_prefecture_and_local_government_officers_never_get_contact_details(role, request, otaru):
    _with_contact(otaru)
    client = bearer(request.getfixturevalue(role))

    detail = client.get("/api/v1/commissioners/01-99901/")
    with CaptureQueriesContext(connection) as captured:
        listed = client.get("/api/v1/commissioners/")

    assert detail.status_code == listed.status_code == HTTPStatus.OK
    read = [query["sql"] for query in captured.captured_queries if '"cooperation_commissioner"."phone"' in query["sql"]]
    assert read == [], "the contact columns are not even read"
    assert any('"cooperation_commissioner"."number"' in query["sql"] for query in captured.captured_queries)
    assert detail.json()["contact"] is None and detail.json()["name"] == "佐藤 和夫"
    assert [row["contact"] for row in listed.json()["results"]] == [None]
    for body in (detail.content.decode(), listed.content.decode()):
        assert "0134-00-1234" not in body and "稲穂" not in body and "sato@" not in body and "047-0032" not in body


def test_contact_rule_is_the_registers_own(otaru, pref_01, monkeypatch):
    """The API asks ``may_see_contact``, the function behind the register's pages and downloads."""
    from cooperation.commissioners import selectors

    _with_contact(otaru)
    monkeypatch.setattr(selectors, "is_ministry_staff", lambda user: True)

    assert bearer(pref_01).get("/api/v1/commissioners/01-99901/").json()["contact"]["phone"] == "0134-00-1234"


def test_commissioner_outside_the_scope_is_404(otaru, center_hakodate, lg_hakodate):
    _with_contact(otaru)

    for user in (center_hakodate, lg_hakodate):
        assert bearer(user).get("/api/v1/commissioners/01-99901/").status_code == HTTPStatus.NOT_FOUND
        assert bearer(user).get("/api/v1/commissioners/?municipality=012033").json()["count"] == 0


def test_commissioner_counts_equal_the_register_overview(hokkaido_register, hq, center_sapporo, client_for):
    rows = all_results(bearer(hq), "/api/v1/commissioners/?prefecture=01&status=serving&limit=500")
    counts = {row.prefecture.code: row for row in national_counts(hq, today=today())}
    overview = client_for(hq).get("/commissioners/?prefecture=01").context["data"]

    assert len(rows) == counts["01"].serving == overview.serving > 300
    assert sum(row["is_concurrent"] for row in rows) == counts["01"].concurrent == overview.concurrent
    recommended = bearer(hq).get("/api/v1/commissioners/?prefecture=01&status=recommended").json()["count"]
    assert recommended == counts["01"].recommended
    own = bearer(center_sapporo).get("/api/v1/commissioners/?status=serving").json()["count"]
    assert own == client_for(center_sapporo).get("/commissioners/").context["data"].serving


def test_commissioner_rows_carry_terms_backgrounds_and_awards(hokkaido_register, hq):
    commissioner = (
        Commissioner.objects.filter(awards__isnull=False, backgrounds__isnull=False).order_by("number").first()
    )

    row = bearer(hq).get(f"/api/v1/commissioners/{commissioner.number}/").json()

    assert row["local_government"] == commissioner.municipality.lg_code
    assert [term["starts_on"] for term in row["terms"]] == [
        term.starts_on.isoformat() for term in commissioner.terms.order_by("starts_on")
    ]
    assert sorted(row["backgrounds"]) == sorted(commissioner.backgrounds.values_list("name_ja", flat=True))
    assert len(row["awards"]) == commissioner.awards.count()


# ------------------------------------------------------------------ the yearly report


@pytest.mark.parametrize("role", ["pref_01", "lg_otaru"])
def test_yearly_report_is_the_ministrys(role, request, closed_last_year):
    client = bearer(request.getfixturevalue(role))

    for url in ("/api/v1/fiscal-years/", f"/api/v1/fiscal-years/{LAST_YEAR}/report/", "/api/v1/closed-figures/"):
        assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    assert Client().get("/api/v1/closed-figures/").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("role", ["hq", "center_sapporo"])
def test_yearly_report_tables_equal_the_site(role, request, closed_last_year, client_for):
    user = request.getfixturevalue(role)

    body = bearer(user).get(f"/api/v1/fiscal-years/{LAST_YEAR}/report/").json()
    report = client_for(user).get(f"/years/{LAST_YEAR}/").context["report"]

    assert body["closed"] is True and body["version"] == report.close.version == 1
    assert body["items"] == [item.code for item in report.items]
    for api_row, site_row in zip(body["prefectures"], report.prefectures, strict=True):
        assert api_row["code"] == site_row.code
        assert [(c["adopted"], c["total"]) for c in api_row["cells"]] == [
            (cell.share.adopted, cell.share.total) for cell in site_row.cells
        ]
    national = [(c["adopted"], c["total"], c["change"]) for c in body["national"]["cells"]]
    assert national == [(c.share.adopted, c.share.total, c.change) for c in report.national.cells]
    assert sum(c["adopted"] for c in body["national"]["cells"]) > 0
    assert [row["count"] for row in body["newly_started"]] == report.newly_started_counts
    assert body["referrals_total"]["filed"] == report.referrals_total.filed


def test_closed_figures_add_up_to_the_report(closed_last_year, hq):
    client = bearer(hq)

    rows = all_results(client, f"/api/v1/closed-figures/?fiscal_year={LAST_YEAR}&prefecture=01&counted=true&limit=500")
    report = client.get(f"/api/v1/fiscal-years/{LAST_YEAR}/report/").json()

    hokkaido = next(row for row in report["prefectures"] if row["code"] == "01")
    for cell in hokkaido["cells"]:
        mine = [row for row in rows if row["item"] == cell["item"]]
        assert len(mine) == cell["total"]
        assert sum(row["stage"] in ("done", "established") for row in mine) == cell["adopted"]
    assert {row["fiscal_year"] for row in rows} == {LAST_YEAR}
    assert all(isinstance(row["local_government"], str) and len(row["local_government"]) == 6 for row in rows)


def test_closed_figures_are_those_of_the_close_in_force(closed_last_year, hq, center_sapporo):
    yearly_services.year_reopen(year=LAST_YEAR, by=hq, reason="訂正")
    assert bearer(hq).get("/api/v1/closed-figures/").json()["count"] == 0
    listed = bearer(hq).get("/api/v1/fiscal-years/").json()["results"]
    assert {"year": LAST_YEAR, "closed": False} == {k: v for k, v in listed[1].items() if k in ("year", "closed")}

    yearly_services.year_close(year=LAST_YEAR, by=hq)
    versions = {row["version"] for row in all_results(bearer(center_sapporo), "/api/v1/closed-figures/?limit=500")}
    assert versions == {2}
    sapporo = Municipality.objects.visible_to(center_sapporo).active().count()
    assert bearer(center_sapporo).get("/api/v1/closed-figures/?item=1-1").json()["count"] == sapporo
    assert bearer(hq).get(f"/api/v1/fiscal-years/{LAST_YEAR + 5}/").status_code == HTTPStatus.NOT_FOUND


def test_disaster_names_only_the_local_governments_in_scope(otaru, hakodate_city, lg_otaru, center_hakodate):
    from cooperation.disasters.services import disaster_declare
    from offices.models import Prefecture

    disaster = disaster_declare(
        by=None,
        name="渡島・後志 大雨",
        kind="heavy_rain",
        started_on=today(),
        prefectures=[Prefecture.objects.get(code="01")],
        municipalities=[otaru, hakodate_city],
    )

    mine = bearer(lg_otaru).get(f"/api/v1/disasters/{disaster.pk}/").json()
    theirs = bearer(center_hakodate).get("/api/v1/disasters/?active=true&prefecture=01").json()["results"]

    assert mine["local_governments"] == ["012033"] and mine["is_active"] is True
    assert [row["local_governments"] for row in theirs] == [["012025"]]
