"""What the new POST routes of issue 16 change in the database, for a role allowed and for roles refused."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.models import Activity, Progress, ProgressChange, Referral, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_transition
from tests.scope_rules.world import World

pytestmark = pytest.mark.usefixtures("master")


@pytest.fixture
def world(master):
    return World({})


def state(referral):
    row = Referral.objects.get(pk=referral.pk)
    return (row.status, row.outcome, row.topic, row.version, row.events.count())


@pytest.mark.parametrize("refused", ["center_sapporo", "pref_01", "lg_hakodate"])
def test_withdraw_changes_nothing_when_refused(refused, world, client_for, request):
    referral = world.referral_otaru
    before = state(referral)
    response = client_for(request.getfixturevalue(refused)).post(
        reverse("cooperation:referral_withdraw", kwargs={"pk": referral.pk}), {"note": ""}
    )
    assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    assert state(referral) == before


def test_withdraw_and_edit_by_the_town(world, client_for, lg_otaru):
    referral = world.referral_otaru
    client = client_for(lg_otaru)
    edit = {"version": 0, "received_on": world.day.isoformat(), "topic": "tax", "agency": "", "summary": "国税の相談"}
    assert client.post(reverse("cooperation:referral_update", kwargs={"pk": referral.pk}), edit).status_code == 302
    assert state(referral)[2:4] == ("tax", 1)
    client.post(reverse("cooperation:referral_withdraw", kwargs={"pk": referral.pk}), {"note": ""})
    assert state(referral)[:2] == ("closed", "withdrawn")


def test_reopen_by_the_town_and_refused_to_the_prefecture(world, client_for, lg_otaru, pref_01):
    referral = world.referral_otaru
    referral_transition(referral=referral, to_status="closed", outcome="resolved", by=None)
    url = reverse("cooperation:referral_reopen", kwargs={"pk": referral.pk})
    before = state(referral)
    assert client_for(pref_01).post(url, {"reason": "再度"}).status_code == HTTPStatus.FORBIDDEN
    assert state(referral) == before
    assert client_for(lg_otaru).post(url, {"reason": "再度"}).status_code == HTTPStatus.FOUND
    assert state(referral)[:2] == ("in_progress", "")


def test_activity_cancel_through_the_site_reverts_the_stage(world, client_for, center_sapporo, viewer_sapporo):
    activity = world.activity_sapporo
    progress = Progress.objects.get(municipality=world.otaru, item__code="1-1")
    progress_update(progress=progress, stage=Stage.DONE, by=None, effective_date=world.day, activity=activity)
    url = reverse("cooperation:activity_cancel", kwargs={"pk": activity.pk})
    page = client_for(center_sapporo).get(url).content.decode()
    assert 'value="revert"' in page and 'value="keep"' in page
    assert client_for(viewer_sapporo).post(url, {"reason": "x", "stages": "revert"}).status_code == 403
    assert not Activity.all_objects.get(pk=activity.pk).cancelled
    assert client_for(center_sapporo).post(url, {"reason": "誤登録", "stages": "revert"}).status_code == 302
    progress.refresh_from_db()
    assert progress.stage == Stage.NOT_STARTED
    assert ProgressChange.objects.filter(corrects__activity=activity).count() == 1
    detail = client_for(center_sapporo).get(activity.get_absolute_url()).content.decode()
    assert 'id="activity-cancelled"' in detail and 'id="activity-versions"' in detail


def test_activity_edit_through_the_site_keeps_the_version(world, client_for, center_sapporo, center_hakodate):
    activity = world.activity_sapporo
    url = reverse("cooperation:activity_update", kwargs={"pk": activity.pk})
    data = {
        "version": 0,
        "date": activity.date.isoformat(),
        "municipalities": [world.otaru.pk],
        "item": activity.item_id,
        "kind": "briefing",
        "title": "訂正後の題名",
        "summary": "",
        "reason": "題名の誤記",
    }
    assert client_for(center_hakodate).post(url, data).status_code == HTTPStatus.NOT_FOUND
    assert Activity.objects.get(pk=activity.pk).version == 0
    assert client_for(center_sapporo).post(url, data).status_code == HTTPStatus.FOUND
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.title, stored.version, stored.versions.get().data["title"]) == (
        "訂正後の題名",
        1,
        "小樽市 職員向け説明会",
    )


def test_progress_correction_through_the_site(world, client_for, lg_otaru, pref_01):
    progress = Progress.objects.get(municipality=world.otaru, item__code="1-2")
    change = progress_update(progress=progress, stage=Stage.ARRANGING, by=None, effective_date=world.day)
    url = reverse("cooperation:progresschange_correct", kwargs={"pk": change.pk})
    assert client_for(pref_01).post(url, {"stage": "considering", "reason": "誤り"}).status_code == 403
    assert ProgressChange.objects.filter(progress=progress).count() == 1
    assert client_for(lg_otaru).post(url, {"stage": "considering", "reason": "誤り"}).status_code == 302
    progress.refresh_from_db()
    assert progress.stage == Stage.CONSIDERING
    assert ProgressChange.objects.get(corrects=change).note == "誤り"
