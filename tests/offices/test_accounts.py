"""Sign-in, passwords, sessions and the account pages of headquarters and the bureaus."""

import importlib
import re
import time
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offices import scopes, services
from offices.forms import RoleForm, RoleFormSet
from offices.middleware import REFRESHED_KEY
from offices.models import AuditEvent, Municipality, Office, Prefecture, Region, Role, User
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("master")

PASSWORD = "pass-for-tests-123"
NEW_PASSWORD = "Kitakaze-river-2026"


def sign_in(username, password=PASSWORD, client=None):
    client = client or Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def roles_data(*roles, initial=0):
    """POST data of the role formset: ``roles`` are dicts of RoleForm fields."""
    data = {
        "roles-TOTAL_FORMS": str(len(roles)),
        "roles-INITIAL_FORMS": str(initial),
        "roles-MIN_NUM_FORMS": "1",
        "roles-MAX_NUM_FORMS": "20",
    }
    for index, role in enumerate(roles):
        data.update({f"roles-{index}-{field}": value for field, value in role.items()})
    return data


def new_account(username="new-user", password=NEW_PASSWORD, *roles):
    return {
        "username": username,
        "display_name": "新任 職員",
        "email": "new@example.jp",
        "password1": password,
        "password2": password,
        **roles_data(*roles),
    }


def office(code):
    return Office.objects.get(code=code).pk


def error_codes(form, field=None):
    return {error.code for error in form.errors.as_data().get(field or "__all__", [])}


# --- sign-in, sign-out -------------------------------------------------------------------------


def test_login_page_labels_every_input(master):
    response = Client().get(reverse("login"))
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert '<label for="id_username"' in content
    assert '<label for="id_password"' in content
    assert 'lang="ja"' in content


def test_login_with_the_right_password_opens_the_dashboard(center_sapporo):
    client, response = sign_in("center-sapporo")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("cooperation:home")
    assert client.session["_auth_user_id"] == str(center_sapporo.pk)


def test_login_with_a_wrong_password_is_refused(center_sapporo):
    client, response = sign_in("center-sapporo", "wrong-password")
    assert response.status_code == HTTPStatus.OK
    assert error_codes(response.context["form"]) == {"invalid_login"}
    assert "_auth_user_id" not in client.session


def test_login_of_a_deactivated_account_is_refused(center_sapporo):
    center_sapporo.is_active = False
    center_sapporo.save()
    _client, response = sign_in("center-sapporo")
    assert response.status_code == HTTPStatus.OK


def test_logout_ends_the_session(center_sapporo):
    client, _response = sign_in("center-sapporo")
    response = client.post(reverse("logout"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("login")
    assert client.get(reverse("cooperation:home")).status_code == HTTPStatus.FOUND


def test_anonymous_visitor_is_sent_to_the_login_page(master):
    response = Client().get(reverse("offices:user_list"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))


# --- sessions ----------------------------------------------------------------------------------


def test_session_lasts_the_configured_idle_age(center_sapporo, settings):
    client, _response = sign_in("center-sapporo")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60


def test_session_cookie_ends_with_the_browser(center_sapporo):
    client, _response = sign_in("center-sapporo")
    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""


def test_expired_session_sends_the_user_back_to_sign_in(center_sapporo):
    client, _response = sign_in("center-sapporo")
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    # The cached copy is stored for the session's age, so it lapses at the same moment.
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches

    caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + key)
    response = client.get(reverse("cooperation:home"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))


def test_a_request_after_the_refresh_interval_pushes_the_session_expiry_back(center_sapporo, settings):
    client, _response = sign_in("center-sapporo")
    session = client.session
    session[REFRESHED_KEY] = int(time.time()) - settings.SESSION_REFRESH_SECONDS
    session.save()
    key = session.session_key
    soon = timezone.now() + timezone.timedelta(minutes=5)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    client.get(reverse("password_change"))
    assert Session.objects.get(session_key=key).expire_date > soon + timezone.timedelta(hours=1)


# --- passwords ---------------------------------------------------------------------------------


def test_password_change_rejects_a_common_password(center_sapporo, client_for):
    response = client_for(center_sapporo).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password123", "new_password2": "password123"},
    )
    assert response.status_code == HTTPStatus.OK
    assert "password_too_common" in error_codes(response.context["form"], "new_password2")
    assert authenticate(username="center-sapporo", password=PASSWORD) is not None


def test_password_change_sets_the_new_password(center_sapporo, client_for):
    response = client_for(center_sapporo).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert authenticate(username="center-sapporo", password=NEW_PASSWORD) is not None


def test_password_validators_are_on(settings):
    names = {validator["NAME"].rsplit(".", 1)[1] for validator in settings.AUTH_PASSWORD_VALIDATORS}
    assert {"MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"} <= names


def request_reset(email):
    return Client().post(reverse("password_reset"), {"email": email})


def test_password_reset_mails_a_link_to_the_account(center_sapporo):
    center_sapporo.email = "sapporo@example.jp"
    center_sapporo.save()
    response = request_reset("sapporo@example.jp")
    assert response.status_code == HTTPStatus.FOUND
    assert [message.to for message in mail.outbox] == [["sapporo@example.jp"]]
    assert "center-sapporo" in mail.outbox[0].body
    assert "/accounts/reset/" in mail.outbox[0].body


def test_password_reset_mails_nothing_for_an_unknown_address(center_sapporo):
    response = request_reset("nobody@example.jp")
    assert response.status_code == HTTPStatus.FOUND
    assert mail.outbox == []


def test_password_reset_link_sets_a_new_password(center_sapporo):
    center_sapporo.email = "sapporo@example.jp"
    center_sapporo.save()
    request_reset("sapporo@example.jp")
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert authenticate(username="center-sapporo", password=NEW_PASSWORD) is not None


@pytest.fixture
def reloaded_settings(monkeypatch):
    """The settings module read again under a changed environment, restored afterwards."""
    import cooperation.settings as module

    for name in ("DJANGO_EMAIL_BACKEND", "DJANGO_EMAIL_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_DEBUG", "1")

    def reload():
        return importlib.reload(module)

    yield reload
    monkeypatch.undo()
    importlib.reload(module)


def test_mail_goes_to_the_console_by_default(reloaded_settings):
    assert reloaded_settings().EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"


def test_mail_goes_through_smtp_when_a_host_is_set(reloaded_settings, monkeypatch):
    monkeypatch.setenv("DJANGO_EMAIL_HOST", "smtp.example.jp")
    monkeypatch.setenv("DJANGO_EMAIL_PORT", "2525")
    module = reloaded_settings()
    assert module.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert (module.EMAIL_HOST, module.EMAIL_PORT) == ("smtp.example.jp", 2525)


# --- who manages whom ---------------------------------------------------------------------------


def managed(manager) -> set[str]:
    return set(User.objects.filter(scopes.manageable_users_q(manager)).values_list("username", flat=True))


def test_headquarters_manages_everyone(hq, bureau_hokkaido, lg_otaru, viewer_hq):
    assert {"hq", "bureau-hokkaido", "lg-otaru", "viewer-hq"} <= managed(hq)


def test_bureau_manages_the_people_of_its_region(bureau_hokkaido, center_hakodate, pref_01, lg_otaru):
    assert {"center-hakodate", "pref-01", "lg-otaru", "bureau-hokkaido"} <= managed(bureau_hokkaido)


def test_bureau_does_not_manage_headquarters_or_other_regions(bureau_hokkaido, hq, viewer_hq, bureau_chugoku_shikoku):
    assert managed(bureau_hokkaido).isdisjoint({"hq", "viewer-hq", "bureau-chugoku-shikoku"})


def test_bureau_of_chugoku_shikoku_manages_the_people_of_its_branch(bureau_chugoku_shikoku):
    make_user("center-kagawa", "center", "office", "kagawa")
    make_user("bureau-shikoku", "bureau", "region", "shikoku")
    assert {"center-kagawa", "bureau-shikoku"} <= managed(bureau_chugoku_shikoku)


def test_branch_does_not_manage_its_parent_bureau(bureau_chugoku_shikoku):
    branch = make_user("bureau-shikoku", "bureau", "region", "shikoku")
    assert "bureau-chugoku-shikoku" not in managed(branch)


def test_user_with_a_role_outside_the_region_is_out_of_the_bureaus_reach(bureau_hokkaido, center_sapporo):
    Role.objects.create(user=center_sapporo, kind="center", office=Office.objects.get(code="aomori"))
    assert "center-sapporo" not in managed(bureau_hokkaido)


def test_user_holding_a_headquarters_role_is_out_of_the_bureaus_reach(bureau_hokkaido, center_sapporo):
    Role.objects.create(user=center_sapporo, kind="headquarters", read_only=True)
    assert "center-sapporo" not in managed(bureau_hokkaido)


def test_viewers_and_local_officers_manage_nobody(viewer_hq, pref_01, center_sapporo):
    assert managed(viewer_hq) == set()
    assert managed(pref_01) == set()
    assert managed(center_sapporo) == set()


# --- the user list ------------------------------------------------------------------------------


def listed(response) -> set[str]:
    return {account.username for account in response.context["users"]}


def test_bureau_lists_only_the_users_of_its_region(bureau_hokkaido, center_sapporo, hq, client_for):
    make_user("center-kagawa", "center", "office", "kagawa")
    response = client_for(bureau_hokkaido).get(reverse("offices:user_list"))
    assert "center-sapporo" in listed(response)
    assert listed(response).isdisjoint({"hq", "center-kagawa"})


def test_user_list_searches_by_name(hq, center_sapporo, center_hakodate, client_for):
    response = client_for(hq).get(reverse("offices:user_list"), {"q": "hakodate"})
    assert listed(response) == {"center-hakodate"}


def test_user_list_shows_deactivated_accounts_on_request(hq, center_sapporo, client_for):
    center_sapporo.is_active = False
    center_sapporo.save()
    response = client_for(hq).get(reverse("offices:user_list"), {"active": "no"})
    assert listed(response) == {"center-sapporo"}


def make_many_users(count):
    municipalities = Municipality.objects.filter(prefecture__code="01").order_by("lg_code")[:count]
    for municipality in municipalities:
        user = User.objects.create_user(username=f"lg-{municipality.lg_code}", password=PASSWORD)
        Role.objects.create(user=user, kind="municipality", municipality=municipality)
        Role.objects.create(user=user, kind="center", office=municipality.office, read_only=True)


@pytest.mark.parametrize("count", [3, 40])
def test_user_list_queries_do_not_grow_with_the_users(
    count, bureau_hokkaido, client_for, django_assert_max_num_queries
):
    make_many_users(count)
    client = client_for(bureau_hokkaido)
    # session, user, own roles, count, page of users, their roles, and the session save (3)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("offices:user_list"))
    assert len(listed(response)) == count + 1
    assert "lg-011002" in listed(response)


def test_user_list_reads_the_managers_roles_once(bureau_hokkaido, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_many_users(5)
    client = client_for(bureau_hokkaido)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("offices:user_list"))
    own_roles = f'WHERE "offices_role"."user_id" = {bureau_hokkaido.pk}'
    assert sum(own_roles in query["sql"] for query in captured) == 1


# --- choices narrowed to the manager's region ----------------------------------------------------


def role_form(manager):
    return RoleForm(manager=User.objects.get(pk=manager.pk))


def test_bureau_is_offered_only_the_centers_of_its_region(bureau_hokkaido):
    offices = set(role_form(bureau_hokkaido).fields["office"].queryset.values_list("code", flat=True))
    assert offices == {"sapporo", "hakodate", "asahikawa", "kushiro"}


def test_bureau_is_offered_only_its_own_region_and_prefecture(bureau_hokkaido):
    form = role_form(bureau_hokkaido)
    assert list(form.fields["region"].queryset.values_list("code", flat=True)) == ["hokkaido"]
    assert list(form.fields["prefecture"].queryset.values_list("code", flat=True)) == ["01"]


def test_bureau_of_chugoku_shikoku_is_offered_its_branch(bureau_chugoku_shikoku):
    regions = set(role_form(bureau_chugoku_shikoku).fields["region"].queryset.values_list("code", flat=True))
    assert regions == {"chugoku-shikoku", "shikoku"}


def test_bureau_is_not_offered_the_headquarters_role(bureau_hokkaido):
    kinds = [value for value, _label in role_form(bureau_hokkaido).fields["kind"].choices]
    assert "headquarters" not in kinds
    assert "center" in kinds


def test_headquarters_is_offered_every_role_and_center(hq):
    form = role_form(hq)
    assert "headquarters" in [value for value, _label in form.fields["kind"].choices]
    assert form.fields["office"].queryset.count() == 50
    assert form.fields["region"].queryset.count() == Region.objects.count()


def test_bureau_cannot_name_a_local_government_outside_its_region(bureau_hokkaido):
    form = RoleForm({"kind": "municipality", "lg_code": "022012"}, manager=bureau_hokkaido)
    assert not form.is_valid()
    assert error_codes(form, "lg_code") == {"out_of_scope"}


def test_five_digit_code_is_completed_with_its_check_digit(bureau_hokkaido):
    form = RoleForm({"kind": "municipality", "lg_code": "01203"}, manager=bureau_hokkaido)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["role"].municipality.lg_code == "012033"


def test_role_needs_the_organisation_its_kind_covers(hq):
    form = RoleForm({"kind": "center", "region": Region.objects.get(code="hokkaido").pk}, manager=hq)
    assert not form.is_valid()
    assert set(form.errors) == {"office", "region"}


def test_the_same_role_twice_is_refused(hq):
    row = {"kind": "center", "office": office("sapporo")}
    formset = RoleFormSet(roles_data(row, row), form_kwargs={"manager": hq}, prefix="roles")
    assert not formset.is_valid()
    assert [error.code for error in formset.non_form_errors().as_data()] == ["duplicate_role"]


# --- creating accounts ---------------------------------------------------------------------------


def test_headquarters_creates_a_user_with_two_roles(hq, client_for):
    data = new_account(
        "new-user",
        NEW_PASSWORD,
        {"kind": "center", "office": office("sapporo")},
        {"kind": "prefecture", "prefecture": Prefecture.objects.get(code="01").pk},
    )
    response = client_for(hq).post(reverse("offices:user_create"), data)
    assert response.status_code == HTTPStatus.FOUND
    user = User.objects.get(username="new-user")
    assert sorted(user.roles.values_list("kind", flat=True)) == ["center", "prefecture"]
    assert authenticate(username="new-user", password=NEW_PASSWORD) == user


def test_bureau_creates_a_center_user_of_its_region(bureau_hokkaido, client_for):
    data = new_account("new-hakodate", NEW_PASSWORD, {"kind": "center", "office": office("hakodate")})
    response = client_for(bureau_hokkaido).post(reverse("offices:user_create"), data)
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(username="new-hakodate").roles.get().office.code == "hakodate"


def test_bureau_cannot_create_a_headquarters_user(bureau_hokkaido, client_for):
    data = new_account("new-hq", NEW_PASSWORD, {"kind": "headquarters"})
    response = client_for(bureau_hokkaido).post(reverse("offices:user_create"), data)
    assert response.status_code == HTTPStatus.OK
    assert not User.objects.filter(username="new-hq").exists()


def test_bureau_cannot_create_a_user_outside_its_region(bureau_hokkaido, client_for):
    data = new_account("new-aomori", NEW_PASSWORD, {"kind": "center", "office": office("aomori")})
    response = client_for(bureau_hokkaido).post(reverse("offices:user_create"), data)
    assert response.status_code == HTTPStatus.OK
    assert not User.objects.filter(username="new-aomori").exists()


def test_service_refuses_a_bureau_creating_a_headquarters_user(bureau_hokkaido):
    with pytest.raises(PermissionDenied):
        services.user_create(
            by=bureau_hokkaido, username="sneaky", password=NEW_PASSWORD, roles=[Role(kind="headquarters")]
        )
    assert not User.objects.filter(username="sneaky").exists()


def test_creation_rejects_a_weak_password(hq, client_for):
    data = new_account("weak", "12345678", {"kind": "center", "office": office("sapporo")})
    response = client_for(hq).post(reverse("offices:user_create"), data)
    assert response.status_code == HTTPStatus.OK
    assert "password_entirely_numeric" in error_codes(response.context["form"], "password2")
    assert not User.objects.filter(username="weak").exists()


def test_creation_needs_a_role(hq, client_for):
    response = client_for(hq).post(reverse("offices:user_create"), new_account("roleless", NEW_PASSWORD, {"kind": ""}))
    assert response.status_code == HTTPStatus.OK
    assert not User.objects.filter(username="roleless").exists()


def test_creation_refuses_a_username_differing_only_in_case(hq, center_sapporo, client_for):
    data = new_account("Center-Sapporo", NEW_PASSWORD, {"kind": "center", "office": office("sapporo")})
    response = client_for(hq).post(reverse("offices:user_create"), data)
    assert response.status_code == HTTPStatus.OK
    assert "unique" in error_codes(response.context["form"], "username")


# --- editing and deactivating --------------------------------------------------------------------


def edit_data(user, *roles, display_name="", email=""):
    return {"display_name": display_name, "email": email, **roles_data(*roles, initial=user.roles.count())}


def test_edit_page_shows_the_users_roles(hq, center_hakodate, client_for):
    response = client_for(hq).get(reverse("offices:user_update", kwargs={"pk": center_hakodate.pk}))
    formset = response.context["formset"]
    assert [form.initial["office"] for form in formset.initial_forms] == [office("hakodate")]


def test_editing_changes_the_display_name(hq, center_hakodate, client_for):
    data = edit_data(center_hakodate, {"kind": "center", "office": office("hakodate")}, display_name="函館 担当")
    response = client_for(hq).post(reverse("offices:user_update", kwargs={"pk": center_hakodate.pk}), data)
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(pk=center_hakodate.pk).display_name == "函館 担当"


def test_editing_replaces_the_roles(bureau_hokkaido, center_hakodate, client_for):
    data = edit_data(center_hakodate, {"kind": "center", "office": office("kushiro"), "read_only": "on"})
    client_for(bureau_hokkaido).post(reverse("offices:user_update", kwargs={"pk": center_hakodate.pk}), data)
    role = Role.objects.get(user=center_hakodate)
    assert (role.office.code, role.read_only) == ("kushiro", True)


def test_a_role_can_be_removed(hq, center_hakodate, otaru, client_for):
    Role.objects.create(user=center_hakodate, kind="municipality", municipality=otaru)
    data = edit_data(
        center_hakodate,
        {"kind": "center", "office": office("hakodate")},
        {"kind": "municipality", "lg_code": "012033", "DELETE": "on"},
    )
    client_for(hq).post(reverse("offices:user_update", kwargs={"pk": center_hakodate.pk}), data)
    assert list(Role.objects.filter(user=center_hakodate).values_list("kind", flat=True)) == ["center"]


def test_bureau_cannot_move_a_user_out_of_its_region(bureau_hokkaido, center_hakodate, client_for):
    data = edit_data(center_hakodate, {"kind": "center", "office": office("aomori")})
    response = client_for(bureau_hokkaido).post(reverse("offices:user_update", kwargs={"pk": center_hakodate.pk}), data)
    assert response.status_code == HTTPStatus.OK
    assert Role.objects.get(user=center_hakodate).office.code == "hakodate"


def test_nobody_changes_their_own_roles(hq, client_for):
    data = edit_data(hq, {"kind": "center", "office": office("sapporo")})
    response = client_for(hq).post(reverse("offices:user_update", kwargs={"pk": hq.pk}), data)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert list(Role.objects.filter(user=hq).values_list("kind", flat=True)) == ["headquarters"]


def test_out_of_region_user_is_not_found(bureau_hokkaido, client_for):
    kagawa = make_user("center-kagawa", "center", "office", "kagawa")
    response = client_for(bureau_hokkaido).get(reverse("offices:user_update", kwargs={"pk": kagawa.pk}))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_viewer_gets_no_account_pages(viewer_hq, client_for):
    assert client_for(viewer_hq).get(reverse("offices:user_list")).status_code == HTTPStatus.FORBIDDEN


def test_deactivation_keeps_the_account_but_stops_its_sessions(hq, center_hakodate, client_for):
    victim_client = client_for(center_hakodate)
    response = client_for(hq).post(reverse("offices:user_deactivate", kwargs={"pk": center_hakodate.pk}))
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(pk=center_hakodate.pk).is_active is False
    assert victim_client.get(reverse("cooperation:home")).status_code == HTTPStatus.FOUND


def test_nobody_deactivates_their_own_account(bureau_hokkaido, client_for):
    response = client_for(bureau_hokkaido).post(reverse("offices:user_deactivate", kwargs={"pk": bureau_hokkaido.pk}))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert User.objects.get(pk=bureau_hokkaido.pk).is_active


def test_deactivating_twice_records_once(hq, center_hakodate):
    services.user_deactivate(by=hq, user=center_hakodate)
    services.user_deactivate(by=hq, user=center_hakodate)
    assert AuditEvent.objects.filter(action="user_deactivated", target="center-hakodate").count() == 1
