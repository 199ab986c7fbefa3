"""``manage.py redact_referrals``: empty the free text of referrals closed longer ago than the retention period."""

from django.conf import settings
from django.core.management.base import BaseCommand

from cooperation.referrals.retention import referrals_redact


class Command(BaseCommand):
    help = "Redact the free text of referrals closed more than REFERRAL_RETENTION_DAYS ago (run daily)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the referrals that are due.")

    def handle(self, *args, dry_run=False, **options):
        count = referrals_redact(dry_run=dry_run)
        verb = "due for redaction" if dry_run else "redacted"
        self.stdout.write(f"{count} referral(s) {verb} (closed more than {settings.REFERRAL_RETENTION_DAYS} days ago).")
