"""Declaring a disaster, special offices' daily counts, agreed contacts (2-4) and the banner."""

import datetime
import io
from http import HTTPStatus

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from cooperation.disasters.services import (
    disaster_close,
    disaster_declare,
    preparedness_record,
    special_office_cases_record,
    special_office_open,
)
from cooperation.fiscal import today
from cooperation.models import Disaster, Session
from cooperation.sessions.models import Venue
from offices.models import Municipality, Office, Prefecture


@pytest.fixture(autouse=True)
def _messages_in_english():
    """Messages are matched in English (the catalogue would give them in Japanese)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def hokkaido(master):
    return Prefecture.objects.get(code="01")


def _declare(by, hokkaido, names=("小樽市", "余市町", "函館市")):
    municipalities = list(Municipality.objects.filter(prefecture=hokkaido, name__in=names))
    return disaster_declare(
        by=by,
        name="令和8年 後志地方大雨災害",
        kind="heavy_rain",
        started_on=today() - datetime.timedelta(days=3),
        prefectures=[hokkaido],
        municipalities=municipalities,
    )


def test_done_when_disaster_page_shows_agreed_contacts_and_daily_count(
    client_for, hq, center_sapporo, lg_otaru, otaru, hokkaido
):
    preparedness_record(
        by=lg_otaru,
        municipality=otaru,
        liaison_department="総務部 災害対策室",
        liaison_phone="0134-32-4111",
        agreed_on=today() - datetime.timedelta(days=200),
    )
    Venue.objects.create(municipality=otaru, name="小樽市民センター", address="小樽市色内2丁目13-5", for_disasters=True)
    response = client_for(hq).post(
        reverse("cooperation:disaster_create"),
        {
            "name": "令和8年 後志地方大雨災害",
            "kind": "heavy_rain",
            "started_on": (today() - datetime.timedelta(days=3)).isoformat(),
            "prefectures": [hokkaido.pk],
            "municipalities": "012033、余市町\n012025",
        },
    )
    disaster = Disaster.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert set(disaster.municipalities.values_list("name", flat=True)) == {"小樽市", "余市町", "函館市"}

    sapporo = Office.objects.get(code="sapporo")
    office = special_office_open(
        by=center_sapporo,
        disaster=disaster,
        office=sapporo,
        title="小樽市役所 特別行政相談所",
        date=today() - datetime.timedelta(days=2),
        end_date=today() + datetime.timedelta(days=5),
        start_time=datetime.time(9),
        end_time=datetime.time(17),
        municipalities=[otaru],
    )
    cases = client_for(center_sapporo).post(
        reverse("cooperation:specialoffice_cases", args=[office.pk]),
        {
            (today() - datetime.timedelta(days=2)).isoformat(): "12",
            (today() - datetime.timedelta(days=1)).isoformat(): "7",
        },
    )
    assert cases.status_code == HTTPStatus.FOUND

    page = client_for(center_sapporo).get(disaster.get_absolute_url())
    body = page.content.decode()
    assert "総務部 災害対策室" in body and "0134-32-4111" in body and "小樽市民センター" in body
    report = page.context["report"]
    by_day = {row.day: (row.sites, row.cases) for row in report["rows"]}
    assert by_day[today() - datetime.timedelta(days=3)] == (0, 0)
    assert by_day[today() - datetime.timedelta(days=2)] == (1, 12)
    assert by_day[today() - datetime.timedelta(days=1)] == (1, 7)
    assert report["total_cases"] == 19

    xlsx = client_for(center_sapporo).get(reverse("cooperation:disaster_report_xlsx", args=[disaster.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "令和8年 後志地方大雨災害"
    assert ((today() - datetime.timedelta(days=2)).isoformat(), 1, 12) == rows[4][:3]


def test_bureau_declares_only_in_its_region(bureau_chugoku_shikoku, hokkaido):
    with pytest.raises(PermissionDenied, match="disaster.declare"):
        _declare(bureau_chugoku_shikoku, hokkaido)
    assert not Disaster.objects.exists()


def test_center_may_not_declare(center_sapporo, hokkaido):
    with pytest.raises(PermissionDenied):
        _declare(center_sapporo, hokkaido)


def test_declaring_with_a_local_government_outside_the_prefectures_writes_nothing(bureau_hokkaido, hokkaido):
    aomori_city = Municipality.objects.get(lg_code="022012")
    with pytest.raises(ValidationError, match="outside the affected prefectures"):
        disaster_declare(
            by=bureau_hokkaido,
            name="x",
            kind="earthquake",
            started_on=today(),
            prefectures=[hokkaido],
            municipalities=[aomori_city],
        )
    assert not Disaster.objects.exists()


def test_only_centers_of_affected_local_governments_open_offices(bureau_hokkaido, center_hakodate, otaru, hokkaido):
    disaster = _declare(bureau_hokkaido, hokkaido, names=("小樽市",))
    assert disaster.region.code == "hokkaido"
    with pytest.raises(PermissionDenied, match="disaster.report"):
        special_office_open(
            by=center_hakodate,
            disaster=disaster,
            office=Office.objects.get(code="hakodate"),
            title="x",
            date=today(),
            end_date=None,
            start_time=datetime.time(9),
            end_time=datetime.time(17),
            municipalities=[otaru],
        )
    assert not Session.objects.exists()


def test_cases_outside_the_office_days_are_refused(bureau_hokkaido, center_sapporo, otaru, hokkaido):
    disaster = _declare(bureau_hokkaido, hokkaido)
    office = special_office_open(
        by=center_sapporo,
        disaster=disaster,
        office=Office.objects.get(code="sapporo"),
        title="小樽市 特別行政相談所",
        date=today() - datetime.timedelta(days=1),
        end_date=today(),
        start_time=datetime.time(9),
        end_time=datetime.time(17),
        municipalities=[otaru],
    )
    with pytest.raises(ValidationError, match="outside the days"):
        special_office_cases_record(
            by=center_sapporo,
            session=office,
            cases_by_day={today() - datetime.timedelta(days=1): 3, today() - datetime.timedelta(days=5): 2},
        )
    assert not office.days.exists()


def test_banner_for_affected_and_gone_when_closed(client_for, bureau_hokkaido, lg_otaru, lg_sapporo, hokkaido):
    disaster = _declare(bureau_hokkaido, hokkaido, names=("小樽市",))
    home = reverse("cooperation:municipality_detail", args=["012033"])
    assert "令和8年 後志地方大雨災害" in client_for(lg_otaru).get(home).content.decode()
    sapporo_home = reverse("cooperation:municipality_detail", args=["011002"])
    assert "disaster-banner" not in client_for(lg_sapporo).get(sapporo_home).content.decode()
    disaster_close(by=bureau_hokkaido, disaster=disaster, version=disaster.version, ended_on=today())
    assert "disaster-banner" not in client_for(lg_otaru).get(home).content.decode()


def test_banner_comes_from_the_cache_and_shows_a_declared_disaster_at_once(
    client_for, bureau_hokkaido, lg_otaru, hokkaido, django_assert_num_queries, settings
):
    from cooperation.disasters.context_processors import _active_for

    settings.ROLLUP_CACHE = True
    lg_otaru.scope_roles  # noqa: B018 - loaded once per request by the scopes anyway
    assert _active_for(lg_otaru) == []
    disaster = _declare(bureau_hokkaido, hokkaido, names=("小樽市",))
    with django_assert_num_queries(1):
        assert [d["name"] for d in _active_for(lg_otaru)] == ["令和8年 後志地方大雨災害"]
    with django_assert_num_queries(0):
        assert [d["name"] for d in _active_for(lg_otaru)] == ["令和8年 後志地方大雨災害"]
    # A change made in the admin (no service, no event) is on the next page too.
    changed = Disaster.objects.get(pk=disaster.pk)
    changed.name = "令和8年 後志地方大雨・土砂災害"
    changed.save()
    assert [d["name"] for d in _active_for(lg_otaru)] == ["令和8年 後志地方大雨・土砂災害"]
    page = client_for(lg_otaru).get(reverse("cooperation:municipality_detail", args=["012033"])).content.decode()
    assert "令和8年 後志地方大雨・土砂災害" in page
    disaster_close(by=bureau_hokkaido, disaster=changed, version=changed.version, ended_on=today())
    assert _active_for(lg_otaru) == []


def test_disaster_page_queries_do_not_grow_with_local_governments(
    client_for, hq, center_sapporo, hokkaido, django_assert_max_num_queries
):
    disaster = disaster_declare(
        by=hq, name="北海道 大雪", kind="snow", started_on=today() - datetime.timedelta(days=10), prefectures=[hokkaido]
    )
    served = list(Municipality.objects.filter(office__code="sapporo", kind="city")[:5])
    for municipality in served:
        preparedness_record(
            by=None, municipality=municipality, liaison_department="防災課", liaison_phone="011-000-0000"
        )
        Venue.objects.create(municipality=municipality, name=f"{municipality.name} 体育館", for_disasters=True)
        special_office_open(
            by=None,
            disaster=disaster,
            office=Office.objects.get(code="sapporo"),
            title=f"{municipality.name} 特別行政相談所",
            date=today() - datetime.timedelta(days=5),
            end_date=today(),
            start_time=datetime.time(9),
            end_time=datetime.time(17),
            municipalities=[municipality],
        )
    client = client_for(hq)
    with django_assert_max_num_queries(16):
        page = client.get(disaster.get_absolute_url())
    assert page.content.decode().count("防災課") == 5
    assert len(page.context["contacts"]) == Municipality.objects.filter(prefecture=hokkaido, is_active=True).count()
    with django_assert_max_num_queries(10):
        assert client.get(reverse("cooperation:disaster_report", args=[disaster.pk])).status_code == HTTPStatus.OK
    with django_assert_max_num_queries(10):
        assert client.get(reverse("cooperation:disaster_list")).status_code == HTTPStatus.OK


def test_local_government_records_its_contact_and_venue_on_its_page(client_for, lg_otaru, lg_hakodate, otaru):
    client = client_for(lg_otaru)
    url = reverse("cooperation:preparedness_update", args=["012033"])
    saved = client.post(url, {"liaison_department": "総務部 災害対策室", "liaison_phone": "0134-32-4111"})
    assert saved.status_code == HTTPStatus.FOUND
    assert otaru.preparedness.liaison_department == "総務部 災害対策室"
    added = client.post(
        url,
        {
            "action": "venue",
            "venue-name": "小樽市民センター",
            "venue-address": "小樽市色内2丁目13-5",
            "venue-provided_by_municipality": "on",
            "venue-for_disasters": "on",
        },
    )
    assert added.status_code == HTTPStatus.FOUND
    assert Venue.objects.get(municipality=otaru).for_disasters is True
    other = client_for(lg_hakodate).post(url, {"liaison_department": "x", "liaison_phone": "0"})
    assert other.status_code == HTTPStatus.NOT_FOUND
    otaru.preparedness.refresh_from_db()
    assert otaru.preparedness.liaison_department == "総務部 災害対策室"
