"""The idle timeout slides forward without a session write on every page."""

import time
from http import HTTPStatus

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from offices.middleware import REFRESHED_KEY


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_sign_in_records_the_refresh_so_the_first_page_writes_no_session(center_sapporo):
    client = _signed_in(center_sapporo)
    assert client.session[REFRESHED_KEY] >= int(time.time()) - 5
    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date
    assert client.get(reverse("cooperation:home"), follow=True).status_code == HTTPStatus.OK
    assert Session.objects.get(session_key=key).expire_date == expiry


def test_pages_within_the_refresh_interval_write_no_session(center_sapporo):
    client = _signed_in(center_sapporo)
    client.get(reverse("cooperation:home"))
    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date
    client.get(reverse("cooperation:home"))
    assert Session.objects.get(session_key=key).expire_date == expiry


def test_a_page_after_the_interval_extends_the_session(center_sapporo, settings):
    client = _signed_in(center_sapporo)
    client.get(reverse("cooperation:home"))
    session = client.session
    session[REFRESHED_KEY] = int(time.time()) - settings.SESSION_REFRESH_SECONDS - 1
    session.save()
    key = session.session_key
    before = Session.objects.get(session_key=key).expire_date
    time.sleep(1)
    client.get(reverse("cooperation:home"))
    assert Session.objects.get(session_key=key).expire_date > before
