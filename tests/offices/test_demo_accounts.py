"""`manage.py setup_demo --accounts-only`: the demo accounts of the README, one shared password, never in production."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from offices.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD
from offices.models import Municipality, User

pytestmark = pytest.mark.usefixtures("master")

# username: (role kind, natural key of the organisation it covers, read only)
EXPECTED = {
    "hq": ("headquarters", "", False),
    "bureau-hokkaido": ("bureau", "hokkaido", False),
    "center-sapporo": ("center", "sapporo", False),
    "center-hakodate": ("center", "hakodate", False),
    "pref-01": ("prefecture", "01", False),
    "lg-012033": ("municipality", "012033", False),
    "lg-012025": ("municipality", "012025", False),
    "lg-011002": ("municipality", "011002", False),
    "viewer-hq": ("headquarters", "", True),
}


@pytest.fixture
def setup_demo(settings, monkeypatch):
    """Run the command in development mode and return what it printed."""
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    def run():
        out = io.StringIO()
        call_command("setup_demo", "--accounts-only", stdout=out)
        return out.getvalue()

    return run


def role_of(username):
    role = User.objects.get(username=username).roles.get()
    return (role.kind, role.describe()["target"], role.read_only)


@pytest.mark.parametrize("username", EXPECTED)
def test_demo_account_has_its_role_and_scope(username, setup_demo):
    setup_demo()
    assert role_of(username) == EXPECTED[username]


def test_the_issue_lists_every_demo_account(setup_demo):
    setup_demo()
    usernames = {"hq", "bureau-hokkaido", "center-sapporo", "center-hakodate", "pref-01"}
    usernames |= {"lg-012033", "lg-012025", "lg-011002"}
    assert usernames <= set(User.objects.values_list("username", flat=True))


def test_password_comes_from_demo_password(setup_demo, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass-42")
    setup_demo()
    assert authenticate(username="center-sapporo", password="another-demo-pass-42") is not None
    assert authenticate(username="center-sapporo", password=DEFAULT_DEMO_PASSWORD) is None


def test_default_password_is_used_and_printed(setup_demo):
    output = setup_demo()
    assert DEFAULT_DEMO_PASSWORD in output
    assert authenticate(username="lg-012033", password=DEFAULT_DEMO_PASSWORD) is not None


def test_every_demo_account_is_printed(setup_demo):
    output = setup_demo()
    assert all(username in output for username in EXPECTED)


def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("setup_demo", "--accounts-only", stdout=io.StringIO())
    assert not User.objects.filter(username="hq").exists()


def test_running_twice_keeps_one_role_per_account(setup_demo):
    setup_demo()
    setup_demo()
    assert all(User.objects.get(username=username).roles.count() == 1 for username in EXPECTED)


def test_demo_center_sapporo_sees_otaru_and_demo_center_hakodate_does_not(setup_demo):
    setup_demo()
    otaru = Municipality.objects.filter(lg_code="012033")
    assert otaru.visible_to(User.objects.get(username="center-sapporo")).exists()
    assert not otaru.visible_to(User.objects.get(username="center-hakodate")).exists()


def test_only_the_headquarters_demo_account_reaches_the_admin(setup_demo):
    setup_demo()
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {"hq"}
