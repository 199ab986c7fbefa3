"""Each role's home after signing in, the navigation it offers, the dashboard's summary figures."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation import fiscal
from cooperation.activities.services import activity_create
from cooperation.models import Activity, Progress, Referral, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create
from offices.models import Municipality, Office

pytestmark = pytest.mark.usefixtures("master")

HOME = reverse("cooperation:home")


def nav_links(response) -> list[str]:
    nav = re.search(
        r'<nav aria-label="[^"]*" class="site-nav" id="site-nav">(.*?)</nav>', response.content.decode(), re.S
    )
    assert nav, "no global navigation"
    return re.findall(r'<a href="([^"]+)"', nav.group(1))


def current_link(response) -> str | None:
    match = re.search(r'<a href="([^"]+)" aria-current="page">', response.content.decode())
    return match.group(1) if match else None


def test_sign_in_lands_on_home(client, lg_otaru):
    lg_otaru.set_password("pw-for-test-1")
    lg_otaru.save()
    response = client.post(reverse("login"), {"username": lg_otaru.username, "password": "pw-for-test-1"})
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == HOME


def test_center_home_is_its_desk(client_for, center_sapporo):
    response = client_for(center_sapporo).get(HOME)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == Office.objects.get(code="sapporo").get_absolute_url()


def test_prefecture_home_is_its_prefecture_page(client_for, pref_01):
    response = client_for(pref_01).get(HOME)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("cooperation:prefecture_report", kwargs={"code": "01"})


def test_bureau_home_is_the_dashboard_with_figures(client_for, bureau_hokkaido, center_sapporo, otaru):
    today = fiscal.today()
    referral_create(
        by=center_sapporo,
        municipality=otaru,
        received_on=today,
        topic=Referral.Topic.PENSION,
        agency="日本年金機構",
        summary="年金の相談",
    )
    activity_create(
        by=center_sapporo,
        municipalities=[otaru],
        date=today - datetime.timedelta(days=5),
        office=Office.objects.get(code="sapporo"),
        item=Progress.objects.filter(municipality=otaru, item__code="1-1").get().item,
        kind=Activity.Kind.BRIEFING,
        title="説明会",
        follow_up_on=today - datetime.timedelta(days=1),
    )
    response = client_for(bureau_hokkaido).get(HOME)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert re.search(r'data-figure="open-referrals">1<', html)
    assert re.search(r'data-figure="overdue">1<', html)
    assert 'data-figure="adoption"' in html
    assert reverse("cooperation:office_list") in nav_links(response)
    assert current_link(response) == HOME


def test_municipality_home_shows_its_items_peers_and_referrals(client_for, lg_otaru, center_sapporo, otaru):
    peer = Municipality.objects.filter(prefecture=otaru.prefecture, kind=otaru.kind).exclude(pk=otaru.pk).first()
    progress_update(progress=Progress.objects.get(municipality=peer, item__code="2-2"), stage=Stage.DONE, by=None)
    referral_create(
        by=lg_otaru,
        municipality=otaru,
        received_on=fiscal.today(),
        topic=Referral.Topic.PENSION,
        agency="日本年金機構",
        summary="年金の相談",
    )
    response = client_for(lg_otaru).get(HOME)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<h1>小樽市</h1>" in html
    assert 'data-item="2-2" data-peers-done="1"' in html
    assert 'data-item="1-1" data-peers-done="0"' in html
    assert 'data-suggestion="2-2"' in html
    assert reverse("cooperation:progress_grid") in html
    assert reverse("cooperation:referral_detail", kwargs={"pk": Referral.objects.get().pk}) in html
    links = nav_links(response)
    assert reverse("cooperation:municipality_list") not in links
    assert reverse("cooperation:office_list") not in links
    assert reverse("offices:user_list") not in links


def test_municipality_home_query_count(client_for, lg_otaru, django_assert_max_num_queries):
    client = client_for(lg_otaru)
    with django_assert_max_num_queries(16):
        response = client.get(HOME)
    assert response.status_code == HTTPStatus.OK


def test_office_list_shows_only_the_bureaus_centers(client_for, bureau_hokkaido, django_assert_max_num_queries):
    client = client_for(bureau_hokkaido)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("cooperation:office_list"))
    html = response.content.decode()
    for code in ("sapporo", "hakodate", "asahikawa", "kushiro"):
        assert reverse("cooperation:office_desk", kwargs={"code": code}) in html
    assert reverse("cooperation:office_desk", kwargs={"code": "aomori"}) not in html


def test_navigation_marks_the_current_place(client_for, hq):
    response = client_for(hq).get(reverse("cooperation:referral_list"))
    assert current_link(response) == reverse("cooperation:referral_list")
    assert reverse("offices:user_list") in nav_links(response)


def test_change_since_fiscal_year_end_matches_a_tally_of_the_history(client_for, hq, otaru, hakodate_city):
    from cooperation.reporting import rollups as reports

    baseline_day = reports.previous_fiscal_year_end(fiscal.today())
    first = Progress.objects.get(municipality=otaru, item__code="1-1")
    progress_update(progress=first, stage=Stage.DONE, by=None, effective_date=baseline_day)
    second = Progress.objects.get(municipality=hakodate_city, item__code="1-1")
    progress_update(progress=second, stage=Stage.DONE, by=None)
    progress_update(progress=first, stage=Stage.NOT_FEASIBLE, by=None, note="体制なし")

    figures = client_for(hq).get(HOME).context["figures"]

    shares = reports.stage_tally(Progress.objects.all(), as_of=baseline_day, today=fiscal.today()).shares()
    assert figures.baseline.adopted == sum(share.adopted for share in shares.values()) == 1
    assert figures.adoption.adopted == 1
    assert figures.baseline_date == baseline_day


def test_center_navigation_starts_with_its_desk(client_for, center_sapporo):
    response = client_for(center_sapporo).get(reverse("cooperation:office_desk", kwargs={"code": "sapporo"}))
    links = nav_links(response)
    assert links[0] == reverse("cooperation:office_desk", kwargs={"code": "sapporo"})
    assert HOME not in links
    assert current_link(response) == links[0]
    assert reverse("cooperation:progress_grid") in links
    assert reverse("offices:user_list") not in links


def test_viewer_navigation_has_no_grid(client_for, viewer_hq):
    links = nav_links(client_for(viewer_hq).get(reverse("cooperation:dashboard")))
    assert reverse("cooperation:progress_grid") not in links
    assert reverse("offices:user_list") not in links


def test_change_since_fiscal_year_end_is_recounted_only_for_the_prefecture_that_changed(
    client_for, hq, otaru, monkeypatch
):
    from cooperation.caching import rollups
    from cooperation.reporting import rollups as reports

    client = client_for(hq)
    before = client.get(HOME).context["figures"]
    recounted = []
    original = rollups.per_prefecture

    def spy(name, compute, **kwargs):
        return original(name, lambda ids: recounted.append(sorted(ids)) or compute(ids), **kwargs)

    monkeypatch.setattr(rollups, "per_prefecture", spy)
    assert client.get(HOME).context["figures"].baseline == before.baseline
    assert recounted == [], "every prefecture's part came from the cache"
    progress = Progress.objects.get(municipality=otaru, item__code="1-1")
    progress_update(progress=progress, stage=Stage.DONE, by=None)
    after = client.get(HOME).context["figures"]
    assert recounted == [[otaru.prefecture_id]]
    assert after.adoption.adopted == before.adoption.adopted + 1
    assert after.baseline == before.baseline  # the change entered 実施 after the year end
    shares = reports.stage_tally(Progress.objects.all(), as_of=after.baseline_date, today=fiscal.today()).shares()
    assert after.baseline.adopted == sum(share.adopted for share in shares.values())
