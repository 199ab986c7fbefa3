"""Loading the national master data shipped in ``fixtures/``."""

from __future__ import annotations

import csv
import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.models import AuditEvent, Municipality, Office, Prefecture, Region, Role, User
from offices.scopes import can_manage_users, manageable_users_q
from offices.validators import validate_lg_code

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


@dataclass
class LoadReport:
    """What a load did, per model: created, updated and deactivated counts."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deactivated: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated or +self.deactivated)

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.updated) | set(self.deactivated))
        return [
            f"{name}: created {self.created[name]}, updated {self.updated[name]}, deactivated {self.deactivated[name]}"
            for name in names
        ]


def read_csv(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _upsert(model, report: LoadReport, lookup: dict, values: dict):
    """Create or update one row; count it only when something actually changed."""
    obj = model.objects.filter(**lookup).first()
    label = model._meta.model_name
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.created[label] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated[label] += 1
    return obj


class Jurisdiction:
    """Which center serves a local government, from ``jurisdiction.csv``.

    Rules are tried from the most to the least specific: a row naming the local
    government itself, then its prefecture and subprefecture (振興局), then its
    prefecture alone.
    """

    def __init__(self, rows: list[dict[str, str]]):
        self.by_code = {}
        self.by_area = {}
        for row in rows:
            if row["lg_code"]:
                self.by_code[row["lg_code"]] = row["office_code"]
            else:
                self.by_area[(row["prefecture_code"], row["subprefecture"])] = row["office_code"]

    def office_code(self, lg_code: str, prefecture_code: str, subprefecture: str) -> str:
        code = (
            self.by_code.get(lg_code)
            or self.by_area.get((prefecture_code, subprefecture))
            or self.by_area.get((prefecture_code, ""))
        )
        if code is None:
            raise ValueError(f"No center serves {lg_code} (prefecture {prefecture_code}, {subprefecture})")
        return code


@transaction.atomic
def master_data_load(*, directory: Path = FIXTURES_DIR) -> LoadReport:
    """Load or update regions, prefectures, centers and local governments from ``directory``.

    Idempotent: a second run changes nothing. Changed names or telephone numbers
    are updated in place; a local government missing from the list is marked
    inactive, never deleted, so its history stays. All or nothing.
    """
    report = LoadReport()

    regions = {}
    # Bureaus before their branches, so a branch's parent already exists.
    for row in sorted(read_csv(directory, "regions.csv"), key=lambda row: bool(row["parent_region"])):
        parent = regions[row["parent_region"]] if row["parent_region"] else None
        regions[row["code"]] = _upsert(Region, report, {"code": row["code"]}, {"name": row["name"], "parent": parent})

    office_rows = read_csv(directory, "offices.csv")
    prefecture_region = {row["prefecture_code"]: row["region"] for row in office_rows}
    prefectures = {}
    prefecture_lg = {}
    for row in read_csv(directory, "prefectures.csv"):
        prefectures[row["code"]] = _upsert(
            Prefecture,
            report,
            {"code": row["code"]},
            {
                "name": row["name"],
                "name_kana": row["name_kana"],
                "name_en": row["name_en"],
                "region": regions[prefecture_region[row["code"]]],
            },
        )
        prefecture_lg[row["code"]] = row

    offices = {}
    for order, row in enumerate(office_rows, start=1):
        offices[row["code"]] = _upsert(
            Office,
            report,
            {"code": row["code"]},
            {
                "label": row["label"],
                "name": row["organization"],
                "division": row["division"],
                "phone": row["phone"],
                "region": regions[row["region"]],
                "prefecture": prefectures[row["prefecture_code"]],
                "is_region_head": row["region_head"] == "yes",
                "sort_order": order,
            },
        )

    jurisdiction = Jurisdiction(read_csv(directory, "jurisdiction.csv"))
    entries = [
        {
            "lg_code": row["lg_code"],
            "name": row["name"],
            "name_kana": row["name_kana"],
            "kind": Municipality.Kind.PREFECTURE,
            "prefecture_code": row["code"],
            "subprefecture": "",
        }
        for row in prefecture_lg.values()
    ]
    entries += read_csv(directory, "municipalities.csv")

    existing = {m.lg_code: m for m in Municipality.objects.all()}
    seen = set()
    to_create = []
    for entry in entries:
        code = entry["lg_code"]
        try:
            validate_lg_code(code)
        except ValidationError as error:
            raise ValueError("{}: {}".format(code, " ".join(error.messages))) from error
        values = {
            "name": entry["name"],
            "name_kana": entry["name_kana"],
            "kind": entry["kind"],
            "prefecture": prefectures[entry["prefecture_code"]],
            "subprefecture": entry["subprefecture"],
            "office": offices[jurisdiction.office_code(code, entry["prefecture_code"], entry["subprefecture"])],
            "is_active": True,
        }
        seen.add(code)
        obj = existing.get(code)
        if obj is None:
            to_create.append(Municipality(lg_code=code, **values))
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
            report.updated["municipality"] += 1
    Municipality.objects.bulk_create(to_create, batch_size=500)
    report.created["municipality"] += len(to_create)

    gone = Municipality.objects.filter(is_active=True).exclude(lg_code__in=seen)
    report.deactivated["municipality"] += gone.update(is_active=False)
    return report


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
def demo_accounts_create(*, password: str) -> list:
    """Create (or reset) the demo accounts, all sharing ``password``; returns the users."""
    users = []
    for username, display_name, kind, target, read_only in DEMO_ACCOUNTS:
        user, _created = User.objects.get_or_create(username=username)
        user.display_name = display_name
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
    """Write one audit event (sign-ins, user changes, exports, imports); the one way to add to the trail.

    ``request`` supplies the client address and, when ``actor`` is not given,
    the signed-in user. ``username`` is the name typed at a failed sign-in.
    """
    ip_address = None
    if request is not None:
        ip_address = request.META.get("REMOTE_ADDR") or None
        if actor is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            actor = request.user
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        username=username or (actor.get_username() if actor is not None else ""),
        target=str(target)[:255],
        ip_address=ip_address,
        detail=detail or {},
    )


# --- sign-in lock-out ---------------------------------------------------------------------------


def _lockout_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_locked_until(*, username: str) -> datetime.datetime | None:
    """When the lock-out of ``username`` ends, or None if it may sign in.

    Counted from AuditEvent rows, so every process of the site agrees.
    """
    marks = AuditEvent.objects.filter(
        username=username, action__in=[AuditEvent.Action.LOCKED_OUT, AuditEvent.Action.UNLOCKED]
    ).aggregate(
        lock=Max("at", filter=Q(action=AuditEvent.Action.LOCKED_OUT)),
        unlock=Max("at", filter=Q(action=AuditEvent.Action.UNLOCKED)),
    )
    last_lock = marks["lock"]
    if last_lock is None or (marks["unlock"] is not None and marks["unlock"] >= last_lock):
        return None
    until = last_lock + _lockout_window()
    return until if until > timezone.now() else None


@transaction.atomic
def login_failure_record(*, username: str, request=None) -> bool:
    """Record a failed sign-in for ``username`` and lock the account once the limit is reached.

    An account is locked after ``LOGIN_FAILURE_LIMIT`` failures within
    ``LOGIN_LOCKOUT_MINUTES``, counted since its last successful sign-in and
    since the end of its last lock-out; the lock lasts ``LOGIN_LOCKOUT_MINUTES``.
    Unknown user names are counted the same way, so the answer never reveals
    whether an account exists. Returns whether the account is now locked.
    """
    now = timezone.now()
    locked = login_locked_until(username=username) is not None
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor=None,
        username=username,
        request=request,
        detail={"locked": True} if locked else {},
    )
    if locked:
        return True
    resets = AuditEvent.objects.filter(
        username=username,
        action__in=[AuditEvent.Action.LOGIN, AuditEvent.Action.LOCKED_OUT, AuditEvent.Action.UNLOCKED],
    ).aggregate(
        login=Max("at", filter=Q(action__in=[AuditEvent.Action.LOGIN, AuditEvent.Action.UNLOCKED])),
        lock=Max("at", filter=Q(action=AuditEvent.Action.LOCKED_OUT)),
    )
    since = now - _lockout_window()
    if resets["login"] is not None:
        since = max(since, resets["login"])
    if resets["lock"] is not None and (resets["login"] is None or resets["login"] < resets["lock"]):
        since = max(since, resets["lock"] + _lockout_window())
    failures = AuditEvent.objects.filter(username=username, action=AuditEvent.Action.LOGIN_FAILED, at__gt=since).count()
    if failures < settings.LOGIN_FAILURE_LIMIT:
        return False
    audit_record(
        action=AuditEvent.Action.LOCKED_OUT,
        actor=None,
        username=username,
        request=request,
        detail={"failures": failures, "minutes": settings.LOGIN_LOCKOUT_MINUTES},
    )
    return True


# --- account management ----------------------------------------------------------------------

USER_FIELDS = ("display_name", "email")


def _require_manageable(by: User, user: User) -> None:
    if not User.objects.filter(manageable_users_q(by), pk=user.pk).exists():
        raise PermissionDenied(_("You may not manage this user."))


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
    if not can_manage_users(by):
        raise PermissionDenied(_("You may not manage users."))
    if not roles:
        raise ValidationError(_("Give the user at least one role."))
    user = User(username=username, display_name=display_name, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    _roles_replace(user, roles)
    _require_manageable(by, user)
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
    their own rights. Scope is checked before and after the change.
    """
    _require_manageable(by, user)
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
        audit_record(
            action=AuditEvent.Action.USER_UPDATED,
            actor=by,
            target=user.username,
            request=request,
            detail={"user_id": user.pk, "changed": changed},
        )
    if before_roles != after_roles:
        _roles_replace(user, roles)
        _require_manageable(by, user)
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
    _require_manageable(by, user)
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
