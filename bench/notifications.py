"""Does notifying slow down the writes that notify? (issue 12)

Filing a referral as 小樽市's officer and changing one of 小樽市's stages as
札幌 staff, each measured with the notification subscribers connected and
disconnected, interleaved, in one run. The after-commit hooks (the audit
trail and, when connected, the notifications: inbox rows and the queued mail
task) are run inside the timed block, as they run inside the request in
production; each run is rolled back so the data stays as built. Sending mail
is not part of it: the worker does that, outside any request.
"""

from __future__ import annotations

import datetime
import time
from contextlib import contextmanager

from bench import metrics


def _deliver_hooks() -> None:
    from django.db import connection

    hooks, connection.run_on_commit = connection.run_on_commit, []
    for _savepoints, function, _robust in hooks:
        function()


@contextmanager
def _notifications(enabled: bool):
    from cooperation.notifications import subscribers
    from offices import events

    if not enabled:
        events.unsubscribe(subscribers.queue_fan_out)
    try:
        yield
    finally:
        if not enabled:
            events.subscribe(*subscribers.HANDLERS)(subscribers.queue_fan_out)


def _people():
    from offices.models import Municipality, Office, Role, User

    otaru = Municipality.objects.get(lg_code="012033")
    officer = User.objects.create_user(username="bench-lg-otaru", email="bench-lg-otaru@example.jp")
    Role.objects.create(user=officer, kind=Role.Kind.MUNICIPALITY, municipality=otaru)
    staff = []
    for number in range(3):
        user = User.objects.create_user(username=f"bench-center-sapporo-{number}", email=f"bench-{number}@example.jp")
        Role.objects.create(user=user, kind=Role.Kind.CENTER, office=Office.objects.get(code="sapporo"))
        staff.append(user)
    return otaru, officer, staff


def _file_referral(ctx, otaru, officer, staff):
    from cooperation.referrals.services import referral_create

    referral_create(
        by=officer,
        municipality=otaru,
        received_on=ctx.today - datetime.timedelta(days=1),
        topic="tax",
        summary="ベンチマーク用の相談",
    )


def _change_stage(ctx, otaru, officer, staff):
    from cooperation.models import Progress, Stage
    from cooperation.progress.services import progress_update

    progress = Progress.objects.get(municipality=otaru, item__code="1-1")
    target = Stage.CONSIDERING if progress.stage != Stage.CONSIDERING else Stage.ARRANGING
    progress_update(
        progress=progress,
        stage=target,
        by=staff[0],
        effective_date=max(ctx.today, progress.stage_date or ctx.today),
        note="ベンチマーク",  # a move back down the ladder needs its reason (issue 16)
    )


def _timed(operation, ctx, *, enabled: bool) -> tuple[float, int]:
    """Seconds and queries of one operation and its after-commit hooks, rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with _notifications(enabled), transaction.atomic():
        people = _people()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            operation(ctx, *people)
            _deliver_hooks()
            seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, len(queries.captured_queries)


def _fan_out_seconds(ctx) -> float:
    """The worker's share for one filed referral: recipients, inbox rows, the mail task queued (rolled back)."""
    import datetime as _datetime

    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from cooperation.notifications.subscribers import fan_out_event

    with transaction.atomic():
        people = _people()
        _file_referral(ctx, *people)
        _deliver_hooks()
        task = DBTaskResult.objects.filter(task_path__endswith=".fan_out").order_by("-enqueued_at").first()
        code, actor_id, at, data = task.args_kwargs["args"]
        started = time.perf_counter()
        fan_out_event(code=code, actor_id=actor_id, at=_datetime.datetime.fromisoformat(at), data=data)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def measure_notifications(ctx, repeats: int) -> list[dict]:
    rows = []
    for name, label, operation in (
        ("referral_file_notified", "file a referral (notifications on / off)", _file_referral),
        ("stage_change_notified", "change a stage (notifications on / off)", _change_stage),
    ):
        on_times, off_times, on_queries, off_queries = [], [], 0, 0
        _timed(operation, ctx, enabled=True)  # warm-up
        for _ in range(max(repeats, 5) * 2):
            seconds, on_queries = _timed(operation, ctx, enabled=True)
            on_times.append(seconds)
            seconds, off_queries = _timed(operation, ctx, enabled=False)
            off_times.append(seconds)
        on_ms = metrics.median(on_times) * 1000
        off_ms = metrics.median(off_times) * 1000
        rows.append(
            metrics.entry(
                name,
                label=label,
                kind="write",
                queries=on_queries,
                median_ms=round(on_ms, 2),
                floor_median_ms=round(off_ms, 2),
                ratio_floor=metrics.ratio(on_ms, off_ms),
                repeats=len(on_times),
                note=(
                    "floor = the same write with the notification subscribers disconnected "
                    f"({off_queries} queries); ratio = on / off"
                ),
            )
        )
    worker = [_fan_out_seconds(ctx) for _ in range(max(repeats, 5))]
    rows.append(
        metrics.entry(
            "referral_fan_out_worker",
            label="fan-out of a filed referral, in the worker",
            kind="task",
            median_ms=round(metrics.median(worker) * 1000, 2),
            repeats=len(worker),
            note="not in the request: recipients, inbox rows, the mail task queued",
        )
    )
    return rows
