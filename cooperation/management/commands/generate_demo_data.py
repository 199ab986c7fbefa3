"""Generate the demo data: a deterministic, plausible national history (development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cooperation.caching.events import MASTER_DATA_CHANGED
from cooperation.demo import demo_data_generate
from offices import events


class Command(BaseCommand):
    help = (
        "Replace the demo data with stages, history, activities and referrals over the last N fiscal years. "
        "Same seed, same data; running it again replaces what it wrote before. Refuses to run with DJANGO_DEBUG off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=3, help="Fiscal years of history, ending in the current one.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiplies the volume of activities, referrals and changes."
        )
        parser.add_argument(
            "--prefecture",
            action="append",
            dest="prefectures",
            metavar="CODE",
            help="Only this prefecture (JIS code, e.g. 01); repeat for several. Default: the whole country.",
        )

    def handle(self, *args, years: int, seed: int, scale: float, prefectures: list[str] | None, **options):
        if not settings.DEBUG:
            raise CommandError("generate_demo_data writes invented data: it never runs with DJANGO_DEBUG off.")
        if years < 1:
            raise CommandError("--years must be at least 1.")
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        report = demo_data_generate(years=years, seed=seed, scale=scale, prefectures=prefectures)
        events.publish(MASTER_DATA_CHANGED, target="generate_demo_data")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data generated."))
