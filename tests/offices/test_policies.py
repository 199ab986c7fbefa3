"""offices/policies.py: one answer to "may this user do this", for every path that acts."""

import pytest
from django.core.exceptions import PermissionDenied

from offices import policies
from offices.models import Municipality, Office

ACTORS = [
    "hq",
    "viewer_hq",
    "bureau_hokkaido",
    "center_sapporo",
    "center_hakodate",
    "viewer_sapporo",
    "pref_01",
    "lg_otaru",
]


@pytest.fixture
def otaru(master):
    return Municipality.objects.get(lg_code="012033")


@pytest.fixture
def hokkaido_government(master):
    return Municipality.objects.get(lg_code="010006")


@pytest.fixture
def sapporo_office(master):
    return Office.objects.get(code="sapporo")


# action, target fixture, the actors allowed (everyone else is refused)
CASES = [
    ("progress.change", "otaru", {"hq", "bureau_hokkaido", "center_sapporo", "lg_otaru"}),
    ("progress.change", "hokkaido_government", {"hq", "bureau_hokkaido", "center_sapporo", "pref_01"}),
    ("activity.log", "sapporo_office", {"hq", "bureau_hokkaido", "center_sapporo"}),
    ("activity.change", "sapporo_office", {"hq", "bureau_hokkaido", "center_sapporo"}),
    ("referral.file", "otaru", {"hq", "bureau_hokkaido", "center_sapporo", "lg_otaru"}),
    ("referral.handle", "otaru", {"hq", "bureau_hokkaido", "center_sapporo"}),
    ("survey.import", None, {"hq", "bureau_hokkaido", "center_sapporo", "center_hakodate"}),
    ("user.manage", None, {"hq", "bureau_hokkaido"}),
    ("audit.view_all", None, {"hq"}),
    ("activity.correct", "sapporo_office", {"hq", "bureau_hokkaido", "center_sapporo"}),
    ("progress.correct", "otaru", {"hq", "bureau_hokkaido", "center_sapporo", "lg_otaru"}),
]


@pytest.mark.parametrize(("action", "target_name", "allowed"), CASES)
def test_each_role_may_do_exactly_what_the_table_says(request, action, target_name, allowed):
    target = request.getfixturevalue(target_name) if target_name else None
    answers = {name: policies.can(request.getfixturevalue(name), action, target) for name in ACTORS}
    assert {name for name, answer in answers.items() if answer} == allowed


def test_the_system_may_do_everything(otaru):
    assert policies.can(None, "progress.change", otaru)
    policies.require_each(None, "progress.change", [otaru.pk])


def test_an_inactive_user_may_do_nothing(center_sapporo, otaru):
    center_sapporo.is_active = False
    assert not policies.can(center_sapporo, "progress.change", otaru)


def test_a_refusal_names_the_user_and_the_action_and_is_a_permission_denied(pref_01):
    with pytest.raises(policies.NotAllowed) as refusal:
        policies.require(pref_01, "survey.import")
    assert isinstance(refusal.value, PermissionDenied)
    assert "pref-01" in str(refusal.value) and "survey.import" in str(refusal.value)


def test_require_each_refuses_when_one_target_is_outside_and_names_it(center_hakodate, otaru, master):
    hakodate = Municipality.objects.get(lg_code="012025")
    policies.require_each(center_hakodate, "progress.change", [hakodate.pk])
    with pytest.raises(policies.NotAllowed, match="小樽市"):
        policies.require_each(center_hakodate, "progress.change", [hakodate.pk, otaru.pk])


def test_permitted_ids_keeps_only_the_targets_in_the_write_scope(center_sapporo, otaru, master):
    hakodate = Municipality.objects.get(lg_code="012025")
    assert policies.permitted_ids(center_sapporo, "progress.change", [otaru.pk, hakodate.pk]) == {otaru.pk}


def test_an_unknown_action_is_a_programming_error(hq):
    with pytest.raises(ValueError, match="Unknown action"):
        policies.can(hq, "progress.teleport")


def test_an_action_is_registered_once():
    with pytest.raises(ValueError, match="already registered"):
        policies.register("progress.change", "x", lambda user, target: True)
