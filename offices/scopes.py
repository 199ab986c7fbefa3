"""The one place that decides what a user may see and what a user may change.

Every queryset method ``visible_to(user)`` / ``editable_by(user)`` in both apps
is built from these functions, so a page, an export, a count and a download
can never disagree about who sees what.

Roles (``offices.Role``); a user may hold several, and sees the union:

=============  ==================================  ====================================
role           sees                                changes (unless read only)
=============  ==================================  ====================================
headquarters   the whole country                   everything
bureau         its region and its branches         the same
               (中国四国 includes 四国支局)
center         the local governments it serves     the same
               (``Municipality.office``)
prefecture     every local government of its       its own prefectural government only
               prefecture                          (including item 0-1)
municipality   its own organisation                the same
=============  ==================================  ====================================

A read-only role (a viewer, 閲覧者) sees what the same role would see and
changes nothing. Centers' desks (``Office``) are for ministry staff only.

The roles are read once per user object (``User.scope_roles``, one query) and
every function here builds a ``Q`` from them without further queries: a bureau's
branches are reached through ``Region.parent`` inside the same SQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

if TYPE_CHECKING:
    from offices.models import Role, User

NOTHING = Q(pk__in=[])


def _roles(user, *, write: bool) -> list[Role]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [role for role in user.scope_roles if not (write and role.read_only)]


def region_q(region_id: int, path: str = "") -> Q:
    """Q for a region and its branches (中国四国 covers 四国支局).

    ``path`` leads from the queried model to a Region foreign key
    (``"prefecture__region"``); empty when querying Region itself.
    """
    if not path:
        return Q(pk=region_id) | Q(parent=region_id)
    return Q(**{path: region_id}) | Q(**{path + "__parent": region_id})


def municipality_scope_q(user: User, *, write: bool = False, prefix: str = "") -> Q:
    """Q on Municipality (or on a model reaching it through ``prefix``) for the user's scope."""
    from offices.models import Municipality, Role

    query = NOTHING
    for role in _roles(user, write=write):
        if role.kind == Role.Kind.HEADQUARTERS:
            return Q()
        if role.kind == Role.Kind.BUREAU:
            query |= region_q(role.region_id, prefix + "prefecture__region")
        elif role.kind == Role.Kind.CENTER:
            query |= Q(**{prefix + "office": role.office_id})
        elif role.kind == Role.Kind.PREFECTURE:
            if write:
                query |= Q(**{prefix + "prefecture": role.prefecture_id, prefix + "kind": Municipality.Kind.PREFECTURE})
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
            query |= region_q(role.region_id, prefix + "region")
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


def _managing_roles(user: User) -> list[Role]:
    from offices.models import Role

    return [role for role in _roles(user, write=True) if role.kind in {Role.Kind.HEADQUARTERS, Role.Kind.BUREAU}]


def can_manage_users(user: User) -> bool:
    """Headquarters and bureaus (not their viewers) manage accounts."""
    return bool(_managing_roles(user))


def grantable_q(user: User, path: str = "") -> Q | None:
    """Q on a model reaching Region through ``path``, for the regions whose people ``user`` manages.

    None means the whole country (headquarters); ``NOTHING`` for a user who
    manages nobody. Used to narrow the choices of the account forms.
    """
    from offices.models import Role

    query = NOTHING
    for role in _managing_roles(user):
        if role.kind == Role.Kind.HEADQUARTERS:
            return None
        query |= region_q(role.region_id, path)
    return query


def grantable_role_q(user: User, prefix: str = "") -> Q:
    """Q on Role (through ``prefix``): the roles ``user`` may see on others and grant.

    Headquarters grants every role; a bureau every non-headquarters role whose
    organisation lies in its region.
    """
    from offices.models import Role

    query = NOTHING
    for role in _managing_roles(user):
        if role.kind == Role.Kind.HEADQUARTERS:
            return Q()
        query |= (
            region_q(role.region_id, prefix + "region")
            | region_q(role.region_id, prefix + "office__region")
            | region_q(role.region_id, prefix + "prefecture__region")
            | region_q(role.region_id, prefix + "municipality__prefecture__region")
        )
    return query


def manageable_users_q(user: User) -> Q:
    """Users an account manager may see and edit.

    Headquarters: everyone. A bureau: users holding at least one role, every one
    of which lies in its region, so that a user who also holds a role
    elsewhere (or at headquarters) stays out of the bureau's reach.
    """
    from offices.models import Role

    managing = _managing_roles(user)
    if not managing:
        return NOTHING
    if any(role.kind == Role.Kind.HEADQUARTERS for role in managing):
        return Q()
    inside = grantable_role_q(user)
    return Q(pk__in=Role.objects.filter(inside).values("user")) & ~Q(pk__in=Role.objects.exclude(inside).values("user"))
