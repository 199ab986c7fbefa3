"""Corrections: activities edited or cancelled with their versions kept; correcting stage changes; as-of reports."""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cooperation.activities.corrections import KEEP, REVERT, activity_cancel, activity_update
from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Activity, ActivityVersion, Progress, ProgressChange, RequestItem, Stage
from cooperation.progress.corrections import progress_correct
from cooperation.progress.services import progress_update
from offices.models import AuditEvent, Office

pytestmark = pytest.mark.usefixtures("master")


def days_ago(days):
    return today() - datetime.timedelta(days=days)


def briefing(otaru, by=None, *, advance=True, day=None, **extra):
    values = {
        "office": Office.objects.get(code="sapporo"),
        "item": RequestItem.objects.get(code="1-1"),
        "kind": "briefing",
        "date": day or days_ago(20),
        "title": "小樽市 職員向け説明会",
        "summary": "",
    }
    values.update(extra)
    return activity_create(by=by, municipalities=[otaru], advance=[otaru] if advance else (), **values)


def briefing_progress(otaru):
    return Progress.objects.get(municipality=otaru, item__code="1-1")


def stage_on(progress, day):
    return Progress.objects.with_stage_as_of(day).get(pk=progress.pk).stage_as_of


def test_cancelling_a_wrong_activity_reverts_its_stage_by_a_correcting_change(otaru, center_sapporo):
    progress = briefing_progress(otaru)
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo, effective_date=days_ago(40))
    activity = briefing(otaru, center_sapporo)
    wrong = ProgressChange.objects.get(activity=activity)
    assert stage_on(progress, days_ago(10)) == Stage.DONE

    activity_cancel(activity=activity, by=center_sapporo, reason="別の町の説明会を誤って登録", stages=REVERT)

    progress.refresh_from_db()
    assert (progress.stage, progress.stage_date) == (Stage.CONSIDERING, days_ago(20))
    correction = ProgressChange.objects.get(corrects=wrong)
    assert (correction.from_stage, correction.to_stage, correction.effective_date) == (
        Stage.DONE,
        Stage.CONSIDERING,
        days_ago(20),
    )
    assert "別の町の説明会を誤って登録" in correction.note
    # The history keeps both, in order; the wrong change itself is untouched.
    assert list(progress.changes.chronological().values_list("to_stage", "corrects")) == [
        (Stage.CONSIDERING, None),
        (Stage.DONE, None),
        (Stage.CONSIDERING, wrong.pk),
    ]
    assert ProgressChange.objects.get(pk=wrong.pk).to_stage == Stage.DONE
    # Reports as of dates before, on and after the wrong change.
    assert stage_on(progress, days_ago(21)) == Stage.CONSIDERING
    assert stage_on(progress, days_ago(20)) == Stage.CONSIDERING
    assert stage_on(progress, days_ago(1)) == Stage.CONSIDERING
    cancelled = Activity.all_objects.get(pk=activity.pk)
    assert cancelled.cancelled and not Activity.objects.filter(pk=activity.pk).exists()
    assert cancelled.versions.get().change == ActivityVersion.Change.CANCELLED


def test_as_of_counts_before_the_wrong_change_are_unchanged_by_the_correction(otaru, center_sapporo):
    activity = briefing(otaru, center_sapporo)
    before = Progress.objects.filter(pk=briefing_progress(otaru).pk).stage_counts_as_of(days_ago(21))
    after = Progress.objects.filter(pk=briefing_progress(otaru).pk).stage_counts_as_of(days_ago(5))
    assert (before, after) == ({"1-1": {Stage.NOT_STARTED: 1}}, {"1-1": {Stage.DONE: 1}})
    activity_cancel(activity=activity, by=center_sapporo, reason="誤登録", stages=REVERT)
    rows = Progress.objects.filter(pk=briefing_progress(otaru).pk)
    assert rows.stage_counts_as_of(days_ago(21)) == before
    assert rows.stage_counts_as_of(days_ago(5)) == {"1-1": {Stage.NOT_STARTED: 1}}


def test_the_prefecture_report_as_of_a_past_date_shows_the_corrected_stage(otaru, center_sapporo, client_for, hq):
    activity = briefing(otaru, center_sapporo)
    url = reverse("cooperation:prefecture_report", kwargs={"code": "01"}) + "?item=1-1&as_of=" + days_ago(5).isoformat()

    def otaru_cell():
        matrix = client_for(hq).get(url).context["matrix"]
        row = next(row for row in matrix.rows if row.lg_code == otaru.lg_code)
        return row.cells[0].stage

    assert otaru_cell() == Stage.DONE
    activity_cancel(activity=activity, by=center_sapporo, reason="誤登録", stages=REVERT)
    assert otaru_cell() == Stage.NOT_STARTED


def test_the_municipality_history_shows_the_correction_and_the_corrected_change(otaru, center_sapporo, client_for):
    activity = briefing(otaru, center_sapporo)
    activity_cancel(activity=activity, by=center_sapporo, reason="誤登録", stages=REVERT)
    html = client_for(center_sapporo).get(otaru.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = html.split('id="history-heading"')[1].split("</section>")[0]
    assert "Correction" in history and "Corrected by a later correcting change." in history
    assert "誤登録" in history


def test_cancelling_and_keeping_the_stages_needs_a_note_and_changes_no_stage(otaru, center_sapporo):
    activity = briefing(otaru, center_sapporo)
    with pytest.raises(ValidationError):
        activity_cancel(activity=activity, by=center_sapporo, reason="日付の誤り", stages=KEEP)
    assert not Activity.all_objects.get(pk=activity.pk).cancelled
    activity_cancel(activity=activity, by=center_sapporo, reason="日付の誤り", stages=KEEP, note="説明会自体は実施済み")
    assert briefing_progress(otaru).stage == Stage.DONE
    assert not ProgressChange.objects.filter(corrects__isnull=False).exists()
    assert "説明会自体は実施済み" in Activity.all_objects.get(pk=activity.pk).versions.get().stages


def test_revert_is_refused_when_a_later_change_replaced_the_stage(otaru, center_sapporo):
    activity = briefing(otaru, center_sapporo)
    progress_update(progress=briefing_progress(otaru), stage=Stage.ESTABLISHED, by=center_sapporo)
    with pytest.raises(ValidationError, match="later change|置き換え"):
        activity_cancel(activity=activity, by=center_sapporo, reason="誤登録", stages=REVERT)
    assert not Activity.all_objects.get(pk=activity.pk).cancelled
    assert briefing_progress(otaru).stage == Stage.ESTABLISHED


def test_cancel_is_refused_to_another_center_and_to_viewers(otaru, center_sapporo, center_hakodate, viewer_sapporo):
    activity = briefing(otaru, center_sapporo)
    for user in (center_hakodate, viewer_sapporo):
        with pytest.raises(PermissionDenied, match="activity.correct"):
            activity_cancel(activity=activity, by=user, reason="x", stages=REVERT)
    assert not Activity.all_objects.get(pk=activity.pk).cancelled


def test_editing_keeps_the_previous_version_and_is_audited(otaru, center_sapporo):
    activity = briefing(otaru, center_sapporo, advance=False, attendees=12)
    activity_update(
        activity=activity,
        by=center_sapporo,
        reason="人数の誤記",
        expected_version=0,
        attendees=21,
        title="説明会（訂正）",
    )
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.attendees, stored.title, stored.version) == (21, "説明会（訂正）", 1)
    version = stored.versions.get()
    assert (version.data["attendees"], version.data["title"], version.reason) == (
        12,
        "小樽市 職員向け説明会",
        "人数の誤記",
    )
    audit = AuditEvent.objects.get(action="activity_corrected")
    assert (audit.actor, audit.detail["fields"]) == (center_sapporo, ["attendees", "title"])
    with pytest.raises(ValidationError):
        activity_update(activity=activity, by=center_sapporo, reason="再訂正", expected_version=0, attendees=5)
    assert Activity.objects.get(pk=activity.pk).attendees == 21


def test_editing_an_evidence_away_from_its_item_is_refused(otaru, center_sapporo):
    activity = briefing(otaru, center_sapporo)
    with pytest.raises(ValidationError, match="Cancel it instead|取り消"):
        activity_update(
            activity=activity,
            by=center_sapporo,
            reason="項目の誤り",
            item=RequestItem.objects.get(code="1-2"),
            kind="pr_article",
        )
    assert Activity.objects.get(pk=activity.pk).item.code == "1-1"


def test_correcting_a_stage_change_names_it_and_keeps_it(otaru, center_sapporo):
    progress = briefing_progress(otaru)
    wrong = progress_update(progress=progress, stage=Stage.ARRANGING, by=center_sapporo, effective_date=days_ago(9))
    correction = progress_correct(change=wrong, by=center_sapporo, reason="検討中の誤り", stage=Stage.CONSIDERING)
    assert (correction.corrects, correction.to_stage, correction.effective_date) == (wrong, "considering", days_ago(9))
    assert stage_on(progress, days_ago(10)) == Stage.NOT_STARTED
    assert stage_on(progress, days_ago(9)) == Stage.CONSIDERING
    with pytest.raises(ValidationError):
        progress_correct(change=wrong, by=center_sapporo, reason="二重")
    assert ProgressChange.objects.filter(progress=progress).count() == 2


def test_a_correction_needs_a_reason(otaru, center_sapporo):
    wrong = progress_update(progress=briefing_progress(otaru), stage=Stage.DONE, by=center_sapporo)
    with pytest.raises(ValidationError):
        progress_correct(change=wrong, by=center_sapporo, reason="")
    assert briefing_progress(otaru).stage == Stage.DONE


def test_correction_recorded_after_a_year_closed_is_listed_as_an_adjustment(otaru, center_sapporo):
    wrong = progress_update(progress=briefing_progress(otaru), stage=Stage.DONE, by=center_sapporo)
    closed = timezone.now()
    correction = progress_correct(change=wrong, by=center_sapporo, reason="誤り")
    adjustments = ProgressChange.objects.adjustments(day=today(), recorded_after=closed)
    assert list(adjustments) == [correction]
    assert not ProgressChange.objects.adjustments(day=today(), recorded_after=timezone.now()).exists()


def test_moving_a_stage_backwards_needs_a_reason(otaru, center_sapporo):
    progress = briefing_progress(otaru)
    progress_update(progress=progress, stage=Stage.DONE, by=center_sapporo, effective_date=days_ago(3))
    with pytest.raises(ValidationError, match="reason|理由"):
        progress_update(progress=progress, stage=Stage.NOT_STARTED, by=center_sapporo)
    assert briefing_progress(otaru).stage == Stage.DONE
    progress_update(progress=progress, stage=Stage.NOT_STARTED, by=center_sapporo, note="調査票の誤記")
    assert briefing_progress(otaru).stage == Stage.NOT_STARTED


def test_an_award_is_not_evidence_of_disaster_preparedness(otaru, center_sapporo):
    with pytest.raises(ValidationError, match="2-4"):
        briefing(otaru, center_sapporo, item=RequestItem.objects.get(code="2-4"), kind="award")
    assert not Activity.all_objects.exists()


def test_an_activity_names_local_governments_of_several_centers_and_each_sees_it(
    otaru, hakodate_city, bureau_hokkaido, center_sapporo, center_hakodate
):
    activity = activity_create(
        by=bureau_hokkaido,
        municipalities=[otaru, hakodate_city],
        office=Office.objects.get(code="sapporo"),
        item=RequestItem.objects.get(code="2-4"),
        kind="disaster",
        date=days_ago(2),
        title="北海道 防災連絡会議",
        summary="",
    )
    assert Activity.objects.visible_to(center_sapporo).filter(pk=activity.pk).exists()
    assert Activity.objects.visible_to(center_hakodate).filter(pk=activity.pk).exists()


def test_the_also_move_to_done_box_is_not_ticked_by_default(client_for, center_sapporo):
    response = client_for(center_sapporo).get(reverse("cooperation:activity_create") + "?office=sapporo")
    assert response.status_code == HTTPStatus.OK
    assert 'name="advance"' in response.content.decode()
    assert "checked" not in response.content.decode().split('name="advance"')[1].split(">")[0]


def _year_counts():
    from cooperation import fiscal
    from cooperation.models import Referral
    from cooperation.reporting import rollups as reports

    return reports.fiscal_year_counts(
        activities=Activity.objects.all(), referrals=Referral.objects.all(), year=fiscal.fiscal_year(today())
    )


def _by_kind(counts):
    return {entry.kind: entry.count for entry in counts.activities if entry.count}


def test_editing_the_kind_moves_the_activity_in_the_yearly_counts_and_cancelling_removes_it(otaru, center_sapporo):
    activity = briefing(otaru, center_sapporo, advance=False, day=today())
    assert _by_kind(_year_counts()) == {"briefing": 1}
    activity_update(activity=activity, by=center_sapporo, reason="種類の誤り", kind="other")
    assert _by_kind(_year_counts()) == {"other": 1}
    activity_cancel(activity=activity, by=center_sapporo, reason="重複登録")
    assert _by_kind(_year_counts()) == {}
    assert Activity.all_objects.get(pk=activity.pk).versions.count() == 2


def test_redaction_leaves_the_yearly_referral_counts_unchanged(otaru, center_sapporo, settings):
    from cooperation.models import Referral
    from cooperation.referrals.retention import referrals_redact
    from cooperation.referrals.services import referral_create, referral_transition

    settings.REFERRAL_RETENTION_DAYS = 0
    referral = referral_create(by=None, municipality=otaru, received_on=today(), topic="tax", summary="国税の相談")
    referral_transition(referral=referral, to_status="closed", outcome="resolved", by=center_sapporo)
    before = _year_counts()
    assert referrals_redact(now=timezone.now() + datetime.timedelta(seconds=1)) == 1
    assert Referral.objects.get(pk=referral.pk).summary == ""
    assert _year_counts() == before
    assert (before.referrals_opened, before.referrals_closed) == (1, 1)


def test_the_history_list_and_its_download_name_the_correction(otaru, center_sapporo, client_for, hq):
    wrong = progress_update(progress=briefing_progress(otaru), stage=Stage.DONE, by=center_sapporo)
    progress_correct(change=wrong, by=center_sapporo, reason="誤り")
    url = reverse("cooperation:progresschange_list") + "?item=1-1"
    html = client_for(hq).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Correction of the change of" in html
    download = client_for(hq).get(url + "&_export=csv").content.decode("utf-8-sig")
    assert "の変更の訂正" in download or "Correction of the change of" in download
