"""Demo data (デモデータ): a plausible national history of cooperation, deterministic by seed.

What it writes, and how:

- Stage changes go through ``progress_update_many`` (the import's
  path, with every rule: dates never in the future nor before the current
  stage, 当面困難 with a reason, evidence matching its local government and
  item), one round per step so each progress moves in chronological order.
- Activities, their local governments, referrals and referral events are
  written with ``bulk_create`` (referrals with their steps, notes and dates:
  ``referrals.py``; those to a commissioner once the register exists): they carry no rules beyond their own fields,
  and the rows are the ones ``activity_create`` / ``referral_create`` /
  ``referral_transition`` would leave (the first referral moving 2-3 to 実施 is
  replayed as a stage change with the referral as evidence, as the service
  does). This keeps ten years of national data to a few minutes.
- Each finished fiscal year gets a national survey import (ImportBatch), the
  evidence of some of that year's changes.
- Everything is recorded by one inactive system user, ``demo-data``, that
  cannot sign in. As the history is simulated, each change is recorded
  (``StageChange.recorded_at``) shortly after its effective date instead of "now".

Running it again first removes what it wrote before (everything recorded by
``demo-data``, and history resting on it as evidence) and puts the progress
rows it touched back to what the remaining history says, so it never
duplicates. Progress rows that already have other history are left alone.
"""

from __future__ import annotations

import time
from collections import Counter

from django.db import connections, router, transaction

from cooperation import fiscal
from cooperation.commissioners import demo as commissioner_demo
from cooperation.demo import referrals as referral_demo
from cooperation.demo.generator import DemoReport, Generator
from cooperation.demo.volumes import DEMO_DISPLAY_NAME, DEMO_USERNAME
from cooperation.models import (
    Activity,
    Attachment,
    ImportBatch,
    Progress,
    ProgressChange,
    Referral,
    ReferralEvent,
    Stage,
)
from cooperation.notifications import demo as notifications_demo
from cooperation.progress.services import PROGRESS_STATE_FIELDS
from cooperation.sessions import demo as sessions_demo
from offices.db import chunks, update_columns
from offices.models import User

__all__ = ["DEMO_USERNAME", "DemoReport", "demo_data_generate", "demo_data_remove", "demo_user"]


def demo_user() -> User:
    """The system user every demo row is recorded by: inactive, no roles, no password."""
    user, created = User.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"display_name": DEMO_DISPLAY_NAME, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_data_remove(*, user: User) -> Counter:
    """Remove every row the generator wrote, and restore the progress rows it moved from what history remains.

    History resting on demo rows as evidence goes with them. Activities and
    referrals are deleted with one statement each once nothing refers to them
    any more: the ORM's cascade would fetch and delete them a hundred at a time.
    The sessions' and the register's demo rows go first: they point at demo activities and changes (and the
    demo's referrals to commissioners before the register, which they point at).
    """
    removed = Counter()
    removed.update(sessions_demo.remove(user=user))
    removed.update(referral_demo.commissioners_remove(user=user))
    removed.update(commissioner_demo.remove(user=user))
    changes = (
        ProgressChange.objects.filter(recorded_by=user)
        | ProgressChange.objects.filter(activity__created_by=user)
        | ProgressChange.objects.filter(referral__created_by=user)
        | ProgressChange.objects.filter(import_batch__created_by=user)
    )
    touched = set(changes.values_list("progress_id", flat=True))
    removed["progress changes"] = changes.delete()[0]
    removed["referral events"] = ReferralEvent.objects.filter(referral__created_by=user).delete()[0]
    removed["referrals"] = _delete_created_by(Referral, user)
    Attachment.objects.filter(activity__created_by=user).delete()
    Activity.municipalities.through.objects.filter(activity__created_by=user).delete()
    removed["activities"] += _delete_created_by(Activity, user)
    removed["import batches"] = ImportBatch.objects.filter(created_by=user).delete()[0]
    _restore(touched)
    return +removed


def _delete_created_by(model, user: User) -> int:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    column = model._meta.get_field("created_by").column
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s", [user.pk])
        return cursor.rowcount


def _restore(progress_ids: set[int]) -> None:
    """Put each progress back to its latest remaining change (or 未着手), with a new version."""
    latest = {}
    for chunk in chunks(sorted(progress_ids)):
        for change in ProgressChange.objects.filter(progress_id__in=chunk).chronological():
            latest[change.progress_id] = change
        rows = list(Progress.objects.filter(pk__in=chunk))
        for row in rows:
            change = latest.get(row.pk)
            row.stage = change.to_stage if change else Stage.NOT_STARTED
            row.stage_date = change.effective_date if change else None
            row.note = change.note if change else ""
            row.updated_at = change.recorded_at if change else None
            row.updated_by_id = change.recorded_by_id if change else None
            row.version += 1
        update_columns(Progress, PROGRESS_STATE_FIELDS, rows)


def demo_data_generate(
    *, years: int = 3, seed: int = 2026, scale: float = 1.0, prefectures: list[str] | None = None, today=None
) -> DemoReport:
    """Replace the demo data with a fresh, deterministic set: same seed and day, same data.

    ``prefectures`` (JIS codes) limits the new data to those prefectures; the old demo data goes everywhere.
    """
    started = time.monotonic()
    report = DemoReport()
    with transaction.atomic():
        user = demo_user()
        report.removed = demo_data_remove(user=user)
        generator = Generator(years=years, seed=seed, scale=scale, today=today or fiscal.today(), user=user)
        generator.prefectures = prefectures
        report.created = generator.run()
        report.created.update(
            sessions_demo.generate(user=user, today=generator.today, seed=seed, prefectures=prefectures)
        )
        report.created.update(
            commissioner_demo.generate(user=user, seed=seed, today=generator.today, prefectures=prefectures)
        )
        report.created.update(referral_demo.commissioners_write(generator.to_commissioners, seed=seed))
        report.created["notifications"] = notifications_demo.generate()
    report.seconds = time.monotonic() - started
    return report
