"""SQLite under concurrency (issue 11, finding 6): concurrent writers queue instead of failing.

A deferred transaction that reads and then writes cannot wait for the write
lock (SQLite answers "database is locked" at once, to avoid a deadlock); an
immediate one takes the lock when it begins and waits its turn. Runs on a
file database of its own, opened with the site's own connection options.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="SQLite only"
)

WRITERS = 20


def _race(tmp_path, options) -> tuple[int, int, int]:
    """Twenty threads each read a row's version and write version + 1 if unchanged; (saved, conflicts, errors)."""
    alias = "sqlite_race_" + tmp_path.name
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "race.sqlite3"), "OPTIONS": options}
    connections.settings[alias] = connections.configure_settings({"default": database, alias: database})[alias]
    with connections[alias].cursor() as cursor:
        cursor.execute("CREATE TABLE counter (id integer PRIMARY KEY, version integer)")
        cursor.execute("INSERT INTO counter VALUES (1, 0)")
    connections[alias].close()
    start = threading.Barrier(WRITERS)
    outcomes = []

    def write():
        try:
            start.wait()
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SELECT version FROM counter WHERE id = 1")
                (version,) = cursor.fetchone()
                time.sleep(0.02)  # a page's worth of work between the read and the write
                cursor.execute("UPDATE counter SET version = %s WHERE id = 1 AND version = %s", [version + 1, version])
                outcomes.append("saved" if cursor.rowcount == 1 else "conflict")
        except OperationalError:
            outcomes.append("error")
        finally:
            connections[alias].close()

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
    return outcomes.count("saved"), outcomes.count("conflict"), outcomes.count("error")


@pytest.fixture
def unblocked(django_db_blocker):
    """Its own database, not the test database: only the connection blocker is lifted."""
    with django_db_blocker.unblock():
        yield


@pytest.mark.usefixtures("unblocked")
def test_concurrent_writers_of_one_row_all_succeed_with_the_site_options(tmp_path):
    options = dict(settings.DATABASES["default"].get("OPTIONS", {}))
    saved, conflicts, errors = _race(tmp_path, options)
    assert (saved, conflicts, errors) == (WRITERS, 0, 0)


@pytest.mark.usefixtures("unblocked")
def test_deferred_transactions_would_fail_with_database_is_locked(tmp_path):
    """The finding itself, kept as a check that the race above can fail."""
    options = {**settings.DATABASES["default"].get("OPTIONS", {}), "transaction_mode": "DEFERRED"}
    _saved, _conflicts, errors = _race(tmp_path, options)
    assert errors > 0, (_saved, _conflicts, errors)
