"""The benchmark harness's own arithmetic: ratios, targets, the results file, the data generator's rules."""

import datetime
import json
import random

import pytest

from bench import data, metrics, run


def test_ratio_divides_and_rounds():
    assert metrics.ratio(300.0, 100.0) == 3.0
    assert metrics.ratio(100.0, 300.0) == 0.33


@pytest.mark.parametrize("denominator", [None, 0, 0.0])
def test_ratio_is_none_without_a_denominator(denominator):
    assert metrics.ratio(10.0, denominator) is None


def test_ratio_is_none_without_a_numerator():
    assert metrics.ratio(None, 10.0) is None


def test_median_ignores_missing_values():
    assert metrics.median([5.0, None, 1.0, 3.0]) == 3.0
    assert metrics.median([]) is None


def test_percentile_is_a_value_that_was_observed():
    values = list(range(1, 101))
    assert metrics.percentile(values, 0.50) == 50
    assert metrics.percentile(values, 0.95) == 95
    assert metrics.percentile(values, 0.99) == 99
    assert metrics.percentile([7], 0.99) == 7
    assert metrics.percentile([], 0.5) is None


def test_entry_has_every_required_key():
    row = metrics.entry("dashboard", median_ms=12.5)
    assert set(metrics.REQUIRED_KEYS) <= set(row)
    assert row["median_ms"] == 12.5
    assert row["queries"] is None
    assert row["status"] == metrics.STATUS_OK


def _rows(**overrides):
    rows = {
        "dashboard": metrics.entry("dashboard", queries=12, median_ms=90.0, ratio_floor=2.5),
        "prefecture_report": metrics.entry("prefecture_report", queries=16, median_ms=100.0, ratio_floor=3.5),
        "prefecture_report_as_of": metrics.entry("prefecture_report_as_of", queries=11, median_ms=250.0),
        "national_export": metrics.entry("national_export", queries=8, median_ms=2500.0, peak_mb=310.0),
        "survey_import": metrics.entry("survey_import", kind="import", median_ms=4000.0, speedup=9.5),
    }
    for name, changes in overrides.items():
        rows[name].update(changes)
    return list(rows.values())


def _verdicts(rows, name):
    return {check["target"]: check["verdict"] for row in rows if row["name"] == name for check in row["targets"]}


def test_targets_pass_and_fail_on_their_limits():
    rows = _rows()
    failures = metrics.check_targets(rows)
    assert _verdicts(rows, "dashboard") == {"≤ 15 queries": "PASS", "≤ 3× SQL floor": "PASS"}
    assert _verdicts(rows, "prefecture_report") == {"≤ 15 queries": "FAIL", "≤ 3× SQL floor": "FAIL"}
    assert _verdicts(rows, "national_export") == {"≤ 15 queries": "PASS", "< 3 s": "PASS", "< 300 MB peak": "FAIL"}
    assert _verdicts(rows, "survey_import") == {"< 10 s": "PASS", "≥ 10× faster than row by row": "FAIL"}
    assert {(failure["name"], failure["target"]) for failure in failures} == {
        ("prefecture_report", "≤ 15 queries"),
        ("prefecture_report", "≤ 3× SQL floor"),
        ("prefecture_report_as_of", "≤ 2× today's report"),
        ("national_export", "< 300 MB peak"),
        ("survey_import", "≥ 10× faster than row by row"),
    }


def test_as_of_report_is_compared_with_todays_report():
    rows = _rows(prefecture_report_as_of={"median_ms": 200.0})
    metrics.check_targets(rows)
    as_of = next(row for row in rows if row["name"] == "prefecture_report_as_of")
    check = next(check for check in as_of["targets"] if check["target"] == "≤ 2× today's report")
    assert (check["value"], check["verdict"]) == (2.0, "PASS")


def test_missing_page_is_neither_pass_nor_fail():
    rows = _rows(dashboard={"status": metrics.STATUS_MISSING, "queries": None, "ratio_floor": None})
    failures = metrics.check_targets(rows)
    assert set(_verdicts(rows, "dashboard").values()) == {"n/a"}
    assert "dashboard" not in {failure["name"] for failure in failures}


def test_results_file_keeps_other_entries_and_replaces_same_names(tmp_path):
    path = tmp_path / "results.json"
    metrics.write_results([metrics.entry("load_test", kind="loadtest", median_ms=40.0)], path)
    metrics.write_results([metrics.entry("dashboard", queries=12, median_ms=90.0)], path)
    written = metrics.write_results([metrics.entry("dashboard", queries=11, median_ms=80.0)], path)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored == written
    assert [(row["name"], row["queries"]) for row in stored] == [("load_test", None), ("dashboard", 11)]


def test_results_file_that_is_not_a_list_is_replaced(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"old": true}', encoding="utf-8")
    written = metrics.write_results([metrics.entry("dashboard")], path)
    assert [row["name"] for row in written] == ["dashboard"]


@pytest.mark.parametrize(
    "rows",
    [
        {"name": "x"},
        [{"name": "x", "queries": 1}],
        [metrics.entry("x"), metrics.entry("x")],
        [metrics.entry("x", median_ms="fast")],
    ],
)
def test_validate_refuses_a_wrong_shape(rows):
    with pytest.raises(ValueError):
        metrics.validate(rows)


def test_table_shows_each_operation_with_its_ratios_and_verdicts():
    rows = _rows()
    metrics.check_targets(rows)
    text = metrics.format_table(rows)
    line = next(line for line in text.splitlines() if line.startswith("| dashboard |"))
    assert "2.50" in line
    assert "PASS ≤ 3× SQL floor" in line
    assert len(text.splitlines()) == 2 + len(rows)


def test_next_stage_is_always_a_move_and_reachable():
    rng = random.Random(1)
    for stage in ["not_started", "considering", "arranging", "done", "established", "not_feasible"]:
        for _ in range(200):
            assert data.next_stage(rng, stage) not in {stage, None}


def test_fiscal_windows_end_yesterday_and_start_on_1_april():
    windows = data.fiscal_windows(3, datetime.date(2026, 11, 30))
    assert [year for year, _first, _last in windows] == [2024, 2025, 2026]
    assert windows[0][1:] == (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    assert windows[-1][1:] == (datetime.date(2026, 4, 1), datetime.date(2026, 11, 29))


def test_fiscal_windows_skip_a_year_that_has_not_begun():
    assert [year for year, *_days in data.fiscal_windows(2, datetime.date(2026, 4, 1))] == [2025]


def test_data_is_reused_only_for_the_same_recipe():
    wanted = data.recipe(years=10, seed=1, generator="demo", scale=3.0)
    found = {"recipe": wanted, "counts": {"activities": 100}}
    assert data.reusable(found, wanted=wanted, current={"activities": 100})
    for other in [
        data.recipe(years=1, seed=1, generator="demo", scale=3.0),
        data.recipe(years=10, seed=2, generator="demo", scale=3.0),
        data.recipe(years=10, seed=1, generator="demo", scale=2.0),
        data.recipe(years=10, seed=1, generator="bench"),
        {**wanted, "data_version": -1},
    ]:
        assert not data.reusable(found, wanted=other, current={"activities": 100})
    assert not data.reusable(found, wanted=wanted, current={"activities": 99})
    assert not data.reusable(None, wanted=wanted, current={})


def test_recipe_takes_the_demo_generator_when_it_exists(monkeypatch):
    monkeypatch.setattr(data, "demo_generator_available", lambda: True)
    assert data.recipe(years=10, seed=1)["generator"] == "demo"
    assert data.recipe(years=10, seed=1)["scale"] == data.DEMO_SCALE
    monkeypatch.setattr(data, "demo_generator_available", lambda: False)
    assert data.recipe(years=10, seed=1) == {
        "data_version": data.DATA_VERSION,
        "generator": "bench",
        "years": 10,
        "seed": 1,
        "scale": None,
    }


def test_recipe_refuses_an_unknown_generator():
    with pytest.raises(SystemExit):
        data.recipe(years=1, seed=1, generator="faker")


def test_survey_file_has_the_documented_header_and_a_bom():
    rows = [{"lg_code": "012033", "name": "小樽市", "item": "2-2", "stage": "done"}]
    content = run.survey_csv(rows, datetime.date(2026, 11, 29))
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").splitlines()
    assert lines == ["団体コード,団体名,項目,段階,日付,備考", f"012033,小樽市,2-2,実施,2026-11-29,{run.IMPORT_NOTE}"]


def test_every_import_row_changes_the_stage():
    assert all(run.NEXT_FOR_IMPORT[stage] != stage for stage in run.STAGE_LABELS)


PAGE = """
<form method="post" action="/i18n/setlang/"><input name="language" value="en"></form>
<form method="post" action="/municipalities/012033/progress/2-2/" id="item-2-2">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="hidden" name="version" value="4">
  <select name="stage"><option value="considering">検討中</option><option value="done" selected>実施</option></select>
  <input type="date" name="effective_date" value="2026-11-30">
  <textarea name="note"></textarea>
</form>
"""


def test_stage_forms_are_read_with_their_version_and_current_stage():
    from bench import loadtest

    (form,) = loadtest.stage_forms(PAGE, "012033")
    assert form["item"] == "2-2"
    assert form["fields"]["version"] == "4"
    assert form["fields"]["stage"] == "done"
    assert form["fields"]["csrfmiddlewaretoken"] == "tok"
    assert form["options"]["stage"] == ["considering", "done"]


def test_load_summary_counts_conflicts_apart_from_errors():
    from bench import loadtest

    shared = loadtest.Shared(port=0, deadline=0, max_requests=10)
    for sample in [
        loadtest.Sample("dashboard", 200, 0.1),
        loadtest.Sample("dashboard", 500, 0.2),
        loadtest.Sample("report", 0, 0.3, "ConnectionRefusedError"),
        loadtest.Sample("update", 302, 0.1),
        loadtest.Sample("update", 409, 0.1),
        loadtest.Sample("update", 200, 0.1),
    ]:
        shared.record(sample)
    summary = loadtest.summarise(shared, seconds=2.0)
    assert (summary["requests"], summary["errors"], summary["conflicts_409"], summary["refused_invalid"]) == (
        6,
        2,
        1,
        1,
    )
    assert summary["throughput_rps"] == 2.5
    assert summary["by_action"]["update"]["requests"] == 3
