"""Load or update the national master data shipped in fixtures/."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from cooperation.caching.events import MASTER_DATA_CHANGED
from cooperation.progress.items import progress_backfill, request_items_load
from cooperation.yearly.meanings import stage_meanings_load
from offices import events
from offices.master_data import FIXTURES_DIR, master_data_load


class Command(BaseCommand):
    help = "Load or update regions, prefectures, centers, local governments and request items (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=FIXTURES_DIR, help="Folder holding the CSV files.")

    def handle(self, *args, directory: Path, verbosity: int = 1, **options):
        with transaction.atomic():
            report = master_data_load(directory=directory)
            items = request_items_load(path=directory / "request_items.csv")
            progress = progress_backfill()
            stage_meanings_load(path=directory / "stage_meanings.csv")
            events.publish(MASTER_DATA_CHANGED, target="load_master_data")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write("request items: created {created}, updated {updated}".format(**items))
        self.stdout.write(f"progress rows created: {progress}")
        if not report.changed and not any(items.values()) and not progress:
            self.stdout.write(self.style.SUCCESS("Master data already up to date: nothing changed."))
        else:
            self.stdout.write(self.style.SUCCESS("Master data loaded."))
