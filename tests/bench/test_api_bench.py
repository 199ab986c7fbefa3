"""Every list of the API is in make bench, beside a floor, with the targets of issue 18."""

from types import SimpleNamespace

from bench import api, metrics
from cooperation.api.routes import router

# Lists too small to be worth a benchmark: a few dozen rows that never grow (items, centers), or a handful of years.
UNMEASURED = {"items", "centers", "fiscal-years"}


def _operations():
    return api.operations(SimpleNamespace(fiscal_year=2026, hokkaido_id=1, years=10))


def test_every_api_list_is_measured():
    measured = {op.url.split("?")[0] for op in _operations()}
    listed = {f"/api/v1/{prefix}/" for prefix, _viewset, _basename in router.registry}
    assert listed - measured == {f"/api/v1/{prefix}/" for prefix in UNMEASURED}


def test_api_lists_have_a_floor_a_token_and_both_targets():
    targets = {(target.operation, target.metric): target.limit for target in metrics.TARGETS}
    for op in _operations():
        assert op.floor is not None and op.extra == {"auth": "token"}, op.name
        assert targets[(op.name, "queries")] == 15, op.name
        if op.name != "api_yearly_report":
            assert targets[(op.name, "ratio_floor")] == 2, op.name
