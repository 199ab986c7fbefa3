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


def test_cached_panel_shows_a_new_relay_and_a_new_stage_on_the_next_request_and_its_form_works(
    pref_01, hokkaido_government, otaru, settings
):
    """The panel is kept as markup (issue 18): its CSRF token is each viewer's own, its records and stage current."""
    import re

    from django.test import Client

    settings.ROLLUP_CACHE = True
    client = Client(enforce_csrf_checks=True)
    client.force_login(pref_01)
    report = reverse("cooperation:prefecture_report", args=["01"])

    def panel():
        html = client.get(report).content.decode()
        return html[html.index('id="relay"') : html.index("</section>", html.index('id="relay"'))]

    first = panel()
    assert "relay-missing" in first and "stage-not_started" in first.split("relay-records")[0]
    assert panel().count("<tr>") == first.count("<tr>")  # from the cache
    # Another local government's change leaves the panel's entry alone; the government's own 0-1 is shown at once.
    progress_update(progress=Progress.objects.get(municipality=otaru, item__code="1-1"), stage=Stage.DONE, by=None)
    progress_update(
        progress=Progress.objects.get(municipality=hokkaido_government, item__code="0-1"),
        stage=Stage.ARRANGING,
        by=None,
    )
    assert "stage-arranging" in panel()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', panel()).group(1)
    response = client.post(
        URL, {"csrfmiddlewaretoken": token, "relayed_on": today().isoformat(), "notice_number": "第7号"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert RelayRecord.objects.filter(notice_number="第7号").exists()
    shown = panel()
    assert "第7号" in shown and "relay-missing" not in shown
