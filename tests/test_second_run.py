"""A second `make run` keeps what people entered: the setup steps change no row the second time."""

import hashlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from cooperation.models import Referral
from cooperation.referrals.services import referral_transition
from offices.models import User


def setup_as_make_run() -> str:
    out = io.StringIO()
    call_command("load_master_data", stdout=out)
    call_command("setup_demo", years=1, scale=0.05, stdout=out)
    return out.getvalue()


def fingerprint() -> dict[str, str]:
    """A digest of every row of every table the product owns."""
    digests = {}
    for model in apps.get_models():
        if model._meta.app_label not in {"cooperation", "offices"}:
            continue
        rows = model.objects.order_by("pk").values_list()
        digests[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digests


@pytest.mark.django_db
def test_a_second_setup_changes_no_row_and_keeps_a_referral_handled_by_a_person(settings):
    settings.DEBUG = True
    setup_as_make_run()
    center = User.objects.get(username="center-sapporo")
    referral = Referral.objects.filter(municipality__office__code="sapporo", status="submitted").first()
    assert referral is not None, "the demo data has a submitted referral for 札幌 to handle"
    referral_transition(referral=referral, to_status="acknowledged", by=center)
    center.set_password("a-password-the-person-chose")
    center.save()
    before = fingerprint()

    output = setup_as_make_run()

    assert fingerprint() == before
    assert "demo data left as it is" in output
    assert Referral.objects.get(pk=referral.pk).status == "acknowledged"
    assert User.objects.get(username="center-sapporo").check_password("a-password-the-person-chose")


@pytest.mark.django_db
def test_regenerate_replaces_the_demo_data_on_request(settings):
    settings.DEBUG = True
    setup_as_make_run()
    call_command("setup_demo", years=1, scale=0.05, regenerate=True, stdout=io.StringIO())
    assert Referral.objects.exists()
