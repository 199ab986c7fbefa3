"""Privileged accounts (issue 11, finding 2): only headquarters manages staff and superuser accounts."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse

from offices import services
from offices.models import AuditEvent, Office, Role, User
from offices.policies import NotAllowed, can
from tests.offices.test_accounts import edit_data


@pytest.fixture
def staff_sapporo(center_sapporo):
    """A center account of 北海道 that can also open the Django admin."""
    center_sapporo.is_staff = center_sapporo.is_superuser = True
    center_sapporo.email = "owner@example.lg.jp"
    center_sapporo.save()
    return center_sapporo


def center_role(code="sapporo"):
    return {"kind": "center", "office": Office.objects.get(code=code).pk}


def test_bureau_may_not_manage_a_staff_account_of_its_region(bureau_hokkaido, staff_sapporo, hq):
    assert not can(bureau_hokkaido, "user.manage", staff_sapporo)
    assert can(hq, "user.manage", staff_sapporo)


def test_bureau_still_manages_ordinary_accounts_of_its_region(bureau_hokkaido, center_hakodate):
    assert can(bureau_hokkaido, "user.manage", center_hakodate)


def test_service_refuses_a_bureau_changing_the_email_of_a_staff_account(bureau_hokkaido, staff_sapporo):
    with pytest.raises(NotAllowed) as refused:
        services.user_update(
            by=bureau_hokkaido,
            user=staff_sapporo,
            display_name="",
            email="attacker@example.invalid",
            roles=[Role(kind="center", office=Office.objects.get(code="sapporo"))],
        )
    assert refused.value.action == "user.manage"
    assert User.objects.get(pk=staff_sapporo.pk).email == "owner@example.lg.jp"


def test_bureau_gets_403_on_the_edit_page_of_a_staff_account(bureau_hokkaido, staff_sapporo, client_for):
    client = client_for(bureau_hokkaido)
    url = reverse("offices:user_update", kwargs={"pk": staff_sapporo.pk})
    assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    response = client.post(url, edit_data(staff_sapporo, center_role(), email="attacker@example.invalid"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert User.objects.get(pk=staff_sapporo.pk).email == "owner@example.lg.jp"


def test_bureau_may_not_deactivate_a_staff_account(bureau_hokkaido, staff_sapporo, client_for):
    url = reverse("offices:user_deactivate", kwargs={"pk": staff_sapporo.pk})
    assert client_for(bureau_hokkaido).post(url).status_code == HTTPStatus.FORBIDDEN
    assert User.objects.get(pk=staff_sapporo.pk).is_active


def test_headquarters_changes_the_email_of_a_staff_account_and_the_old_address_hears_of_it(
    hq, staff_sapporo, client_for, django_capture_on_commit_callbacks
):
    url = reverse("offices:user_update", kwargs={"pk": staff_sapporo.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hq).post(url, edit_data(staff_sapporo, center_role(), email="new@example.lg.jp"))
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(pk=staff_sapporo.pk).email == "new@example.lg.jp"
    (message,) = mail.outbox
    assert message.to == ["owner@example.lg.jp"]
    assert "center-sapporo" in message.subject
    assert "new@example.lg.jp" not in message.body


def test_no_mail_when_the_email_is_unchanged(hq, staff_sapporo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_update(
            by=hq,
            user=staff_sapporo,
            display_name="札幌",
            email="owner@example.lg.jp",
            roles=list(staff_sapporo.roles.all()),
        )
    assert mail.outbox == []


def test_password_set_in_the_admin_is_audited(hq, center_hakodate, client_for):
    hq.is_staff = hq.is_superuser = True
    hq.save()
    url = reverse("admin:auth_user_password_change", args=[center_hakodate.pk])
    new = "Hakodate-harbour-2026"
    response = client_for(hq).post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == HTTPStatus.FOUND
    event = AuditEvent.objects.get(action="password_changed", target="center-hakodate")
    assert event.actor == hq and event.detail["via"] == "admin"


def test_password_set_in_the_admin_lifts_a_lock(hq, center_hakodate, client_for, settings):
    from django.test import Client

    hq.is_staff = hq.is_superuser = True
    hq.save()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "center-hakodate", "password": "wrong-password"})
    assert services.login_locked_until(username="center-hakodate") is not None
    url = reverse("admin:auth_user_password_change", args=[center_hakodate.pk])
    new = "Hakodate-harbour-2026"
    client_for(hq).post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert services.login_locked_until(username="center-hakodate") is None


def test_email_changed_in_the_admin_is_announced(hq, staff_sapporo, client_for, django_capture_on_commit_callbacks):
    hq.is_staff = hq.is_superuser = True
    hq.save()
    admin = User._meta.app_label
    url = reverse(f"admin:{admin}_user_change", args=[staff_sapporo.pk])
    client = client_for(hq)
    data = {
        "username": staff_sapporo.username,
        "email": "changed@example.lg.jp",
        "display_name": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "roles-TOTAL_FORMS": "0",
        "roles-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    assert [message.to for message in mail.outbox] == [["owner@example.lg.jp"]]
