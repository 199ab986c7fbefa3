"""Pages of the commissioner register: what each shows, to whom, in how many queries, and what each POST changed."""

import datetime
import io
from http import HTTPStatus

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cooperation.commissioners import demo
from cooperation.commissioners.models import Commissioner, CommissionerAward
from cooperation.commissioners.services import commissioner_create
from cooperation.demo import demo_user
from cooperation.fiscal import today
from cooperation.models import Progress, ProgressChange, Stage
from offices.models import Municipality

pytestmark = pytest.mark.django_db
DAY = today()


def _days(n):
    return DAY - datetime.timedelta(days=n)


@pytest.fixture
def demo_register(master):
    """The demo register of 北海道 (179 municipalities) and 鳥取県 (19)."""
    demo.generate(user=demo_user(), seed=3, today=DAY, prefectures=["01", "31"])


def _commissioner(municipality, **extra):
    return commissioner_create(
        municipality=municipality, name="佐藤 和夫", name_kana="さとう かずお", appointed_on=_days(700), by=None,
        phone="0134-00-1234", address="小樽市稲穂1-1-1", **extra,
    )  # fmt: skip


def _queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return len(captured), response


@pytest.mark.parametrize("name", ["commissioner_overview", "commissioner_list"])
def test_pages_cost_the_same_for_hokkaido_and_tottori(
    name, demo_register, hq, client_for, django_assert_max_num_queries
):
    client = client_for(hq)
    url = reverse(f"cooperation:{name}")
    client.get(url)  # the first request of a session writes the session
    big, response = _queries(client, url + "?prefecture=01", django_assert_max_num_queries, 14)
    small, _response = _queries(client, url + "?prefecture=31", django_assert_max_num_queries, 14)
    assert big == small
    assert Commissioner.objects.filter(municipality__prefecture__code="01").count() > 300


def test_national_counts_are_bounded_and_add_up(demo_register, hq, client_for, django_assert_max_num_queries):
    client = client_for(hq)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cooperation:commissioner_national"))
    rows = {row.prefecture.code: row for row in response.context["rows"]}
    assert rows["31"].municipalities == 19
    assert rows["01"].serving == Commissioner.objects.serving().filter(municipality__prefecture__code="01").count()
    assert response.context["totals"]["serving"] == Commissioner.objects.serving().count()


def test_the_overview_answers_which_municipality_has_none_and_whose_term_ends(
    center_sapporo, client_for, otaru, django_assert_max_num_queries
):
    ending = _commissioner(otaru, term_ends_on=DAY + datetime.timedelta(days=40))
    later = commissioner_create(
        municipality=otaru, name="鈴木 正", name_kana="すずき", appointed_on=_days(10), by=None
    )  # ends in two years
    client = client_for(center_sapporo)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cooperation:commissioner_overview"))
    data = response.context["data"]
    assert [c.pk for c in data.ending] == [ending.pk]
    assert later.pk not in [c.pk for c in data.ending]
    without = {m.lg_code for m in data.without}
    assert "012033" not in without
    assert "011002" in without  # 札幌市: no commissioner recorded
    jurisdiction = Municipality.objects.filter(office__code="sapporo", is_active=True).exclude(kind="prefecture")
    assert data.municipality_count == jurisdiction.count()
    page = response.content.decode()
    assert ending.name in page and "札幌市" in page


def test_contact_details_are_for_ministry_staff_only(otaru, lg_otaru, pref_01, viewer_sapporo, client_for):
    commissioner = _commissioner(otaru)
    url = commissioner.get_absolute_url()
    assert "0134-00-1234" in client_for(viewer_sapporo).get(url).content.decode()
    for user in (lg_otaru, pref_01):
        page = client_for(user).get(url).content.decode()
        assert commissioner.name in page
        assert "0134-00-1234" not in page and "稲穂" not in page
    export = client_for(lg_otaru).get(reverse("cooperation:commissioner_export") + "?format=csv")
    assert "0134-00-1234" not in export.content.decode("utf-8-sig")
    assert commissioner.number in export.content.decode("utf-8-sig")


def test_the_local_government_page_lists_its_commissioners(otaru, lg_otaru, client_for, django_assert_max_num_queries):
    commissioner = _commissioner(otaru)
    retired = _commissioner(otaru)
    Commissioner.objects.filter(pk=retired.pk).update(status="retired", name="退任 太郎")
    client = client_for(lg_otaru)
    client.get(otaru.get_absolute_url())
    with django_assert_max_num_queries(40) as captured:
        response = client.get(otaru.get_absolute_url())
    # One query reads the register (the timeline's evidence names a commissioner through an aliased subquery).
    assert sum('"cooperation_commissioner"."' in query["sql"] for query in captured.captured_queries) == 1
    page = response.content.decode()
    assert commissioner.name in page and "退任 太郎" not in page
    assert "0134-00-1234" not in page


def test_the_xlsx_download_has_the_register_sheet(otaru, center_sapporo, client_for):
    commissioner = _commissioner(otaru)
    response = client_for(center_sapporo).get(reverse("cooperation:commissioner_export") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["行政相談委員"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "委員番号" and rows[1][0] == commissioner.number and rows[1][3] == "012033"


def test_a_municipality_records_its_recommendation_and_3_1_moves(otaru, lg_otaru, client_for):
    response = client_for(lg_otaru).post(
        reverse("cooperation:commissioner_recommend"),
        {
            "municipality": otaru.pk,
            "name": "高橋 恵子",
            "name_kana": "たかはし けいこ",
            "recommended_on": _days(2).isoformat(),
            "is_counselor": "on",
            "counselor_since": _days(500).isoformat(),
        },
    )
    commissioner = Commissioner.objects.get()
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == commissioner.get_absolute_url()
    change = ProgressChange.objects.get(progress__municipality=otaru, progress__item__code="3-1")
    assert (change.commissioner, change.to_stage, change.recorded_by) == (commissioner, Stage.DONE, lg_otaru)
    detail = client_for(lg_otaru).get(commissioner.get_absolute_url()).content.decode()
    assert "3-1" in detail


def test_a_recommendation_for_another_municipality_changes_nothing(hakodate_city, lg_otaru, client_for):
    response = client_for(lg_otaru).post(
        reverse("cooperation:commissioner_recommend"),
        {"municipality": hakodate_city.pk, "name": "x", "name_kana": "x", "recommended_on": _days(2).isoformat()},
    )
    assert response.status_code == HTTPStatus.OK
    assert not Commissioner.objects.exists() and not ProgressChange.objects.exists()


def test_a_mayors_award_from_the_page_moves_3_2(otaru, lg_otaru, client_for):
    commissioner = _commissioner(otaru)
    response = client_for(lg_otaru).post(
        reverse("cooperation:commissioner_award_create", args=[commissioner.number]),
        {"conferrer": "mayor", "conferred_by": otaru.pk, "title": "小樽市功労者表彰", "awarded_on": _days(1)},
    )
    assert response.status_code == HTTPStatus.FOUND
    award = CommissionerAward.objects.get()
    assert Progress.objects.get(municipality=otaru, item__code="3-2").stage == Stage.DONE
    assert ProgressChange.objects.get(progress__item__code="3-2").commissioner_award == award


def test_refused_writes_change_nothing(otaru, viewer_sapporo, center_hakodate, pref_01, client_for):
    commissioner = _commissioner(otaru)
    before = (commissioner.version, commissioner.terms.count())
    version = commissioner.version
    posts = [
        ("commissioner_appoint", {"version": version, "starts_on": _days(1).isoformat()}),
        ("commissioner_end", {"version": version, "status": "retired", "on": _days(1).isoformat()}),
        ("commissioner_update", {"version": version, "name": "別人", "name_kana": "x", "municipality": otaru.pk}),
    ]
    for user in (viewer_sapporo, center_hakodate, pref_01):
        client = client_for(user)
        for name, data in posts:
            response = client.post(reverse(f"cooperation:{name}", args=[commissioner.number]), data)
            assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    commissioner.refresh_from_db()
    assert (commissioner.version, commissioner.terms.count(), commissioner.name) == (*before, "佐藤 和夫")


def test_a_center_reappoints_from_the_page(otaru, center_sapporo, client_for):
    commissioner = commissioner_create(
        municipality=otaru, name="佐藤", name_kana="さとう", appointed_on=_days(800), by=None
    )
    future = client_for(center_sapporo).post(
        reverse("cooperation:commissioner_appoint", args=[commissioner.number]),
        {"version": commissioner.version, "starts_on": (DAY + datetime.timedelta(days=3)).isoformat()},
    )
    assert future.status_code == HTTPStatus.OK
    assert future.context["appoint_form"].non_field_errors()
    assert commissioner.terms.count() == 1
    start = commissioner.term_ends_on + datetime.timedelta(days=1)
    response = client_for(center_sapporo).post(
        reverse("cooperation:commissioner_appoint", args=[commissioner.number]),
        {"version": commissioner.version, "starts_on": start.isoformat()},
    )
    assert response.status_code == HTTPStatus.FOUND
    commissioner.refresh_from_db()
    assert (commissioner.status, commissioner.appointed_on, commissioner.terms.count()) == ("reappointed", start, 2)


def test_a_stale_edit_is_shown_again_and_saves_nothing(otaru, center_sapporo, client_for):
    commissioner = _commissioner(otaru)
    url = reverse("cooperation:commissioner_update", args=[commissioner.number])
    data = {"version": commissioner.version, "name": "佐藤 和男", "name_kana": "さとう", "municipality": otaru.pk}
    client = client_for(center_sapporo)
    assert client.post(url, data).status_code == HTTPStatus.FOUND
    response = client.post(url, {**data, "name": "三人目"})
    assert response.status_code == HTTPStatus.OK and response.context["form"].non_field_errors()
    commissioner.refresh_from_db()
    assert commissioner.name == "佐藤 和男"


def test_import_preview_then_apply(otaru, center_sapporo, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cooperation.commissioners.roundtrip import HEADER, register_csv, register_rows

    commissioner = _commissioner(otaru)
    header, rows = register_rows(Commissioner.objects.all(), contact=True)
    row = list(rows[0])
    row[HEADER.index("電話")] = "0134-77-7777"
    client = client_for(center_sapporo)
    url = reverse("cooperation:commissioner_import")
    upload = SimpleUploadedFile("r.csv", register_csv(header, [row]), content_type="text/csv")
    preview = client.post(url, {"file": upload})
    assert preview.status_code == HTTPStatus.OK
    apply_form = preview.context["apply_form"]
    commissioner.refresh_from_db()
    assert commissioner.phone == "0134-00-1234"
    done = client.post(url, {"apply": "1", **apply_form.initial})
    assert done.status_code == HTTPStatus.FOUND
    commissioner.refresh_from_db()
    assert commissioner.phone == "0134-77-7777"


def test_the_local_government_history_links_the_commissioner_evidence(otaru, lg_otaru, client_for):
    from cooperation.commissioners.services import commissioner_recommend

    commissioner = commissioner_recommend(
        municipality=otaru, name="高橋 恵子", name_kana="たかはし", recommended_on=_days(2), counselor_since=_days(9),
        by=lg_otaru,
    )  # fmt: skip
    page = client_for(lg_otaru).get(otaru.get_absolute_url()).content.decode()
    assert commissioner.get_absolute_url() in page


@pytest.mark.parametrize("terms", [1, 6])
def test_the_commissioner_page_costs_the_same_with_many_terms_and_awards(
    terms, otaru, center_sapporo, client_for, django_assert_num_queries
):
    from cooperation.commissioners.services import commissioner_appoint, commissioner_award_record

    commissioner = commissioner_create(
        municipality=otaru, name="佐藤", name_kana="さとう", appointed_on=_days(365 * 2 * terms + 30), by=None
    )
    for _term in range(terms - 1):
        commissioner_appoint(
            commissioner=commissioner, starts_on=commissioner.term_ends_on + datetime.timedelta(days=1), by=None
        )
    for index in range(terms):
        commissioner_award_record(
            commissioner=commissioner, conferrer="mayor", conferred_by=otaru, title=f"表彰{index}",
            awarded_on=_days(10 + index), by=None,
        )  # fmt: skip
    client = client_for(center_sapporo)
    client.get(commissioner.get_absolute_url())
    # Sessions are read through the cache (cached_db), and so is the disaster banner after the first page.
    with django_assert_num_queries(9):
        response = client.get(commissioner.get_absolute_url())
    assert len(response.context["terms"]) == terms and len(response.context["awards"]) == terms


@pytest.mark.parametrize(
    "name, user",
    [
        ("commissioner_create", "center_sapporo"),
        ("commissioner_recommend", "lg_otaru"),
        ("commissioner_import", "center_sapporo"),
    ],
)
def test_form_pages_render_in_a_few_queries(name, user, request, client_for, django_assert_max_num_queries):
    client = client_for(request.getfixturevalue(user))
    url = reverse(f"cooperation:{name}")
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == HTTPStatus.OK
