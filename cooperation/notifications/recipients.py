"""Who is told: the people of one organisation, never anyone outside it.

Recipients hold a role that may act (not read only) on exactly that
organisation; viewers (閲覧者) and deactivated accounts are never recipients.
Each function answers for many organisations in one or two queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from offices.db import chunks
from offices.models import Municipality, Role


def _acting_roles():
    return Role.objects.filter(read_only=False, user__is_active=True)


def officers_by_municipality(
    municipality_ids: Iterable[int], *, governments: dict[int, int] | None = None
) -> dict[int, set[int]]:
    """User ids of each local government's own officers (one query per 900 local governments).

    A municipality's officers hold its municipality role; a prefectural
    government's officers are also the prefecture officers of that prefecture
    (they change its own progress, offices/scopes.py). ``governments`` maps
    prefecture id → prefectural government id for the ids given, when the
    caller already read it (else one more query).
    """
    found: dict[int, set[int]] = defaultdict(set)
    ids = sorted(set(municipality_ids))
    for chunk in chunks(ids):
        if governments is None:
            chunk_governments = dict(
                Municipality.objects.filter(pk__in=chunk, kind=Municipality.Kind.PREFECTURE).values_list(
                    "prefecture_id", "pk"
                )
            )
        else:
            members = set(chunk)
            chunk_governments = {prefecture: pk for prefecture, pk in governments.items() if pk in members}
        query = Q(kind=Role.Kind.MUNICIPALITY, municipality_id__in=chunk)
        if chunk_governments:
            query |= Q(kind=Role.Kind.PREFECTURE, prefecture_id__in=chunk_governments)
        for kind, municipality_id, prefecture_id, user_id in (
            _acting_roles().filter(query).values_list("kind", "municipality_id", "prefecture_id", "user_id")
        ):
            found[municipality_id if kind == Role.Kind.MUNICIPALITY else chunk_governments[prefecture_id]].add(user_id)
    return found


def staff_by_office(office_ids: Iterable[int]) -> dict[int, set[int]]:
    """User ids of each center's staff (センター職員)."""
    found: dict[int, set[int]] = defaultdict(set)
    ids = sorted(set(office_ids))
    for chunk in chunks(ids):
        for office_id, user_id in (
            _acting_roles().filter(kind=Role.Kind.CENTER, office_id__in=chunk).values_list("office_id", "user_id")
        ):
            found[office_id].add(user_id)
    return found
