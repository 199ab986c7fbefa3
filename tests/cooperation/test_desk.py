"""The center desk (/offices/<code>/): suggestions, stale progress, follow-ups, open referrals."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation import fiscal
from cooperation.activities.services import activity_create
from cooperation.models import Activity, Progress, RequestItem, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create, referral_transition
from offices.models import Municipality, Office

pytestmark = pytest.mark.django_db


def desk(code):
    return reverse("cooperation:office_desk", kwargs={"code": code})


def set_stage(municipality, code, stage, *, days_ago=0, note=""):
    """Put a progress at ``stage`` with its date ``days_ago`` days back (as an import would)."""
    progress = Progress.objects.get(municipality=municipality, item__code=code)
    progress_update(
        progress=progress,
        stage=stage,
        by=None,
        effective_date=fiscal.today() - datetime.timedelta(days=days_ago),
        note=note,
    )


def row_of(html, municipality):
    return html.split(f'id="lg-{municipality.lg_code}"')[1].split("</tr>")[0]


def suggestion_of(html, municipality):
    cell = row_of(html, municipality).split('class="work-suggestion"')[1].split("</td>")[0]
    codes = re.findall(r'<span class="work-code">([0-9-]+)</span>', cell)
    return codes[0] if codes else None


def stale_of(html, municipality):
    cell = row_of(html, municipality).split('class="work-stale"')[1].split("</td>")[0]
    return re.findall(r'<span class="work-code"[^>]*>([0-9-]+)</span>', cell)


def log_activity(office, municipalities, *, follow_up_on=None, title="説明会", days_ago=0):
    return activity_create(
        by=None,
        municipalities=municipalities,
        office=office,
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        date=fiscal.today() - datetime.timedelta(days=days_ago),
        title=title,
        follow_up_on=follow_up_on,
    )


@pytest.fixture
def sapporo_towns(master):
    """Towns of 北海道 served by 札幌 (peers of one another)."""
    return list(Municipality.objects.filter(office__code="sapporo", kind="town").order_by("lg_code"))


def test_desk_lists_the_active_local_governments_of_the_jurisdiction(client_for, center_sapporo, otaru, hakodate_city):
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    codes = re.findall(r'<tr id="lg-(\d{6})">', html)
    assert len(codes) == Municipality.objects.active().filter(office__code="sapporo").count() == 52
    assert otaru.lg_code in codes
    assert "010006" in codes
    assert hakodate_city.lg_code not in codes


def test_desk_leaves_out_inactive_local_governments(client_for, center_sapporo, otaru):
    Municipality.objects.filter(pk=otaru.pk).update(is_active=False)
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    assert f'id="lg-{otaru.lg_code}"' not in html


def test_suggestion_is_the_item_peers_adopted_most(client_for, center_sapporo, sapporo_towns):
    target, *peers = sapporo_towns
    for peer in peers[:3]:
        set_stage(peer, "2-2", Stage.DONE)
    set_stage(peers[3], "1-2", Stage.ESTABLISHED)
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    assert suggestion_of(html, target) == "2-2"


def test_suggestion_counts_only_peers_of_the_same_kind(client_for, center_sapporo, sapporo_towns, otaru):
    target = sapporo_towns[0]
    set_stage(sapporo_towns[1], "2-5", Stage.DONE)
    for city in Municipality.objects.filter(office__code="sapporo", kind="city")[:4]:
        set_stage(city, "3-2", Stage.DONE)
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    assert suggestion_of(html, target) == "2-5"


def test_prefectural_governments_are_compared_nationwide(client_for, center_sapporo, hokkaido_government):
    for government in Municipality.objects.filter(kind="prefecture").exclude(pk=hokkaido_government.pk)[:3]:
        set_stage(government, "2-4", Stage.DONE)
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    assert suggestion_of(html, hokkaido_government) == "2-4"


def test_suggestion_skips_items_already_done_or_not_feasible(client_for, center_sapporo, sapporo_towns):
    target, *peers = sapporo_towns
    for peer in peers[:3]:
        set_stage(peer, "2-2", Stage.DONE)
    for peer in peers[:2]:
        set_stage(peer, "2-1", Stage.DONE)
    set_stage(peers[0], "3-1", Stage.DONE)
    set_stage(target, "2-2", Stage.DONE)
    set_stage(target, "2-1", Stage.NOT_FEASIBLE, note="会場がない")
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    assert suggestion_of(html, target) == "3-1"


def test_no_suggestion_when_every_item_is_adopted(client_for, center_sapporo, sapporo_towns):
    target = sapporo_towns[0]
    for code in RequestItem.objects.exclude(code="0-1").values_list("code", flat=True):
        set_stage(target, code, Stage.DONE)
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    assert suggestion_of(html, target) is None


def test_stale_lists_items_below_done_unchanged_for_a_year(client_for, center_sapporo, otaru):
    for code in ("1-1", "1-2", "2-1", "2-2", "2-3", "2-4", "2-5"):
        set_stage(otaru, code, Stage.CONSIDERING, days_ago=2)
    set_stage(otaru, "1-1", Stage.ARRANGING, days_ago=1)
    set_stage(otaru, "2-1", Stage.DONE, days_ago=1)
    Progress.objects.filter(municipality=otaru, item__code="1-2").update(
        stage_date=fiscal.today() - datetime.timedelta(days=366)
    )
    Progress.objects.filter(municipality=otaru, item__code="2-2").update(
        stage_date=fiscal.today() - datetime.timedelta(days=365)
    )
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    # 1-2 is older than a year; 3-1 and 3-2 never changed; 2-2 is exactly a year old, not older.
    assert stale_of(html, otaru) == ["1-2", "3-1", "3-2"]


def test_overdue_follow_ups_are_listed_and_others_not(client_for, center_sapporo, otaru):
    today = fiscal.today()
    overdue = log_activity(
        otaru.office, [otaru], follow_up_on=today - datetime.timedelta(days=1), days_ago=5, title="期限切れ"
    )
    done = log_activity(
        otaru.office, [otaru], follow_up_on=today - datetime.timedelta(days=1), days_ago=5, title="済み"
    )
    Activity.objects.filter(pk=done.pk).update(follow_up_done=True)
    due_today = log_activity(otaru.office, [otaru], follow_up_on=today, days_ago=5, title="本日")
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    section = html.split('id="overdue-heading"')[1].split("</section>")[0]
    assert overdue.get_absolute_url() in section
    assert done.get_absolute_url() not in section
    assert due_today.get_absolute_url() not in section


def test_overdue_follow_up_can_be_marked_done_from_the_desk(client_for, center_sapporo, otaru):
    activity = log_activity(otaru.office, [otaru], follow_up_on=fiscal.today() - datetime.timedelta(days=1), days_ago=3)
    response = client_for(center_sapporo).post(
        reverse("cooperation:activity_follow_up_done", kwargs={"pk": activity.pk}), {"next": desk("sapporo")}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == desk("sapporo")
    activity.refresh_from_db()
    assert activity.follow_up_done is True


def test_marking_a_follow_up_done_by_a_viewer_is_forbidden(client_for, viewer_sapporo, otaru):
    activity = log_activity(otaru.office, [otaru], follow_up_on=fiscal.today() - datetime.timedelta(days=1), days_ago=3)
    response = client_for(viewer_sapporo).post(
        reverse("cooperation:activity_follow_up_done", kwargs={"pk": activity.pk})
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    activity.refresh_from_db()
    assert activity.follow_up_done is False


def test_open_referrals_are_listed_and_closed_ones_not(client_for, center_sapporo, otaru, hq):
    open_one = referral_create(
        by=None, municipality=otaru, received_on=fiscal.today(), topic="tax", summary="国税の相談"
    )
    closed = referral_create(
        by=None, municipality=otaru, received_on=fiscal.today(), topic="labour", summary="労働の相談"
    )
    referral_transition(referral=closed, to_status="closed", outcome="resolved", by=hq)
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    section = html.split('id="referrals-heading"')[1].split("</section>")[0]
    assert open_one.get_absolute_url() in section
    assert closed.get_absolute_url() not in section
    count_cell = row_of(html, otaru).split('class="work-number"')[-1].split("</td>")[0]
    assert count_cell.strip(">").strip() == "1"


def test_recent_activities_of_the_center_are_listed(client_for, center_sapporo, otaru, hakodate_city):
    ours = log_activity(otaru.office, [otaru], title="札幌の活動")
    theirs = log_activity(hakodate_city.office, [hakodate_city], title="函館の活動")
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    section = html.split('id="recent-heading"')[1]
    assert ours.get_absolute_url() in section
    assert theirs.get_absolute_url() not in section


def test_log_activity_button_for_staff_who_may_write(client_for, center_sapporo):
    html = client_for(center_sapporo).get(desk("sapporo")).content.decode()
    assert reverse("cooperation:activity_create") + "?office=sapporo" in html


def test_no_log_activity_button_for_a_viewer(client_for, viewer_sapporo):
    response = client_for(viewer_sapporo).get(desk("sapporo"))
    assert response.status_code == HTTPStatus.OK
    assert reverse("cooperation:activity_create") not in response.content.decode()


@pytest.mark.parametrize("role", ["pref_01", "lg_otaru", "center_hakodate"])
def test_desk_is_not_found_outside_the_ministry_scope(role, client_for, request):
    response = client_for(request.getfixturevalue(role)).get(desk("sapporo"))
    assert response.status_code == HTTPStatus.NOT_FOUND


def _fill(office):
    """Some of everything for a center: stages, an overdue follow-up, open referrals, activities."""
    municipalities = list(Municipality.objects.filter(office=office).exclude(kind="prefecture")[:6])
    for number, municipality in enumerate(municipalities):
        set_stage(municipality, "1-1", Stage.DONE)
        set_stage(municipality, "2-1", Stage.CONSIDERING, days_ago=number)
        referral_create(
            by=None, municipality=municipality, received_on=fiscal.today(), topic="tax", summary="国税の相談"
        )
    log_activity(office, municipalities, follow_up_on=fiscal.today() - datetime.timedelta(days=1), days_ago=2)
    log_activity(office, municipalities[:2], days_ago=1)


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(context)


def test_desk_runs_the_same_queries_for_a_large_and_a_small_center(client_for, hq, django_assert_max_num_queries):
    sapporo, toyama = Office.objects.get(code="sapporo"), Office.objects.get(code="toyama")
    assert Municipality.objects.filter(office=sapporo).count() == 52
    assert Municipality.objects.filter(office=toyama).count() == 16
    _fill(sapporo)
    _fill(toyama)
    client = client_for(hq)
    client.get(desk("toyama"))
    with django_assert_max_num_queries(17):
        client.get(desk("sapporo"))
    assert _queries(client, desk("sapporo")) == _queries(client, desk("toyama"))


@pytest.mark.parametrize("cache", [True, False], ids=["cached", "computed"])
def test_recent_activities_include_those_another_center_logged_with_its_local_governments(
    client_for, center_sapporo, otaru, hakodate_city, cache, settings
):
    settings.ROLLUP_CACHE = cache
    sapporo, hakodate = Office.objects.get(code="sapporo"), Office.objects.get(code="hakodate")
    log_activity(sapporo, [otaru], title="札幌の説明会", days_ago=3)
    log_activity(hakodate, [hakodate_city], title="函館だけの説明会", days_ago=2)
    client = client_for(center_sapporo)

    def recent():
        html = client.get(desk("sapporo")).content.decode()
        return html.split('id="recent-heading"')[1]

    first = recent()
    assert "札幌の説明会" in first and "函館だけの説明会" not in first
    # A 北海道-wide meeting logged by another center with 小樽市: shown on the very next request.
    log_activity(hakodate, [otaru, hakodate_city], title="全道の意見交換会", days_ago=1)
    assert "全道の意見交換会" in recent()
