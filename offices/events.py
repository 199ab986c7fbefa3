"""Domain events: services say what happened, subscribers react after the transaction commits.

A service calls ``publish(PROGRESS_CHANGED, actor=by, target=..., data={...})``
inside its transaction. Nothing is delivered until that transaction commits
(``transaction.on_commit``): a change that is rolled back raises no event, and
a subscriber never sees a row that does not exist yet. Outside a transaction
the event is delivered at once.

Event codes are registered strings (``register``), each app registering its
own (``cooperation/events.py``), so a new kind of event needs no migration
and ``offices`` does not know cooperation's vocabulary. The audit trail
(``offices/audit.py``) is one subscriber: it stores every event registered
with ``audited=True``. Notifications and cache invalidation subscribe the same way.

A subscriber that fails is logged (``offices.events`` logger) and the others
still run: it never undoes or breaks the change that raised the event.
Subscribers run in the process that committed; slow work (mail) is handed to
the task queue by the subscriber, never done inline.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django.utils.functional import Promise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventType:
    code: str
    label: str | Promise
    audited: bool


@dataclass(frozen=True)
class Event:
    """What happened: ``code`` (registered), who did it, to what, when, and plain-data ``data``.

    ``target`` is a short human-readable name (a user name, a file name, a
    local government code); ``data`` holds JSON-safe details and ids for
    subscribers (``municipality_id``, ``referral_id``, …); ``ip_address`` is
    the client address of the request that caused it, when there was one.
    """

    code: str
    actor: object = None
    target: str = ""
    data: dict = field(default_factory=dict)
    at: datetime.datetime = field(default_factory=timezone.now)
    ip_address: str | None = None
    username: str = ""

    @property
    def actor_id(self):
        return getattr(self.actor, "pk", None)


TYPES: dict[str, EventType] = {}
_subscribers: dict[str | None, list[Callable[[Event], None]]] = defaultdict(list)


def register(code: str, label, *, audited: bool = True) -> str:
    """Register an event code; returns it so it can be kept as a module constant."""
    known = TYPES.get(code)
    if known is not None and (known.label, known.audited) != (label, audited):
        raise ValueError(f"Event {code!r} is already registered differently")
    TYPES[code] = EventType(code=code, label=label, audited=audited)
    return code


def label(code: str) -> str:
    """The event's label for people; an unknown code (an event of a removed feature) shows as itself."""
    known = TYPES.get(code)
    return str(known.label) if known is not None else code


def choices() -> list[tuple[str, str]]:
    return sorted(((code, label(code)) for code in TYPES), key=lambda pair: pair[1])


def subscribe(*codes: str):
    """Decorator: call the function with each :class:`Event` of ``codes`` (all events if none given)."""

    def decorate(function):
        for code in codes or (None,):
            if function not in _subscribers[code]:
                _subscribers[code].append(function)
        return function

    return decorate


def unsubscribe(function) -> None:
    for functions in _subscribers.values():
        if function in functions:
            functions.remove(function)


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client address of ``request``: what the audit trail records and sign-in throttling counts.

    Behind the documented reverse proxy, ``CLIENT_IP_HEADER`` names the header
    the proxy sets (``X-Forwarded-For`` or ``X-Real-IP``); of a list, the last
    address is taken, the one the trusted proxy itself appended (those before it
    are whatever the client claimed). Without the setting, or when the header is
    missing or not an address, ``REMOTE_ADDR``. Never trust the header when the
    site can be reached without the proxy.
    """
    if request is None:
        return None
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        key = "HTTP_" + header.upper().replace("-", "_")
        values = [part for part in request.META.get(key, "").split(",") if part.strip()]
        if values:
            address = _valid_ip(values[-1])
            if address is not None:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def publish(
    code: str,
    *,
    actor=None,
    target: str = "",
    data: dict | None = None,
    request=None,
    username: str = "",
    using: str = DEFAULT_DB_ALIAS,
) -> Event:
    """Raise an event; subscribers get it once the current transaction commits (at once outside one)."""
    if code not in TYPES:
        raise ValueError(f"Unknown event {code!r}: register it first")
    event = Event(
        code=code,
        actor=actor if getattr(actor, "pk", None) is not None else None,
        target=str(target)[:255],
        data=dict(data or {}),
        ip_address=client_ip(request),
        username=username or getattr(actor, "username", "") or "",
    )
    transaction.on_commit(lambda: deliver(event), using=using)
    return event


def deliver(event: Event) -> None:
    """Call every subscriber of the event; a failure is logged and does not stop the others."""
    for function in [*_subscribers.get(event.code, ()), *_subscribers.get(None, ())]:
        try:
            function(event)
        except Exception:
            logger.exception(
                "Subscriber %s failed on event %s", getattr(function, "__qualname__", function), event.code
            )
