"""Remove survey previews older than SURVEY_KEPT_UPLOAD_HOURS (run from cron, e.g. hourly)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cooperation.survey.kept import prune_all


class Command(BaseCommand):
    help = "Remove uploaded survey files kept for a preview longer than SURVEY_KEPT_UPLOAD_HOURS."

    def handle(self, *args, **options):
        removed = prune_all()
        self.stdout.write(_("{count} kept survey files removed.").format(count=removed))
