"""Truth tests: the yearly report of a closed year equals an independent computation from the history.

The expected figures are computed here with plain Python from the raw
history rows (``ProgressChange``) and the master data, not with the report's
code. The history holds a local government that changed stage twice in the
year, one that reached 実施 and fell back, a change back-dated after the
close, an item retired after the close, a local government merged away
before the close and one merged away after it.
"""

import datetime
import io
from collections import defaultdict
from http import HTTPStatus

import openpyxl
import pytest
from django.utils import timezone

from cooperation.models import ClosedFigure, Progress, ProgressChange, RequestItem, Stage
from cooperation.progress.services import progress_update
from cooperation.yearly import selectors, services
from offices.models import Municipality

YEAR = 2025
END = datetime.date(2026, 3, 31)
START = datetime.date(2025, 4, 1)
ADOPTED = {"done", "established"}


def _move(lg_code, item_code, stage, day, note=""):
    progress = Progress.objects.select_related("municipality", "item").get(
        municipality__lg_code=lg_code, item__code=item_code
    )
    if not note and (Stage.level(stage) or 0) < (Stage.level(progress.stage) or 0):
        note = "後退の理由"  # a move back down the ladder needs a reason (issue 16)
    return progress_update(progress=progress, stage=stage, by=None, effective_date=day, note=note)


@pytest.fixture
def towns(master):
    """Five towns of 青森県, by code: the local governments the history below moves."""
    return list(Municipality.objects.filter(prefecture__code="02", kind="town").order_by("lg_code")[:5])


@pytest.fixture
def history(master, towns, hq):
    t1, t2, t3, t4, _t5 = (town.lg_code for town in towns)
    # FY2024
    _move("012033", "1-1", "considering", datetime.date(2024, 6, 1))
    _move("011002", "2-3", "done", datetime.date(2024, 10, 1))
    _move(t1, "1-2", "done", datetime.date(2024, 5, 1))
    # FY2025: 小樽市 changes twice in the year; 函館市 reaches 実施 and falls back.
    _move("012033", "1-1", "done", datetime.date(2025, 5, 1))
    _move("012033", "1-1", "established", datetime.date(2025, 11, 1))
    _move("012025", "1-2", "done", datetime.date(2025, 7, 1))
    _move("012025", "1-2", "considering", datetime.date(2026, 2, 1))
    _move("010006", "0-1", "done", datetime.date(2025, 4, 10))
    _move(t2, "3-2", "done", datetime.date(2025, 9, 1))  # the item is retired after the close
    _move(t3, "2-1", "done", datetime.date(2025, 6, 1))  # merged away before the close
    _move(t4, "1-1", "done", datetime.date(2025, 8, 1))  # merged away after the close
    _move("012025", "2-5", "not_feasible", datetime.date(2025, 12, 1), note="予算がない")
    # FY2026: after the year end, never in FY2025's figures.
    _move("011002", "1-1", "done", datetime.date(2026, 5, 1))
    Municipality.objects.filter(lg_code=t3).update(is_active=False)


def _snapshot():
    """What the close must count, taken from the master data now (at the close)."""
    return (
        set(Municipality.objects.filter(is_active=True).values_list("pk", flat=True)),
        set(RequestItem.objects.filter(is_active=True).values_list("pk", flat=True)),
    )


def expected(*, day, recorded_until, active_municipalities, active_items):
    """Plain Python: stage at the end of ``day`` of every applicable row, from the raw history."""
    municipalities = {
        pk: (code, lg_code, kind, name)
        for pk, code, lg_code, kind, name in Municipality.objects.values_list(
            "pk", "prefecture__code", "lg_code", "kind", "name"
        )
    }
    items = {pk: (code, scope) for pk, code, scope in RequestItem.objects.values_list("pk", "code", "scope")}
    rows = list(Progress.objects.values_list("pk", "municipality_id", "item_id"))
    changes = defaultdict(list)
    for progress_id, effective, pk, to_stage, recorded_at in ProgressChange.objects.values_list(
        "progress_id", "effective_date", "pk", "to_stage", "recorded_at"
    ):
        if recorded_at <= recorded_until:
            changes[progress_id].append((effective, pk, to_stage))
    by_prefecture = defaultdict(lambda: [0, 0])
    by_kind = defaultdict(lambda: [0, 0])
    national = defaultdict(lambda: [0, 0])
    newly = set()
    for progress_id, municipality_id, item_id in rows:
        prefecture_code, lg_code, kind, _name = municipalities[municipality_id]
        item_code, scope = items[item_id]
        if scope == "prefecture" and kind != "prefecture":
            continue
        if municipality_id not in active_municipalities or item_id not in active_items:
            continue
        stage = "not_started"
        first_adopted = None
        for effective, _pk, to_stage in sorted(changes[progress_id]):
            if effective > day:
                break
            stage = to_stage
            if to_stage in ADOPTED and first_adopted is None:
                first_adopted = effective
        for table, key in ((by_prefecture, (prefecture_code, item_code)), (by_kind, (kind, item_code))):
            table[key][1] += 1
            table[key][0] += stage in ADOPTED
        national[item_code][1] += 1
        national[item_code][0] += stage in ADOPTED
        if first_adopted is not None and START <= first_adopted <= day:
            newly.add((lg_code, item_code))
    return by_prefecture, by_kind, national, newly


def _report_tables(report):
    codes = [item.code for item in report.items]
    by_prefecture = {
        (row.code, code): [cell.share.adopted, cell.share.total]
        for row in report.prefectures
        for code, cell in zip(codes, row.cells, strict=True)
    }
    by_kind = {
        (row.code, code): [cell.share.adopted, cell.share.total]
        for row in report.kinds
        for code, cell in zip(codes, row.cells, strict=True)
    }
    national = {
        code: [cell.share.adopted, cell.share.total] for code, cell in zip(codes, report.national.cells, strict=True)
    }
    newly = {(entry.lg_code, entry.item_code) for entry in report.newly_started}
    # A group an item does not apply to (a town × 0-1) shows as an empty cell, not as a figure.
    by_prefecture = {key: value for key, value in by_prefecture.items() if value[1]}
    by_kind = {key: value for key, value in by_kind.items() if value[1]}
    return by_prefecture, by_kind, national, newly


def _close(hq):
    active = _snapshot()
    close = services.year_close(year=YEAR, by=hq)
    return close, active


def test_closed_report_equals_independent_computation(history, hq, towns):
    close, (active_m, active_i) = _close(hq)
    want = expected(day=END, recorded_until=close.closed_at, active_municipalities=active_m, active_items=active_i)
    report = selectors.year_report(user=hq, year=YEAR)
    got = _report_tables(report)
    assert dict(got[0]) == dict(want[0])
    assert dict(got[1]) == dict(want[1])
    assert dict(got[2]) == dict(want[2])
    assert got[3] == want[3]
    # The change against the previous year end, over the same local governments.
    before = expected(
        day=datetime.date(2025, 3, 31),
        recorded_until=close.closed_at,
        active_municipalities=active_m,
        active_items=active_i,
    )
    codes = [item.code for item in report.items]
    for row in report.prefectures:
        for code, cell in zip(codes, row.cells, strict=True):
            if cell.share.total:
                was = before[0][(row.code, code)][0]
                assert cell.change == want[0][(row.code, code)][0] - was, (row.code, code)
    assert report.national.cells[codes.index("1-1")].change == want[2]["1-1"][0] - before[2]["1-1"][0]
    # The cases named in the issue, spelled out.
    assert ("012033", "1-1") in got[3]  # twice in the year: counted once
    assert ("012025", "1-2") in got[3]  # reached 実施 in the year, fell back by 31 March
    assert ("011002", "2-3") not in got[3]  # adopted the year before
    assert (towns[2].lg_code, "2-1") not in got[3]  # merged away before the close


def test_later_merger_retirement_and_back_dated_change_leave_the_closed_year_alone(history, hq, towns):
    close, (active_m, active_i) = _close(hq)
    want = expected(day=END, recorded_until=close.closed_at, active_municipalities=active_m, active_items=active_i)
    # After the close: a merger, a retired item and a change back-dated into the closed year.
    Municipality.objects.filter(lg_code=towns[3].lg_code).update(is_active=False)
    RequestItem.objects.filter(code="3-2").update(is_active=False)
    _move(towns[4].lg_code, "2-2", "done", datetime.date(2026, 3, 15))

    report = selectors.year_report(user=hq, year=YEAR)
    got = _report_tables(report)
    assert dict(got[0]) == dict(want[0])
    assert dict(got[2]) == dict(want[2])
    assert got[2]["3-2"][0] == 1  # the retired item still counts in the year it applied
    assert (towns[3].lg_code, "1-1") in got[3]  # merged away after the close: still in its closed year
    assert [(a.lg_code, a.item_code, a.to_stage) for a in report.adjustments] == [(towns[4].lg_code, "2-2", "done")]


def test_reissue_takes_in_the_adjustment_and_shows_the_difference(history, hq, towns):
    close, (active_m, active_i) = _close(hq)
    late = _move(towns[4].lg_code, "2-2", "done", datetime.date(2026, 3, 15))
    reissued = services.year_reissue(year=YEAR, by=hq)
    assert reissued.version == 2
    assert reissued.changes == [
        {
            "lg_code": towns[4].lg_code,
            "name": towns[4].name,
            "prefecture": "青森県",
            "item": "2-2",
            "from": "not_started",
            "to": "done",
        }
    ]
    want = expected(day=END, recorded_until=late.recorded_at, active_municipalities=active_m, active_items=active_i)
    report = selectors.year_report(user=hq, year=YEAR)
    assert report.close.pk == reissued.pk
    assert report.adjustments == []
    assert dict(_report_tables(report)[0]) == dict(want[0])
    # Version 1 is kept as it was.
    assert ClosedFigure.objects.filter(close=close, stage="done", item__code="2-2").count() == 0


def test_workbook_numbers_equal_independent_computation(history, hq, client_for):
    close, (active_m, active_i) = _close(hq)
    want_prefecture, _kinds, want_national, want_newly = expected(
        day=END, recorded_until=close.closed_at, active_municipalities=active_m, active_items=active_i
    )
    response = client_for(hq).get(f"/years/{YEAR}/report.xlsx")
    assert response.status_code == HTTPStatus.OK
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[4]
    items = [value.split(" ")[0] for value in header[2::5] if value]
    by_code = {row[0]: row for row in rows[5:] if row[0]}
    assert len(by_code) == 47
    for code, row in by_code.items():
        for position, item in enumerate(items):
            adopted, total = row[2 + position * 5], row[3 + position * 5]
            assert [adopted or 0, total or 0] == want_prefecture.get((code, item), [0, 0]), (code, item)
    national = rows[5 + 47]
    for position, item in enumerate(items):
        assert [national[2 + position * 5], national[3 + position * 5]] == want_national[item]
    listed = {(row[0], row[4]) for row in list(workbook.worksheets[3].iter_rows(values_only=True))[5:] if row[0]}
    assert listed == want_newly


def test_open_year_is_provisional_from_the_history(history, hq):
    active_m, active_i = _snapshot()
    want = expected(day=END, recorded_until=timezone.now(), active_municipalities=active_m, active_items=active_i)
    report = selectors.year_report(user=hq, year=YEAR)
    assert report.close is None
    assert dict(_report_tables(report)[2]) == dict(want[2])
    assert _report_tables(report)[3] == want[3]
