"""The daily digest (send_digests): contents per scope, stalled items, old open referrals, reminders."""

import datetime

import pytest
from django.core.management import call_command

from cooperation.activities.services import activity_create
from cooperation.fiscal import format_date, today
from cooperation.models import Notification, Progress, Referral, RequestItem, Stage
from cooperation.notifications import kinds
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create
from offices.models import Office
from tests.cooperation.notification_helpers import with_address

pytestmark = pytest.mark.django_db

SUMMARY = "佐藤花子さんの相談内容"


def set_stage(municipality, code, stage, days_ago):
    Progress.objects.filter(municipality=municipality, item__code=code).update(
        stage=stage, stage_date=today() - datetime.timedelta(days=days_ago)
    )


def file_referral(municipality, days_ago, by=None):
    return referral_create(
        by=by,
        municipality=municipality,
        received_on=today() - datetime.timedelta(days=days_ago),
        topic="tax",
        summary=SUMMARY,
    )


def send_digests(run_worker):
    run_worker()  # the notifications of the day's events are written
    call_command("send_digests", stdout=open("/dev/null", "w"))
    run_worker()


@pytest.fixture
def scene(otaru, hakodate_city):
    set_stage(otaru, "1-1", Stage.CONSIDERING, 400)  # stalled
    set_stage(otaru, "1-2", Stage.ARRANGING, 100)  # started recently: not stalled
    set_stage(otaru, "2-1", Stage.NOT_STARTED, 800)  # never started: not stalled
    set_stage(otaru, "2-2", Stage.DONE, 800)  # done: not stalled
    set_stage(hakodate_city, "1-1", Stage.CONSIDERING, 500)  # stalled, served by 函館
    old = file_referral(otaru, 30)
    Referral.objects.filter(pk=old.pk).update(received_on=today() - datetime.timedelta(days=30))
    file_referral(otaru, 3)
    file_referral(hakodate_city, 40)
    return old


def test_center_digest_lists_its_scope_only(smtp, run_worker, scene, center_sapporo, center_hakodate, lg_otaru, otaru):
    with_address(center_sapporo, center_hakodate)
    progress_update(
        progress=Progress.objects.get(municipality=otaru, item__code="3-1"), stage=Stage.CONSIDERING, by=lg_otaru
    )
    smtp.received.clear()
    send_digests(run_worker)

    [digest] = smtp.to("center-sapporo@example.jp")
    body = digest.body
    assert "まとめ" in digest.subject
    assert "停滞している項目 1件" in body
    assert "小樽市 1-1: 検討中" in body
    assert "小樽市 1-2" not in body.split("停滞している項目")[1]
    assert "未完了の回付 1件" in body
    assert f"小樽市 {format_date(today() - datetime.timedelta(days=30))}" in body
    assert "担当範囲の段階の変更 2件" in body  # the first referral moved 2-3 to 実施, and the officer moved 3-1
    assert "小樽市 3-1: 未着手 → 検討中" in body
    assert "函館市" not in body
    assert SUMMARY not in body and "佐藤" not in body
    assert "https://cooperation.example.jp/municipalities/012033/" in body
    [hakodate] = smtp.to("center-hakodate@example.jp")
    assert "函館市 1-1: 検討中" in hakodate.body and "小樽市" not in hakodate.body


def test_prefecture_digest_covers_the_prefecture(smtp, run_worker, scene, pref_01):
    with_address(pref_01)
    send_digests(run_worker)
    body = smtp.to("pref-01@example.jp")[0].body
    assert "停滞している項目 2件" in body
    assert "小樽市 1-1" in body and "函館市 1-1" in body


def test_nothing_to_say_sends_no_digest(smtp, run_worker, lg_hakodate, master):
    with_address(lg_hakodate)
    send_digests(run_worker)
    assert smtp.received == []


def test_digest_opt_out_leaves_only_the_chosen_notifications(smtp, run_worker, scene, center_sapporo):
    from cooperation.notifications.services import preference_update

    with_address(center_sapporo)
    preference_update(user=center_sapporo, deliveries={}, digest=False, language="ja")
    send_digests(run_worker)
    assert smtp.received == []


def test_officer_gets_the_notifications_chosen_for_the_digest(smtp, run_worker, lg_otaru, center_sapporo, otaru):
    with_address(lg_otaru)
    activity_create(
        by=center_sapporo,
        municipalities=[otaru],
        date=today() - datetime.timedelta(days=1),
        office=Office.objects.get(code="sapporo"),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        title="小樽市 職員向け説明会",
    )
    run_worker()
    assert smtp.received == [], "activities come in the digest by default"
    send_digests(run_worker)
    [digest] = smtp.to("lg-otaru@example.jp")
    assert "小樽市について活動「小樽市 職員向け説明会」" in digest.body
    assert "停滞" not in digest.body, "officers get no scope summary"
    smtp.received.clear()
    send_digests(run_worker)
    assert smtp.received == [], "a notification comes in one digest only"


def test_follow_up_reminder_is_sent_once(smtp, run_worker, center_sapporo, center_hakodate, otaru):
    with_address(center_sapporo, center_hakodate)
    activity = activity_create(
        by=None,
        municipalities=[otaru],
        date=today() - datetime.timedelta(days=10),
        office=Office.objects.get(code="sapporo"),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        title="小樽市 職員向け説明会",
        follow_up_on=today(),
    )
    send_digests(run_worker)
    send_digests(run_worker)
    reminders = Notification.objects.filter(kind=kinds.FOLLOW_UP_DUE)
    assert [(n.recipient, n.url) for n in reminders] == [(center_sapporo, activity.get_absolute_url())]
    mails = [mail for mail in smtp.to("center-sapporo@example.jp") if "フォローアップ" in mail.subject]
    assert len(mails) == 1
    assert smtp.to("center-hakodate@example.jp") == []


def test_send_digests_enqueue_puts_the_run_on_the_queue(smtp, run_worker, scene, center_sapporo):
    from django_tasks_db.models import DBTaskResult

    with_address(center_sapporo)
    call_command("send_digests", "--enqueue", stdout=open("/dev/null", "w"))
    assert DBTaskResult.objects.filter(task_path="cooperation.notifications.tasks.send_digests").count() == 1
    assert smtp.received == []
    run_worker()
    assert len(smtp.to("center-sapporo@example.jp")) == 1
