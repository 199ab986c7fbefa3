"""The one place that decides what a user may see and what a user may change.

Every queryset method ``visible_to(user)`` / ``editable_by(user)`` in both apps
is built from these functions, so a page, an export, a count and a download
can never disagree about who sees what.

Roles (``offices.Role``):

=============  ================================  ====================================
role           sees                              changes (unless read only)
=============  ================================  ====================================
headquarters   the whole country                 everything
bureau         its region (and its branches)     the same
center         the local governments it serves   the same
prefecture     every local government of its     its own prefectural government only
               prefecture
municipality   its own organisation              the same
=============  ================================  ====================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

if TYPE_CHECKING:
    from offices.models import User

NOTHING = Q(pk__in=[])


def _roles(user, *, write: bool):
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [role for role in user.scope_roles if not (write and role.read_only)]


def _region_codes(role) -> list[int]:
    """A bureau covers its own region and its branches (中国四国 covers 四国支局)."""
    return [role.region_id, *[branch.pk for branch in role.region.branches.all()]]


def municipality_scope_q(user: User, *, write: bool = False, prefix: str = "") -> Q:
    """Q on Municipality (or on a model reaching it through ``prefix``) for the user's scope."""
    from offices.models import Role

    query = NOTHING
    for role in _roles(user, write=write):
        if role.kind == Role.Kind.HEADQUARTERS:
            return Q()
        if role.kind == Role.Kind.BUREAU:
            query |= Q(**{prefix + "prefecture__region__in": _region_codes(role)})
        elif role.kind == Role.Kind.CENTER:
            query |= Q(**{prefix + "office": role.office_id})
        elif role.kind == Role.Kind.PREFECTURE:
            if write:
                query |= Q(**{prefix + "prefecture": role.prefecture_id, prefix + "kind": "prefecture"})
            else:
                query |= Q(**{prefix + "prefecture": role.prefecture_id})
        elif role.kind == Role.Kind.MUNICIPALITY:
            query |= Q(**{prefix + "pk": role.municipality_id})
    return query


def office_scope_q(user: User, *, write: bool = False, prefix: str = "") -> Q:
    """Q on Office: the centers whose desk and activity log the user works with (ministry staff only)."""
    from offices.models import Role

    query = NOTHING
    for role in _roles(user, write=write):
        if role.kind == Role.Kind.HEADQUARTERS:
            return Q()
        if role.kind == Role.Kind.BUREAU:
            query |= Q(**{prefix + "region__in": _region_codes(role)})
        elif role.kind == Role.Kind.CENTER:
            query |= Q(**{prefix + "pk": role.office_id})
    return query


def is_ministry_staff(user: User, *, write: bool = False) -> bool:
    """Headquarters, bureau or center staff: those who log activities and handle referrals."""
    from offices.models import Role

    ministry = {Role.Kind.HEADQUARTERS, Role.Kind.BUREAU, Role.Kind.CENTER}
    return any(role.kind in ministry for role in _roles(user, write=write))


def is_headquarters(user: User, *, write: bool = False) -> bool:
    from offices.models import Role

    return any(role.kind == Role.Kind.HEADQUARTERS for role in _roles(user, write=write))


def can_write_anything(user: User) -> bool:
    """False for a user whose every role is read only (a viewer)."""
    return bool(_roles(user, write=True))


def manageable_users_q(user: User) -> Q:
    """Users an account manager may see and edit: HQ all; a bureau the users whose roles lie in its region."""
    from offices.models import Role

    query = NOTHING
    for role in _roles(user, write=True):
        if role.kind == Role.Kind.HEADQUARTERS:
            return Q()
        if role.kind == Role.Kind.BUREAU:
            regions = _region_codes(role)
            query |= (
                Q(roles__region__in=regions)
                | Q(roles__office__region__in=regions)
                | Q(roles__prefecture__region__in=regions)
                | Q(roles__municipality__prefecture__region__in=regions)
            )
    return query


def can_manage_users(user: User) -> bool:
    from offices.models import Role

    return any(role.kind in {Role.Kind.HEADQUARTERS, Role.Kind.BUREAU} for role in _roles(user, write=True))
