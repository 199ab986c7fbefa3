"""Every URL × every role × in scope / out of scope, built from the URL configuration.

A route without a rule in tests/scope_rules/ fails here, so a new view cannot
land without someone deciding who may see and change it.
"""

import hashlib
from http import HTTPStatus

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.scope_rules import EXEMPT_NAMES, EXEMPT_PREFIXES, ROLES, all_rules
from tests.scope_rules.world import World

RULES = all_rules()


def _route_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name


def test_every_route_has_a_scope_rule():
    named = {name for name in _route_names() if not name.startswith(EXEMPT_PREFIXES) and name not in EXEMPT_NAMES}
    ruled = {rule.name for rule in RULES}
    assert named - ruled == set(), "routes without a scope rule in tests/scope_rules/"
    assert ruled - named == set(), "scope rules for routes that do not exist"


def _unnamed_routes(patterns=None):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _unnamed_routes(entry.url_patterns)
        elif isinstance(entry, URLPattern) and not entry.name:
            yield str(entry.pattern)


def test_every_route_has_a_name():
    assert list(_unnamed_routes()) == []


@pytest.fixture
def world(master, request):
    users = {role: request.getfixturevalue(role) for role in ROLES}
    return World(users)


def _url(rule, world):
    url = reverse(rule.name, kwargs=rule.kwargs(world))
    return url + ("?" + rule.query if rule.query else "")


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_anonymous_is_sent_to_sign_in(rule, world):
    response = Client().get(_url(rule, world))
    assert response.status_code == rule.anonymous
    if rule.anonymous == HTTPStatus.FOUND:
        assert reverse("login") in response["Location"]


CASES = [(rule, role) for rule in RULES if rule.get is not None for role in ROLES]


@pytest.mark.parametrize("rule, role", CASES, ids=[f"{rule.id}-{role}" for rule, role in CASES])
def test_get_status_for_role(rule, role, world, client_for):
    response = client_for(world.users[role]).get(_url(rule, world))
    assert response.status_code == rule.get[role]


POST_CASES = [(rule, role) for rule in RULES if rule.post is not None for role in ROLES]


def _fingerprint() -> dict[str, str]:
    """A digest of every row of every model of the product, per model."""
    digests = {}
    for model in apps.get_models():
        if model._meta.app_label in {"cooperation", "offices"}:
            rows = model._base_manager.order_by("pk").values_list()
            digests[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digests


@pytest.mark.parametrize("rule, role", POST_CASES, ids=[f"{rule.id}-{role}" for rule, role in POST_CASES])
def test_post_status_for_role(rule, role, world, client_for):
    client = client_for(world.users[role])
    url, data = _url(rule, world), rule.post_data(world)
    before = _fingerprint()
    response = client.post(url, data)
    assert response.status_code == rule.post[role], _explain(response)
    after = _fingerprint()
    changed = {label for label, digest in after.items() if before.get(label) != digest}
    if response.status_code == HTTPStatus.FOUND:
        assert set(rule.writes) <= changed, f"an accepted POST must write {rule.writes}; it changed {changed}"
    else:
        assert changed == set(), f"a refused POST ({response.status_code}) changed {changed}"


def _explain(response) -> str:
    """Why a status was unexpected: where a redirect went, and the errors of every bound form and formset."""
    if response.has_header("Location"):
        return "redirected to {}".format(response["Location"])
    context = getattr(response, "context", None)
    if not context:
        return "no template context"
    values = context.flatten() if hasattr(context, "flatten") else {key: context[key] for key in context.keys()}
    errors = {}
    for key, value in values.items():
        if hasattr(value, "non_form_errors") and value.is_bound:
            errors[key] = [value.errors, list(value.non_form_errors())]
        elif hasattr(value, "errors") and getattr(value, "is_bound", False):
            errors[key] = dict(value.errors)
    return f"form errors: {errors}" if errors else "no form errors"


# The cases issue 4 names: whoever writes the rules of these routes, the matrix must hold them.
# (route, fragment of the URL the rule points at, method, expected status per role)
ISSUE_4_CASES = [
    # 小樽市 lies in 後志 but is served by 札幌: center-sapporo sees and changes it, center-hakodate gets a 404.
    (
        "cooperation:municipality_detail",
        lambda world: f"/municipalities/{world.otaru.lg_code}/",
        "get",
        {"center_sapporo": 200, "center_hakodate": 404},
    ),
    (
        "cooperation:progress_update",
        lambda world: f"/municipalities/{world.otaru.lg_code}/",
        "post",
        {"center_sapporo": 302, "center_hakodate": 404},
    ),
    # lg-012033 gets a 404 on 函館市's page and on its referrals.
    (
        "cooperation:municipality_detail",
        lambda world: f"/municipalities/{world.hakodate_city.lg_code}/",
        "get",
        {"lg_otaru": 404},
    ),
    (
        "cooperation:referral_detail",
        lambda world: f"/referrals/{world.referral_hakodate.pk}/",
        "get",
        {"lg_otaru": 404},
    ),
    # pref-01 reads 小樽市 but may not change its stages.
    (
        "cooperation:municipality_detail",
        lambda world: f"/municipalities/{world.otaru.lg_code}/",
        "get",
        {"pref_01": 200},
    ),
    ("cooperation:progress_update", lambda world: f"/municipalities/{world.otaru.lg_code}/", "post", {"pref_01": 403}),
]


@pytest.mark.parametrize(
    "case", ISSUE_4_CASES, ids=[f"{case[0]}-{case[2]}-{sorted(case[3])}" for case in ISSUE_4_CASES]
)
def test_matrix_holds_the_cases_of_issue_4(case, world):
    name, fragment, method, expected = case
    holding = [
        rule
        for rule in RULES
        if rule.name == name
        and getattr(rule, method) is not None
        and fragment(world) in _url(rule, world)
        and all(getattr(rule, method)[role] == status for role, status in expected.items())
    ]
    assert holding, f"no rule of {name} checks {method.upper()} {fragment(world)} with {expected}"
