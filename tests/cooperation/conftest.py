"""Fixtures of the cooperation tests: the SMTP server and the task worker of the notification tests."""

from tests.cooperation.notification_helpers import run_worker, smtp  # noqa: F401
