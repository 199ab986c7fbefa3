"""Lock-out after repeated failed sign-ins, counted in the database so every process agrees."""

import datetime
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from offices import services
from offices.models import AuditEvent, SignInCounter

pytestmark = pytest.mark.usefixtures("master")

PASSWORD = "pass-for-tests-123"
LIMIT = 3
MINUTES = 15


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_LOCKOUT_MINUTES = MINUTES


def attempt(username, password, url="login"):
    return Client().post(reverse(url), {"username": username, "password": password})


def fail(username, times, url="login"):
    for _ in range(times):
        attempt(username, "wrong-password", url)


def signed_in(response) -> bool:
    return response.status_code == HTTPStatus.FOUND


def error_codes(response) -> set[str]:
    return {error.code for error in response.context["form"].errors.as_data().get("__all__", [])}


def age_events(username, minutes):
    """Move the account's audit events and sign-in counters ``minutes`` into the past, as if time had passed."""
    delta = datetime.timedelta(minutes=minutes)
    for event in AuditEvent.objects.filter(username=username):
        event.at -= delta
        event.save(update_fields=["at"])
    for counter in SignInCounter.objects.all():
        counter.window_start -= delta
        if counter.locked_until is not None:
            counter.locked_until -= delta
        counter.save()


def test_right_password_is_refused_after_too_many_failures(center_sapporo):
    fail("center-sapporo", LIMIT)
    response = attempt("center-sapporo", PASSWORD)
    assert not signed_in(response)
    assert error_codes(response) == {"locked"}


def test_the_failure_that_reaches_the_limit_already_says_locked(center_sapporo):
    fail("center-sapporo", LIMIT - 1)
    response = attempt("center-sapporo", "wrong-password")
    assert error_codes(response) == {"locked"}


def test_fewer_failures_than_the_limit_do_not_lock(center_sapporo):
    fail("center-sapporo", LIMIT - 1)
    assert signed_in(attempt("center-sapporo", PASSWORD))


def test_locked_message_says_how_long_to_wait(center_sapporo):
    fail("center-sapporo", LIMIT)
    with translation.override("en"):
        response = Client().post(
            reverse("login"), {"username": "center-sapporo", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert f"Try again in {MINUTES} minutes" in response.content.decode()


def test_lock_out_is_recorded_once(center_sapporo):
    fail("center-sapporo", LIMIT + 2)
    lock = AuditEvent.objects.get(action="locked_out", username="center-sapporo")
    assert lock.detail == {"failures": LIMIT, "minutes": MINUTES}


def test_attempts_while_locked_are_recorded_as_refused(center_sapporo):
    fail("center-sapporo", LIMIT)
    attempt("center-sapporo", PASSWORD)
    last = AuditEvent.objects.filter(action="login_failed", username="center-sapporo").first()
    assert last.detail == {"locked": True}


def test_lock_ends_after_the_lockout_minutes(center_sapporo):
    fail("center-sapporo", LIMIT)
    age_events("center-sapporo", MINUTES + 1)
    assert signed_in(attempt("center-sapporo", PASSWORD))


def test_lock_holds_just_before_the_lockout_minutes(center_sapporo):
    fail("center-sapporo", LIMIT)
    age_events("center-sapporo", MINUTES - 1)
    assert not signed_in(attempt("center-sapporo", PASSWORD))


def test_one_failure_after_a_lock_ends_does_not_lock_again(center_sapporo):
    fail("center-sapporo", LIMIT + 2)
    age_events("center-sapporo", MINUTES + 1)
    fail("center-sapporo", 1)
    assert signed_in(attempt("center-sapporo", PASSWORD))


def test_failures_older_than_the_window_do_not_count(center_sapporo):
    fail("center-sapporo", LIMIT - 1)
    age_events("center-sapporo", MINUTES + 1)
    fail("center-sapporo", 1)
    assert signed_in(attempt("center-sapporo", PASSWORD))


def test_a_successful_sign_in_starts_the_count_again(center_sapporo):
    fail("center-sapporo", LIMIT - 1)
    assert signed_in(attempt("center-sapporo", PASSWORD))
    fail("center-sapporo", LIMIT - 1)
    assert signed_in(attempt("center-sapporo", PASSWORD))


def test_failures_counted_by_another_process_count(center_sapporo):
    """The counter is a database row, so every process of the site agrees (here: one written directly)."""
    SignInCounter.objects.create(
        kind=SignInCounter.Kind.ACCOUNT, key="center-sapporo", count=LIMIT, window_start=timezone.now()
    )
    assert not signed_in(attempt("center-sapporo", PASSWORD))
    assert services.login_locked_until(username="center-sapporo") is not None


def test_lock_is_per_account(center_sapporo, center_hakodate):
    fail("center-hakodate", LIMIT)
    assert signed_in(attempt("center-sapporo", PASSWORD))


def test_unknown_names_lock_the_same_way(master):
    fail("no-such-user", LIMIT)
    assert error_codes(attempt("no-such-user", "whatever")) == {"locked"}


def test_admin_sign_in_obeys_the_same_lock(hq):
    hq.is_staff = hq.is_superuser = True
    hq.save()
    fail("hq", LIMIT, url="admin:login")
    response = attempt("hq", PASSWORD, url="admin:login")
    assert response.status_code == HTTPStatus.OK
    assert error_codes(response) == {"locked"}


def test_lock_until_is_the_lock_time_plus_the_minutes(center_sapporo):
    fail("center-sapporo", LIMIT)
    lock = AuditEvent.objects.get(action="locked_out")
    until = services.login_locked_until(username="center-sapporo")
    assert abs(until - (lock.at + datetime.timedelta(minutes=MINUTES))) < datetime.timedelta(seconds=2)
    assert until > timezone.now()
