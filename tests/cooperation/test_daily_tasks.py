"""The daily jobs on the real database queue: queued once, each run queuing the next (cooperation/schedule.py)."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cooperation.fiscal import today
from cooperation.models import Referral, ReferralEvent
from cooperation.referrals.services import referral_create, referral_transition
from cooperation.schedule import DAILY, next_run, schedule_daily

pytestmark = pytest.mark.usefixtures("master")

REDACT = "cooperation.referrals.tasks.redact_referrals"
TOKYO = datetime.timezone(datetime.timedelta(hours=9))


def waiting(path):
    return DBTaskResult.objects.filter(task_path=path, status="READY")


def closed_long_ago(municipality, by) -> Referral:
    referral = referral_create(by=by, municipality=municipality, received_on=today(), topic="tax", summary="国税の相談")
    referral_transition(referral=referral, to_status="closed", outcome="resolved", by=by, note="税務署に照会し回答")
    long_ago = timezone.now() - datetime.timedelta(days=settings.REFERRAL_RETENTION_DAYS + 2)
    Referral.objects.filter(pk=referral.pk).update(closed_at=long_ago)
    return referral


def test_next_run_is_today_if_the_time_is_still_ahead_else_tomorrow_in_tokyo():
    before = datetime.datetime(2026, 6, 1, 1, 0, tzinfo=TOKYO)
    after = datetime.datetime(2026, 6, 1, 2, 30, tzinfo=TOKYO)
    assert next_run(REDACT, now=before) == datetime.datetime(2026, 6, 1, 2, 30, tzinfo=TOKYO)
    assert next_run(REDACT, now=after) == datetime.datetime(2026, 6, 2, 2, 30, tzinfo=TOKYO)
    # 17:40 UTC is 02:40 the next day in Tokyo: the run after it is the day after that.
    utc = datetime.datetime(2026, 6, 1, 17, 40, tzinfo=datetime.UTC)
    assert next_run(REDACT, now=utc) == datetime.datetime(2026, 6, 3, 2, 30, tzinfo=TOKYO)


def test_the_command_queues_every_daily_job_once_and_a_second_run_adds_nothing():
    out = io.StringIO()
    call_command("schedule_daily_tasks", stdout=out)
    first = {row.task_path: row.run_after for row in DBTaskResult.objects.all()}
    call_command("schedule_daily_tasks", stdout=out)

    assert set(first) == set(DAILY)
    assert DBTaskResult.objects.count() == len(DAILY)
    for path, run_after in first.items():
        local = timezone.localtime(run_after)
        assert local.time() == DAILY[path] and timezone.now() < run_after <= timezone.now() + datetime.timedelta(1)
    assert out.getvalue().count("already queued.") == len(DAILY)


def test_redaction_runs_on_the_queue_and_queues_its_next_run_exactly_once(run_worker, otaru, center_sapporo):
    referral = closed_long_ago(otaru, center_sapporo)
    recent = referral_create(by=None, municipality=otaru, received_on=today(), topic="tax", summary="新しい相談")
    schedule_daily()
    # 02:30 has come: the waiting run is due.
    waiting(REDACT).update(run_after=timezone.now() - datetime.timedelta(minutes=1))

    run_worker()

    referral.refresh_from_db()
    assert referral.summary == "" and referral.redacted_at is not None
    assert not ReferralEvent.objects.filter(referral=referral).exclude(note="").exists()
    assert (referral.topic, referral.outcome, referral.status) == ("tax", "resolved", "closed")
    assert Referral.objects.get(pk=recent.pk).summary == "新しい相談"
    done = DBTaskResult.objects.get(task_path=REDACT, status="SUCCESSFUL")
    assert done.return_value == 1
    following = waiting(REDACT).get()
    assert following.run_after == next_run(REDACT, now=done.finished_at)
    # Scheduling again (a second `make run`) finds it waiting.
    schedule_daily()
    assert waiting(REDACT).count() == 1


def test_a_failing_run_still_queues_the_next(run_worker, monkeypatch):
    from cooperation.referrals import retention

    def broken(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(retention, "referrals_redact", broken)
    schedule_daily()
    waiting(REDACT).update(run_after=timezone.now() - datetime.timedelta(minutes=1))

    run_worker()

    assert DBTaskResult.objects.filter(task_path=REDACT, status="FAILED").count() == 1
    assert waiting(REDACT).count() == 1
    assert waiting(REDACT).get().run_after > timezone.now()


def test_the_digest_run_by_hand_on_the_queue_does_not_queue_a_second_daily_run(run_worker):
    schedule_daily()
    call_command("send_digests", "--enqueue", stdout=io.StringIO())
    path = "cooperation.notifications.tasks.send_digests"
    assert waiting(path).count() == 2  # the one asked for now, and tomorrow's
    run_worker()
    assert waiting(path).count() == 1 and waiting(path).get().run_after > timezone.now()


def test_old_finished_task_results_are_pruned_by_their_daily_job(run_worker):
    schedule_daily()
    old = timezone.now() - datetime.timedelta(days=40)
    stale = DBTaskResult.objects.create(
        task_path="cooperation.notifications.tasks.fan_out",
        args_kwargs={"args": [], "kwargs": {}},
        status="SUCCESSFUL",
        run_after=old,
        finished_at=old,
        backend_name="default",
    )
    waiting("cooperation.schedule.prune_task_results").update(run_after=timezone.now())
    run_worker()
    assert not DBTaskResult.objects.filter(pk=stale.pk).exists()
    assert waiting("cooperation.schedule.prune_task_results").count() == 1


def test_make_run_queues_the_daily_jobs_before_starting_the_worker():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:")[1].split("\n\n")[0]
    assert "manage.py schedule_daily_tasks" in run
    assert run.index("manage.py schedule_daily_tasks") < run.index("manage.py db_worker")
