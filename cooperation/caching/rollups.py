"""``cached()``: compute a roll-up once per scope, parameters and generation of what it depends on.

A view wraps its expensive computation in one call::

    tally = rollups.cached("dashboard", lambda: reports.stage_tally(...),
                           user=user, depends=rollups.scope_depends(user), region=region_code, as_of=as_of)

The key holds the name, the user's *visibility* (the roles' kinds and
targets, not the user: fifty headquarters viewers share one entry), the
parameters, the active language and the tokens of every dependency; the
computation runs only when no entry matches. Tokens are read before the
computation, so an entry computed from data a concurrent change has already
overtaken is stored under the old tokens and never read again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from cooperation.caching import generations

logger = logging.getLogger(__name__)

# An entry's lifetime only bounds memory: invalidation is by generation, never by time.
ENTRY_TIMEOUT = 24 * 60 * 60


def visibility(user) -> tuple:
    """What decides what ``user`` sees (offices/scopes.py): its roles' kinds and targets, read-only or not."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ("nobody",)
    return tuple(
        sorted(
            (role.kind, role.region_id or 0, role.office_id or 0, role.prefecture_id or 0, role.municipality_id or 0)
            for role in user.scope_roles
        )
    )


@lru_cache(maxsize=64)
def _region_prefecture_ids(region_id: int) -> tuple[int, ...]:
    """A bureau's prefectures (its branches' included). Master data: the JIS prefectures never change bureau."""
    from offices.models import Prefecture
    from offices.scopes import region_q

    return tuple(Prefecture.objects.filter(region_q(region_id, "region")).values_list("pk", flat=True))


def scope_depends(user) -> set[str]:
    """The generations a roll-up over everything ``user`` sees depends on: its prefectures, or the country."""
    from offices.models import Role

    depends: set[str] = set()
    if user is None or not user.is_authenticated:
        return depends
    for role in user.scope_roles:
        if role.kind == Role.Kind.HEADQUARTERS:
            return {generations.NATIONAL}
        if role.kind == Role.Kind.BUREAU:
            depends.update(generations.prefecture(pk) for pk in _region_prefecture_ids(role.region_id))
        elif role.kind == Role.Kind.CENTER:
            depends.add(generations.prefecture(role.office.prefecture_id))
        elif role.kind == Role.Kind.PREFECTURE:
            depends.add(generations.prefecture(role.prefecture_id))
        elif role.kind == Role.Kind.MUNICIPALITY:
            depends.add(generations.prefecture(role.municipality.prefecture_id))
    return depends


def _digest(parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def key_for(name: str, *, user, depends: Iterable[str], params: dict) -> str:
    """The entry's key: name, visibility, parameters, language and the current tokens of its dependencies."""
    names = {generations.MASTER, *depends}
    tokens = generations.tokens(names)
    parts = (name, visibility(user), sorted(params.items()), translation.get_language(), sorted(tokens.items()))
    return f"rollup:{name}:{_digest(parts)}"


def enabled() -> bool:
    return getattr(settings, "ROLLUP_CACHE", True)


def cached(name: str, compute: Callable[[], object], *, user, depends: Iterable[str], **params):
    """``compute()``'s value for this scope and these parameters, from the shared cache when it is current.

    ``depends`` names the generations the value is drawn from (``scope_depends(user)``,
    ``generations.prefecture(id)``, …); the master data's is always added. A cache
    that cannot be reached costs the computation, never an error page.
    """
    if not enabled():
        return compute()
    cache = caches[generations.CACHE_ALIAS]
    try:
        key = key_for(name, user=user, depends=depends, params=params)
        found = cache.get(key, _MISSING)
    except Exception:
        logger.exception("Roll-up cache unreachable; computing %s", name)
        return compute()
    if found is not _MISSING:
        return found
    value = compute()
    try:
        cache.set(key, value, timeout=ENTRY_TIMEOUT)
    except Exception:
        logger.exception("Roll-up cache unreachable; %s not stored", name)
    return value


_MISSING = object()


def prefecture_depends(prefecture) -> str:
    """The generation of one prefecture (a Prefecture, or its id)."""
    return generations.prefecture(getattr(prefecture, "pk", prefecture))


def work_depends(depends: Iterable[str]) -> set[str]:
    """The work generations (activities, referrals, commissioners) of the same scope as ``depends``."""
    return {generations.work(name) for name in depends}


def desk_depends(office) -> list[str]:
    """A center's jurisdiction table: its prefecture, and every prefectural government (their peers are nationwide)."""
    return [generations.prefecture(office.prefecture_id), generations.PREFECTURAL_GOVERNMENTS]


def desk_work_depends(office) -> set[str]:
    """A center's lists of activities and referrals: the work of its prefecture (every center serves only there)."""
    return work_depends([generations.prefecture(office.prefecture_id)])


# --- roll-ups kept per prefecture --------------------------------------------------------------
#
# A national figure depends on every prefecture, so one entry for it would be recomputed after
# every change anywhere. For users who see whole prefectures (headquarters, bureaus, prefecture
# officers) the stage tally is kept per prefecture instead: a change in 北海道 recomputes
# 北海道's part only, and the other 46 parts, shared by every such user, come from the cache.


@lru_cache(maxsize=1)
def _prefectures() -> tuple[tuple[int, str], ...]:
    """(id, JIS code) of the 47 prefectures: master data fixed by law, read once per process."""
    from offices.models import Prefecture

    return tuple(Prefecture.objects.order_by("code").values_list("pk", "code"))


def whole_prefectures(user) -> list[tuple[int, str]] | None:
    """The prefectures ``user`` sees whole, if its scope is exactly such a union; None otherwise."""
    from offices.models import Role

    if user is None or not user.is_authenticated or not user.is_active:
        return None
    ids: set[int] = set()
    for role in user.scope_roles:
        if role.kind == Role.Kind.HEADQUARTERS:
            return list(_prefectures())
        if role.kind == Role.Kind.BUREAU:
            ids.update(_region_prefecture_ids(role.region_id))
        elif role.kind == Role.Kind.PREFECTURE:
            ids.add(role.prefecture_id)
        else:
            return None
    return [(pk, code) for pk, code in _prefectures() if pk in ids] or None


def stage_tally(progress, *, user, region, as_of, today):
    """``reports.stage_tally`` of the user's (region-filtered) progress rows, cached per prefecture where it can be.

    ``progress`` is the view's queryset (``visible_to(user)`` and the region);
    for a whole-prefecture scope the tally is rebuilt from per-prefecture parts,
    which hold exactly the same rows.
    """
    from cooperation.models import Progress
    from cooperation.reporting import rollups as reports

    prefectures = whole_prefectures(user) if enabled() else None
    if prefectures is None:
        return cached(
            "tally",
            lambda: reports.stage_tally(progress, as_of=as_of, today=today),
            user=user,
            depends=scope_depends(user),
            region=region and region.pk,
            as_of=as_of,
            today=today,
        )
    if region is not None:
        inside = set(_region_prefecture_ids(region.pk))
        prefectures = [(pk, code) for pk, code in prefectures if pk in inside]
    cache = caches[generations.CACHE_ALIAS]
    try:
        tokens = generations.tokens([generations.MASTER, *(generations.prefecture(pk) for pk, _code in prefectures)])
        language = translation.get_language()
        keys = {
            code: "rollup:tally-part:"
            + _digest((code, as_of, today, language, tokens[generations.MASTER], tokens[generations.prefecture(pk)]))
            for pk, code in prefectures
        }
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.exception("Roll-up cache unreachable; computing the tally")
        return reports.stage_tally(progress, as_of=as_of, today=today)
    parts = {code: found[key] for code, key in keys.items() if key in found}
    missing = [(pk, code) for pk, code in prefectures if code not in parts]
    if missing:
        # One query for every missing part together, split by prefecture afterwards.
        fresh = reports.stage_tally(
            Progress.objects.filter(municipality__prefecture__in=[pk for pk, _code in missing]),
            as_of=as_of,
            today=today,
        )
        split: dict[str, dict] = {code: {} for _pk, code in missing}
        for key, count in fresh.counts.items():
            split[key[0]][key] = count
        for code, counts in split.items():
            parts[code] = counts
        try:
            cache.set_many({keys[code]: split[code] for code in split}, timeout=ENTRY_TIMEOUT)
        except Exception:
            logger.exception("Roll-up cache unreachable; tally parts not stored")
    return reports.StageTally({key: count for part in parts.values() for key, count in part.items()})


def per_prefecture(name: str, compute, *, user, region, **params):
    """``{prefecture id: value}`` over the prefectures ``user`` sees whole (within ``region``), or None.

    Each prefecture's value is cached under its own generation, so a change in
    北海道 recomputes 北海道's value only; ``compute(prefecture_ids)`` returns the
    values of the missing ones in one go (a prefecture it leaves out counts as
    None). None when the user's scope is not a union of whole prefectures or
    the cache is off: the caller then computes the figure directly.
    """
    prefectures = whole_prefectures(user) if enabled() else None
    if prefectures is None:
        return None
    if region is not None:
        inside = set(_region_prefecture_ids(region.pk))
        prefectures = [(pk, code) for pk, code in prefectures if pk in inside]
    cache = caches[generations.CACHE_ALIAS]
    try:
        tokens = generations.tokens([generations.MASTER, *(generations.prefecture(pk) for pk, _code in prefectures)])
        language = translation.get_language()
        keys = {
            pk: f"rollup:{name}-part:"
            + _digest(
                (code, sorted(params.items()), language, tokens[generations.MASTER], tokens[generations.prefecture(pk)])
            )
            for pk, code in prefectures
        }
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.exception("Roll-up cache unreachable; computing %s", name)
        return None
    values = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in values]
    if missing:
        fresh = compute(missing)
        values.update({pk: fresh.get(pk) for pk in missing})
        try:
            cache.set_many({keys[pk]: values[pk] for pk in missing}, timeout=ENTRY_TIMEOUT)
        except Exception:
            logger.exception("Roll-up cache unreachable; %s parts not stored", name)
    return values


def fragment_key(name: str, *, user, depends: Iterable[str], **params) -> str:
    """The key of a rendered fragment (``{% rollupcache %}``), or "" when the cache is off or unreachable."""
    if not enabled():
        return ""
    try:
        return "fragment:" + key_for(name, user=user, depends=depends, params=params)
    except Exception:
        logger.exception("Roll-up cache unreachable; %s rendered afresh", name)
        return ""
