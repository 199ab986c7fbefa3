"""A prefecture records this year's 0-1 relay, with or without a change of stage (issue 17)."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.fiscal import today
from cooperation.models import Progress, ProgressChange, Stage
from cooperation.progress.services import progress_update
from cooperation.relay.models import RelayRecord

pytestmark = pytest.mark.usefixtures("master")

URL = reverse("cooperation:relay_record_create", args=["01"])


def test_prefecture_records_a_relay_without_a_stage_change(client_for, pref_01, hokkaido_government):
    progress = Progress.objects.get(municipality=hokkaido_government, item__code="0-1")
    progress_update(progress=progress, stage=Stage.ESTABLISHED, by=None)
    day = today() - datetime.timedelta(days=3)
    response = client_for(pref_01).post(
        URL,
        {"relayed_on": day.isoformat(), "notice_number": "総行政第12号", "note": "全市町村へ通知", "mark_done": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND
    record = RelayRecord.objects.get()
    assert (record.municipality, record.relayed_on, record.notice_number, record.recorded_by) == (
        hokkaido_government,
        day,
        "総行政第12号",
        pref_01,
    )
    progress.refresh_from_db()
    assert progress.stage == Stage.ESTABLISHED
    assert ProgressChange.objects.filter(progress=progress).count() == 1
    page = client_for(pref_01).get(reverse("cooperation:prefecture_report", args=["01"]))
    assert "総行政第12号" in page.content.decode()


def test_relay_can_move_zero_one_to_done(client_for, pref_01, hokkaido_government):
    client_for(pref_01).post(URL, {"relayed_on": today().isoformat(), "mark_done": "on"})
    progress = Progress.objects.get(municipality=hokkaido_government, item__code="0-1")
    assert progress.stage == Stage.DONE
    assert ProgressChange.objects.get(progress=progress).recorded_by == pref_01


def test_relay_in_the_future_is_refused(client_for, pref_01):
    day = today() + datetime.timedelta(days=1)
    response = client_for(pref_01).post(URL, {"relayed_on": day.isoformat()})
    assert response.status_code == HTTPStatus.OK
    assert 'class="work-form-errors error-summary"' in response.content.decode()
    assert not RelayRecord.objects.exists()


def test_municipal_officer_may_not_record_the_relay(client_for, lg_otaru):
    response = client_for(lg_otaru).post(URL, {"relayed_on": today().isoformat()})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not RelayRecord.objects.exists()


def test_viewer_may_not_record_the_relay(client_for, viewer_sapporo):
    response = client_for(viewer_sapporo).post(URL, {"relayed_on": today().isoformat()})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not RelayRecord.objects.exists()


def test_prefecture_page_with_relay_panel_query_count(client_for, pref_01, django_assert_max_num_queries):
    client = client_for(pref_01)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("cooperation:prefecture_report", args=["01"]))
    assert 'id="relay"' in response.content.decode()
    assert URL in response.content.decode()
