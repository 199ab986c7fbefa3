"""Demo accounts have reserved addresses; the demo notifications give them a few unread ones."""

import datetime

import pytest

from cooperation.fiscal import today
from cooperation.models import Notification, Referral
from cooperation.notifications.demo import generate
from cooperation.referrals.services import referral_create, referral_transition
from offices.models import Municipality, User
from offices.services import DEMO_ACCOUNTS, demo_accounts_create

pytestmark = pytest.mark.django_db


def test_demo_accounts_have_addresses_on_a_reserved_domain(master):
    demo_accounts_create(password="demo-pass-for-tests")
    addresses = dict(
        User.objects.filter(username__in=[row[0] for row in DEMO_ACCOUNTS]).values_list("username", "email")
    )
    assert len(addresses) == len(DEMO_ACCOUNTS)
    assert all(address == f"{username}@example.jp" for username, address in addresses.items())


def test_demo_notifications_are_unread_and_in_scope(master):
    demo_accounts_create(password="demo-pass-for-tests")
    otaru = Municipality.objects.get(lg_code="012033")
    hakodate = Municipality.objects.get(lg_code="012025")
    for municipality in (otaru, otaru, hakodate):
        referral = referral_create(
            by=None,
            municipality=municipality,
            received_on=today() - datetime.timedelta(days=5),
            topic="tax",
            summary="相談",
        )
    first = Referral.objects.filter(municipality=otaru).first()
    referral_transition(referral=first, to_status="closed", outcome="resolved", by=None)

    assert generate() > 0
    assert generate() == Notification.objects.count(), "a second run replaces the first"
    sapporo = Notification.objects.filter(recipient__username="center-sapporo")
    assert sapporo.count() == 2 and all(n.municipality == otaru and n.read_at is None for n in sapporo)
    assert set(
        Notification.objects.filter(recipient__username="center-hakodate").values_list("municipality", flat=True)
    ) == {hakodate.pk}
    officer = Notification.objects.filter(recipient__username="lg-012033")
    assert officer.exists() and set(officer.values_list("municipality", flat=True)) == {otaru.pk}
    assert {n.kind for n in officer} >= {"referral_moved"}
    assert referral is not None
