"""Pure arithmetic of the benchmark: medians, ratios, targets, the results file and the table.

Nothing here touches Django or a database, so tests/bench checks it in
milliseconds, and run.py and loadtest.py share one definition of every number.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"

# Keys every entry of results.json carries (issue 7); None where a figure does not apply.
REQUIRED_KEYS = ("name", "queries", "median_ms", "peak_mb", "ratio_admin", "ratio_floor")

STATUS_OK = "ok"
STATUS_MISSING = "missing"
STATUS_ERROR = "error"

PAGE_QUERY_LIMIT = 15


def median(values: Iterable[float]) -> float | None:
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p95 = ``percentile(values, 0.95)``): a value that was actually observed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` rounded to two places; None when either side is missing or zero."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return round(numerator / denominator, 2)


def megabytes(size_bytes: int | None) -> float | None:
    return None if size_bytes is None else round(size_bytes / (1024 * 1024), 1)


def entry(name: str, *, label: str = "", kind: str = "page", status: str = STATUS_OK, **figures) -> dict:
    """One row of results.json with every required key present (None when not measured)."""
    row = {key: None for key in REQUIRED_KEYS}
    row.update(name=name, label=label or name, kind=kind, status=status)
    row.update(figures)
    return row


@dataclass(frozen=True)
class Target:
    """One promise of issue 7, checked against the measured entries."""

    operation: str
    description: str
    limit: float
    metric: str  # key of the entry, or "as_of_vs_today" / "speedup"
    at_least: bool = False

    def value(self, row: dict, by_name: dict[str, dict]) -> float | None:
        if self.metric == "as_of_vs_today":
            today = by_name.get("prefecture_report", {})
            return ratio(row.get("median_ms"), today.get("median_ms"))
        return row.get(self.metric)

    def check(self, row: dict, by_name: dict[str, dict]) -> dict:
        value = self.value(row, by_name)
        if row.get("status") != STATUS_OK or value is None:
            verdict = "n/a"
        elif self.at_least:
            verdict = "PASS" if value >= self.limit else "FAIL"
        else:
            verdict = "PASS" if value <= self.limit else "FAIL"
        return {"target": self.description, "limit": self.limit, "value": value, "verdict": verdict}


# Issue 18: every list of the API in make bench, at most 15 queries and within 2× its floor.
API_NEW_LISTS = (
    "api_local_governments",
    "api_referrals",
    "api_sessions",
    "api_session_series",
    "api_disasters",
    "api_commissioners",
    "api_closed_figures",
)

PAGES = (
    "dashboard",
    "prefecture_report",
    "prefecture_report_as_of",
    "office_desk",
    "municipality_page",
    "activity_list",
    "national_export",
    "yearly_report",
    "api_progress",
    "api_activities",
    "api_changes",
    *API_NEW_LISTS,
    "api_yearly_report",
)

TARGETS = (
    *(Target(name, f"≤ {PAGE_QUERY_LIMIT} queries", PAGE_QUERY_LIMIT, "queries") for name in PAGES),
    Target("dashboard", "≤ 3× SQL floor", 3, "ratio_floor"),
    Target("prefecture_report", "≤ 3× SQL floor", 3, "ratio_floor"),
    Target("prefecture_report_as_of", "≤ 2× today's report", 2, "as_of_vs_today"),
    # Issue 18: the activity list and the desk within 2× their floor, and so the API's lists.
    *(
        Target(name, "≤ 2× SQL floor", 2, "ratio_floor")
        for name in ("activity_list", "office_desk", "api_progress", "api_activities", "api_changes", *API_NEW_LISTS)
    ),
    Target("national_export", "< 3 s", 3000, "median_ms"),
    Target("national_export", "< 300 MB peak", 300, "peak_mb"),
    Target("commissioner_export", "< 2 s", 2000, "median_ms"),
    Target("survey_import", "< 10 s", 10_000, "median_ms"),
    Target("survey_import", "≥ 10× faster than row by row", 10, "speedup", at_least=True),
    Target("yearly_report", "< 300 ms", 300, "median_ms"),
    Target("year_close", "< 10 s", 10_000, "median_ms"),
)


def check_targets(rows: list[dict], targets: Sequence[Target] = TARGETS) -> list[dict]:
    """Attach ``targets`` (a list of verdicts) to each row; return the failures."""
    by_name = {row["name"]: row for row in rows}
    failures = []
    for row in rows:
        row["targets"] = []
        for target in targets:
            if target.operation != row["name"]:
                continue
            verdict = target.check(row, by_name)
            row["targets"].append(verdict)
            if verdict["verdict"] == "FAIL":
                failures.append({"name": row["name"], **verdict})
    return failures


def validate(rows) -> None:
    """Raise ValueError unless ``rows`` has the shape issue 7 promises for results.json."""
    if not isinstance(rows, list):
        raise ValueError("results.json must hold a list")
    names = set()
    for row in rows:
        if not isinstance(row, dict):
            raise ValueError(f"entry is not an object: {row!r}")
        missing = [key for key in REQUIRED_KEYS if key not in row]
        if missing:
            raise ValueError(f"{row.get('name')!r} lacks {', '.join(missing)}")
        if row["name"] in names:
            raise ValueError(f"{row['name']!r} appears twice")
        names.add(row["name"])
        for key in REQUIRED_KEYS[1:]:
            if row[key] is not None and not isinstance(row[key], int | float):
                raise ValueError(f"{row['name']!r}: {key} is not a number")


def merge(existing: list[dict], fresh: list[dict]) -> list[dict]:
    """Replace entries of the same name, keep the others (the load test and the benchmark share the file)."""
    fresh_names = {row["name"] for row in fresh}
    return [row for row in existing if row.get("name") not in fresh_names] + fresh


def write_results(rows: list[dict], path: Path = RESULTS_PATH) -> list[dict]:
    """Merge ``rows`` into the results file and return what was written."""
    existing = []
    if path.exists():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
            validate(existing)
        except ValueError:
            existing = []
    merged = merge(existing, rows)
    validate(merged)
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return merged


def _cell(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def format_table(rows: Sequence[dict]) -> str:
    """The benchmark table as Markdown (printed, and pasted into docs/benchmarks.md)."""
    header = [
        "operation",
        "status",
        "queries",
        "median ms",
        "of it SQL ms",
        "peak MB",
        "admin ms",
        "floor ms",
        "page/admin",
        "page/floor",
        "targets",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        verdicts = "; ".join(
            f"{check['verdict']} {check['target']}" for check in row.get("targets", []) if check["verdict"] != "n/a"
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    row.get("label") or row["name"],
                    row.get("status", ""),
                    _cell(row.get("queries")),
                    _cell(row.get("median_ms")),
                    _cell(row.get("sql_ms")),
                    _cell(row.get("peak_mb")),
                    _cell(row.get("admin_median_ms")),
                    _cell(row.get("floor_median_ms")),
                    _cell(row.get("ratio_admin"), 2),
                    _cell(row.get("ratio_floor"), 2),
                    verdicts or "—",
                ]
            )
            + " |"
        )
    return "\n".join(lines)
