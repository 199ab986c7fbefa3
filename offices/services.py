"""Accounts and their audit: demo accounts, the audit record, sign-in lock-out and throttling, account management."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from offices import audit, events, throttle
from offices.events import client_ip
from offices.models import AuditEvent, Municipality, Office, Prefecture, Region, Role, SignInCounter, User
from offices.policies import USER_MANAGE, require

# username, display name, role kind, target lookup, read only
DEMO_ACCOUNTS = [
    ("hq", "本省 行政相談企画課", "headquarters", None, False),
    ("bureau-hokkaido", "北海道管区行政評価局", "bureau", ("region", "hokkaido"), False),
    ("center-sapporo", "札幌 行政相談課", "center", ("office", "sapporo"), False),
    ("center-hakodate", "函館行政監視行政相談センター", "center", ("office", "hakodate"), False),
    ("pref-01", "北海道庁 担当者", "prefecture", ("prefecture", "01"), False),
    ("lg-012033", "小樽市 担当者", "municipality", ("municipality", "012033"), False),
    ("lg-012025", "函館市 担当者", "municipality", ("municipality", "012025"), False),
    ("lg-011002", "札幌市 担当者", "municipality", ("municipality", "011002"), False),
    ("viewer-hq", "本省 閲覧者", "headquarters", None, True),
]


def _role_target(kind_target):
    if kind_target is None:
        return {}
    field, key = kind_target
    model = {"region": Region, "office": Office, "prefecture": Prefecture, "municipality": Municipality}[field]
    return {field: model.objects.get_by_natural_key(key)}


@transaction.atomic
def demo_accounts_create(*, password: str, reset: bool = False) -> list:
    """Create the demo accounts that do not exist yet, all sharing ``password``; returns the users created.

    An existing account is left as people left it (its password, roles,
    address), unless ``reset`` puts every demo account back as shipped.
    """
    users = []
    for username, display_name, kind, target, read_only in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=username)
        if not created and not reset:
            continue
        user.display_name = display_name
        user.email = f"{username}@example.jp"  # reserved for examples (JPRS): mail never reaches anyone
        user.is_active = True
        user.is_staff = kind == "headquarters" and not read_only
        user.is_superuser = user.is_staff
        user.set_password(password)
        user.save()
        user.roles.all().delete()
        Role.objects.create(user=user, kind=kind, read_only=read_only, **_role_target(target))
        users.append(user)
    return users


def audit_record(*, action: str, actor=None, target: str = "", request=None, username: str = "", detail=None):
    """Raise an audited event (sign-ins, user changes, exports, imports): the trail records it after commit.

    ``request`` supplies the client address and, when ``actor`` is not given,
    the signed-in user. ``username`` is the name typed at a failed sign-in.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    return events.publish(action, actor=actor, target=target, data=detail, request=request, username=username)


def _audit_now(*, action: str, username: str, request=None, detail=None) -> AuditEvent:
    """Write a lock-out row at once: the lock-out counts these rows inside its own transaction."""
    return audit.write(action=action, username=username, ip_address=events.client_ip(request), detail=detail)


# --- sign-in lock-out and throttling (issue 11) -----------------------------------------------


def _lockout_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


@dataclass(frozen=True)
class SignInRefusal:
    """Why a sign-in is refused before its password is checked: the account, or the client address, is locked."""

    until: datetime.datetime
    address: bool = False


def login_locked_until(*, username: str) -> datetime.datetime | None:
    """When the lock-out of ``username`` ends, or None if it may sign in (read from the shared counter rows)."""
    return throttle.locked_until(SignInCounter.Kind.ACCOUNT, username)


def _lock_recorded(*, username: str, request, failures: int, address: str | None = None) -> None:
    detail = {"failures": failures, "minutes": settings.LOGIN_LOCKOUT_MINUTES}
    if address is not None:
        detail["address"] = address
    audit_record(action=AuditEvent.Action.LOCKED_OUT, actor=None, username=username, request=request, detail=detail)


@transaction.atomic
def login_attempt_begin(*, username: str, request=None) -> SignInRefusal | None:
    """Count a sign-in attempt before its password is checked; a refusal means: do not check it.

    Check and count are one locked step on the account's counter row (and the
    client address's), so concurrent guesses cannot slip past the limit: an
    account gets at most ``LOGIN_FAILURE_LIMIT`` password checks per
    ``LOGIN_LOCKOUT_MINUTES``; a client address is refused once it has
    ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures (whatever the accounts; its
    attempts in flight do not count, many people share a proxy's address).
    Unknown user names are counted the same way, so the answer never reveals
    whether an account exists.
    """
    window = _lockout_window()
    account = throttle.reserve(SignInCounter.Kind.ACCOUNT, username, limit=settings.LOGIN_FAILURE_LIMIT, window=window)
    if account.newly_locked:
        _lock_recorded(username=username, request=request, failures=account.count)
    if not account.allowed:
        return SignInRefusal(until=account.locked_until)
    address = client_ip(request)
    if address is None:
        return None
    verdict = throttle.check(
        SignInCounter.Kind.ADDRESS, address, limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT, window=window
    )
    if verdict.newly_locked:
        _lock_recorded(username=username, request=request, failures=verdict.count, address=address)
    if not verdict.allowed:
        # The account's reserved attempt was never tried.
        throttle.give_back(SignInCounter.Kind.ACCOUNT, username)
        return SignInRefusal(until=verdict.locked_until, address=True)
    return None


@transaction.atomic
def login_attempt_failed(*, username: str, request=None) -> datetime.datetime | None:
    """The password of a counted attempt was wrong: lock the account (or address) if that was its last try.

    Returns when the account's lock ends, if it is locked now.
    """
    window = _lockout_window()
    account = throttle.failed(SignInCounter.Kind.ACCOUNT, username, limit=settings.LOGIN_FAILURE_LIMIT, window=window)
    if account.newly_locked:
        _lock_recorded(username=username, request=request, failures=account.count)
    address = client_ip(request)
    if address is not None:
        verdict = throttle.count_failure(
            SignInCounter.Kind.ADDRESS, address, limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT, window=window
        )
        if verdict.newly_locked:
            _lock_recorded(username=username, request=request, failures=verdict.count, address=address)
    return account.locked_until


@transaction.atomic
def login_succeeded(*, username: str, request=None) -> None:
    """A sign-in succeeded: the account's count starts again (the address keeps its failures)."""
    throttle.clear(SignInCounter.Kind.ACCOUNT, username)


def login_lock_clear(*, username: str) -> None:
    """A completed password reset proves the owner: lift the account's lock."""
    throttle.clear(SignInCounter.Kind.ACCOUNT, username)


@transaction.atomic
def password_reset_request_allowed(*, request) -> datetime.datetime | None:
    """Count a password-reset request from the client address; returns until when it is refused, or None.

    At most ``PASSWORD_RESET_ADDRESS_LIMIT`` requests per address in
    ``LOGIN_LOCKOUT_MINUTES``, so the form cannot be used to flood mailboxes.
    """
    address = client_ip(request)
    if address is None:
        return None
    verdict = throttle.reserve(
        SignInCounter.Kind.RESET, address, limit=settings.PASSWORD_RESET_ADDRESS_LIMIT, window=_lockout_window()
    )
    return verdict.locked_until


def login_failure_record(*, username: str, request=None) -> bool:
    """Record a failed sign-in for ``username`` in the audit trail; returns whether the account is locked.

    The counting is done by :func:`login_attempt_begin` and
    :func:`login_attempt_failed`, which the sign-in forms call around the
    password check; this only writes the trail (Django's user_login_failed
    signal, and attempts refused while locked).
    """
    locked = login_locked_until(username=username) is not None
    _audit_now(
        action=AuditEvent.Action.LOGIN_FAILED,
        username=username,
        request=request,
        detail={"locked": True} if locked else {},
    )
    return locked


# --- account management ----------------------------------------------------------------------


def email_change_announce(*, user: User, old: str, by: User | None) -> None:
    """Tell the previous address of ``user`` that the account's e-mail address changed (sent after commit).

    The new address is not shown in full: whoever reads the old mailbox learns
    that the change happened and whom to ask, not where the resets now go.
    """
    if not old or old == user.email:
        return
    new = user.email
    hidden = (new[:2] + "…@" + new.split("@", 1)[1]) if "@" in new else _("(none)")
    subject = _("The e-mail address of your account {username} was changed").format(username=user.username)
    body = _(
        "The e-mail address of the account {username} on the cooperation tracker was changed to {new} by {by}.\n\n"
        "If you did not expect this, contact your account manager or headquarters at once: password-reset "
        "mail now goes to the new address."
    ).format(username=user.username, new=hidden, by=getattr(by, "username", None) or _("an administrator"))
    transaction.on_commit(lambda: send_mail(subject, body, None, [old], fail_silently=True))


USER_FIELDS = ("display_name", "email")


def roles_describe(roles) -> list[dict]:
    """Roles as sorted plain data, the before/after of a role_changed audit event."""
    return sorted((role.describe() for role in roles), key=lambda item: (item["kind"], item["target"]))


def _roles_replace(user: User, roles: Sequence[Role]) -> None:
    user.roles.all().delete()
    for role in roles:
        role.pk = None
        role.user = user
        role.full_clean()
        role.save()
    user.__dict__.pop("scope_roles", None)


@transaction.atomic
def user_create(
    *,
    by: User,
    username: str,
    password: str,
    roles: Sequence[Role],
    display_name: str = "",
    email: str = "",
    request=None,
) -> User:
    """Create an account holding ``roles`` (unsaved Role objects); audited as user_created.

    Checked inside the transaction: ``by`` must be allowed to manage the new
    user with every one of its roles (a bureau cannot create a headquarters
    user or one outside its region), or nothing is written.
    """
    require(by, USER_MANAGE)
    if not roles:
        raise ValidationError(_("Give the user at least one role."))
    user = User(username=username, display_name=display_name, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    _roles_replace(user, roles)
    require(by, USER_MANAGE, user)
    audit_record(
        action=AuditEvent.Action.USER_CREATED,
        actor=by,
        target=username,
        request=request,
        detail={"user_id": user.pk, "roles": roles_describe(user.roles.all())},
    )
    return user


@transaction.atomic
def user_update(
    *,
    by: User,
    user: User,
    display_name: str,
    email: str,
    roles: Sequence[Role],
    request=None,
) -> User:
    """Change an account's details and roles; audited as user_updated and role_changed with before/after.

    Nobody changes their own roles (ask another manager), so no one can lift
    their own rights. Scope is checked before and after the change; only
    headquarters manages staff and superuser accounts (``user.manage``). A
    changed e-mail address is announced to the old one, so a hijacked
    account's owner hears of it.
    """
    require(by, USER_MANAGE, user)
    if not roles:
        raise ValidationError(_("Give the user at least one role."))
    before_roles = roles_describe(user.roles.all())
    after_roles = roles_describe(roles)
    if before_roles != after_roles and user.pk == by.pk:
        raise PermissionDenied(_("You cannot change your own roles: ask another account manager."))
    values = {"display_name": display_name, "email": email}
    changed = {name: [getattr(user, name), value] for name, value in values.items() if getattr(user, name) != value}
    if changed:
        for name, (_old, new) in changed.items():
            setattr(user, name, new)
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(changed))
        if "email" in changed:
            email_change_announce(user=user, old=changed["email"][0], by=by)
        audit_record(
            action=AuditEvent.Action.USER_UPDATED,
            actor=by,
            target=user.username,
            request=request,
            detail={"user_id": user.pk, "changed": changed},
        )
    if before_roles != after_roles:
        _roles_replace(user, roles)
        require(by, USER_MANAGE, user)
        audit_record(
            action=AuditEvent.Action.ROLE_CHANGED,
            actor=by,
            target=user.username,
            request=request,
            detail={"user_id": user.pk, "before": before_roles, "after": after_roles},
        )
    return user


@transaction.atomic
def user_deactivate(*, by: User, user: User, request=None) -> User:
    """Deactivate an account (never delete it: its history keeps pointing at it); audited."""
    require(by, USER_MANAGE, user)
    if user.pk == by.pk:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        action=AuditEvent.Action.USER_DEACTIVATED,
        actor=by,
        target=user.username,
        request=request,
        detail={"user_id": user.pk},
    )
    return user
