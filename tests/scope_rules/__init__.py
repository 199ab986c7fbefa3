"""Scope rules for every URL: who gets what status, in scope and out of scope.

Each area keeps its rules in a module of this package (``RULES = [Rule(...)]``).
``tests/test_scope_matrix.py`` walks the URL configuration and fails for any
route without a rule, then requests every rule as every role.

Statuses: 200 shown, 302 redirected (after a successful write, or to the login
page for anonymous users), 403 in scope but not allowed (read-only, wrong
role), 404 out of scope, 405 method not allowed.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = [
    "hq",
    "viewer_hq",
    "bureau_hokkaido",
    "bureau_chugoku_shikoku",
    "center_sapporo",
    "center_hakodate",
    "viewer_sapporo",
    "pref_01",
    "lg_otaru",
    "lg_hakodate",
    "lg_sapporo",
]

# Handy groups for writing rules.
MINISTRY = [
    "hq",
    "viewer_hq",
    "bureau_hokkaido",
    "bureau_chugoku_shikoku",
    "center_sapporo",
    "center_hakodate",
    "viewer_sapporo",
]
MUNICIPAL = ["pref_01", "lg_otaru", "lg_hakodate", "lg_sapporo"]


def statuses(default: int, **overrides: int) -> dict[str, int]:
    """Every role gets ``default`` unless named: ``statuses(404, hq=200, center_sapporo=200)``."""
    unknown = set(overrides) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    return {role: overrides.get(role, default) for role in ROLES}


@dataclass
class Rule:
    """One URL and what every role gets there.

    ``kwargs`` and ``post_data`` receive the ``World`` (tests/scope_rules/world.py)
    holding the objects the rule points at. ``get`` and ``post`` map every role in
    ROLES to a status; ``post=None`` means the route takes no POST worth testing.
    ``anonymous`` is what a signed-out visitor gets on GET (302 to the login page).
    ``writes`` names the models (``"cooperation.Progress"``) whose rows an
    accepted POST (302) must change; a refused one (any other status) changes
    no row at all.
    """

    name: str
    get: dict[str, int] | None
    kwargs: Callable = field(default=lambda world: {})
    query: str = ""
    post: dict[str, int] | None = None
    post_data: Callable = field(default=lambda world: {})
    anonymous: int = 302
    label: str = ""
    writes: tuple[str, ...] = ()

    def __post_init__(self):
        if self.post is not None and not self.writes and 302 in self.post.values():
            raise ValueError(f"{self.id}: say which models an accepted POST writes (writes=...)")
        for mapping in (self.get, self.post):
            if mapping is not None and set(mapping) != set(ROLES):
                missing = sorted(set(ROLES) - set(mapping))
                raise ValueError(f"{self.name}: give a status for every role, missing {missing}")

    @property
    def id(self) -> str:
        return self.label or self.name


# Routes that need no rule: Django's own machinery, reached by everyone or
# protected by Django itself (the admin checks is_staff on every page).
EXEMPT_PREFIXES = ("admin:",)
EXEMPT_NAMES = {
    "set_language",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def all_rules() -> list[Rule]:
    rules = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "world":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        rules.extend(getattr(module, "RULES", []))
    return rules
