"""The inbox, the bell in the header, preferences, retention and the failed-mail page."""

import datetime
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cooperation.models import Notification, NotificationPreference, OutgoingMail
from cooperation.notifications import kinds
from cooperation.notifications.services import delivery_for, notifications_create, notifications_prune
from cooperation.referrals.services import referral_create

pytestmark = pytest.mark.django_db

INBOX = reverse("cooperation:notification_list")


def notify(user, municipality, count=1, **extra):
    rows = []
    for number in range(count):
        rows += notifications_create(
            kind=kinds.REFERRAL_FILED,
            recipient_ids=[user.pk],
            municipality_id=municipality.pk,
            url=municipality.get_absolute_url(),
            data={
                "topic": "tax",
                "received_on": (datetime.date(2026, 4, 1) + datetime.timedelta(days=number)).isoformat(),
            },
            **extra,
        )
    return rows


def test_bell_shows_the_unread_count_with_one_query(client_for, center_sapporo, otaru):
    notify(center_sapporo, otaru, count=3)
    Notification.objects.filter(pk=Notification.objects.first().pk).update(read_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        response = client_for(center_sapporo).get(reverse("cooperation:municipality_list"))
    html = response.content.decode()
    bell = html.split('class="bell"')[1].split("</a>")[0]
    assert '<span class="bell-count">2</span>' in bell
    assert "未読の通知" in bell
    assert sum('"cooperation_notification"' in query["sql"] for query in queries.captured_queries) == 1


def test_bell_is_not_shown_to_anonymous_visitors(client):
    assert 'class="bell"' not in client.get(reverse("login")).content.decode()


def test_inbox_lists_unread_by_default_and_all_on_request(client_for, center_sapporo, otaru):
    first, second = notify(center_sapporo, otaru, count=2)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    unread = client_for(center_sapporo).get(INBOX)
    assert list(unread.context["notifications"]) == [second]
    everything = client_for(center_sapporo).get(INBOX + "?show=all")
    assert set(everything.context["notifications"]) == {first, second}
    assert "小樽市から2026年4月2日受付の回付がありました（分野：国税）。" in unread.content.decode()


def test_inbox_shows_only_the_users_own_notifications(client_for, center_sapporo, center_hakodate, hq, otaru):
    notify(center_sapporo, otaru)
    assert list(client_for(center_hakodate).get(INBOX + "?show=all").context["notifications"]) == []
    assert list(client_for(hq).get(INBOX + "?show=all").context["notifications"]) == []


@pytest.mark.parametrize("rows", [3, 30])
def test_inbox_query_count_does_not_grow_with_rows(
    client_for, center_sapporo, lg_otaru, otaru, rows, django_assert_max_num_queries
):
    notify(center_sapporo, otaru, count=rows)
    Notification.objects.update(actor=lg_otaru)
    client = client_for(center_sapporo)
    with django_assert_max_num_queries(8):
        response = client.get(INBOX)
    assert len(response.context["notifications"]) == rows


def test_opening_a_notification_marks_it_read_and_goes_to_the_record(
    client_for, run_worker, center_sapporo, lg_otaru, otaru
):
    referral = referral_create(
        by=lg_otaru, municipality=otaru, received_on=datetime.date(2026, 4, 1), topic="tax", summary="相談"
    )
    run_worker()
    notification = Notification.objects.get(recipient=center_sapporo, kind=kinds.REFERRAL_FILED)
    response = client_for(center_sapporo).get(notification.get_absolute_url())
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == referral.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_is_not_found_and_stays_unread(client_for, center_sapporo, hq, otaru):
    [notification] = notify(center_sapporo, otaru)
    response = client_for(hq).post(reverse("cooperation:notification_read", kwargs={"pk": notification.pk}))
    assert response.status_code == HTTPStatus.NOT_FOUND
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_and_mark_all_read(client_for, center_sapporo, center_hakodate, otaru):
    first, second, third = notify(center_sapporo, otaru, count=3)
    [other] = notify(center_hakodate, otaru)
    client = client_for(center_sapporo)
    client.post(reverse("cooperation:notification_read", kwargs={"pk": first.pk}))
    assert set(Notification.objects.unread().filter(recipient=center_sapporo)) == {second, third}
    response = client.post(reverse("cooperation:notification_read_all"))
    assert response.status_code == HTTPStatus.FOUND
    assert not Notification.objects.unread().filter(recipient=center_sapporo).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_defaults_depend_on_the_role(center_sapporo, lg_otaru):
    assert delivery_for(center_sapporo, kinds.REFERRAL_FILED, None) == "immediate"
    assert delivery_for(center_sapporo, kinds.STAGE_CHANGED, None) == "digest"
    assert delivery_for(lg_otaru, kinds.REFERRAL_MOVED, None) == "immediate"
    assert delivery_for(lg_otaru, kinds.ACTIVITY_LOGGED, None) == "digest"


def test_preferences_page_saves_the_users_choices(client_for, lg_otaru):
    client = client_for(lg_otaru)
    page = client.get(reverse("cooperation:notification_preferences"))
    assert page.context["form"]["kind_referral_moved"].initial == "immediate"
    data = {f"kind_{code}": "digest" for code in kinds.KINDS}
    data.update({"kind_referral_moved": "inbox", "language": "en"})
    response = client.post(reverse("cooperation:notification_preferences"), data)
    assert response.status_code == HTTPStatus.FOUND
    preference = NotificationPreference.objects.get(user=lg_otaru)
    assert preference.deliveries["referral_moved"] == "inbox"
    assert preference.deliveries["stage_changed"] == "digest"
    assert preference.language == "en" and preference.digest is False
    assert delivery_for(lg_otaru, kinds.REFERRAL_MOVED, preference) == "inbox"


def test_preferences_refuse_an_unknown_delivery(client_for, lg_otaru):
    data = {f"kind_{code}": "carrier-pigeon" for code in kinds.KINDS}
    data["language"] = "ja"
    response = client_for(lg_otaru).post(reverse("cooperation:notification_preferences"), data)
    assert response.status_code == HTTPStatus.OK
    assert not NotificationPreference.objects.filter(user=lg_otaru).exists()


def test_old_notifications_and_finished_mail_are_pruned(settings, center_sapporo, otaru):
    settings.NOTIFICATIONS_RETENTION_DAYS = 30
    old, recent = notify(center_sapporo, otaru, count=2)
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    kept = OutgoingMail.objects.create(
        recipient=center_sapporo, to_address="a@example.jp", subject="s", body="b", status="retrying"
    )
    gone = OutgoingMail.objects.create(
        recipient=center_sapporo, to_address="a@example.jp", subject="s", body="b", status="sent"
    )
    OutgoingMail.objects.filter(pk__in=[kept.pk, gone.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    assert notifications_prune() == {"notifications": 1, "mails": 1}
    assert list(Notification.objects.all()) == [recent]
    assert list(OutgoingMail.objects.all()) == [kept]


def test_system_changes_notify_nobody(run_worker, center_sapporo, otaru):
    referral_create(by=None, municipality=otaru, received_on=datetime.date(2026, 4, 1), topic="tax", summary="相談")
    run_worker()
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_preferences_page_query_count(client_for, center_sapporo, django_assert_max_num_queries):
    client = client_for(center_sapporo)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("cooperation:notification_preferences"))
    assert len(response.context["form"].kind_fields()) == len(kinds.KINDS)


@pytest.mark.parametrize("rows", [2, 20])
def test_failed_mail_page_query_count(client_for, hq, center_sapporo, rows, django_assert_max_num_queries):
    OutgoingMail.objects.bulk_create(
        OutgoingMail(
            recipient=center_sapporo,
            to_address=f"a{number}@example.jp",
            subject="件名",
            body="本文",
            status=OutgoingMail.Status.FAILED,
            attempts=6,
            last_error="SMTPDataError: (550, b'refused')",
        )
        for number in range(rows)
    )
    OutgoingMail.objects.create(
        recipient=center_sapporo, to_address="ok@example.jp", subject="s", body="b", status="sent"
    )
    client = client_for(hq)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("cooperation:outgoingmail_list"))
    assert len(response.context["mails"]) == rows
    assert "ok@example.jp" not in response.content.decode()
