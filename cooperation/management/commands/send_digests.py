"""Send the daily digest and the follow-up reminders (run once a day from a timer; README, Deploying)."""

from django.core.management.base import BaseCommand

from cooperation.notifications.digest import digests_send


class Command(BaseCommand):
    help = (
        "Create today's follow-up reminders and queue one digest mail per user with something in it "
        "(the worker sends them). --enqueue puts the whole run on the task queue instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", action="append", dest="usernames", help="only this user (repeatable)")
        parser.add_argument("--enqueue", action="store_true", help="run it as a task on the queue")

    def handle(self, *args, usernames=None, enqueue=False, **options):
        if enqueue:
            from cooperation.notifications.tasks import send_digests

            result = send_digests.enqueue()
            self.stdout.write(f"Queued the digest task {result.id}.")
            return
        report = digests_send(usernames=usernames)
        self.stdout.write("Reminders created: {reminders}; digests queued: {digests}.".format(**report))
