"""Create the demo accounts and demo data (development only)."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from offices.services import DEMO_ACCOUNTS, demo_accounts_create

DEFAULT_DEMO_PASSWORD = "demo-pass-2026"


class Command(BaseCommand):
    help = "Create demo accounts (password from DEMO_PASSWORD) and demo data. Refuses to run with DJANGO_DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=3, help="Fiscal years of demo data.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", type=float, default=1.0, help="Volume of demo activities and referrals.")
        parser.add_argument("--accounts-only", action="store_true")

    def handle(self, *args, years: int, seed: int, scale: float, accounts_only: bool, **options):
        if not settings.DEBUG:
            raise CommandError(
                "setup_demo creates accounts with a shared password: it never runs with DJANGO_DEBUG off."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        demo_accounts_create(password=password)
        if not accounts_only:
            call_command("generate_demo_data", years=years, seed=seed, scale=scale, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {password}):"))
        for username, display_name, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<18} {display_name}")
