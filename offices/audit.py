"""The audit trail (操作記録) as a subscriber of the domain events.

Every event registered with ``audited=True`` becomes an ``AuditEvent`` row
once the transaction that raised it has committed. The codes here are the
ones ``offices`` raises itself (sign-ins, account changes); other apps
register theirs in their own ``events`` module, so a new action needs no
migration here.
"""

from django.utils.translation import gettext_lazy as _

from offices import events
from offices.models import AuditEvent

LOGIN = events.register(AuditEvent.Action.LOGIN, _("signed in"))
LOGIN_FAILED = events.register(AuditEvent.Action.LOGIN_FAILED, _("failed sign-in"))
LOGOUT = events.register(AuditEvent.Action.LOGOUT, _("signed out"))
LOCKED_OUT = events.register(AuditEvent.Action.LOCKED_OUT, _("locked out"))
PASSWORD_CHANGED = events.register(AuditEvent.Action.PASSWORD_CHANGED, _("password changed"))
USER_CREATED = events.register(AuditEvent.Action.USER_CREATED, _("user created"))
USER_UPDATED = events.register(AuditEvent.Action.USER_UPDATED, _("user updated"))
USER_DEACTIVATED = events.register(AuditEvent.Action.USER_DEACTIVATED, _("user deactivated"))
ROLE_CHANGED = events.register(AuditEvent.Action.ROLE_CHANGED, _("roles changed"))
UNLOCKED = events.register(AuditEvent.Action.UNLOCKED, _("unlocked"))
PASSWORD_RESET_SENT = events.register(AuditEvent.Action.PASSWORD_RESET_SENT, _("password reset sent"))


def write(*, action: str, actor=None, target: str = "", ip_address=None, username: str = "", detail=None):
    """Insert one row of the trail now (the subscriber's writer; lock-out counts its own rows through it)."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        username=username or (actor.get_username() if actor is not None else ""),
        target=str(target)[:255],
        ip_address=ip_address,
        detail=detail or {},
    )


@events.subscribe()
def record(event: events.Event) -> None:
    """Store each audited event, after its transaction committed."""
    kind = events.TYPES.get(event.code)
    if kind is None or not kind.audited:
        return
    write(
        action=event.code,
        actor=event.actor,
        target=event.target,
        ip_address=event.ip_address,
        username=event.username,
        detail=event.data,
    )
