"""Delete notifications and finished mail older than NOTIFICATIONS_RETENTION_DAYS (run daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from cooperation.notifications.services import notifications_prune


class Command(BaseCommand):
    help = "Delete notifications and sent or failed mail older than NOTIFICATIONS_RETENTION_DAYS days."

    def handle(self, *args, **options):
        report = notifications_prune()
        self.stdout.write(
            "Deleted {notifications} notifications and {mails} mails older than {days} days.".format(
                days=settings.NOTIFICATIONS_RETENTION_DAYS, **report
            )
        )
