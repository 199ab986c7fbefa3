"""Sign-in (issue 11, finding 3): atomic lock-out, throttling per client address, reset clears the lock."""

import threading
from http import HTTPStatus

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from offices import services
from offices.events import client_ip
from offices.models import AuditEvent, SignInCounter

PASSWORD = "pass-for-tests-123"
LIMIT = 3


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 2
    settings.CLIENT_IP_HEADER = ""


def attempt(username, password, address="192.0.2.10", **headers):
    return Client(REMOTE_ADDR=address, **headers).post(reverse("login"), {"username": username, "password": password})


def signed_in(response) -> bool:
    return response.status_code == HTTPStatus.FOUND


def error_codes(response) -> set[str]:
    return {error.code for error in response.context["form"].errors.as_data().get("__all__", [])}


# --- per client address ----------------------------------------------------------------------------------------------


def test_failures_from_one_address_over_many_accounts_lock_that_address(center_sapporo, master):
    for number in range(5):
        attempt(f"guess-{number}", "wrong-password")
    response = attempt("center-sapporo", PASSWORD)
    assert not signed_in(response)
    assert error_codes(response) == {"address_locked"}


def test_another_address_is_not_locked(center_sapporo, master):
    for number in range(5):
        attempt(f"guess-{number}", "wrong-password")
    assert signed_in(attempt("center-sapporo", PASSWORD, address="192.0.2.99"))


def test_successful_sign_ins_do_not_count_against_the_address(center_sapporo, master):
    for _ in range(8):
        assert signed_in(attempt("center-sapporo", PASSWORD))
    assert SignInCounter.objects.get(kind="address", key="192.0.2.10").count == 0


def test_address_lock_is_audited_with_the_address(master):
    for number in range(6):
        attempt(f"guess-{number}", "wrong-password")
    lock = AuditEvent.objects.get(action="locked_out", detail__address="192.0.2.10")
    assert lock.ip_address == "192.0.2.10"


# --- the client address behind the proxy -----------------------------------------------------------------------------


def test_client_address_is_remote_addr_without_a_configured_header():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(request) == "10.0.0.1"


def test_client_address_comes_from_the_configured_header(settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


def test_a_header_that_is_no_address_falls_back_to_remote_addr(settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="<script>")
    assert client_ip(request) == "10.0.0.1"


def test_audit_and_throttle_use_the_address_of_the_header(settings, center_sapporo):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    for number in range(5):
        attempt(f"guess-{number}", "wrong-password", address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    failure = AuditEvent.objects.filter(action="login_failed").first()
    assert failure.ip_address == "203.0.113.7"
    # Another client behind the same proxy still signs in.
    response = attempt("center-sapporo", PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert signed_in(response)


# --- password reset --------------------------------------------------------------------------------------------------


def test_password_reset_requests_are_throttled_per_address(center_sapporo):
    center_sapporo.email = "sapporo@example.lg.jp"
    center_sapporo.save()
    client = Client(REMOTE_ADDR="192.0.2.20")
    for _ in range(2):
        response = client.post(reverse("password_reset"), {"email": "sapporo@example.lg.jp"})
        assert response.status_code == HTTPStatus.FOUND
    response = client.post(reverse("password_reset"), {"email": "sapporo@example.lg.jp"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert len(mail.outbox) == 2


def test_completed_password_reset_clears_the_lock(center_sapporo):
    for _ in range(LIMIT):
        attempt("center-sapporo", "wrong-password")
    assert services.login_locked_until(username="center-sapporo") is not None
    uid = urlsafe_base64_encode(force_bytes(center_sapporo.pk))
    token = default_token_generator.make_token(center_sapporo)
    client = Client()
    response = client.get(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}), follow=True)
    new_password = "a-new-long-passphrase-2026"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert services.login_locked_until(username="center-sapporo") is None
    assert signed_in(attempt("center-sapporo", new_password))


# --- passwords -------------------------------------------------------------------------------------------------------


def test_passwords_shorter_than_twelve_characters_are_refused():
    with pytest.raises(ValidationError):
        validate_password("kyoto-2026b")
    validate_password("kyoto-2026-bc")


# --- concurrency (PostgreSQL) ----------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections with row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_get_no_more_password_checks_than_the_limit(master, center_sapporo, settings):
    """The review: 40 concurrent guesses with a limit of 5 let the right password in at guess 6 to 11."""
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 1000
    guesses = 40
    start = threading.Barrier(guesses)
    results = []

    def guess(number):
        try:
            start.wait()
            results.append(signed_in(attempt("center-sapporo", f"wrong-{number}", address=f"192.0.2.{number}")))
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(number,)) for number in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == [False] * guesses
    checked = AuditEvent.objects.filter(action="login_failed", username="center-sapporo").exclude(
        detail__has_key="locked"
    )
    assert checked.count() <= 5
    assert not signed_in(attempt("center-sapporo", PASSWORD, address="192.0.2.250"))
