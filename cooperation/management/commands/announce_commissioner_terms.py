"""Announce the commissioners' terms that end in 90 and in 30 days (run once a day, e.g. from cron)."""

import datetime

from django.core.management.base import BaseCommand

from cooperation.commissioners.services import commissioner_terms_ending_announce


class Command(BaseCommand):
    help = "Publish commissioner_term_ending for every serving commissioner whose term ends in 90 or 30 days."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="The day to run as (YYYY-MM-DD).")

    def handle(self, *args, date=None, **options):
        count = commissioner_terms_ending_announce(on=date)
        self.stdout.write(f"{count} term(s) announced.")
