"""The national dashboard at /: the tile map, per-item bars, the fiscal year's counts and the latest changes."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation import fiscal
from cooperation.activities.services import activity_create
from cooperation.models import Progress, RequestItem, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create, referral_transition
from cooperation.reporting import rollups as reports
from offices.models import Municipality
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("master")

URL = reverse("cooperation:dashboard")


def set_stage(municipality, code, stage, on=None):
    progress = Progress.objects.get(municipality=municipality, item__code=code)
    progress_update(progress=progress, stage=stage, by=None, effective_date=on)


def tile(response, code):
    """(CSS classes, inner HTML) of one prefecture's tile."""
    match = re.search(rf'<li class="tile ([^"]*)" data-code="{code}">(.*?)</li>', response.content.decode(), re.S)
    assert match, f"no tile for {code}"
    return match.group(1).split(), match.group(2)


def tile_figure(response, code):
    match = re.search(r'<span class="tile-figure">(\d+)%</span>', tile(response, code)[1])
    return int(match.group(1)) if match else None


def item_row(response, code):
    match = re.search(rf'<tr data-item="{code}">(.*?)</tr>', response.content.decode(), re.S)
    assert match, f"no row for item {code}"
    return match.group(1)


def stage_cell(response, code, stage):
    """The count and the percentage shown for one item and stage."""
    match = re.search(
        rf'data-stage="{stage}">(\d+)(?:<span class="pct"> \(([\d.]+)%\)</span>)?</td>', item_row(response, code)
    )
    return int(match.group(1)), match.group(2)


def kind_count(response, kind):
    match = re.search(
        rf'<tr data-kind="{kind}"><th scope="row">[^<]*</th><td class="num">(\d+)</td>', response.content.decode()
    )
    return int(match.group(1))


def data_count(response, name):
    return int(re.search(rf"{name}>(\d+)<", response.content.decode()).group(1))


@pytest.fixture
def toyama():
    return list(Municipality.objects.filter(prefecture__code="16").order_by("lg_code"))


@pytest.fixture
def last_year_end():
    return reports.previous_fiscal_year_end(fiscal.today())


def test_tile_shows_the_adopted_share_for_the_chosen_item(hq, client_for, toyama):
    for municipality in toyama[:3]:
        set_stage(municipality, "1-1", Stage.DONE)
    set_stage(toyama[3], "1-1", Stage.ESTABLISHED)
    set_stage(toyama[4], "1-1", Stage.ARRANGING)

    response = client_for(hq).get(URL, {"item": "1-1"})

    assert response.status_code == HTTPStatus.OK
    assert tile_figure(response, "16") == 25
    assert "band-1" in tile(response, "16")[0]


def test_tile_for_all_items_is_the_share_of_applicable_rows(hq, client_for, toyama):
    set_stage(toyama[0], "0-1", Stage.DONE)
    for municipality in toyama[:14]:
        set_stage(municipality, "2-5", Stage.DONE)

    response = client_for(hq).get(URL)

    # 15 of 16 × 9 + 1 applicable rows: 10.3 %, shown rounded down.
    assert tile_figure(response, "16") == 10
    assert "band-0" in tile(response, "16")[0]


def test_tile_links_to_the_prefecture_report_with_the_chosen_item(hq, client_for):
    response = client_for(hq).get(URL, {"item": "2-3"})

    report = reverse("cooperation:prefecture_report", kwargs={"code": "16"})
    assert f'href="{report}?item=2-3"' in tile(response, "16")[1]


def test_tiles_outside_the_scope_have_no_figure_and_no_link(center_hakodate, client_for):
    response = client_for(center_hakodate).get(URL)

    classes, inner = tile(response, "02")
    assert "tile-out" in classes
    assert "%" not in inner and "href" not in inner
    assert tile_figure(response, "01") == 0


def test_narrower_scope_counts_only_its_own_rows(lg_otaru, client_for, otaru, hakodate_city):
    set_stage(otaru, "1-1", Stage.DONE)

    response = client_for(lg_otaru).get(URL, {"item": "1-1"})

    assert tile_figure(response, "01") == 100
    assert sum("tile-out" in tile(response, f"{code:02d}")[0] for code in range(1, 48)) == 46


def test_center_sees_the_share_of_its_jurisdiction_only(center_hakodate, client_for, otaru, hakodate_city):
    set_stage(otaru, "1-1", Stage.DONE)
    set_stage(hakodate_city, "1-1", Stage.DONE)
    served = Municipality.objects.filter(office__code="hakodate", is_active=True).count()

    response = client_for(center_hakodate).get(URL, {"item": "1-1"})

    assert tile_figure(response, "01") == 100 // served
    assert stage_cell(response, "1-1", "done")[0] == 1


def test_region_filter_shows_figures_for_its_prefectures_only(hq, client_for):
    response = client_for(hq).get(URL, {"region": "chugoku-shikoku"})

    with_figures = {f"{code:02d}" for code in range(1, 48) if tile_figure(response, f"{code:02d}") is not None}
    assert with_figures == {f"{code:02d}" for code in range(31, 40)}


def test_region_choices_are_narrowed_to_the_scope(center_sapporo, client_for):
    response = client_for(center_sapporo).get(URL)

    assert [code for code, _label in response.context["form"].fields["region"].choices] == ["", "hokkaido"]


def test_past_fiscal_year_shows_stages_at_its_end(hq, client_for, toyama, last_year_end):
    set_stage(toyama[0], "1-1", Stage.DONE, last_year_end - datetime.timedelta(days=1))
    set_stage(toyama[1], "1-1", Stage.DONE, last_year_end + datetime.timedelta(days=1))
    past = fiscal.fiscal_year(last_year_end)

    response = client_for(hq).get(URL, {"item": "1-1", "fiscal_year": past})

    assert response.context["as_of"] == last_year_end
    assert stage_cell(response, "1-1", "done")[0] == 1
    report = reverse("cooperation:prefecture_report", kwargs={"code": "16"})
    assert f'href="{report}?as_of={last_year_end.isoformat()}&amp;item=1-1"' in tile(response, "16")[1]


def test_item_bars_show_count_and_share_per_stage(hq, client_for, toyama):
    set_stage(toyama[0], "1-2", Stage.CONSIDERING)
    for municipality in toyama[1:3]:
        set_stage(municipality, "1-2", Stage.ESTABLISHED)

    response = client_for(hq).get(URL, {"region": "chubu"})

    chubu = Progress.objects.filter(
        item__code="1-2", municipality__prefecture__region__code="chubu", municipality__is_active=True
    ).count()
    count, percent = stage_cell(response, "1-2", "established")
    assert count == 2
    assert percent == f"{100 * 2 / chubu:.1f}"
    assert stage_cell(response, "1-2", "considering")[0] == 1
    assert re.search(rf"data-total>{chubu}<", item_row(response, "1-2"))


# The item each kind of activity is evidence for (RequestItem.evidence_kinds, issue 16).
KIND_ITEM = {
    "briefing": "1-1",
    "pr_article": "1-2",
    "exchange_meeting": "2-1",
    "joint_session": "2-2",
    "venue": "2-2",
    "disaster": "2-4",
    "recommendation": "3-1",
    "award": "3-2",
    "other": "1-1",
}


def _activity(municipality, day, kind):
    activity_create(
        by=None,
        municipalities=[municipality],
        office=municipality.office,
        item=RequestItem.objects.get(code=KIND_ITEM[kind]),
        kind=kind,
        date=day,
        title="説明会",
        summary="",
    )


def test_fiscal_year_counts_activities_by_kind(hq, client_for, toyama, last_year_end):
    today = fiscal.today()
    _activity(toyama[0], today, "briefing")
    _activity(toyama[1], today, "briefing")
    _activity(toyama[2], today, "award")
    _activity(toyama[3], last_year_end, "briefing")

    response = client_for(hq).get(URL)

    assert (kind_count(response, "briefing"), kind_count(response, "award")) == (2, 1)
    assert data_count(response, "data-activity-total") == 3


def test_fiscal_year_counts_referrals_received_and_closed(hq, client_for, toyama, last_year_end):
    old = referral_create(
        by=None, municipality=toyama[0], received_on=last_year_end, topic="pension", summary="年金の相談"
    )
    referral_transition(referral=old, to_status="closed", by=None, outcome="resolved")
    referral_create(by=None, municipality=toyama[1], received_on=fiscal.today(), topic="tax", summary="相談")

    response = client_for(hq).get(URL)

    assert data_count(response, "data-referrals-opened") == 1
    assert data_count(response, "data-referrals-closed") == 1


def test_fiscal_year_counts_leave_out_other_scopes(center_hakodate, client_for, otaru, hakodate_city):
    _activity(otaru, fiscal.today(), "briefing")
    _activity(hakodate_city, fiscal.today(), "briefing")

    response = client_for(center_hakodate).get(URL)

    assert kind_count(response, "briefing") == 1


def test_latest_changes_are_scoped(center_hakodate, client_for, otaru, hakodate_city):
    set_stage(otaru, "1-1", Stage.CONSIDERING)
    set_stage(hakodate_city, "1-1", Stage.CONSIDERING)

    response = client_for(center_hakodate).get(URL)

    html = response.content.decode()
    assert reverse("cooperation:municipality_detail", kwargs={"lg_code": "012025"}) in html
    assert reverse("cooperation:municipality_detail", kwargs={"lg_code": "012033"}) not in html


def test_latest_changes_list_the_newest_first(hq, client_for, toyama):
    today = fiscal.today()
    for days, municipality in enumerate(toyama[:3]):
        set_stage(municipality, "1-1", Stage.CONSIDERING, today - datetime.timedelta(days=days))

    response = client_for(hq).get(URL)

    assert [change.lg_code for change in response.context["changes"]] == [m.lg_code for m in toyama[:3]]


def test_wrong_choices_fall_back_to_the_whole_scope_and_this_year(hq, client_for):
    response = client_for(hq).get(URL, {"region": "atlantis", "fiscal_year": "1900"})

    assert response.status_code == HTTPStatus.OK
    assert set(response.context["form"].errors) == {"region", "fiscal_year"}
    assert response.context["as_of"] == fiscal.today()
    assert tile_figure(response, "47") is not None


def test_a_wrong_choice_keeps_the_other_choices(hq, client_for):
    response = client_for(hq).get(URL, {"region": "atlantis", "item": "2-3"})

    assert set(response.context["form"].errors) == {"region"}
    assert response.context["item"].code == "2-3"


def _populate(prefecture_code):
    """Stages, activities and referrals in a prefecture, so row counts differ between prefectures."""
    municipalities = list(Municipality.objects.filter(prefecture__code=prefecture_code).order_by("lg_code")[:40])
    last_end = reports.previous_fiscal_year_end(fiscal.today())
    for index, municipality in enumerate(municipalities):
        set_stage(municipality, "1-1", Stage.CONSIDERING, last_end)
        set_stage(municipality, "1-1", Stage.DONE if index % 2 else Stage.ESTABLISHED)
        _activity(municipality, fiscal.today(), "briefing")
    referral_create(by=None, municipality=municipalities[1], received_on=fiscal.today(), topic="tax", summary="相談")


@pytest.fixture
def pref_toyama(master):
    return make_user("pref-16", "prefecture", "prefecture", "16")


# Session, user and roles (3), the session saved on every request (3), the page's own 7 queries
# (one pass over the progress rows gives the map and the bars), and one to spare.
MAX_QUERIES = 18


def _queries(client, django_assert_max_num_queries, **query):
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        response = client.get(URL, query)
    assert response.status_code == HTTPStatus.OK
    return len(captured)


def test_query_count_is_the_same_for_toyama_and_hokkaido(
    pref_01, pref_toyama, client_for, django_assert_max_num_queries
):
    _populate("01")
    _populate("16")

    hokkaido = _queries(client_for(pref_01), django_assert_max_num_queries)
    toyama = _queries(client_for(pref_toyama), django_assert_max_num_queries)

    assert hokkaido == toyama


def test_query_count_is_the_same_for_a_past_year_and_the_whole_country(
    hq, client_for, django_assert_max_num_queries, settings
):
    settings.ROLLUP_CACHE = False  # the computation itself, not the cache in front of it (issue 18)
    _populate("01")
    client = client_for(hq)
    past = fiscal.fiscal_year(fiscal.today()) - 1

    now = _queries(client, django_assert_max_num_queries)
    then = _queries(client, django_assert_max_num_queries, fiscal_year=past, item="1-1", region="hokkaido")

    assert now == then


def test_progress_rows_are_read_once_for_the_map_and_the_bars(hq, client_for, django_assert_max_num_queries, settings):
    settings.ROLLUP_CACHE = False  # the computation itself, not the cache in front of it (issue 18)
    _populate("01")
    client = client_for(hq)

    for query in ({}, {"item": "1-1"}, {"fiscal_year": fiscal.fiscal_year(fiscal.today()) - 1}):
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            response = client.get(URL, query)
        assert response.status_code == HTTPStatus.OK
        progress_reads = [entry["sql"] for entry in captured if 'FROM "cooperation_progress"' in entry["sql"]]
        assert len(progress_reads) == 1, query


def test_map_and_bars_from_one_pass_match_the_rows(hq, client_for, toyama, last_year_end):
    set_stage(toyama[0], "1-1", Stage.DONE, last_year_end)
    set_stage(toyama[1], "1-1", Stage.ESTABLISHED)
    set_stage(toyama[2], "2-1", Stage.DONE)
    set_stage(toyama[3], "2-1", Stage.ARRANGING)
    current = Progress.objects.current().filter(municipality__prefecture__code="16")

    for query, rows in (({}, current), ({"item": "2-1"}, current.filter(item__code="2-1"))):
        response = client_for(hq).get(URL, query)

        [toyama_tile] = [entry for entry in response.context["tiles"] if entry.code == "16"]
        assert toyama_tile.share == reports.Share(rows.filter(stage__in=Stage.adopted()).count(), rows.count())
        # The bars always show every item, whichever item the map shows.
        bars = {entry.code: entry for entry in response.context["item_stages"]}
        assert list(bars) == list(RequestItem.objects.active().values_list("code", flat=True))
        done = Progress.objects.current().filter(item__code="2-1", stage=Stage.DONE).count()
        assert bars["2-1"].count(Stage.DONE) == done
        assert bars["2-1"].count(Stage.ARRANGING) == 1
        assert bars["1-1"].adopted == 2
