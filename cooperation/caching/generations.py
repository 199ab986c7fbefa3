"""Generation tokens kept in the shared cache, one per dependency (a prefecture, the country, the master data).

A token is a random string, never a counter: a new generation can never be
equal to one a reader has already seen, even when two processes bump the same
dependency at once on a backend without atomic increments (the database
cache). A token that is missing (never set, or evicted) is created on first
read, which also means a miss: eviction can only cost a recomputation, never
serve an old entry.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.cache import caches

CACHE_ALIAS = "default"
PREFIX = "gen:"

# Dependencies every entry has, and the names of the others.
MASTER = "master"
NATIONAL = "national"
PREFECTURAL_GOVERNMENTS = "prefgov"
DISASTERS = "disasters"  # the disaster banner: declared, closed, or changed in the admin


def prefecture(prefecture_id: int) -> str:
    return f"pref:{prefecture_id}"


def municipality(municipality_id: int) -> str:
    """One local government's stages (and its relay records): for what shows a single local government."""
    return f"lg:{municipality_id}"


def work(name: str) -> str:
    """The generation of the centers' work behind ``name`` (a prefecture, the country, …).

    Stage changes bump ``name``; activities, referrals and commissioners bump
    ``work(name)``. A roll-up of stages (a report's matrix, the national tally)
    is not recomputed after an activity, nor a count of activities and
    referrals after a stage change; what shows both depends on both.
    """
    return f"work:{name}"


def _cache():
    return caches[CACHE_ALIAS]


def _new_token() -> str:
    return secrets.token_hex(8)


def tokens(names: Iterable[str]) -> dict[str, str]:
    """The current token of each dependency (one round trip when they all exist)."""
    names = sorted(set(names))
    cache = _cache()
    found = cache.get_many([PREFIX + name for name in names])
    result = {name: found.get(PREFIX + name) for name in names}
    for name, token in result.items():
        if token is None:
            # add() keeps a token another process set in the meantime; read back whichever won.
            cache.add(PREFIX + name, _new_token(), timeout=None)
            result[name] = cache.get(PREFIX + name) or _new_token()
    return result


def bump(names: Iterable[str]) -> None:
    """Give each dependency a new generation: every entry that depended on it is no longer read."""
    names = set(names)
    if names:
        _cache().set_many({PREFIX + name: _new_token() for name in names}, timeout=None)
