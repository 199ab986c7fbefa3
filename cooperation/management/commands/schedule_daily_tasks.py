"""``manage.py schedule_daily_tasks``: queue the next run of every daily job that has none waiting (idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from cooperation.schedule import schedule_daily


class Command(BaseCommand):
    help = (
        "Queue the daily jobs (referral redaction, notification pruning, commissioner terms, digests) on the task "
        "queue, each at its time of day, unless a run is already waiting. Safe to run again: it adds nothing then."
    )

    def handle(self, *args, **options):
        for path, run_after in schedule_daily().items():
            name = path.rsplit(".", 1)[1]
            if run_after is None:
                self.stdout.write(f"{name}: already queued.")
            else:
                self.stdout.write(f"{name}: queued for {timezone.localtime(run_after):%Y-%m-%d %H:%M}.")
