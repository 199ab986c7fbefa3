"""The lists serialised from ``values_list`` rows answer exactly what their serializers answer, in bounded queries."""

import datetime
from http import HTTPStatus

import pytest
from django.test import Client

from cooperation import fiscal
from cooperation.api.fast import ValuesListMixin, local_iso
from cooperation.api.services import api_token_create
from cooperation.commissioners import demo as commissioners_demo
from cooperation.demo import demo_user
from cooperation.fiscal import today
from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update
from cooperation.sessions import demo as sessions_demo
from cooperation.yearly import services as yearly_services
from offices.models import Municipality, Role, User
from tests.scope_rules.api import _domains
from tests.scope_rules.world import World

pytestmark = pytest.mark.django_db

FAST_LISTS = [
    "local-governments",
    "centers",
    "progress",
    "progress-changes",
    "activities",
    "sessions",
    "session-series",
    "disasters",
    "commissioners",
    "closed-figures",
]
NEW_LISTS = ["sessions", "session-series", "disasters", "commissioners", "fiscal-years", "closed-figures"]


@pytest.fixture(autouse=True)
def _generous_throttle(settings):
    settings.API_THROTTLE_RATE = "100000/hour"


@pytest.fixture
def api_data(master, hq, lg_otaru, center_sapporo):
    """Rows of every resource in 北海道: sessions and series, a disaster, the register, a closed year, history."""
    world = World({"hq": hq, "center_sapporo": center_sapporo, "lg_otaru": lg_otaru})
    for name in ("activity_sapporo", "activity_hakodate", "referral_otaru", "import_batch_otaru"):
        getattr(world, name)
    _domains(world)
    sessions_demo.generate(user=demo_user(), today=today(), seed=5, prefectures=["01"])
    commissioners_demo.generate(user=demo_user(), seed=3, today=today(), prefectures=["01"])
    named = User.objects.create_user(username="recorder", display_name="記録 太郎")
    Role.objects.create(user=named, kind=Role.Kind.HEADQUARTERS)
    year = fiscal.fiscal_year(today()) - 1
    for number, municipality in enumerate(Municipality.objects.filter(prefecture__code="01").order_by("lg_code")[:40]):
        progress = Progress.objects.select_related("municipality", "item").get(
            municipality=municipality, item__code="1-1"
        )
        day = fiscal.fiscal_year_start(year) + datetime.timedelta(days=number)
        progress_update(progress=progress, stage=Stage.DONE, by=named if number % 2 else None, effective_date=day)
    yearly_services.year_close(year=year, by=None)


def _client(user) -> Client:
    return Client(HTTP_AUTHORIZATION="Bearer " + api_token_create(by=user, name="values")[1])


@pytest.mark.parametrize("role", ["hq", "center_sapporo", "pref_01", "lg_otaru"])
def test_values_lists_answer_what_the_serializers_answer(role, request, api_data, monkeypatch):
    client = _client(request.getfixturevalue(role))
    compared = 0
    for resource in FAST_LISTS:
        for query in ("limit=500", "limit=7&offset=3"):
            url = f"/api/v1/{resource}/?{query}"
            fast = client.get(url)
            monkeypatch.setattr(ValuesListMixin, "values_list_enabled", False)
            slow = client.get(url)
            monkeypatch.setattr(ValuesListMixin, "values_list_enabled", True)

            assert fast.status_code == slow.status_code, url
            assert fast.json() == slow.json(), url
            if fast.status_code == HTTPStatus.OK and fast.json()["results"] and query == "limit=500":
                compared += 1
    # Every list has rows for every role (the yearly ones are the ministry's: 403 for officers).
    assert compared == len(FAST_LISTS) - (role in ("pref_01", "lg_otaru"))


def test_values_lists_are_in_use(api_data, hq, monkeypatch):
    """The comparison above compares two paths: the serializer is not what answers a list."""
    from cooperation.api import sessions

    calls = []
    monkeypatch.setattr(sessions.SessionSerializer, "to_representation", lambda self, obj: calls.append(obj) or {})

    body = _client(hq).get("/api/v1/sessions/?limit=5").json()

    assert calls == [] and len(body["results"]) == 5 and body["results"][0]["id"]


def test_datetimes_are_written_as_drf_writes_them():
    from rest_framework import serializers

    moment = datetime.datetime(2026, 4, 1, 0, 30, 15, 123456, tzinfo=datetime.UTC)
    assert (
        local_iso(moment) == serializers.DateTimeField().to_representation(moment) == "2026-04-01T09:30:15.123456+09:00"
    )
    assert local_iso(None) is None


@pytest.mark.parametrize("resource", NEW_LISTS)
def test_new_lists_run_the_same_few_queries_at_page_sizes_1_and_500(
    resource, api_data, hq, center_sapporo, django_assert_max_num_queries
):
    for user in (hq, center_sapporo):
        client = _client(user)
        client.get("/api/v1/items/")  # the token's first use writes last_used_at
        counts = []
        for size in (1, 500):
            with django_assert_max_num_queries(15) as captured:
                response = client.get(f"/api/v1/{resource}/?limit={size}")
            assert response.status_code == HTTPStatus.OK
            assert len(response.json()["results"]) == min(size, response.json()["count"]) > 0
            counts.append(len(captured))
        assert counts[0] == counts[1], (resource, counts)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/fiscal-years/{year}/",
        "/api/v1/fiscal-years/{year}/report/",
        "/api/v1/commissioners/01-90001/",
        "/api/v1/sessions/?prefecture=01&municipality=012033&fiscal_year={current}&limit=500",
        "/api/v1/commissioners/?prefecture=01&status=serving&q=ア&limit=500",
        "/api/v1/closed-figures/?fiscal_year={year}&office=sapporo&counted=true&limit=500",
    ],
)
def test_details_reports_and_filtered_lists_are_bounded(url, api_data, hq, django_assert_max_num_queries):
    client = _client(hq)
    client.get("/api/v1/items/")
    year = fiscal.fiscal_year(today())
    with django_assert_max_num_queries(15):
        response = client.get(url.format(year=year - 1, current=year))
    assert response.status_code == HTTPStatus.OK


def test_a_user_without_roles_is_still_authenticated_and_sees_nothing(master):
    nobody = User.objects.create_user(username="nobody")

    response = _client(nobody).get("/api/v1/progress/")

    assert response.status_code == HTTPStatus.OK and response.json()["count"] == 0
