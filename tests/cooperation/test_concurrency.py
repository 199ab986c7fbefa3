"""No lost updates: two people editing the same progress at once, each on their own database connection.

Needs PostgreSQL: SQLite locks the whole database file, so two connections
never hold a row each and the race cannot be staged there. The test is
transactional (each thread commits for real), so it flushes the database when
it ends; later tests get the master data back through the ``master`` fixture.
"""

import threading

import pytest
from django.db import connection, transaction
from django.utils import translation

from cooperation.models import Progress, Stage
from cooperation.progress.services import ProgressConflict, progress_update

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs two real connections with row locks: run with DATABASE_URL pointing at PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def _in_thread(target, results: dict, key: str) -> threading.Thread:
    """Run ``target`` on its own database connection, keeping its result or exception."""

    def run():
        try:
            results[key] = target()
        except Exception as error:  # noqa: BLE001 - the test inspects whatever was raised
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_second_save_on_the_same_version_is_refused_while_the_first_holds_the_row(master, lg_otaru, center_sapporo):
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="2-2")
    version = progress.version
    first_saved = threading.Event()
    first_may_commit = threading.Event()
    results = {}

    def first():
        with transaction.atomic():
            change = progress_update(
                progress=Progress.objects.get(pk=progress.pk),
                stage=Stage.ARRANGING,
                by=lg_otaru,
                expected_version=version,
            )
            first_saved.set()
            assert first_may_commit.wait(timeout=10)
        return change

    def second():
        with translation.override("en"):
            try:
                progress_update(
                    progress=Progress.objects.get(pk=progress.pk),
                    stage=Stage.CONSIDERING,
                    by=center_sapporo,
                    expected_version=version,
                )
            except ProgressConflict as conflict:
                return conflict, str(conflict)
        return None

    first_thread = _in_thread(first, results, "first")
    assert first_saved.wait(timeout=10)
    second_thread = _in_thread(second, results, "second")
    second_thread.join(timeout=0.5)
    waiting_for_the_lock = second_thread.is_alive()
    first_may_commit.set()
    first_thread.join(timeout=10)
    second_thread.join(timeout=10)

    assert waiting_for_the_lock
    assert results["first"].to_stage == Stage.ARRANGING
    conflict, message = results["second"]
    assert conflict.current.stage == Stage.ARRANGING
    assert conflict.current.version == version + 1
    assert "Arranging" in message
    assert str(lg_otaru) in message
    progress.refresh_from_db()
    assert (progress.stage, progress.version, progress.changes.count()) == (Stage.ARRANGING, version + 1, 1)


def test_second_save_after_the_first_committed_is_refused(master, lg_otaru, center_sapporo):
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="2-1")
    # Both people open the form: each connection reads version N.
    opened = {"first": None, "second": None}
    results = {}

    def read(key):
        def target():
            opened[key] = Progress.objects.get(pk=progress.pk)
            return opened[key].version

        return target

    for key in opened:
        _in_thread(read(key), results, key).join(timeout=10)
    assert results["first"] == results["second"] == progress.version

    def save(key, stage, by):
        def target():
            return progress_update(progress=opened[key], stage=stage, by=by, expected_version=results[key])

        return target

    _in_thread(save("first", Stage.DONE, lg_otaru), results, "first_save").join(timeout=10)
    _in_thread(save("second", Stage.NOT_STARTED, center_sapporo), results, "second_save").join(timeout=10)

    assert results["first_save"].to_stage == Stage.DONE
    assert isinstance(results["second_save"], ProgressConflict)
    assert results["second_save"].current.stage == Stage.DONE
    progress.refresh_from_db()
    assert progress.stage == Stage.DONE
