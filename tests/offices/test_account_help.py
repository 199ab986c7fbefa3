"""Headquarters and bureaus send a password reset and unlock an account from its page (issue 17)."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from offices import services
from offices.models import AuditEvent

pytestmark = pytest.mark.usefixtures("master")


def fail_once(username) -> bool:
    """One wrong password, counted as the sign-in form counts it; whether the account is locked afterwards."""
    if services.login_attempt_begin(username=username) is not None:
        return True
    return services.login_attempt_failed(username=username) is not None


def lock(user):
    with override_settings(LOGIN_FAILURE_LIMIT=2):
        fail_once(user.username)
        fail_once(user.username)
    assert services.login_locked_until(username=user.username) is not None


def test_bureau_unlocks_an_account_of_its_region(client_for, bureau_hokkaido, center_hakodate):
    lock(center_hakodate)
    page = client_for(bureau_hokkaido).get(reverse("offices:user_update", kwargs={"pk": center_hakodate.pk}))
    assert reverse("offices:user_unlock", kwargs={"pk": center_hakodate.pk}) in page.content.decode()
    response = client_for(bureau_hokkaido).post(reverse("offices:user_unlock", kwargs={"pk": center_hakodate.pk}))
    assert response.status_code == HTTPStatus.FOUND
    assert services.login_locked_until(username=center_hakodate.username) is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UNLOCKED, actor=bureau_hokkaido).count() == 1


def test_failures_after_an_unlock_count_again(center_hakodate, hq):
    from offices import accounts

    lock(center_hakodate)
    assert accounts.user_unlock(by=hq, user=center_hakodate)
    with override_settings(LOGIN_FAILURE_LIMIT=2):
        assert not fail_once(center_hakodate.username)
        assert fail_once(center_hakodate.username)


def test_out_of_region_bureau_gets_a_404_and_nothing_changes(client_for, bureau_chugoku_shikoku, center_hakodate):
    lock(center_hakodate)
    response = client_for(bureau_chugoku_shikoku).post(
        reverse("offices:user_unlock", kwargs={"pk": center_hakodate.pk})
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert services.login_locked_until(username=center_hakodate.username) is not None


def test_viewer_may_not_send_a_reset(client_for, viewer_hq, center_hakodate):
    response = client_for(viewer_hq).post(reverse("offices:user_password_reset", kwargs={"pk": center_hakodate.pk}))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not mail.outbox


def test_hq_sends_a_password_reset_link(client_for, hq, center_hakodate, django_capture_on_commit_callbacks):
    center_hakodate.email = "hakodate@example.go.jp"
    center_hakodate.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hq).post(reverse("offices:user_password_reset", kwargs={"pk": center_hakodate.pk}))
    assert response.status_code == HTTPStatus.FOUND
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hakodate@example.go.jp"]
    assert "/accounts/reset/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PASSWORD_RESET_SENT, target=center_hakodate.username
    ).exists()


def test_reset_without_an_email_says_so(client_for, hq, center_hakodate):
    center_hakodate.email = ""
    center_hakodate.save()
    response = client_for(hq).post(
        reverse("offices:user_password_reset", kwargs={"pk": center_hakodate.pk}), follow=True
    )
    assert "メールアドレス" in response.content.decode() or "e-mail" in response.content.decode()
    assert not mail.outbox
