"""The one place that decides what a user may *do* (``offices/scopes.py`` decides what a user may *see*).

Every service begins with ``require(by, ACTION, target)``, so the site, the
command line, a background job and the API are refused alike; views and
templates call ``can(...)`` only to decide what to show. ``by=None`` is the
system (a management command run without ``--user``, the demo generator, a
migration): it may do everything.

Actions are dotted names, ``<domain>.<verb>``, registered here with a rule
``(user, target) -> bool`` and a label for messages. A rule that can also
answer for many targets at once gives ``q``: a ``Q`` on the target model for
the targets the user may act on (``require_each`` uses it, one query per
chunk). Rules read the user's roles (``User.scope_roles``, loaded once) and
the write scopes of ``offices/scopes.py``: a user may never act on what it
cannot see, and a read-only role (閲覧者) acts on nothing.

==================  ===========================  ==========================================
action              target                       who
==================  ===========================  ==========================================
progress.change     local government             its write scope (center, bureau, HQ, the
                                                 officer of that local government; a
                                                 prefecture officer only its own government)
activity.log        center (Office)              ministry staff whose write scope holds it
activity.change     center of the activity       the same
referral.*          (see the referrals block at the end of this module: two directions)
activity.correct    center of the activity       who may log its activities
progress.correct    local government             who may change its progress
survey.import       — (rows: progress.change)    headquarters, bureau and center staff
user.manage         a user, or None for "any"    headquarters and bureaus (a bureau only
                                                 users wholly inside its region, never
                                                 staff or superuser accounts)
audit.view          —                            headquarters and bureaus
audit.view_all      —                            headquarters
year.close          a fiscal year (int)          headquarters (close, re-issue, reopen)
==================  ===========================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from offices import scopes
from offices.db import chunks


class NotAllowed(PermissionDenied):
    """``user`` may not perform ``action`` (on ``target``); the message names the action.

    A subclass of ``PermissionDenied``, so a view that lets it through answers 403.
    """

    def __init__(self, user, action: str, target=None):
        self.user = user
        self.action = action
        self.target = target
        rule = RULES.get(action)
        label = str(rule.label) if rule is not None else action
        who = getattr(user, "username", None) or gettext("anonymous")
        if target is not None:
            message = gettext("{user} may not {label} ({action}) for {target}.").format(
                user=who, label=label, action=action, target=target
            )
        else:
            message = gettext("{user} may not {label} ({action}).").format(user=who, label=label, action=action)
        super().__init__(message)


@dataclass(frozen=True)
class Rule:
    action: str
    label: str | Promise
    check: Callable[[object, object], bool]
    model: type | None = None
    q: Callable[[object], Q] | None = None


RULES: dict[str, Rule] = {}


def register(action: str, label, check, *, model=None, q=None) -> str:
    """Add a rule; an action is registered once (a second registration is a programming error)."""
    if action in RULES:
        raise ValueError(f"Action {action!r} is already registered")
    RULES[action] = Rule(action=action, label=label, check=check, model=model, q=q)
    return action


def _rule(action: str) -> Rule:
    try:
        return RULES[action]
    except KeyError:
        raise ValueError(f"Unknown action {action!r}: register it in offices/policies.py") from None


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can(user, action: str, target=None) -> bool:
    """Whether ``user`` may perform ``action`` on ``target``; ``None`` as user is the system (always)."""
    rule = _rule(action)
    if user is None:
        return True
    if not _signed_in(user):
        return False
    return bool(rule.check(user, target))


def require(user, action: str, target=None) -> None:
    """Raise :class:`NotAllowed` unless ``user`` may perform ``action`` on ``target``."""
    if not can(user, action, target):
        raise NotAllowed(user, action, target)


def permitted_ids(user, action: str, ids: Iterable[int]) -> set[int]:
    """Of the primary keys ``ids`` of the rule's model, those ``user`` may act on (one query per 900)."""
    rule = _rule(action)
    wanted = set(ids)
    if user is None:
        return wanted
    if not _signed_in(user) or not wanted:
        return set()
    if rule.q is None or rule.model is None:
        raise ValueError(f"Action {action!r} cannot be checked for many targets")
    allowed: set[int] = set()
    query = rule.q(user)
    for chunk in chunks(sorted(wanted)):
        allowed.update(rule.model.objects.filter(query, pk__in=chunk).values_list("pk", flat=True))
    return allowed


def require_each(user, action: str, ids: Iterable[int]) -> None:
    """Raise :class:`NotAllowed` unless ``user`` may act on every one of ``ids`` (bulk writes, imports)."""
    wanted = set(ids)
    refused = wanted - permitted_ids(user, action, wanted)
    if refused:
        raise NotAllowed(user, action, _count_label(action, refused))


def _count_label(action: str, refused: set[int]) -> str:
    rule = RULES[action]
    if rule.model is None:
        return ""
    shown = "、".join(str(obj) for obj in rule.model.objects.filter(pk__in=sorted(refused)[:3]))
    more = len(refused) - 3
    return shown + (gettext(" and {count} more").format(count=more) if more > 0 else "")


def allowed_q(user, action: str) -> Q:
    """``Q`` on the rule's model for the targets ``user`` may act on (for choices and lists)."""
    rule = _rule(action)
    if rule.q is None:
        raise ValueError(f"Action {action!r} has no Q")
    if user is None:
        return Q()
    if not _signed_in(user):
        return scopes.NOTHING
    return rule.q(user)


# --- the rules ----------------------------------------------------------------------------------------------------


def _model(name: str):
    from django.apps import apps

    return apps.get_model("offices", name)


def _pk(target):
    return getattr(target, "pk", target)


def _exists(model_name: str, query: Q, target) -> bool:
    if target is None:
        return False
    return _model(model_name).objects.filter(query, pk=_pk(target)).exists()


def _municipality_write_q(user) -> Q:
    return scopes.municipality_scope_q(user, write=True)


def _ministry_municipality_q(user) -> Q:
    if not scopes.is_ministry_staff(user, write=True):
        return scopes.NOTHING
    return scopes.municipality_scope_q(user, write=True)


def _office_write_q(user) -> Q:
    return scopes.office_scope_q(user, write=True)


class _LazyModel:
    """The model of a rule, resolved when first used (the registry is built before apps are ready)."""

    def __init__(self, name: str):
        self.name = name

    @property
    def objects(self):
        return _model(self.name).objects


MUNICIPALITY = _LazyModel("Municipality")
OFFICE = _LazyModel("Office")


def register_scoped(action: str, label, model: _LazyModel, q, *, without_target=None) -> str:
    """Register the common shape of rule: a target is allowed when it lies in ``q(user)`` (a ``Q`` on
    ``model``); without a target, ``without_target(user)`` answers (refused when not given)."""

    def check(user, target) -> bool:
        if target is None:
            return bool(without_target(user)) if without_target is not None else False
        return _exists(model.name, q(user), target)

    return register(action, label, check, model=model, q=q)


PROGRESS_CHANGE = register_scoped("progress.change", _("change the progress"), MUNICIPALITY, _municipality_write_q)
ACTIVITY_LOG = register_scoped(
    "activity.log",
    _("log activities"),
    OFFICE,
    _office_write_q,
    without_target=lambda user: scopes.is_ministry_staff(user, write=True),
)
ACTIVITY_CHANGE = register_scoped("activity.change", _("change activities"), OFFICE, _office_write_q)
SURVEY_IMPORT = register(
    "survey.import",
    _("import surveys"),
    lambda user, target: scopes.is_ministry_staff(user, write=True),
)


def _may_manage(user, target) -> bool:
    """Headquarters and bureaus manage the accounts within their reach; staff and superuser accounts
    (those that open the Django admin) only headquarters (issue 11: a bureau could otherwise change such an
    account's e-mail address, take the password-reset mail and open /admin/ with full rights)."""
    if not scopes.can_manage_users(user):
        return False
    if target is None:
        return True
    found = (
        _model("User")
        .objects.filter(scopes.manageable_users_q(user), pk=_pk(target))
        .values_list("is_staff", "is_superuser")
        .first()
    )
    if found is None:
        return False
    privileged = any(found)
    return not privileged or scopes.is_headquarters(user, write=True)


USER_MANAGE = register("user.manage", _("manage user accounts"), _may_manage)
AUDIT_VIEW = register("audit.view", _("read the audit trail"), lambda user, target: scopes.can_manage_users(user))
AUDIT_VIEW_ALL = register(
    "audit.view_all",
    _("read the whole audit trail"),
    lambda user, target: scopes.is_headquarters(user, write=True),
)


# The rules of the features built on the core (notifications, sessions and disasters, referrals both ways,
# the commissioner register, the fiscal-year close, API tokens) live in offices/policy_rules.py; importing
# them here registers them and keeps every action reachable as ``policies.NAME``.
from offices.policy_rules import *  # noqa: E402,F401,F403
