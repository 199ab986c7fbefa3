"""Measure every main operation at national scale, side by side with the Django admin and the SQL floor.

``python -m bench.run`` (``make bench``):

1. points this process at the benchmark database (BENCH_DATABASE_URL, default
   coop_bench on 127.0.0.1) and builds or reuses BENCH_YEARS fiscal years of
   data (bench/data.py);
2. for each operation, in-process with Django's test client and production
   settings (DEBUG off): a warm-up request that also counts SQL queries, then
   BENCH_REPEATS timed requests interleaved with the admin changelist showing
   the same rows and with the floor (the bare SQL any implementation must
   run), then one request under tracemalloc for the peak memory;
3. checks the targets of issue 7, prints a table and writes bench/results.json.

A page that does not exist yet is reported as "missing"; one that fails as
"error" with the reason. ``--strict`` makes a missed target exit non-zero.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import sys
import time
import traceback
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import data, env, metrics

# --- what is measured ------------------------------------------------------------------------


@dataclass
class Context:
    """Everything the operations need to know about the benchmark database."""

    today: datetime.date
    as_of: datetime.date
    fiscal_year: int
    hokkaido_id: int
    sapporo_office_id: int
    otaru_id: int
    hq: object
    admin: object
    years: int


@dataclass
class Operation:
    name: str
    label: str
    url: str | None = None
    admin_url: str | None = None
    floor: Callable | None = None
    kind: str = "page"
    note: str = ""
    repeats: int | None = None
    extra: dict = field(default_factory=dict)


# Which items apply to which local government (cooperation.progress.models.scope_applies), as bare SQL.
APPLIES = (
    "(i.scope = 'all' OR (i.scope = 'prefecture' AND m.kind = 'prefecture')"
    " OR (i.scope = 'municipality' AND m.kind <> 'prefecture'))"
)


def table(model) -> str:
    return model._meta.db_table


def tables() -> dict[str, str]:
    from cooperation.models import Activity, ClosedFigure, Progress, ProgressChange, Referral, RequestItem
    from offices.models import Municipality, Office, Prefecture, User

    return {
        "figure": table(ClosedFigure),
        "progress": table(Progress),
        "change": table(ProgressChange),
        "activity": table(Activity),
        "activity_lg": table(Activity.municipalities.through),
        "referral": table(Referral),
        "item": table(RequestItem),
        "lg": table(Municipality),
        "office": table(Office),
        "prefecture": table(Prefecture),
        "user": table(User),
    }


def _run_sql(statements: list[tuple[str, list]]) -> int:
    """Execute each statement and fetch every row; return the number of rows read."""
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        for statement, params in statements:
            cursor.execute(statement, params)
            rows += len(cursor.fetchall())
    return rows


def floor_dashboard(ctx: Context) -> int:
    """National counts per prefecture × item × stage, the year's activities and referrals, the latest changes."""
    from cooperation.fiscal import fiscal_year_end, fiscal_year_start

    t = tables()
    start, end = fiscal_year_start(ctx.fiscal_year), fiscal_year_end(ctx.fiscal_year)
    return _run_sql(
        [
            (f"SELECT id, code, name FROM {t['prefecture']} ORDER BY code", []),
            (f"SELECT id, code, title_ja FROM {t['item']} WHERE is_active ORDER BY sort_order", []),
            (
                f"""SELECT m.prefecture_id, p.item_id, p.stage, count(*)
                      FROM {t["progress"]} p JOIN {t["lg"]} m ON m.id = p.municipality_id
                      JOIN {t["item"]} i ON i.id = p.item_id
                     WHERE m.is_active AND i.is_active AND {APPLIES}
                     GROUP BY 1, 2, 3""",
                [],
            ),
            (
                f"SELECT kind, count(*) FROM {t['activity']} WHERE date BETWEEN %s AND %s GROUP BY kind",
                [start, end],
            ),
            (
                f"""SELECT count(*) FILTER (WHERE received_on BETWEEN %s AND %s),
                           count(*) FILTER (WHERE status = 'closed' AND closed_at::date BETWEEN %s AND %s)
                      FROM {t["referral"]} WHERE received_on >= %s OR closed_at >= %s""",
                [start, end, start, end, start, start],
            ),
            (
                f"""SELECT c.id, c.from_stage, c.to_stage, c.effective_date, c.recorded_at, m.lg_code, m.name, i.code
                      FROM {t["change"]} c JOIN {t["progress"]} p ON p.id = c.progress_id
                      JOIN {t["lg"]} m ON m.id = p.municipality_id JOIN {t["item"]} i ON i.id = p.item_id
                     ORDER BY c.recorded_at DESC, c.id DESC LIMIT 10""",
                [],
            ),
        ]
    )


def _as_of_matrix(t: dict, day_param: bool) -> str:
    """Matrix rows of one prefecture: today's stage, or the stage in force at the end of a day (a lateral lookup)."""
    if not day_param:
        stage = "p.stage, p.stage_date"
        lateral = ""
    else:
        stage = "coalesce(s.to_stage, 'not_started'), s.effective_date"
        lateral = f"""LEFT JOIN LATERAL (
                SELECT to_stage, effective_date FROM {t["change"]} c
                 WHERE c.progress_id = p.id AND c.effective_date <= %s
                 ORDER BY c.effective_date DESC, c.id DESC LIMIT 1) s ON true"""
    return f"""SELECT m.id, m.lg_code, m.name, m.kind, m.office_id, i.code, {stage}
                 FROM {t["progress"]} p JOIN {t["lg"]} m ON m.id = p.municipality_id
                 JOIN {t["item"]} i ON i.id = p.item_id {lateral}
                WHERE m.prefecture_id = %s AND m.is_active AND i.is_active
                  AND {APPLIES}
                ORDER BY m.lg_code, i.sort_order"""


def _baseline_counts(t: dict) -> str:
    """Per-item stage counts of one prefecture at the end of the previous fiscal year (the change column)."""
    return f"""SELECT i.code, coalesce(s.to_stage, 'not_started'), count(*)
                 FROM {t["progress"]} p JOIN {t["lg"]} m ON m.id = p.municipality_id
                 JOIN {t["item"]} i ON i.id = p.item_id
                 LEFT JOIN LATERAL (
                   SELECT to_stage FROM {t["change"]} c
                    WHERE c.progress_id = p.id AND c.effective_date <= %s
                    ORDER BY c.effective_date DESC, c.id DESC LIMIT 1) s ON true
                WHERE m.prefecture_id = %s AND m.is_active AND i.is_active
                  AND {APPLIES}
                GROUP BY 1, 2"""


def previous_fiscal_year_end(day: datetime.date) -> datetime.date:
    from cooperation.fiscal import fiscal_year, fiscal_year_end

    return fiscal_year_end(fiscal_year(day) - 1)


def floor_report(ctx: Context, *, as_of: datetime.date | None = None) -> int:
    t = tables()
    day = as_of or ctx.today
    matrix_params = [as_of, ctx.hokkaido_id] if as_of else [ctx.hokkaido_id]
    return _run_sql(
        [
            (f"SELECT id, code, label FROM {t['office']} WHERE prefecture_id = %s", [ctx.hokkaido_id]),
            (f"SELECT id, code, title_ja FROM {t['item']} WHERE is_active ORDER BY sort_order", []),
            (_as_of_matrix(t, as_of is not None), matrix_params),
            (_baseline_counts(t), [previous_fiscal_year_end(day), ctx.hokkaido_id]),
        ]
    )


def floor_desk(ctx: Context) -> int:
    """The jurisdiction's progress, peers' adoption in the prefecture, follow-ups, open referrals, recent activities."""
    t = tables()
    return _run_sql(
        [
            (
                f"""SELECT m.id, m.lg_code, m.name, m.kind, i.code, p.stage, p.stage_date, p.updated_at
                      FROM {t["progress"]} p JOIN {t["lg"]} m ON m.id = p.municipality_id
                      JOIN {t["item"]} i ON i.id = p.item_id
                     WHERE m.office_id = %s AND m.is_active AND i.is_active
                     ORDER BY m.lg_code, i.sort_order""",
                [ctx.sapporo_office_id],
            ),
            (
                f"""SELECT m.kind, p.item_id, count(*) FILTER (WHERE p.stage IN ('done', 'established'))
                      FROM {t["progress"]} p JOIN {t["lg"]} m ON m.id = p.municipality_id
                     WHERE m.prefecture_id = %s GROUP BY 1, 2""",
                [ctx.hokkaido_id],
            ),
            (
                f"""SELECT id, date, title, follow_up_on FROM {t["activity"]}
                     WHERE office_id = %s AND follow_up_on < %s AND NOT follow_up_done ORDER BY follow_up_on""",
                [ctx.sapporo_office_id, ctx.today],
            ),
            (
                f"""SELECT r.id, r.received_on, r.topic, r.status, m.name FROM {t["referral"]} r
                      JOIN {t["lg"]} m ON m.id = r.municipality_id
                     WHERE r.office_id = %s AND r.status <> 'closed' ORDER BY r.received_on DESC""",
                [ctx.sapporo_office_id],
            ),
            (
                f"""SELECT id, date, kind, title FROM {t["activity"]} WHERE office_id = %s
                     ORDER BY date DESC, id DESC LIMIT 10""",
                [ctx.sapporo_office_id],
            ),
        ]
    )


def floor_municipality(ctx: Context) -> int:
    """The local government, its progress with the last author, its history, activities and referrals."""
    t = tables()
    lg = [ctx.otaru_id]
    return _run_sql(
        [
            (
                f"""SELECT m.id, m.lg_code, m.name, o.label, pr.name FROM {t["lg"]} m
                      JOIN {t["office"]} o ON o.id = m.office_id JOIN {t["prefecture"]} pr ON pr.id = m.prefecture_id
                     WHERE m.id = %s""",
                lg,
            ),
            (
                f"""SELECT p.id, i.code, i.title_ja, p.stage, p.stage_date, p.version, p.updated_at, u.display_name
                      FROM {t["progress"]} p JOIN {t["item"]} i ON i.id = p.item_id
                      LEFT JOIN {t["user"]} u ON u.id = p.updated_by_id
                     WHERE p.municipality_id = %s AND i.is_active ORDER BY i.sort_order""",
                lg,
            ),
            (
                f"""SELECT c.id, i.code, c.from_stage, c.to_stage, c.effective_date, c.recorded_at, c.note,
                           u.display_name, a.title
                      FROM {t["change"]} c JOIN {t["progress"]} p ON p.id = c.progress_id
                      JOIN {t["item"]} i ON i.id = p.item_id
                      LEFT JOIN {t["user"]} u ON u.id = c.recorded_by_id
                      LEFT JOIN {t["activity"]} a ON a.id = c.activity_id
                     WHERE p.municipality_id = %s ORDER BY c.effective_date DESC, c.id DESC""",
                lg,
            ),
            (
                # The local government's links first (MATERIALIZED): as a plain join PostgreSQL walked the whole
                # date index looking for the newest ten (65 ms at ten years), the trap the page avoids too.
                f"""WITH links AS MATERIALIZED (
                        SELECT activity_id FROM {t["activity_lg"]} WHERE municipality_id = %s)
                    SELECT a.id, a.date, a.kind, a.title FROM {t["activity"]} a JOIN links ON links.activity_id = a.id
                     ORDER BY a.date DESC, a.id DESC LIMIT 10""",
                lg,
            ),
            (
                f"""SELECT id, received_on, topic, status FROM {t["referral"]} WHERE municipality_id = %s
                     ORDER BY received_on DESC, id DESC LIMIT 10""",
                lg,
            ),
        ]
    )


ACTIVITY_KIND = "briefing"
SLOW_SECONDS = float(os.environ.get("BENCH_SLOW_SECONDS", "15"))
PAGE_SIZE = 25


def activity_window(ctx: Context) -> tuple[datetime.date, datetime.date]:
    from cooperation.fiscal import fiscal_year_end, fiscal_year_start

    year = ctx.fiscal_year - 1
    return fiscal_year_start(year), fiscal_year_end(year)


def floor_activities(ctx: Context) -> int:
    """One page of the filtered list (with its centers, items and local governments) and the total count."""
    from django.db import connection

    t = tables()
    start, end = activity_window(ctx)
    where = "a.kind = %s AND a.date BETWEEN %s AND %s"
    params = [ACTIVITY_KIND, start, end]
    rows = _run_sql([(f"SELECT count(*) FROM {t['activity']} a WHERE {where}", params)])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.id, a.date, a.kind, a.title, a.follow_up_on, o.label, i.code FROM {t["activity"]} a
                  JOIN {t["office"]} o ON o.id = a.office_id JOIN {t["item"]} i ON i.id = a.item_id
                 WHERE {where} ORDER BY a.date DESC, a.id DESC LIMIT {PAGE_SIZE}""",
            params,
        )
        page = cursor.fetchall()
        cursor.execute(
            f"""SELECT am.activity_id, m.lg_code, m.name FROM {t["activity_lg"]} am
                  JOIN {t["lg"]} m ON m.id = am.municipality_id WHERE am.activity_id = ANY(%s)""",
            [[row[0] for row in page]],
        )
        rows += len(page) + len(cursor.fetchall())
    return rows


def floor_national_survey(ctx: Context) -> int:
    """Every active local government × each active item that applies to it, with its stage, in survey order."""
    t = tables()
    return _run_sql(
        [
            (
                f"""SELECT m.lg_code, m.name, i.code, p.stage, p.stage_date, p.note
                      FROM {t["progress"]} p JOIN {t["lg"]} m ON m.id = p.municipality_id
                      JOIN {t["item"]} i ON i.id = p.item_id
                     WHERE m.is_active AND i.is_active AND {APPLIES}
                     ORDER BY m.lg_code, i.sort_order, i.code""",
                [],
            )
        ]
    )


def floor_history_export(ctx: Context) -> int:
    """Every progress change of the country with its local government, item, author and evidence."""
    t = tables()
    return _run_sql(
        [
            (
                f"""SELECT c.id, c.recorded_at, c.effective_date, m.lg_code, m.name, i.code, c.from_stage,
                           c.to_stage, u.username, c.note, c.activity_id, c.referral_id, c.import_batch_id
                      FROM {t["change"]} c JOIN {t["progress"]} p ON p.id = c.progress_id
                      JOIN {t["lg"]} m ON m.id = p.municipality_id JOIN {t["item"]} i ON i.id = p.item_id
                      LEFT JOIN {t["user"]} u ON u.id = c.recorded_by_id
                     ORDER BY c.recorded_at DESC, c.id DESC""",
                [],
            )
        ]
    )


def floor_lg_list(ctx: Context) -> int:
    """Every local government with its prefecture, center and counts of adopted and applicable items."""
    t = tables()
    return _run_sql(
        [
            (
                f"""SELECT m.lg_code, m.name, m.name_kana, m.kind, pr.name, o.label, m.is_active,
                           count(*) FILTER (WHERE i.is_active AND p.stage IN ('done', 'established')),
                           count(*) FILTER (WHERE i.is_active)
                      FROM {t["lg"]} m JOIN {t["prefecture"]} pr ON pr.id = m.prefecture_id
                      JOIN {t["office"]} o ON o.id = m.office_id
                      LEFT JOIN {t["progress"]} p ON p.municipality_id = m.id
                      LEFT JOIN {t["item"]} i ON i.id = p.item_id
                     GROUP BY m.id, pr.name, o.label ORDER BY m.lg_code""",
                [],
            )
        ]
    )


def floor_yearly_report(ctx: Context) -> int:
    """The bare SQL of a closed year's report: its frozen figures grouped, with the previous year end beside them."""
    from cooperation.yearly.selectors import close_in_force

    close = close_in_force(ctx.fiscal_year - 1)
    if close is None:
        return 0
    t = tables()
    sql = f"""SELECT prefecture_id, kind, item_id, stage, previous_stage, COUNT(*) FROM {t["figure"]}
               WHERE close_id = %s AND municipality_active AND item_active GROUP BY 1, 2, 3, 4, 5"""
    return _run_sql([(sql, [close.pk])])


def ensure_closed_years(ctx: Context) -> list[int]:
    """Close every finished fiscal year not closed yet (as headquarters does each spring); return those closed now."""
    from cooperation.yearly.selectors import close_in_force, years_with_data
    from cooperation.yearly.services import year_close

    closed = []
    for year in sorted(years_with_data(today=ctx.today)):
        if year < ctx.fiscal_year and close_in_force(year) is None:
            year_close(year=year, by=None, note="bench")
            closed.append(year)
    return closed


def measure_year_close(ctx: Context, repeats: int) -> dict:
    """Closing last fiscal year (a re-issue when it is closed already: the same work), rolled back each time."""
    from cooperation.yearly.selectors import close_in_force
    from cooperation.yearly.services import year_close, year_reissue

    year = ctx.fiscal_year - 1
    row = metrics.entry(
        "year_close",
        label=f"closing fiscal year {year}",
        kind="write",
        note="freezes every local government × item at 31 March; each run is rolled back",
    )

    def close():
        if close_in_force(year) is not None:
            return year_reissue(year=year, by=ctx.hq).figure_count
        return year_close(year=year, by=ctx.hq).figure_count

    try:
        captured = _captured(lambda: _rolled_back(close))
    except Exception as error:
        row.update(status=metrics.STATUS_ERROR, reason=f"{type(error).__name__}: {error}")
        row["traceback"] = traceback.format_exc(limit=-3)
        return row
    times = [_rolled_back(close)[0] for _ in range(repeats)]
    row.update(queries=captured.queries, rows=captured.result[1], repeats=len(times))
    row["median_ms"] = _ms(metrics.median(times))
    return row


API_PAGE = 100


def floor_api_progress(ctx: Context) -> int:
    """One page of 北海道's current progress rows with their local governments and items, and the count."""
    t = tables()
    where = f"""FROM {t["progress"]} p JOIN {t["lg"]} m ON m.id = p.municipality_id
                JOIN {t["item"]} i ON i.id = p.item_id
               WHERE m.prefecture_id = %s AND m.is_active AND i.is_active
                 AND {APPLIES}"""
    return _run_sql(
        [
            (f"SELECT count(*) {where}", [ctx.hokkaido_id]),
            (
                f"""SELECT m.lg_code, m.name, i.code, p.stage, p.stage_date {where}
                     ORDER BY m.lg_code, i.sort_order LIMIT {API_PAGE}""",
                [ctx.hokkaido_id],
            ),
        ]
    )


def floor_api_activities(ctx: Context) -> int:
    """One page of the country's activities (newest first) with centers, items and local governments, and the count."""
    from django.db import connection

    t = tables()
    rows = _run_sql([(f"SELECT count(*) FROM {t['activity']}", [])])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.id, a.date, a.kind, a.title, a.follow_up_on, o.code, i.code FROM {t["activity"]} a
                  JOIN {t["office"]} o ON o.id = a.office_id JOIN {t["item"]} i ON i.id = a.item_id
                 ORDER BY a.date DESC, a.id DESC LIMIT {API_PAGE}"""
        )
        page = cursor.fetchall()
        cursor.execute(
            f"""SELECT am.activity_id, m.lg_code FROM {t["activity_lg"]} am
                  JOIN {t["lg"]} m ON m.id = am.municipality_id WHERE am.activity_id = ANY(%s)""",
            [[row[0] for row in page]],
        )
        rows += len(page) + len(cursor.fetchall())
    return rows


def floor_api_changes(ctx: Context) -> int:
    """One page of the country's stage changes (newest first) with local government, item and author, and the count."""
    t = tables()
    return _run_sql(
        [
            (f"SELECT count(*) FROM {t['change']}", []),
            (
                f"""SELECT c.id, m.lg_code, i.code, c.from_stage, c.to_stage, c.effective_date, c.recorded_at,
                           u.username, c.note, c.activity_id, c.referral_id, c.import_batch_id
                      FROM {t["change"]} c JOIN {t["progress"]} p ON p.id = c.progress_id
                      JOIN {t["lg"]} m ON m.id = p.municipality_id JOIN {t["item"]} i ON i.id = p.item_id
                      LEFT JOIN {t["user"]} u ON u.id = c.recorded_by_id
                     ORDER BY c.recorded_at DESC, c.id DESC LIMIT {API_PAGE}""",
                [],
            ),
        ]
    )


def operations(ctx: Context) -> list[Operation]:
    from bench import api

    start, end = activity_window(ctx)
    hokkaido, office, otaru = ctx.hokkaido_id, ctx.sapporo_office_id, ctx.otaru_id
    return [
        Operation(
            "dashboard",
            "national dashboard /",
            url="/",
            admin_url="/admin/cooperation/progress/",
            floor=floor_dashboard,
        ),
        Operation(
            "prefecture_report",
            "北海道 report /prefectures/01/",
            url="/prefectures/01/",
            admin_url=f"/admin/cooperation/progress/?municipality__prefecture__id__exact={hokkaido}",
            floor=floor_report,
        ),
        Operation(
            "prefecture_report_as_of",
            f"北海道 report as of {ctx.as_of.isoformat()}",
            url=f"/prefectures/01/?as_of={ctx.as_of.isoformat()}",
            admin_url=(
                "/admin/cooperation/progresschange/"
                f"?progress__municipality__prefecture__id__exact={hokkaido}&effective_date__lte={ctx.as_of.isoformat()}"
            ),
            floor=lambda c: floor_report(c, as_of=c.as_of),
        ),
        Operation(
            "office_desk",
            "札幌 center desk /offices/sapporo/",
            url="/offices/sapporo/",
            admin_url=f"/admin/cooperation/progress/?municipality__office__id__exact={office}",
            floor=floor_desk,
        ),
        Operation(
            "municipality_page",
            "小樽市 page /municipalities/012033/",
            url="/municipalities/012033/",
            admin_url=f"/admin/cooperation/progress/?municipality__id__exact={otaru}",
            floor=floor_municipality,
        ),
        Operation(
            "activity_list",
            f"activities: kind + fiscal year {start.year}",
            url=f"/activities/?kind={ACTIVITY_KIND}&fiscal_year={start.year}",
            admin_url=(
                f"/admin/cooperation/activity/?kind__exact={ACTIVITY_KIND}"
                f"&date__gte={start.isoformat()}&date__lte={end.isoformat()}"
            ),
            floor=floor_activities,
        ),
        Operation(
            "national_export",
            "national survey xlsx /survey/?scope=all",
            url="/survey/?scope=all&format=xlsx",
            floor=floor_national_survey,
            kind="export",
            repeats=3,
            note="the stage of every local government × item of the country (the survey, as headquarters downloads it)",
        ),
        Operation(
            "history_export",
            "history xlsx /history/?_export=xlsx",
            url="/history/?_export=xlsx",
            floor=floor_history_export,
            kind="export",
            repeats=3,
            note="informational: the whole country's progress history (every change, every year) as xlsx",
        ),
        Operation(
            "prefecture_export",
            "北海道 report xlsx /prefectures/01/export.xlsx",
            url="/prefectures/01/export.xlsx",
            floor=floor_report,
            kind="export",
            repeats=3,
            note="informational: the report download, same rows as the report",
        ),
        Operation(
            "yearly_report",
            f"national yearly report, closed year /years/{ctx.fiscal_year - 1}/",
            url=f"/years/{ctx.fiscal_year - 1}/",
            floor=floor_yearly_report,
            note="reads the frozen figures of the close in force (finished years are closed first)",
        ),
        Operation(
            "yearly_workbook",
            f"national yearly workbook /years/{ctx.fiscal_year - 1}/report.xlsx",
            url=f"/years/{ctx.fiscal_year - 1}/report.xlsx",
            floor=floor_yearly_report,
            kind="export",
            repeats=3,
            note="informational: the same report as one xlsx workbook, a sheet per table",
        ),
        Operation(
            "national_lg_export",
            "national list xlsx /municipalities/?_export=xlsx",
            url="/municipalities/?_export=xlsx",
            floor=floor_lg_list,
            kind="export",
            repeats=3,
            note="informational: every local government with its adopted and applicable item counts",
        ),
        Operation(
            "commissioner_export",
            "national commissioner register xlsx /commissioners/export/",
            url="/commissioners/export/?format=xlsx",
            kind="export",
            repeats=3,
            note="the whole register (about 5,000 commissioners) with contact details, as headquarters downloads it",
        ),
        *api.operations(ctx),
    ]


# --- measuring -------------------------------------------------------------------------------


def _consume(response) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class PageMissing(Exception):
    pass


def _request(client, url: str):
    """GET ``url``; return (seconds, bytes, response)."""
    started = time.perf_counter()
    response = client.get(url)
    size = _consume(response)
    return time.perf_counter() - started, size, response


def _resolves(url: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return False
    return True


def _check(response, url: str) -> None:
    from http import HTTPStatus

    if response.status_code == HTTPStatus.NOT_FOUND:
        raise PageMissing(f"{url} answered 404")
    if response.status_code != HTTPStatus.OK:
        raise RuntimeError(f"{url} answered {response.status_code}")


@dataclass
class Captured:
    queries: int
    sql_ms: float
    result: object


def _captured(run: Callable[[], object]) -> Captured:
    """Run once, counting SQL queries and the time the database spent on them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = run()
    sql_ms = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    return Captured(len(captured.captured_queries), round(sql_ms, 1), result)


def _peak_bytes(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_page(op: Operation, ctx: Context, repeats: int) -> dict:
    from django.test import Client

    row = metrics.entry(op.name, label=op.label, kind=op.kind, url=op.url, admin_url=op.admin_url, note=op.note)
    if not _resolves(op.url):
        row["status"] = metrics.STATUS_MISSING
        row["reason"] = f"no route for {op.url.split('?')[0]}"
        return row
    admin = Client()
    admin.force_login(ctx.admin)
    if op.extra.get("auth") == "token":
        from bench import api

        page, cleanup = api.token_client(ctx.hq)
    else:
        page, cleanup = Client(), lambda: None
        page.force_login(ctx.hq)
    try:
        return _measure_page(op, ctx, repeats, row, page, admin)
    finally:
        cleanup()


def _measure_page(op: Operation, ctx: Context, repeats: int, row: dict, page, admin) -> dict:
    try:
        # The warm-up fills per-process caches (templates, translations, content types); queries are
        # counted on the next request, except for an operation so slow that it is run only once more.
        captured = _captured(lambda: _request(page, op.url))
        first_seconds, size, response = captured.result
        _check(response, op.url)
        slow = first_seconds > SLOW_SECONDS
        if not slow:
            captured = _captured(lambda: _request(page, op.url))
            _check(captured.result[2], op.url)
        page_times = [first_seconds] if slow else []
    except PageMissing as missing:
        row.update(status=metrics.STATUS_MISSING, reason=str(missing))
        return row
    except Exception as error:  # a page under construction: report it, measure the rest
        row.update(status=metrics.STATUS_ERROR, reason=f"{type(error).__name__}: {error}")
        row["traceback"] = traceback.format_exc(limit=-3)
        return row
    row.update(
        queries=captured.queries,
        sql_ms=captured.sql_ms,
        bytes=size,
        content_type=response.get("Content-Type", ""),
    )

    admin_ok = False
    if op.admin_url:
        _request(admin, op.admin_url)
        admin_captured = _captured(lambda: _request(admin, op.admin_url))
        admin_ok = admin_captured.result[2].status_code == 200
        row["admin_queries"] = admin_captured.queries
        if not admin_ok:
            row["admin_error"] = f"{op.admin_url} answered {admin_captured.result[2].status_code}"
    if op.floor:
        floor_captured = _captured(lambda: op.floor(ctx))
        row.update(floor_queries=floor_captured.queries, floor_rows=floor_captured.result)

    # An operation that takes minutes is timed on the counted request only: the run must stay bounded.
    if slow:
        row["note"] = (row["note"] + "; " if row["note"] else "") + f"slow: timed once ({first_seconds:.0f} s)"
    admin_times, floor_times = [], []
    for _ in range(1 if slow else (op.repeats or repeats)):
        if not slow:
            page_times.append(_request(page, op.url)[0])
        if admin_ok:
            admin_times.append(_request(admin, op.admin_url)[0])
        if op.floor:
            started = time.perf_counter()
            op.floor(ctx)
            floor_times.append(time.perf_counter() - started)
    row["median_ms"] = _ms(metrics.median(page_times))
    row["min_ms"] = _ms(min(page_times))
    row["admin_median_ms"] = _ms(metrics.median(admin_times))
    row["floor_median_ms"] = _ms(metrics.median(floor_times))
    row["ratio_admin"] = metrics.ratio(row["median_ms"], row["admin_median_ms"])
    row["ratio_floor"] = metrics.ratio(row["median_ms"], row["floor_median_ms"])
    row["peak_mb"] = metrics.megabytes(_peak_bytes(lambda: _request(page, op.url)))
    row["repeats"] = len(page_times)
    return row


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# --- the survey import -----------------------------------------------------------------------

IMPORT_ROWS = 15_000
STAGE_LABELS = {
    "not_started": "未着手",
    "considering": "検討中",
    "arranging": "調整中",
    "done": "実施",
    "established": "定着",
    "not_feasible": "当面困難",
}
# Each row moves its progress to a different stage, so all 15,000 rows are changes (the heaviest file).
# Every row carries a note: 定着 → 実施 is a move back down the ladder, which needs its reason (issue 16).
IMPORT_NOTE = "ベンチマークの取込"
NEXT_FOR_IMPORT = {
    "not_started": "considering",
    "considering": "arranging",
    "arranging": "done",
    "done": "established",
    "established": "done",
    "not_feasible": "considering",
}


def survey_rows(limit: int = IMPORT_ROWS) -> list[dict]:
    """The first ``limit`` progress rows of the country in survey order, each moved to another stage today."""
    from cooperation.models import Progress

    rows = []
    queryset = (
        Progress.objects.current()
        .select_related("municipality", "item")
        .order_by("municipality__lg_code", "item__sort_order")
    )
    for progress in queryset[:limit]:
        rows.append(
            {
                "progress_id": progress.pk,
                "lg_code": progress.municipality.lg_code,
                "name": progress.municipality.name,
                "item": progress.item.code,
                "stage": NEXT_FOR_IMPORT[progress.stage],
                "version": progress.version,
            }
        )
    return rows


def survey_csv(rows: list[dict], day: datetime.date) -> bytes:
    """A survey file (issue 6 format): UTF-8 with BOM, Japanese stage labels."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["団体コード", "団体名", "項目", "段階", "日付", "備考"])
    for row in rows:
        writer.writerow(
            [row["lg_code"], row["name"], row["item"], STAGE_LABELS[row["stage"]], day.isoformat(), IMPORT_NOTE]
        )
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def _rolled_back(run: Callable[[], object]) -> tuple[float, object]:
    """Run inside a transaction that is rolled back, so the benchmark data never changes; return (seconds, result)."""
    from django.db import transaction

    with transaction.atomic():
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, result


def _survey_importer():
    """The product's survey import (issue 6): ``survey_apply(content=, file_name=, by=)``, or None if absent."""
    try:
        from cooperation.survey import planning
    except ImportError:
        return None
    return getattr(planning, "survey_apply", None)


def import_with_product(content: bytes, by):
    apply = _survey_importer()
    outcome = apply(content=content, file_name="bench-survey.csv", by=by)
    plan = outcome.plan
    if not plan.ok or outcome.batch is None:
        problems = [getattr(problem, "message", str(problem)) for problem in plan.problems[:3]]
        raise RuntimeError(f"the import refused the file: {problems}")
    return len(plan.changes)


def import_row_by_row(rows: list[dict], day: datetime.date, by) -> int:
    """What an import written naively does: per row, read the progress, then progress_update (lock, insert, update)."""
    from cooperation.models import Progress
    from cooperation.progress.services import progress_update

    for row in rows:
        progress = Progress.objects.get(municipality__lg_code=row["lg_code"], item__code=row["item"])
        progress_update(progress=progress, stage=row["stage"], by=by, effective_date=day, note=IMPORT_NOTE)
    return len(rows)


def import_floor(rows: list[dict], day: datetime.date, by) -> int:
    """The bare SQL of an import: one INSERT of the history from arrays, one UPDATE of the progress rows."""
    from django.db import connection
    from django.utils import timezone

    t = tables()
    now = timezone.now()
    ids = [row["progress_id"] for row in rows]
    stages = [row["stage"] for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {t["change"]} (progress_id, from_stage, to_stage, effective_date, recorded_at,
                                           recorded_by_id, note)
                SELECT p.id, p.stage, u.stage, %s, %s, %s, ''
                  FROM unnest(%s::bigint[], %s::text[]) AS u(id, stage) JOIN {t["progress"]} p ON p.id = u.id""",
            [day, now, by.pk, ids, stages],
        )
        cursor.execute(
            f"""UPDATE {t["progress"]} p SET stage = u.stage, stage_date = %s, note = '', version = p.version + 1,
                       updated_at = %s, updated_by_id = %s
                  FROM unnest(%s::bigint[], %s::text[]) AS u(id, stage) WHERE p.id = u.id""",
            [day, now, by.pk, ids, stages],
        )
    return len(rows)


def measure_import(ctx: Context, repeats: int) -> dict:
    row = metrics.entry(
        "survey_import",
        label=f"survey import, {IMPORT_ROWS:,} rows",
        kind="import",
        note="every row changes a stage; each run is rolled back so the data stays as built",
    )
    rows = survey_rows()
    if len(rows) < IMPORT_ROWS:
        row["note"] += f"; only {len(rows):,} progress rows exist at this data size"
    content = survey_csv(rows, ctx.today)
    row.update(rows=len(rows), file_bytes=len(content))
    by = ctx.hq

    sample = min(len(rows), int(os.environ.get("BENCH_ROWBYROW_SAMPLE", "1000")))
    seconds, _ = _rolled_back(lambda: import_row_by_row(rows[:sample], ctx.today, by))
    row_by_row = seconds / sample * len(rows)
    row.update(rowbyrow_sample=sample, rowbyrow_ms=_ms(row_by_row))
    floor_times = [_rolled_back(lambda: import_floor(rows, ctx.today, by))[0] for _ in range(repeats)]
    row["floor_median_ms"] = _ms(metrics.median(floor_times))

    if _survey_importer() is None:
        row.update(status=metrics.STATUS_MISSING, reason="cooperation.survey.planning.survey_apply not found")
        return row
    try:
        captured = _captured(lambda: _rolled_back(lambda: import_with_product(content, by)))
        queries, changed = captured.queries, captured.result[1]
    except Exception as error:
        row.update(status=metrics.STATUS_ERROR, reason=f"{type(error).__name__}: {error}")
        row["traceback"] = traceback.format_exc(limit=-3)
        return row
    times = [_rolled_back(lambda: import_with_product(content, by))[0] for _ in range(repeats)]
    row.update(queries=queries, changes=changed, repeats=len(times))
    row["median_ms"] = _ms(metrics.median(times))
    row["ratio_floor"] = metrics.ratio(row["median_ms"], row["floor_median_ms"])
    row["speedup"] = metrics.ratio(row["rowbyrow_ms"], row["median_ms"])
    row["peak_mb"] = metrics.megabytes(_peak_bytes(lambda: _rolled_back(lambda: import_with_product(content, by))))
    return row


# --- the run ---------------------------------------------------------------------------------


def load_context(years: int) -> Context:
    from django.utils import timezone

    from cooperation.fiscal import fiscal_year, fiscal_year_end
    from offices.models import Municipality, Office, Prefecture, User

    today = timezone.localdate()
    as_of = os.environ.get("BENCH_AS_OF")
    return Context(
        today=today,
        as_of=datetime.date.fromisoformat(as_of) if as_of else fiscal_year_end(fiscal_year(today) - 1),
        fiscal_year=fiscal_year(today),
        hokkaido_id=Prefecture.objects.get(code="01").pk,
        sapporo_office_id=Office.objects.get(code="sapporo").pk,
        otaru_id=Municipality.objects.get(lg_code="012033").pk,
        hq=User.objects.get(username="bench-hq"),
        admin=User.objects.get(username="bench-admin"),
        years=years,
    )


def _git(*args: str) -> str | None:
    import subprocess

    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    memory_gb = None
    try:
        with open("/proc/meminfo") as handle:
            memory_gb = round(int(handle.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "commit": _git("rev-parse", "--short", "HEAD"),
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "postgresql": postgres,
        "python": sys.version.split()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", "5")))
    parser.add_argument("--only", action="append", help="measure only these operations (repeatable)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data even if it could be reused")
    parser.add_argument("--data-only", action="store_true", help="build or check the data, measure nothing")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results.json")
    args = parser.parse_args(argv)

    years = env.years()
    url = env.database_url()
    env.setup(url)
    wanted = data.recipe(years=years, seed=env.seed(), generator=env.generator(), scale=env.scale())
    dataset = data.ensure(url, wanted=wanted, rebuild=args.rebuild)
    if args.data_only:
        return 0
    data.tidy()

    ctx = load_context(years)
    about = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "database": env.database_name(url),
        "years": years,
        "data": dataset["counts"],
        "recipe": dataset["recipe"],
        "machine": machine(),
    }
    print(f"measuring on {about['database']}: {about['data']}")
    print(
        "machine: {cpus} CPUs, {memory_gb} GB, PostgreSQL {postgresql}, Python {python}, commit {commit}".format(
            **about["machine"]
        )
    )
    rows = []
    needs_closed_years = {"yearly_report", "yearly_workbook", "api_closed_figures", "api_yearly_report"}
    if not args.only or needs_closed_years & set(args.only):
        started = time.perf_counter()
        closed = ensure_closed_years(ctx)
        if closed:
            print(f"  closed fiscal years {closed} first ({time.perf_counter() - started:.1f} s)", flush=True)
    for op in operations(ctx):
        if args.only and op.name not in args.only:
            continue
        print(f"  {op.label} …", flush=True)
        rows.append(measure_page(op, ctx, args.repeats))
    if not args.only or "survey_import" in args.only:
        print("  survey import …", flush=True)
        rows.append(measure_import(ctx, max(1, min(args.repeats, 3))))
    if not args.only or "notifications" in args.only:
        from bench.notifications import measure_notifications

        print("  writes with and without notifications …", flush=True)
        rows.extend(measure_notifications(ctx, args.repeats))
    if not args.only or "year_close" in args.only:
        print("  year close …", flush=True)
        rows.append(measure_year_close(ctx, max(1, min(args.repeats, 3))))
    failures = metrics.check_targets(rows)
    for row in rows:
        row["run"] = about
    print()
    print(metrics.format_table(rows))
    print()
    for row in rows:
        if row["status"] != metrics.STATUS_OK:
            print(f"{row['name']}: {row['status']} — {row.get('reason', '')}")
    print(f"targets: {len(failures)} missed" + "".join(f"\n  FAIL {f['name']}: {f['target']}" for f in failures))
    if not args.no_write:
        metrics.write_results(rows)
        print(f"wrote {metrics.RESULTS_PATH}")
    return 1 if args.strict and failures else 0


if __name__ == "__main__":
    sys.exit(main())
