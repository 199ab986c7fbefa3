"""The local government page (/municipalities/<lg_code>/) and its stage-update forms."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import ImportBatch, Progress, ProgressChange, Stage
from cooperation.progress.services import StageChange, progress_update, progress_update_many
from cooperation.progress.views import RECENT_LIMIT
from cooperation.referrals.services import referral_create

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def page(municipality):
    return reverse("cooperation:municipality_detail", kwargs={"lg_code": municipality.lg_code})


def update_url(municipality, code="1-1"):
    return reverse("cooperation:progress_update", kwargs={"lg_code": municipality.lg_code, "item": code})


def progress_of(municipality, code="1-1"):
    return Progress.objects.get(municipality=municipality, item__code=code)


def stage_post(progress, stage, *, on=None, note=""):
    return {
        "version": progress.version,
        "stage": stage,
        "effective_date": (on or today()).isoformat(),
        "note": note,
    }


def move(municipality, code, stage, *, days_ago=0, by=None, note=""):
    return progress_update(
        progress=progress_of(municipality, code),
        stage=stage,
        by=by,
        effective_date=today() - datetime.timedelta(days=days_ago),
        note=note,
    )


def test_page_shows_every_applicable_item_with_its_stage_badge(otaru, client_for, center_sapporo):
    move(otaru, "2-1", Stage.CONSIDERING)
    html = client_for(center_sapporo).get(page(otaru)).content.decode()
    rows = re.findall(r'<tr id="item-([0-9-]+)">', html)
    assert rows == ["1-1", "1-2", "2-1", "2-2", "2-3", "2-4", "2-5", "3-1", "3-2"]
    item_row = html.split('id="item-2-1"')[1].split("</tr>")[0]
    assert "stage-considering" in item_row


def test_page_of_prefectural_government_includes_relay_item(hokkaido_government, client_for, pref_01):
    html = client_for(pref_01).get(page(hokkaido_government)).content.decode()
    assert 'id="item-0-1"' in html
    assert 'id="update-0-1"' in html


def test_page_shows_who_changed_an_item_last_and_when(otaru, client_for, center_sapporo):
    move(otaru, "1-2", Stage.DONE, days_ago=3, by=center_sapporo)
    html = client_for(center_sapporo).get(page(otaru)).content.decode()
    item_row = html.split('id="item-1-2"')[1].split("</tr>")[0]
    effective = today() - datetime.timedelta(days=3)
    assert f"{effective.year}年{effective.month}月{effective.day}日" in item_row
    assert "center-sapporo" in item_row


def test_history_is_newest_first_with_evidence_links(otaru, client_for, center_sapporo, master):
    move(otaru, "1-2", Stage.CONSIDERING, days_ago=20)
    activity = activity_create(
        by=None,
        municipalities=[otaru],
        advance=[otaru],
        office=otaru.office,
        item=progress_of(otaru, "1-1").item,
        kind="briefing",
        date=today() - datetime.timedelta(days=10),
        title="小樽市 職員向け説明会",
        summary="",
    )
    referral = referral_create(
        by=None,
        municipality=otaru,
        received_on=today() - datetime.timedelta(days=5),
        topic="pension",
        summary="年金の相談",
    )
    batch = ImportBatch.objects.create(file_name="survey-2026.xlsx", sha256="0" * 64)
    progress_update_many(
        changes=[StageChange(progress_of(otaru, "3-1"), Stage.ARRANGING, today())],
        by=None,
        import_batch=batch,
    )
    html = client_for(center_sapporo).get(page(otaru)).content.decode()
    timeline = html.split('id="history-heading"')[1].split('id="activities-heading"')[0]
    links = re.findall(r'href="(/(?:activities|referrals|imports)/\d+/)"', timeline)
    assert links == [batch.get_absolute_url(), referral.get_absolute_url(), activity.get_absolute_url()]
    oldest = '<span class="work-code">1-2</span>'
    assert timeline.index(oldest) > timeline.index(activity.get_absolute_url())


def test_history_shows_from_and_to_stages_and_note(otaru, client_for, center_sapporo):
    move(otaru, "2-4", Stage.NOT_FEASIBLE, note="防災担当が不在のため")
    timeline = client_for(center_sapporo).get(page(otaru)).content.decode().split('id="history-heading"')[1]
    timeline = timeline.split('id="activities-heading"')[0]
    assert "stage-not_started" in timeline
    assert "stage-not_feasible" in timeline
    assert "防災担当が不在のため" in timeline


def test_activities_and_referrals_of_the_municipality_are_listed(otaru, hakodate_city, client_for, lg_otaru):
    item = progress_of(otaru).item
    mine = activity_create(
        by=None,
        municipalities=[otaru],
        office=otaru.office,
        item=item,
        kind="briefing",
        date=today(),
        title="小樽市 説明会",
    )
    other = activity_create(
        by=None,
        municipalities=[hakodate_city],
        office=hakodate_city.office,
        item=item,
        kind="briefing",
        date=today(),
        title="函館市 説明会",
    )
    referral = referral_create(by=None, municipality=otaru, received_on=today(), topic="tax", summary="国税の相談")
    html = client_for(lg_otaru).get(page(otaru)).content.decode()
    assert mine.get_absolute_url() in html
    assert other.get_absolute_url() not in html
    assert referral.get_absolute_url() in html


def test_stage_forms_shown_to_those_who_may_change(otaru, client_for, lg_otaru):
    html = client_for(lg_otaru).get(page(otaru)).content.decode()
    assert len(re.findall(r'<form[^>]* class="work-stage-form', html)) == 9
    assert 'name="version"' in html


@pytest.mark.parametrize("role", ["pref_01", "viewer_sapporo", "viewer_hq"])
def test_stage_forms_hidden_from_those_who_only_see(role, otaru, client_for, request):
    response = client_for(request.getfixturevalue(role)).get(page(otaru))
    assert response.status_code == HTTPStatus.OK
    assert "work-stage-form" not in response.content.decode()


def test_relay_item_not_offered_to_a_municipality(otaru, client_for, hq):
    html = client_for(hq).get(page(otaru)).content.decode()
    assert "update-0-1" not in html
    assert update_url(otaru, "1-1") in html
    assert update_url(otaru, "0-1") not in html


def test_relay_item_update_for_a_municipality_is_not_found(otaru, client_for, hq):
    response = client_for(hq).post(
        update_url(otaru, "0-1"),
        {"version": 0, "stage": Stage.DONE, "effective_date": today().isoformat(), "note": ""},
    )
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_stage_update_goes_through_the_service_and_leaves_history(otaru, client_for, lg_otaru):
    progress = progress_of(otaru, "1-2")
    day = today() - datetime.timedelta(days=7)
    response = client_for(lg_otaru).post(
        update_url(otaru, "1-2"), stage_post(progress, Stage.DONE, on=day, note="広報誌6月号に掲載")
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == page(otaru) + "#item-1-2"
    progress.refresh_from_db()
    assert (progress.stage, progress.stage_date, progress.version, progress.updated_by) == (
        Stage.DONE,
        day,
        1,
        lg_otaru,
    )
    change = ProgressChange.objects.get(progress=progress)
    assert (change.from_stage, change.to_stage, change.effective_date, change.recorded_by, change.note) == (
        Stage.NOT_STARTED,
        Stage.DONE,
        day,
        lg_otaru,
        "広報誌6月号に掲載",
    )


def test_stage_update_conflict_is_refused_with_the_newer_value(otaru, client_for, lg_otaru, center_sapporo):
    progress = progress_of(otaru, "2-1")
    stale = stage_post(progress, Stage.DONE)
    move(otaru, "2-1", Stage.ARRANGING, by=center_sapporo)
    response = client_for(lg_otaru).post(update_url(otaru, "2-1"), stale, **ENGLISH)
    assert response.status_code == HTTPStatus.CONFLICT
    html = response.content.decode()
    errors = html.split('id="update-errors"')[1].split("</div>")[0]
    assert "center-sapporo" in errors
    assert "Arranging" in errors
    form = html.split('id="update-2-1"')[1].split("</form>")[0]
    assert 'name="version" value="1"' in form
    progress.refresh_from_db()
    assert progress.stage == Stage.ARRANGING
    assert ProgressChange.objects.filter(progress=progress).count() == 1


def test_resubmitting_after_a_conflict_saves_deliberately(otaru, client_for, lg_otaru, center_sapporo):
    progress = progress_of(otaru, "2-1")
    stale = stage_post(progress, Stage.DONE)
    move(otaru, "2-1", Stage.ARRANGING, by=center_sapporo)
    client = client_for(lg_otaru)
    client.post(update_url(otaru, "2-1"), stale)
    response = client.post(update_url(otaru, "2-1"), {**stale, "version": 1})
    assert response.status_code == HTTPStatus.FOUND
    assert progress_of(otaru, "2-1").stage == Stage.DONE


def test_not_feasible_without_a_reason_shows_the_error(otaru, client_for, lg_otaru):
    progress = progress_of(otaru, "2-4")
    response = client_for(lg_otaru).post(
        update_url(otaru, "2-4"), stage_post(progress, Stage.NOT_FEASIBLE, note="  "), **ENGLISH
    )
    assert response.status_code == HTTPStatus.OK
    form = response.content.decode().split('id="update-2-4"')[1].split("</form>")[0]
    assert "needs a reason" in form
    assert progress_of(otaru, "2-4").stage == Stage.NOT_STARTED


def test_not_feasible_with_a_reason_is_saved(otaru, client_for, lg_otaru):
    progress = progress_of(otaru, "2-4")
    client_for(lg_otaru).post(update_url(otaru, "2-4"), stage_post(progress, Stage.NOT_FEASIBLE, note="担当不在"))
    progress.refresh_from_db()
    assert (progress.stage, progress.note) == (Stage.NOT_FEASIBLE, "担当不在")


def test_future_effective_date_is_refused(otaru, client_for, lg_otaru):
    progress = progress_of(otaru)
    tomorrow = today() + datetime.timedelta(days=1)
    response = client_for(lg_otaru).post(update_url(otaru), stage_post(progress, Stage.DONE, on=tomorrow))
    assert response.status_code == HTTPStatus.OK
    assert response.context["bound"].errors["effective_date"]
    assert progress_of(otaru).stage == Stage.NOT_STARTED


def test_stage_update_by_an_officer_who_only_sees_is_forbidden(otaru, client_for, pref_01):
    progress = progress_of(otaru)
    response = client_for(pref_01).post(update_url(otaru), stage_post(progress, Stage.DONE))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert progress_of(otaru).stage == Stage.NOT_STARTED


def test_stage_update_out_of_scope_is_not_found(otaru, client_for, center_hakodate):
    response = client_for(center_hakodate).post(update_url(otaru), stage_post(progress_of(otaru), Stage.DONE))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_stage_form_is_keyboard_usable(otaru, client_for, lg_otaru):
    form = client_for(lg_otaru).get(page(otaru)).content.decode().split('id="update-1-1"')[1].split("</form>")[0]
    for name in ("stage", "effective_date", "note"):
        field_id = f"id_p{progress_of(otaru).pk}_{name}"
        assert f'for="{field_id}"' in form
        assert f'id="{field_id}"' in form
    assert 'type="date"' in form
    assert "tabindex" not in form
    assert form.index("_stage") < form.index("_effective_date") < form.index("_note") < form.index("<button")


def _busy(municipality, *, activities, referrals):
    item = progress_of(municipality).item
    for number in range(activities):
        activity_create(
            by=None,
            municipalities=[municipality],
            office=municipality.office,
            item=item,
            kind="briefing",
            date=today() - datetime.timedelta(days=number),
            title=f"説明会 {number}",
            files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")],
        )
    for number in range(referrals):
        referral_create(
            by=None,
            municipality=municipality,
            received_on=today() - datetime.timedelta(days=number),
            topic="tax",
            summary="国税の相談",
        )
    for code, stage in (("1-2", Stage.CONSIDERING), ("2-1", Stage.ARRANGING), ("3-1", Stage.DONE)):
        move(municipality, code, stage)


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(context)


def test_page_runs_a_bounded_number_of_queries(otaru, hakodate_city, client_for, hq, django_assert_max_num_queries):
    _busy(otaru, activities=1, referrals=1)
    _busy(hakodate_city, activities=8, referrals=6)
    client = client_for(hq)
    client.get(page(otaru))
    with django_assert_max_num_queries(17):
        client.get(page(hakodate_city))
    assert _queries(client, page(otaru)) == _queries(client, page(hakodate_city))


def test_history_shows_the_latest_changes_and_links_to_the_whole_history(
    otaru, hakodate_city, client_for, center_sapporo, hq
):
    ladder = [Stage.CONSIDERING, Stage.ARRANGING, Stage.DONE]
    total = RECENT_LIMIT + 3
    for step in range(total):
        move(otaru, ["1-1", "1-2", "2-1"][step % 3], ladder[(step // 3) % 3], days_ago=100 - step, note=f"変更{step}")
    move(hakodate_city, "1-1", Stage.CONSIDERING, note="函館の変更")
    html = client_for(center_sapporo).get(page(otaru)).content.decode()
    timeline = html.split('id="history-heading"')[1].split('id="activities-heading"')[0]
    assert timeline.count("<li>") == RECENT_LIMIT
    assert f"変更{total - 1}<" in timeline and "変更2<" not in timeline  # newest first, the three oldest left out
    assert f"変更{total}件のうち最新の{RECENT_LIMIT}件です。" in timeline
    link = f"/history/?municipality={otaru.lg_code}"
    assert link in timeline
    listed = client_for(hq).get(link).content.decode()
    assert "変更0" in listed and "函館の変更" not in listed


def test_history_of_a_few_changes_has_no_link_to_more(otaru, client_for, center_sapporo):
    move(otaru, "1-1", Stage.CONSIDERING)
    timeline = client_for(center_sapporo).get(page(otaru)).content.decode().split('id="history-heading"')[1]
    assert "/history/?municipality=" not in timeline.split('id="activities-heading"')[0]


def test_activities_show_the_latest_with_a_link_to_every_activity_of_the_local_government(
    otaru, client_for, center_sapporo
):
    _busy(otaru, activities=RECENT_LIMIT + 2, referrals=0)
    html = client_for(center_sapporo).get(page(otaru)).content.decode()
    section = html.split('id="activities-heading"')[1].split("</section>")[0]
    assert section.count("説明会 ") == RECENT_LIMIT
    link = f"/activities/?municipality={otaru.lg_code}"
    assert link in section
    listed = client_for(center_sapporo).get(link).content.decode()
    assert f"説明会 {RECENT_LIMIT + 1}" in listed
