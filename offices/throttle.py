"""Counters of sign-in attempts and password-reset requests, per account and per client address (issue 11).

A counter is one row per (kind, key), changed only under a row lock
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs every transaction
IMMEDIATE, which serialises writers), so checking and counting are one step:
however many guesses arrive at once, no more than the limit are let through
to the password check. An account's attempt is counted *before* the password
is checked (``reserve``) and forgotten if it succeeds, so attempts in flight
count too; a client address counts failures only (``check`` then
``count_failure``), since many people may sign in at once from one proxy.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInCounter(models.Model):
    """Recent failed sign-ins or password-reset requests of one account or address (ログイン試行の記録)."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("sign-ins of an account")
        ADDRESS = "address", _("sign-ins from a client address")
        RESET = "reset", _("password-reset requests from a client address")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key = models.CharField(_("account or address"), max_length=150)
    count = models.PositiveIntegerField(_("attempts in the window"), default=0)
    window_start = models.DateTimeField(_("window started at"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in counter")
        verbose_name_plural = _("sign-in counters")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="signin_counter_one_per_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.count}"


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`reserve`: refused until ``locked_until``, and whether this call set the lock."""

    locked_until: datetime.datetime | None = None
    newly_locked: bool = False
    count: int = 0

    @property
    def allowed(self) -> bool:
        return self.locked_until is None


def _locked_row(kind: str, key: str, now: datetime.datetime) -> SignInCounter:
    """The counter row, created if missing, locked until the surrounding transaction ends."""
    SignInCounter.objects.bulk_create([SignInCounter(kind=kind, key=key, window_start=now)], ignore_conflicts=True)
    return SignInCounter.objects.select_for_update().get(kind=kind, key=key)


def _fresh(counter: SignInCounter, now: datetime.datetime, window: datetime.timedelta) -> None:
    """Start the count again once a lock has ended or the window has passed."""
    ended = counter.locked_until is not None and counter.locked_until <= now
    if ended or counter.window_start + window <= now:
        counter.count = 0
        counter.window_start = now
        counter.locked_until = None


def reserve(kind: str, key: str, *, limit: int, window: datetime.timedelta) -> Verdict:
    """Count one attempt unless ``key`` is locked or has used up ``limit``; check the password only if allowed.

    Must run inside a transaction (the row stays locked until it ends).
    """
    now = timezone.now()
    counter = _locked_row(kind, key, now)
    if counter.locked_until is not None and counter.locked_until > now:
        return Verdict(locked_until=counter.locked_until, count=counter.count)
    _fresh(counter, now, window)
    if counter.count >= limit:
        counter.locked_until = now + window
        counter.save(update_fields=["count", "window_start", "locked_until"])
        return Verdict(locked_until=counter.locked_until, newly_locked=True, count=counter.count)
    counter.count += 1
    counter.save(update_fields=["count", "window_start", "locked_until"])
    return Verdict(count=counter.count)


def check(kind: str, key: str, *, limit: int, window: datetime.timedelta) -> Verdict:
    """Whether ``key`` may try, without counting the attempt (failures are counted by :func:`count_failure`).

    For client addresses: many people behind one proxy sign in at once, so
    attempts in flight must not count against the address, only failures.
    """
    now = timezone.now()
    counter = _locked_row(kind, key, now)
    if counter.locked_until is not None and counter.locked_until > now:
        return Verdict(locked_until=counter.locked_until, count=counter.count)
    _fresh(counter, now, window)
    newly = counter.count >= limit
    if newly:
        counter.locked_until = now + window
    counter.save(update_fields=["count", "window_start", "locked_until"])
    return Verdict(locked_until=counter.locked_until, newly_locked=newly, count=counter.count)


def count_failure(kind: str, key: str, *, limit: int, window: datetime.timedelta) -> Verdict:
    """Count one failure of ``key``; lock it once ``limit`` failures are reached."""
    now = timezone.now()
    counter = _locked_row(kind, key, now)
    if counter.locked_until is not None and counter.locked_until > now:
        return Verdict(locked_until=counter.locked_until, count=counter.count)
    _fresh(counter, now, window)
    counter.count += 1
    newly = counter.count >= limit
    if newly:
        counter.locked_until = now + window
    counter.save(update_fields=["count", "window_start", "locked_until"])
    return Verdict(locked_until=counter.locked_until, newly_locked=newly, count=counter.count)


def failed(kind: str, key: str, *, limit: int, window: datetime.timedelta) -> Verdict:
    """A reserved attempt failed: lock ``key`` now if that was the last one allowed."""
    now = timezone.now()
    counter = _locked_row(kind, key, now)
    if counter.locked_until is not None and counter.locked_until > now:
        return Verdict(locked_until=counter.locked_until, count=counter.count)
    if counter.count >= limit:
        counter.locked_until = now + window
        counter.save(update_fields=["locked_until"])
        return Verdict(locked_until=counter.locked_until, newly_locked=True, count=counter.count)
    return Verdict(count=counter.count)


def give_back(kind: str, key: str) -> None:
    """A reserved attempt succeeded: it was no failure (an address keeps its other attempts)."""
    SignInCounter.objects.filter(kind=kind, key=key, count__gt=0).update(count=models.F("count") - 1)


def clear(kind: str, key: str) -> None:
    """Forget the count and any lock (a successful sign-in, a completed password reset)."""
    SignInCounter.objects.filter(kind=kind, key=key).update(count=0, locked_until=None, window_start=timezone.now())


def locked_until(kind: str, key: str) -> datetime.datetime | None:
    until = SignInCounter.objects.filter(kind=kind, key=key).values_list("locked_until", flat=True).first()
    return until if until is not None and until > timezone.now() else None


@transaction.atomic
def reserve_atomic(kind: str, key: str, *, limit: int, window: datetime.timedelta) -> Verdict:
    return reserve(kind, key, limit=limit, window=window)
