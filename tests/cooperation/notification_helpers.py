"""A real SMTP server on 127.0.0.1 (aiosmtpd) and the task worker, for the notification tests."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


@dataclass
class Recorder:
    """An SMTP handler that keeps what arrives and refuses the next ``refuse`` messages with a 550."""

    received: list[Received] = field(default_factory=list)
    refuse: int = 0
    refused: int = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "550 5.7.1 Refused by the test server"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [mail for mail in self.received if address in mail.recipients]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """Start an SMTP server on a free port of 127.0.0.1 and point Django's SMTP backend at it."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_BASE_URL = "https://cooperation.example.jp"
    yield recorder
    controller.stop()


@pytest.fixture
def run_worker(monkeypatch):
    """Run the queue's worker (``manage.py db_worker --batch``) until no task is ready.

    The worker closes obsolete connections between tasks; inside a test's
    transaction that would roll the test back, so it is skipped here.
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)

    return run


def with_address(*users):
    for user in users:
        user.email = f"{user.username}@example.jp"
        user.save(update_fields=["email"])
    return users
