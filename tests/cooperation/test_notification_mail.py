"""Mail of notifications through the task queue to a real SMTP server on 127.0.0.1."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cooperation.fiscal import today
from cooperation.models import Notification, OutgoingMail, Progress, Stage
from cooperation.notifications.services import preference_update
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create, referral_transition
from tests.cooperation.notification_helpers import with_address

pytestmark = pytest.mark.django_db

# A summary the filer confirmed (the check stops it otherwise): a mail must carry none of it.
SUMMARY = "山田太郎さん（090-1234-5678）からの年金の相談"


def file_referral(by, municipality):
    return referral_create(
        by=by,
        municipality=municipality,
        received_on=today() - datetime.timedelta(days=1),
        topic="pension",
        summary=SUMMARY,
        agency="日本年金機構",
        not_personal=True,
    )


def test_filed_referral_is_mailed_to_the_serving_center_only(
    smtp, run_worker, lg_otaru, center_sapporo, center_hakodate, viewer_sapporo, hq, otaru
):
    with_address(lg_otaru, center_sapporo, center_hakodate, viewer_sapporo, hq)
    referral = file_referral(lg_otaru, otaru)
    assert not Notification.objects.exists() and smtp.received == [], "the request only queues a task"

    run_worker()

    notification = Notification.objects.get(recipient=center_sapporo, kind="referral_filed")

    assert [mail.recipients for mail in smtp.received] == [["center-sapporo@example.jp"]]
    mail = smtp.received[0]
    assert "回付" in mail.subject and "小樽市" in mail.subject
    assert f"https://cooperation.example.jp/notifications/{notification.pk}/" in mail.body
    assert "小樽市" in mail.body and "年金" in mail.body
    assert SUMMARY not in mail.body and "山田" not in mail.body and "日本年金機構" not in mail.body
    assert str(lg_otaru) in mail.body
    assert OutgoingMail.objects.get().status == OutgoingMail.Status.SENT
    assert Notification.objects.filter(recipient__in=[center_hakodate, viewer_sapporo, hq, lg_otaru]).count() == 0
    assert notification.url == reverse("cooperation:referral_detail", kwargs={"pk": referral.pk})


def test_closing_a_referral_mails_the_officers_of_the_local_government_with_its_outcome(
    smtp, run_worker, lg_otaru, lg_hakodate, center_sapporo, otaru
):
    with_address(lg_otaru, lg_hakodate, center_sapporo)
    referral = file_referral(lg_otaru, otaru)
    run_worker()
    smtp.received.clear()

    referral_transition(referral=referral, to_status="closed", outcome="resolved", by=center_sapporo)
    run_worker()

    assert [mail.recipients for mail in smtp.received] == [["lg-otaru@example.jp"]]
    body = smtp.received[0].body
    assert "解決" in body, body
    assert SUMMARY not in body


def test_withdrawn_referral_says_withdrawn(smtp, run_worker, lg_otaru, center_sapporo, otaru):
    with_address(lg_otaru)
    referral = file_referral(lg_otaru, otaru)
    referral_transition(referral=referral, to_status="closed", outcome="withdrawn", by=center_sapporo)
    run_worker()
    assert "取り下げ" in smtp.to("lg-otaru@example.jp")[0].body


def test_refused_delivery_is_retried_after_the_back_off(smtp, run_worker, settings, lg_otaru, center_sapporo, otaru):
    with_address(center_sapporo)
    smtp.refuse = 1
    file_referral(lg_otaru, otaru)
    started = timezone.now()
    run_worker()

    mail = OutgoingMail.objects.get()
    assert smtp.refused == 1 and smtp.received == []
    assert mail.status == OutgoingMail.Status.RETRYING and mail.attempts == 1
    assert "550" in mail.last_error
    delay = (mail.next_attempt_at - started).total_seconds()
    assert settings.NOTIFICATIONS_MAIL_RETRY_DELAYS[0] - 1 <= delay <= settings.NOTIFICATIONS_MAIL_RETRY_DELAYS[0] + 5
    waiting = DBTaskResult.objects.ready()
    assert not waiting.exists(), "the retry waits for its back-off"

    run_worker()
    assert smtp.received == []

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())  # the back-off has passed
    run_worker()

    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT and mail.attempts == 2
    assert [received.recipients for received in smtp.received] == [["center-sapporo@example.jp"]]


def test_mail_server_down_keeps_the_mail_for_a_retry(settings, run_worker, lg_otaru, center_sapporo, otaru):
    from tests.cooperation.notification_helpers import free_port

    with_address(center_sapporo)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", free_port(), False
    file_referral(lg_otaru, otaru)
    run_worker()
    mail = OutgoingMail.objects.get()
    assert mail.status == OutgoingMail.Status.RETRYING
    assert "Connection" in mail.last_error


def test_failure_after_the_last_retry_is_shown_to_headquarters(
    smtp, run_worker, settings, client_for, lg_otaru, center_sapporo, hq, otaru
):
    with_address(center_sapporo)
    settings.NOTIFICATIONS_MAIL_RETRY_DELAYS = [0, 0]
    smtp.refuse = 10
    file_referral(lg_otaru, otaru)
    run_worker()

    mail = OutgoingMail.objects.get()
    assert mail.status == OutgoingMail.Status.FAILED and mail.attempts == 3 and smtp.refused == 3
    page = client_for(hq).get(reverse("cooperation:outgoingmail_list"))
    assert page.status_code == HTTPStatus.OK
    assert "center-sapporo@example.jp" in page.content.decode()
    assert client_for(center_sapporo).get(reverse("cooperation:outgoingmail_list")).status_code == HTTPStatus.FORBIDDEN

    smtp.refuse = 0
    response = client_for(hq).post(reverse("cooperation:outgoingmail_retry", kwargs={"pk": mail.pk}))
    assert response.status_code == HTTPStatus.FOUND
    run_worker()
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT
    assert len(smtp.to("center-sapporo@example.jp")) == 1


def test_deactivated_users_and_users_without_address_get_no_mail(
    smtp, run_worker, lg_otaru, center_sapporo, otaru, make_center_user
):
    with_address(center_sapporo)
    center_sapporo.is_active = False
    center_sapporo.save(update_fields=["is_active"])
    colleague = make_center_user("center-sapporo-2")  # no address
    file_referral(lg_otaru, otaru)
    run_worker()
    assert smtp.received == []
    assert Notification.objects.filter(recipient=colleague, kind="referral_filed").count() == 1
    assert not Notification.objects.filter(recipient=center_sapporo).exists()


@pytest.fixture
def make_center_user(master):
    from tests.conftest import make_user

    return lambda username: make_user(username, "center", "office", "sapporo")


def test_inbox_only_preference_sends_no_mail(smtp, run_worker, lg_otaru, center_sapporo, otaru):
    with_address(center_sapporo)
    preference_update(user=center_sapporo, deliveries={"referral_filed": "inbox"}, digest=True, language="ja")
    file_referral(lg_otaru, otaru)
    run_worker()
    assert smtp.received == []
    assert Notification.objects.filter(recipient=center_sapporo, kind="referral_filed").count() == 1


def test_english_preference_gets_english_mail(smtp, run_worker, lg_otaru, center_sapporo, otaru):
    with_address(center_sapporo)
    preference_update(user=center_sapporo, deliveries={}, digest=True, language="en")
    file_referral(lg_otaru, otaru)
    run_worker()
    assert "Otaru" in smtp.received[0].body or "filed a referral" in smtp.received[0].body


def test_stage_changed_by_the_center_mails_the_officers_not_other_towns(
    smtp, run_worker, lg_otaru, lg_hakodate, pref_01, center_sapporo, otaru
):
    with_address(lg_otaru, lg_hakodate, pref_01, center_sapporo)
    progress = Progress.objects.get(municipality=otaru, item__code="1-1")
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo)
    run_worker()
    assert [mail.recipients for mail in smtp.received] == [["lg-otaru@example.jp"]]
    assert "1-1" in smtp.received[0].body and "検討中" in smtp.received[0].body
    assert "https://cooperation.example.jp/notifications/" in smtp.received[0].body
