"""Shared fixtures: the national master data, a user of each demo role, logged-in clients."""

import os

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from offices.models import Municipality, Role, User

# In CI (CI=true) a test that needs a missing tool (chromium, gettext) fails instead of being skipped:
# a green run must have run everything. Locally the skip stays, with its reason.
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing_tool(reason: str):
    """The mark for a test whose tool is missing: a skip locally, a failure in CI."""
    return pytest.mark.missing_tool(reason=reason) if IN_CI else pytest.mark.skip(reason=reason)


def pytest_runtest_setup(item):
    mark = item.get_closest_marker("missing_tool")
    if mark is not None:
        pytest.fail("CI=true, so this is a failure, not a skip: " + mark.kwargs["reason"], pytrace=False)


def pytest_terminal_summary(terminalreporter):
    """Name the PostgreSQL-only tests and how they ended, so a CI log shows they ran."""
    outcomes = []
    for name in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(name, []):
            if "postgres" in getattr(report, "keywords", {}) and report.when in {"call", "setup"}:
                if name != "passed" or report.when == "call":
                    outcomes.append(f"{report.nodeid}: {name}")
    if outcomes:
        terminalreporter.write_sep("-", "PostgreSQL-only tests")
        for line in outcomes:
            terminalreporter.write_line(line)


DEMO_ROLES = {
    # fixture name: (role kind, target field, natural key, read only)
    "hq": ("headquarters", None, None, False),
    "viewer_hq": ("headquarters", None, None, True),
    "bureau_hokkaido": ("bureau", "region", "hokkaido", False),
    "bureau_chugoku_shikoku": ("bureau", "region", "chugoku-shikoku", False),
    "center_sapporo": ("center", "office", "sapporo", False),
    "center_hakodate": ("center", "office", "hakodate", False),
    "viewer_sapporo": ("center", "office", "sapporo", True),
    "pref_01": ("prefecture", "prefecture", "01", False),
    "lg_otaru": ("municipality", "municipality", "012033", False),
    "lg_hakodate": ("municipality", "municipality", "012025", False),
    "lg_sapporo": ("municipality", "municipality", "011002", False),
}


@pytest.fixture(autouse=True)
def _fast_and_private(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.LANGUAGE_CODE = "ja"
    # A cache of its own per test (the database is rolled back after each test, so must the roll-ups be).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }


def _only_test_blocks(connection) -> bool:
    """Inside the test's own transaction and no block opened by the code under test."""
    return connection.in_atomic_block and all(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


def _run_pending_hooks(connection) -> None:
    hooks, connection.run_on_commit = connection.run_on_commit, []
    for _savepoints, function, robust in hooks:
        if robust:
            try:
                function()
            except Exception:  # noqa: BLE001 - Django's robust hooks log and go on
                pass
        else:
            function()


@pytest.fixture(autouse=True)
def _commit_hooks_as_in_production(monkeypatch):
    """Deliver ``on_commit`` hooks when the code under test commits, as production does.

    A test runs inside a transaction that is rolled back at its end, so
    Django would never run the hooks the services register (domain events).
    Here a hook registered outside any block of the code under test runs at
    once (autocommit), and the hooks of the outermost block it opens run when
    that block exits without error; a rolled-back block drops its hooks as
    Django does. Tests with ``transaction=True`` commit for real.
    """
    original_exit = transaction.Atomic.__exit__
    original_on_commit = BaseDatabaseWrapper.on_commit

    def exit_then_commit(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        connection = connections[self.using or "default"]
        if exc_type is None and _only_test_blocks(connection) and connection.run_on_commit:
            _run_pending_hooks(connection)
        return result

    def on_commit(self, func, robust=False):
        if _only_test_blocks(self):
            original_on_commit(self, func, robust)
            _run_pending_hooks(self)
        else:
            original_on_commit(self, func, robust)

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_then_commit)
    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the master data once per test database; every test then runs inside a rollback."""
    with django_db_blocker.unblock():
        call_command("load_master_data", verbosity=0, stdout=open("/dev/null", "w"))


@pytest.fixture
def master(db):
    """The national master data (reloaded if a transactional test flushed it)."""
    if not Municipality.objects.exists():
        call_command("load_master_data", verbosity=0, stdout=open("/dev/null", "w"))


def make_user(username: str, kind: str, field: str | None = None, key: str | None = None, read_only: bool = False):
    from offices.models import Municipality, Office, Prefecture, Region

    user = User.objects.create_user(username=username, password="pass-for-tests-123")
    target = {}
    if field:
        model = {"region": Region, "office": Office, "prefecture": Prefecture, "municipality": Municipality}[field]
        target = {field: model.objects.get_by_natural_key(key)}
    Role.objects.create(user=user, kind=kind, read_only=read_only, **target)
    return user


def _user_fixture(name):
    @pytest.fixture(name=name)
    def fixture(master):
        kind, field, key, read_only = DEMO_ROLES[name]
        return make_user(name.replace("_", "-"), kind, field, key, read_only)

    return fixture


for _name in DEMO_ROLES:
    globals()[_name] = _user_fixture(_name)


@pytest.fixture
def client_for():
    """Return a logged-in test client for a user: ``client_for(center_sapporo)``."""

    def login(user):
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def otaru(master):
    return Municipality.objects.get(lg_code="012033")


@pytest.fixture
def hakodate_city(master):
    return Municipality.objects.get(lg_code="012025")


@pytest.fixture
def hokkaido_government(master):
    return Municipality.objects.get(lg_code="010006")


def pytest_report_header(config):
    from tests.e2e.conftest import CHROMIUM, HAVE_CHROMIUM, SKIP_REASON

    return f"e2e browser: {CHROMIUM if HAVE_CHROMIUM else SKIP_REASON}"
