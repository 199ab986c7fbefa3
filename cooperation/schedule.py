"""The daily jobs on the task queue (django-tasks, database backend): what runs when, each run queuing the next.

No cron: ``manage.py schedule_daily_tasks`` (``make run`` calls it before
starting the worker, a deployment once after each migrate) queues every job
of ``DAILY`` that has no run waiting; each run, however it ends, queues the
next one at the same local time (Asia/Tokyo) the following day. There is
never more than one run of a job waiting: queuing checks for one under a lock
(PostgreSQL: an advisory lock per job; SQLite: its IMMEDIATE transactions),
so a second ``make run``, or a run finishing while the command runs, adds
nothing. A worker that was stopped runs a missed job once when it starts.
"""

from __future__ import annotations

import datetime
import functools
import zlib

from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

# Task path → local time of day. Retention first, at night; the digest before the working day.
DAILY: dict[str, datetime.time] = {
    "cooperation.referrals.tasks.redact_referrals": datetime.time(2, 30),
    "cooperation.notifications.tasks.prune_notifications": datetime.time(3, 0),
    "cooperation.schedule.prune_task_results": datetime.time(3, 15),
    "cooperation.commissioners.tasks.announce_commissioner_terms": datetime.time(6, 0),
    "cooperation.notifications.tasks.send_digests": datetime.time(7, 0),
}
FINISHED_TASKS_KEPT_DAYS = 30


def next_run(path: str, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """The next moment after ``now`` at the job's local time of day (today if it is still ahead, else tomorrow)."""
    moment = timezone.localtime(now or timezone.now())
    run = timezone.make_aware(datetime.datetime.combine(moment.date(), DAILY[path]))
    if run <= moment:
        run = timezone.make_aware(datetime.datetime.combine(moment.date() + datetime.timedelta(days=1), DAILY[path]))
    return run


def waiting(path: str):
    """The runs of a job queued and not yet started."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=path, status="READY")


def _lock(path: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(path.encode())])


def schedule(path: str, *, now: datetime.datetime | None = None):
    """Queue the next run of the daily job ``path`` unless one is waiting; return its result, or None."""
    with transaction.atomic():
        _lock(path)
        if waiting(path).exists():
            return None
        return import_string(path).using(run_after=next_run(path, now=now)).enqueue()


def schedule_daily(*, now: datetime.datetime | None = None) -> dict[str, datetime.datetime | None]:
    """Make sure every daily job has its next run queued: path → the run queued now (None: one was waiting)."""
    queued = {}
    for path in DAILY:
        result = schedule(path, now=now)
        queued[path] = result.db_result.run_after if result is not None else None
    return queued


def daily_task(function):
    """A task of ``DAILY`` that queues its own next run after each run, also when it fails."""
    path = f"{function.__module__}.{function.__qualname__}"
    if path not in DAILY:
        raise ValueError(f"{path} is not in cooperation.schedule.DAILY")

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            schedule(path)

    return task()(run)


@daily_task
def prune_task_results() -> int:
    """Delete the queue's finished task results older than ``FINISHED_TASKS_KEPT_DAYS``."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(days=FINISHED_TASKS_KEPT_DAYS)
    deleted, _rows = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
