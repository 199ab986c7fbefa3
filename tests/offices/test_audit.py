"""The audit trail: sign-ins, failed sign-ins, sign-outs, passwords, user and role changes, and its page."""

from http import HTTPStatus

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from offices import services
from offices.models import AuditEvent, Office, Role, User
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("master")

PASSWORD = "pass-for-tests-123"
NEW_PASSWORD = "Kitakaze-river-2026"


def events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def sign_in(username, password=PASSWORD):
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.post(reverse("login"), {"username": username, "password": password})
    return client


# --- sign-in and sign-out ------------------------------------------------------------------------


def test_login_is_recorded_with_the_address(center_sapporo):
    sign_in("center-sapporo")
    event = events("login").get()
    assert (event.actor, event.username, event.ip_address) == (center_sapporo, "center-sapporo", "192.0.2.10")


def test_failed_login_records_the_name_given_and_the_address(center_sapporo):
    sign_in("center-sapporo", "wrong-password")
    event = events("login_failed").get()
    assert (event.actor, event.username, event.ip_address) == (None, "center-sapporo", "192.0.2.10")


def test_failed_login_of_an_unknown_name_is_recorded(master):
    sign_in("no-such-user", "whatever")
    assert events("login_failed", username="no-such-user").count() == 1


def test_failed_admin_login_is_recorded(hq):
    Client().post(reverse("admin:login"), {"username": "hq", "password": "wrong-password"})
    assert events("login_failed", username="hq").count() == 1


def test_logout_is_recorded(center_sapporo):
    client = sign_in("center-sapporo")
    client.post(reverse("logout"))
    assert events("logout", actor=center_sapporo).count() == 1


def test_password_change_is_recorded(center_sapporo, client_for):
    client_for(center_sapporo).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert events("password_changed", actor=center_sapporo).count() == 1


def test_refused_password_change_is_not_recorded(center_sapporo, client_for):
    client_for(center_sapporo).post(
        reverse("password_change"),
        {"old_password": "wrong-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert not events("password_changed").exists()


# --- user and role changes -----------------------------------------------------------------------


def test_user_creation_is_recorded_with_its_roles(bureau_hokkaido):
    services.user_create(
        by=bureau_hokkaido,
        username="new-kushiro",
        password=NEW_PASSWORD,
        roles=[Role(kind="center", office=Office.objects.get(code="kushiro"))],
    )
    event = events("user_created").get()
    assert (event.actor, event.target) == (bureau_hokkaido, "new-kushiro")
    assert event.detail["roles"] == [{"kind": "center", "target": "kushiro", "read_only": False}]


def test_user_update_records_before_and_after(hq, center_hakodate):
    services.user_update(
        by=hq, user=center_hakodate, display_name="函館 担当", email="", roles=list(center_hakodate.roles.all())
    )
    event = events("user_updated").get()
    assert event.detail["changed"] == {"display_name": ["", "函館 担当"]}
    assert not events("role_changed").exists()


def test_role_change_records_before_and_after(hq, center_hakodate, otaru):
    services.user_update(
        by=hq,
        user=center_hakodate,
        display_name="",
        email="",
        roles=[Role(kind="municipality", municipality=otaru, read_only=True)],
    )
    event = events("role_changed").get()
    assert event.detail["before"] == [{"kind": "center", "target": "hakodate", "read_only": False}]
    assert event.detail["after"] == [{"kind": "municipality", "target": "012033", "read_only": True}]


def test_unchanged_save_records_nothing(hq, center_hakodate):
    services.user_update(
        by=hq, user=center_hakodate, display_name="", email="", roles=list(center_hakodate.roles.all())
    )
    assert not AuditEvent.objects.filter(action__in=["user_updated", "role_changed"]).exists()


def test_deactivation_is_recorded(hq, center_hakodate):
    services.user_deactivate(by=hq, user=center_hakodate)
    assert events("user_deactivated", actor=hq, target="center-hakodate").count() == 1


def test_audit_record_takes_the_actor_and_address_from_the_request(center_sapporo):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    request.user = center_sapporo
    services.audit_record(action="export", target="municipalities.csv", request=request, detail={"rows": 3})
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.ip_address, event.detail) == (center_sapporo, "198.51.100.7", {"rows": 3})


# --- the audit page ------------------------------------------------------------------------------


def shown(response) -> list[AuditEvent]:
    return list(response.context["events"])


def test_headquarters_sees_every_event(hq, center_sapporo, client_for):
    kagawa = make_user("center-kagawa", "center", "office", "kagawa")
    services.audit_record(action="export", actor=center_sapporo, target="a.csv")
    services.audit_record(action="export", actor=kagawa, target="b.csv")
    response = client_for(hq).get(reverse("offices:auditevent_list"), {"action": "export"})
    assert {event.target for event in shown(response)} == {"a.csv", "b.csv"}


def test_bureau_sees_the_events_of_its_regions_people_only(bureau_hokkaido, center_sapporo, client_for):
    kagawa = make_user("center-kagawa", "center", "office", "kagawa")
    services.audit_record(action="export", actor=center_sapporo, target="a.csv")
    services.audit_record(action="export", actor=kagawa, target="b.csv")
    response = client_for(bureau_hokkaido).get(reverse("offices:auditevent_list"), {"action": "export"})
    assert [event.target for event in shown(response)] == ["a.csv"]


def test_bureau_sees_failed_sign_ins_against_its_regions_accounts(bureau_hokkaido, center_sapporo, client_for):
    sign_in("center-sapporo", "wrong-password")
    sign_in("hq", "wrong-password")
    response = client_for(bureau_hokkaido).get(reverse("offices:auditevent_list"), {"action": "login_failed"})
    assert [event.username for event in shown(response)] == ["center-sapporo"]


def test_bureau_sees_headquarters_changing_one_of_its_users(bureau_hokkaido, hq, center_hakodate, client_for):
    services.user_deactivate(by=hq, user=center_hakodate)
    response = client_for(bureau_hokkaido).get(reverse("offices:auditevent_list"), {"action": "user_deactivated"})
    assert [event.target for event in shown(response)] == ["center-hakodate"]


def test_audit_page_searches_by_name(hq, center_sapporo, center_hakodate, client_for):
    services.audit_record(action="export", actor=center_sapporo)
    services.audit_record(action="export", actor=center_hakodate)
    response = client_for(hq).get(reverse("offices:auditevent_list"), {"q": "hakodate", "action": "export"})
    assert [event.username for event in shown(response)] == ["center-hakodate"]


def test_audit_page_shows_the_detail_in_readable_japanese(hq, client_for):
    services.audit_record(action="export", actor=hq, detail={"file": "北海道.csv"})
    response = client_for(hq).get(reverse("offices:auditevent_list"))
    assert "北海道.csv" in response.content.decode()


def record_many(users, count):
    for index in range(count):
        services.audit_record(action="export", actor=users[index % len(users)], target=f"file-{index}.csv")


@pytest.mark.parametrize("count", [3, 60])
def test_audit_page_queries_do_not_grow_with_the_events(
    count, bureau_hokkaido, center_sapporo, center_hakodate, client_for, django_assert_max_num_queries
):
    record_many([center_sapporo, center_hakodate], count)
    client = client_for(bureau_hokkaido)
    # session, user, own roles, count, page of events with their actors, and the session save (3)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("offices:auditevent_list"), {"action": "export"})
    assert len(shown(response)) == count


def test_audit_page_is_for_account_managers_only(center_sapporo, client_for):
    response = client_for(center_sapporo).get(reverse("offices:auditevent_list"))
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_audit_events_are_read_only_in_the_admin(hq):
    hq.is_staff = hq.is_superuser = True
    hq.save()
    services.audit_record(action="export", actor=hq)
    client = Client()
    client.force_login(User.objects.get(pk=hq.pk))
    event = AuditEvent.objects.filter(action="export").get()
    response = client.post(reverse("admin:offices_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_account_created_in_the_admin_is_recorded_with_its_roles(hq):
    hq.is_staff = hq.is_superuser = True
    hq.save()
    client = Client()
    client.force_login(User.objects.get(pk=hq.pk))
    response = client.post(
        reverse("admin:offices_user_add"),
        {
            "username": "admin-made",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "roles-TOTAL_FORMS": "1",
            "roles-INITIAL_FORMS": "0",
            "roles-0-kind": "center",
            "roles-0-office": Office.objects.get(code="kushiro").pk,
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert events("user_created", actor=hq, target="admin-made").count() == 1
    change = events("role_changed", target="admin-made").get()
    assert change.detail["after"] == [{"kind": "center", "target": "kushiro", "read_only": False}]
