"""Create the demo accounts and demo data (development only)."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from offices.services import DEMO_ACCOUNTS, demo_accounts_create


def history_exists() -> bool:
    """Whether anything beyond master data was ever recorded (a stage change, an activity, a referral)."""
    from django.apps import apps

    return any(
        apps.get_model("cooperation", name).objects.exists() for name in ("ProgressChange", "Activity", "Referral")
    )


DEFAULT_DEMO_PASSWORD = "demo-pass-2026"


class Command(BaseCommand):
    help = "Create demo accounts (password from DEMO_PASSWORD) and demo data. Refuses to run with DJANGO_DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=3, help="Fiscal years of demo data.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", type=float, default=1.0, help="Volume of demo activities and referrals.")
        parser.add_argument("--accounts-only", action="store_true")
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="Replace the demo data and reset the demo accounts even if they exist (what people entered stays).",
        )

    def handle(self, *args, years: int, seed: int, scale: float, accounts_only: bool, regenerate: bool, **options):
        if not settings.DEBUG:
            raise CommandError(
                "setup_demo creates accounts with a shared password: it never runs with DJANGO_DEBUG off."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        created = demo_accounts_create(password=password, reset=regenerate)
        if created:
            self.stdout.write("Demo accounts created: " + ", ".join(user.username for user in created))
        if accounts_only:
            pass
        elif regenerate or not history_exists():
            call_command("generate_demo_data", years=years, seed=seed, scale=scale, stdout=self.stdout)
        else:
            self.stdout.write("The database already holds data: demo data left as it is (--regenerate to replace it).")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {password}):"))
        for username, display_name, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<18} {display_name}")
