"""The kinds of notification, each with its label and a default delivery per role.

A kind is registered data, not a migration: the issues still to land (joint
consultation sessions, commissioners' terms) call :func:`register` from their
own package and then :func:`cooperation.notifications.services.notifications_create`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("by e-mail at once")
    DIGEST = "digest", _("in the daily digest")
    INBOX = "inbox", _("in the inbox only")


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    defaults: dict[str, str] = field(default_factory=dict)
    """Default delivery per role kind (``offices.Role.Kind``); roles not named get ``fallback``."""
    fallback: str = Delivery.DIGEST


KINDS: dict[str, Kind] = {}


def register(code: str, label, *, defaults: dict[str, str] | None = None, fallback: str = Delivery.DIGEST) -> str:
    known = KINDS.get(code)
    kind = Kind(code=code, label=label, defaults=dict(defaults or {}), fallback=fallback)
    if known is not None and known != kind:
        raise ValueError(f"Notification kind {code!r} is already registered differently")
    KINDS[code] = kind
    return code


def label(code: str) -> str:
    known = KINDS.get(code)
    return str(known.label) if known is not None else code


def default_delivery(code: str, role_kinds: set[str]) -> str:
    """The most eager delivery any of the user's roles gets by default for ``code``."""
    kind = KINDS.get(code)
    if kind is None:
        return Delivery.INBOX
    order = [Delivery.IMMEDIATE, Delivery.DIGEST, Delivery.INBOX]
    found = [kind.defaults.get(role, kind.fallback) for role in role_kinds] or [kind.fallback]
    return min(found, key=order.index)


REFERRAL_FILED = register(
    "referral_filed",
    _("a referral filed with my center or its commissioners, or passed to my local government"),
    defaults={"center": Delivery.IMMEDIATE, "municipality": Delivery.IMMEDIATE, "prefecture": Delivery.IMMEDIATE},
)
REFERRAL_MOVED = register(
    "referral_moved",
    _("a referral acknowledged, handled, closed, withdrawn or reopened by the other side"),
    defaults={"municipality": Delivery.IMMEDIATE, "prefecture": Delivery.IMMEDIATE, "center": Delivery.IMMEDIATE},
)
STAGE_CHANGED = register(
    "stage_changed",
    _("a stage changed"),
    defaults={"municipality": Delivery.IMMEDIATE, "prefecture": Delivery.IMMEDIATE, "center": Delivery.DIGEST},
)
ACTIVITY_LOGGED = register(
    "activity_logged",
    _("an activity logged for my local government"),
    defaults={"municipality": Delivery.DIGEST, "prefecture": Delivery.DIGEST},
)
FOLLOW_UP_DUE = register(
    "follow_up_due",
    _("a follow-up date reached"),
    defaults={"center": Delivery.IMMEDIATE},
)
