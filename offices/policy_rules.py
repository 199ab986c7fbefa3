"""The rules of the features built on the core policy (offices/policies.py imports this module at its end).

Same vocabulary and helpers as the core rules; each block names its feature.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from offices import scopes
from offices.policies import (
    MUNICIPALITY,
    OFFICE,
    _exists,
    _LazyModel,
    _ministry_municipality_q,
    _municipality_write_q,
    _office_write_q,
    _pk,
    _signed_in,
    can,
    register,
    register_scoped,
)

__all__ = [
    "ACTIVITY_CORRECT",
    "API_TOKEN_MANAGE",
    "COMMISSIONER_AWARD",
    "COMMISSIONER_IMPORT",
    "COMMISSIONER_MANAGE",
    "COMMISSIONER_RECOMMEND",
    "DISASTER_DECLARE",
    "DISASTER_REPORT",
    "NOTIFICATION_MONITOR",
    "NOTIFICATION_RETRY",
    "PREPAREDNESS_RECORD",
    "PROGRESS_CORRECT",
    "REFERRAL_EDIT",
    "REFERRAL_FILE",
    "REFERRAL_HANDLE",
    "REFERRAL_READ_TEXT",
    "REFERRAL_REOPEN",
    "REFERRAL_WITHDRAW",
    "SESSION_CONFIRM",
    "SESSION_PLAN",
    "SESSION_PROPOSE",
    "YEAR_CLOSE",
]


# --- notifications (issue 12) ----------------------------------------------------------------

NOTIFICATION_MONITOR = register(
    "notification.monitor",
    _("see the mail that could not be delivered"),
    lambda user, target: scopes.is_headquarters(user),
)
NOTIFICATION_RETRY = register(
    "notification.retry",
    _("send failed mail again"),
    lambda user, target: scopes.is_headquarters(user, write=True),
)


# --- sessions and disasters (issue 14) -----------------------------------------------------------------------------
#
# session.plan      center (Office)          ministry staff whose write scope holds the center
# session.confirm   local government         the officer of that local government (not ministry staff)
# session.propose   local government         the same
# disaster.declare  prefecture, or None      headquarters; a bureau for the prefectures of its region
# disaster.report   disaster                 ministry staff whose write scope holds an affected local government
# preparedness.record local government       its write scope (center, bureau, HQ, its own officer)


def _local_officer_q(user) -> Q:
    """Q on Municipality: the local governments whose own officer the user is (read-only roles excluded)."""
    from offices.models import Role

    query = scopes.NOTHING
    for role in scopes._roles(user, write=True):
        if role.kind == Role.Kind.MUNICIPALITY:
            query |= Q(pk=role.municipality_id)
        elif role.kind == Role.Kind.PREFECTURE:
            query |= Q(prefecture=role.prefecture_id, kind="prefecture")
    return query


def _declare_q(user) -> Q:
    """Q on Prefecture: headquarters every one, a bureau those of its region and branches."""
    from offices.models import Role

    query = scopes.NOTHING
    for role in scopes._roles(user, write=True):
        if role.kind == Role.Kind.HEADQUARTERS:
            return Q()
        if role.kind == Role.Kind.BUREAU:
            query |= scopes.region_q(role.region_id, "region")
    return query


def _may_report(user, disaster) -> bool:
    if disaster is None:
        return False
    return disaster.municipalities.filter(_ministry_municipality_q(user)).exists()


PREFECTURE = _LazyModel("Prefecture")

SESSION_PLAN = register_scoped(
    "session.plan",
    _("plan consultation sessions"),
    OFFICE,
    _office_write_q,
    without_target=lambda user: scopes.is_ministry_staff(user, write=True),
)
SESSION_CONFIRM = register_scoped("session.confirm", _("confirm consultation sessions"), MUNICIPALITY, _local_officer_q)
SESSION_PROPOSE = register_scoped(
    "session.propose",
    _("propose consultation sessions"),
    MUNICIPALITY,
    _local_officer_q,
    without_target=lambda user: bool(_local_officer_q(user) != scopes.NOTHING),
)
DISASTER_DECLARE = register(
    "disaster.declare",
    _("declare disasters"),
    lambda user, target: (
        _declare_q(user) != scopes.NOTHING if target is None else _exists("Prefecture", _declare_q(user), target)
    ),
    model=PREFECTURE,
    q=_declare_q,
)
DISASTER_REPORT = register("disaster.report", _("report special consultation offices"), _may_report)
PREPAREDNESS_RECORD = register_scoped(
    "preparedness.record", _("record disaster preparedness"), MUNICIPALITY, _municipality_write_q
)


# --- referrals (回付), both ways, and corrections (issue 16) --------------------------------------------------------
#
# A referral goes from a local government to its center (``to_center``) or to a commissioner of its area
# (``to_commissioner``), or from the center to a local government (``to_municipality``). Each has two sides:
# the local side (the officers of that local government: a municipality officer, or a prefecture officer for
# its own prefectural government) and the center side (ministry staff whose write scope holds the local
# government). Commissioners have no accounts: the center side receives a referral to a commissioner and
# records the commissioner's steps. The receiving side acknowledges, handles and closes; the filing side (or
# whoever filed it) edits or withdraws it until it is acknowledged; either side reopens it. Targets are
# ``Referral`` rows (or, for ``referral.file``, an unsaved one, or a local government for "to the center");
# rules read ``direction``, ``status``, ``municipality_id``.
#
# ==================  ==========================================================================================
# referral.file       to_center, to_commissioner: the local government's write scope (its officers; center
#                     staff recording it on its behalf); to_municipality: the center side
# referral.handle     the receiving side (to_center, to_commissioner: the center side; to_municipality: the
#                     local side)
# referral.edit       the filing side or the filer, while not yet acknowledged
# referral.withdraw   the same
# referral.reopen     either side, once closed (not withdrawn, not redacted)
# referral.read_text  every role that sees the referral, except a prefecture officer for its municipalities
#                     (who sees counts and topics, not the text)
# activity.correct    who may log the activity's center's activities
# progress.correct    who may change the local government's progress
# ==================  ==========================================================================================


def _local_side_q(user, *, write: bool = True) -> Q:
    """Q on Municipality: the local governments whose own officers the user is."""
    query = scopes.NOTHING
    if not _signed_in(user):
        return query
    for role in user.scope_roles:
        if write and role.read_only:
            continue
        if role.kind == "municipality":
            query |= Q(pk=role.municipality_id)
        elif role.kind == "prefecture":
            query |= Q(prefecture=role.prefecture_id, kind="prefecture")
    return query


def _text_readers_q(user) -> Q:
    """Q on Municipality: whose referrals' text the user may read (its scope, minus a prefecture's towns)."""
    query = _local_side_q(user, write=False)
    if not scopes.is_ministry_staff(user):
        return query
    ministry = [role for role in user.scope_roles if role.kind in {"headquarters", "bureau", "center"}]
    for role in ministry:
        if role.kind == "headquarters":
            return Q()
        if role.kind == "bureau":
            query |= scopes.region_q(role.region_id, "prefecture__region")
        else:
            query |= Q(office=role.office_id)
    return query


def _municipality_of(target):
    return getattr(target, "municipality_id", None) or _pk(target)


def _on_side(user, side: str, municipality_id) -> bool:
    query = _ministry_municipality_q(user) if side == "center" else _local_side_q(user)
    return _exists("Municipality", query, municipality_id)


# (filing side, receiving side) per direction: the center side receives for the commissioner.
SIDES = {
    "to_center": ("local", "center"),
    "to_commissioner": ("local", "center"),
    "to_municipality": ("center", "local"),
}


def _sides(referral) -> tuple[str, str]:
    """(filing side, receiving side) of a referral."""
    return SIDES[getattr(referral, "direction", "to_center")]


def _may_file(user, target) -> bool:
    if target is None:
        return scopes.can_write_anything(user)
    if _sides(target)[0] == "center":
        return _on_side(user, "center", _municipality_of(target))
    return _exists("Municipality", _municipality_write_q(user), _municipality_of(target))


def _may_handle(user, referral) -> bool:
    """The receiving side; a bare local government (its id) stands for a referral to its center."""
    if referral is None:
        return False
    return _on_side(user, _sides(referral)[1], _municipality_of(referral))


def _is_filer(user, referral) -> bool:
    filing, _receiving = _sides(referral)
    if referral.created_by_id is not None and referral.created_by_id == user.pk:
        return can(user, REFERRAL_FILE, referral)
    return _on_side(user, filing, referral.municipality_id)


def _may_change_filed(user, referral) -> bool:
    if referral is None or referral.status != "submitted":
        return False
    return _is_filer(user, referral)


def _may_reopen(user, referral) -> bool:
    if referral is None or referral.status != "closed" or referral.outcome == "withdrawn":
        return False
    if getattr(referral, "redacted_at", None) is not None:
        return False
    return _on_side(user, "center", referral.municipality_id) or _on_side(user, "local", referral.municipality_id)


def _may_read_text(user, referral) -> bool:
    return referral is not None and _exists("Municipality", _text_readers_q(user), referral.municipality_id)


REFERRAL_FILE = register("referral.file", _("file referrals"), _may_file, model=MUNICIPALITY, q=_municipality_write_q)
REFERRAL_HANDLE = register("referral.handle", _("handle referrals"), _may_handle)
REFERRAL_EDIT = register("referral.edit", _("edit referrals before they are acknowledged"), _may_change_filed)
REFERRAL_WITHDRAW = register(
    "referral.withdraw", _("withdraw referrals before they are acknowledged"), _may_change_filed
)
REFERRAL_REOPEN = register("referral.reopen", _("reopen referrals"), _may_reopen)
REFERRAL_READ_TEXT = register(
    "referral.read_text", _("read the text of referrals"), _may_read_text, model=MUNICIPALITY, q=_text_readers_q
)
ACTIVITY_CORRECT = register(
    "activity.correct",
    _("correct or cancel activities"),
    lambda user, target: _exists("Office", _office_write_q(user), getattr(target, "office_id", None) or target),
    model=OFFICE,
    q=_office_write_q,
)
PROGRESS_CORRECT = register(
    "progress.correct",
    _("correct stage changes"),
    lambda user, target: _exists("Municipality", _municipality_write_q(user), _municipality_of(target)),
    model=MUNICIPALITY,
    q=_municipality_write_q,
)


# --- the commissioner register (cooperation/commissioners) ----------------------------------------------------------
#
# commissioner.manage     local government (the area)   ministry staff whose write scope holds it: create,
#                                                       edit, appoint, reappoint, retire, record any award
# commissioner.recommend  local government (recommends) its write scope (its officer, its center, bureau, HQ)
# commissioner.award      local government (confers)    its write scope (a governor's or mayor's award)
# commissioner.import     —                             ministry staff who may write (rows: commissioner.manage)
# Contact details are a matter of seeing, not doing: offices.scopes.is_ministry_staff.

COMMISSIONER_MANAGE = register_scoped(
    "commissioner.manage",
    _("maintain the commissioner register"),
    MUNICIPALITY,
    _ministry_municipality_q,
    without_target=lambda user: scopes.is_ministry_staff(user, write=True),
)
COMMISSIONER_RECOMMEND = register_scoped(
    "commissioner.recommend",
    _("recommend commissioners"),
    MUNICIPALITY,
    _municipality_write_q,
    without_target=lambda user: scopes.can_write_anything(user),
)
COMMISSIONER_AWARD = register_scoped(
    "commissioner.award",
    _("record awards to commissioners"),
    MUNICIPALITY,
    _municipality_write_q,
    without_target=lambda user: scopes.can_write_anything(user),
)
COMMISSIONER_IMPORT = register(
    "commissioner.import",
    _("import the commissioner register"),
    lambda user, target: scopes.is_ministry_staff(user, write=True),
)


# --- fiscal-year close (issue 15) ---------------------------------------------------------------------------------

YEAR_CLOSE = register(
    "year.close",
    _("close, re-issue or reopen a fiscal year"),
    lambda user, target: scopes.is_headquarters(user, write=True),
)
# --- API tokens (issue 18) -----------------------------------------------------------------------


def _own_account(user, target) -> bool:
    """Any signed-in, active user, for its own tokens only (``target`` is the tokens' owner)."""
    return _signed_in(user) and target is not None and _pk(target) == user.pk


API_TOKEN_MANAGE = register("api_token.manage", _("manage API tokens"), _own_account)
