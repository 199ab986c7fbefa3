"""Property-based run of the API from its own OpenAPI schema (schemathesis, in-process WSGI).

Every GET operation of the schema (whatever registered it: the parametrisation
comes from the schema itself, so a new resource is driven as soon as it is
routed) is driven with generated parameters as five roles (headquarters, a
read-only headquarters viewer, 札幌 center staff, the 北海道 prefecture officer,
the 小樽市 officer), each with its own personal token, on data that has stage
changes, activities, referrals, sessions and their series, a disaster with a
special office, a commissioner and a closed fiscal year: no response may be a
server error, and
every response the schema describes must match it. The example count is kept
small (``API_FUZZ_EXAMPLES``, default 8) so the run stays well under two minutes;
``API_FUZZ_COVERAGE=1`` adds schemathesis's coverage phase (every boundary value).
"""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from cooperation.api.services import api_token_create
from tests.scope_rules.api import _domains
from tests.scope_rules.world import World
from tests.scope_rules.yearly import _closed_last_year

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
ROLES = ["hq", "viewer_hq", "center_sapporo", "pref_01", "lg_otaru"]


@pytest.fixture(autouse=True)
def _connection_kept_open_between_requests():
    """The WSGI app closes the database connection after each request, as in production; the test's
    transaction lives on that connection, so keep it open the way Django's own test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def role_tokens(request, master):
    users = {role: request.getfixturevalue(role) for role in ROLES}
    world = World(users)
    for name in ("activity_sapporo", "activity_hakodate", "referral_otaru", "referral_hakodate", "import_batch_otaru"):
        getattr(world, name)
    _domains(world)
    _closed_last_year(world)
    return {role: api_token_create(by=user, name="schemathesis")[1] for role, user in users.items()}


# The schema view needs no database (public, no authentication), so it is loaded at collection.
# The coverage phase (every boundary of every parameter) is thorough but long: API_FUZZ_COVERAGE=1 adds it.
CONFIG = schemathesis.Config.from_dict(
    {"phases": {"coverage": {"enabled": os.environ.get("API_FUZZ_COVERAGE") == "1"}}}
)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application(), config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_has_no_server_error_and_keeps_to_its_schema(case, role_tokens, settings):
    settings.API_THROTTLE_RATE = "100000/hour"
    for key in role_tokens.values():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {key}"},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )


def test_the_run_drives_every_registered_resource():
    """The run is parametrised from the served schema: every resource of the router is in it, list and detail."""
    from cooperation.api.routes import router

    paths = set(schema.raw_schema["paths"])
    routed = {prefix: viewset for prefix, viewset, _basename in router.registry}
    assert {"sessions", "session-series", "disasters", "commissioners", "fiscal-years", "closed-figures"} <= set(routed)
    for prefix, viewset in routed.items():
        assert f"/api/v1/{prefix}/" in paths, prefix
        if hasattr(viewset, "retrieve"):
            assert any(path.startswith(f"/api/v1/{prefix}/{{") for path in paths), prefix
