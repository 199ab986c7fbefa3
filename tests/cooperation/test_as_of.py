"""'As of': the stage of every local government × item on any past date, drawn from the history."""

import datetime

import pytest

from cooperation.fiscal import fiscal_year, fiscal_year_end, today
from cooperation.models import Progress, Stage
from cooperation.progress.services import StageChange, progress_update, progress_update_many

pytestmark = pytest.mark.usefixtures("master")


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def progress_of(lg_code: str, code: str = "1-1") -> Progress:
    return Progress.objects.get(municipality__lg_code=lg_code, item__code=code)


def move_hokkaido(*, every: int, stage: str, day: datetime.date, note: str = "") -> None:
    """Move every ``every``-th progress of 北海道 (all items) to ``stage`` on ``day``."""
    rows = Progress.objects.filter(municipality__prefecture__code="01").order_by("pk")[::every]
    progress_update_many(
        changes=[StageChange(progress=row, stage=stage, effective_date=day, note=note) for row in rows], by=None
    )


@pytest.fixture
def hokkaido_history():
    """Three rounds of changes across 北海道, the last one back-dated into the past."""
    move_hokkaido(every=2, stage=Stage.CONSIDERING, day=days_ago(400))
    move_hokkaido(every=3, stage=Stage.DONE, day=days_ago(200))
    move_hokkaido(every=7, stage=Stage.NOT_FEASIBLE, day=days_ago(10), note="人員不足")


def test_as_of_today_equals_the_live_stage_for_every_row(hokkaido_history):
    rows = Progress.objects.filter(municipality__prefecture__code="01").with_stage_as_of(today())
    pairs = [(row.stage, row.stage_as_of, row.stage_date, row.stage_date_as_of) for row in rows]
    assert len(pairs) == 179 * 9 + 9  # 北海道庁: 0-1 and the 8 items for all (3-1 is for municipalities)
    assert {stage for stage, *_rest in pairs} == {
        Stage.NOT_STARTED,
        Stage.CONSIDERING,
        Stage.DONE,
        Stage.NOT_FEASIBLE,
    }
    assert all(stage == as_of and day == day_as_of for stage, as_of, day, day_as_of in pairs)


def test_as_of_a_past_date_ignores_later_changes(otaru, center_sapporo):
    progress = progress_of("012033")
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo, effective_date=days_ago(30))
    progress_update(progress=progress, stage=Stage.DONE, by=center_sapporo, effective_date=days_ago(5))
    row = Progress.objects.with_stage_as_of(days_ago(6)).get(pk=progress.pk)
    assert (row.stage_as_of, row.stage_date_as_of) == (Stage.CONSIDERING, days_ago(30))


def test_as_of_the_day_of_a_change_includes_it(otaru, center_sapporo):
    progress = progress_of("012033")
    progress_update(progress=progress, stage=Stage.DONE, by=center_sapporo, effective_date=days_ago(5))
    assert Progress.objects.with_stage_as_of(days_ago(5)).get(pk=progress.pk).stage_as_of == Stage.DONE


def test_as_of_before_any_change_is_not_started(otaru, center_sapporo):
    progress = progress_of("012033")
    progress_update(progress=progress, stage=Stage.DONE, by=center_sapporo, effective_date=days_ago(5))
    row = Progress.objects.with_stage_as_of(days_ago(6)).get(pk=progress.pk)
    assert (row.stage_as_of, row.stage_date_as_of) == (Stage.NOT_STARTED, None)


def test_as_of_a_day_with_two_changes_takes_the_one_recorded_last(otaru, center_sapporo):
    progress = progress_of("012033")
    progress_update(progress=progress, stage=Stage.ARRANGING, by=center_sapporo, effective_date=days_ago(5))
    progress_update(progress=progress, stage=Stage.DONE, by=center_sapporo, effective_date=days_ago(5))
    assert Progress.objects.with_stage_as_of(days_ago(5)).get(pk=progress.pk).stage_as_of == Stage.DONE


def test_as_of_a_back_dated_change_counts_from_its_effective_date(otaru, center_sapporo):
    progress = progress_of("012033")
    progress_update(progress=progress, stage=Stage.DONE, by=center_sapporo, effective_date=days_ago(60))
    assert Progress.objects.with_stage_as_of(days_ago(59)).get(pk=progress.pk).stage_as_of == Stage.DONE


@pytest.mark.parametrize("code, rows", [("01", 179 * 9 + 9), ("16", 15 * 9 + 9)])
def test_as_of_costs_one_query_for_a_whole_prefecture(code, rows, hokkaido_history, django_assert_num_queries):
    with django_assert_num_queries(1):
        matrix = list(Progress.objects.filter(municipality__prefecture__code=code).with_stage_as_of(days_ago(100)))
    assert len(matrix) == rows


def test_stage_counts_as_of_count_each_item_in_one_query(hokkaido_history, django_assert_num_queries):
    hokkaido = Progress.objects.filter(municipality__prefecture__code="01")
    ordered = list(hokkaido.order_by("pk").values_list("pk", "item__code"))
    done = {pk for pk, _code in ordered[::3]}
    considering = {pk for pk, _code in ordered[::2]} - done
    expected = {}
    for pk, code in ordered:
        stage = Stage.DONE if pk in done else Stage.CONSIDERING if pk in considering else Stage.NOT_STARTED
        expected.setdefault(code, {}).setdefault(stage, 0)
        expected[code][stage] += 1
    with django_assert_num_queries(1):
        counts = hokkaido.stage_counts_as_of(days_ago(100))
    assert counts == expected
    assert sum(counts["1-1"].values()) == 180
    assert sum(counts["0-1"].values()) == 1


def test_stage_counts_at_the_end_of_last_fiscal_year_ignore_changes_since(otaru, center_sapporo):
    last_year_end = fiscal_year_end(fiscal_year(today()) - 1)
    progress = progress_of("012033", "2-2")
    progress_update(progress=progress, stage=Stage.ARRANGING, by=center_sapporo, effective_date=last_year_end)
    progress_update(
        progress=progress,
        stage=Stage.DONE,
        by=center_sapporo,
        effective_date=last_year_end + datetime.timedelta(days=1),
    )
    otaru_rows = Progress.objects.filter(municipality__lg_code="012033")
    assert otaru_rows.stage_counts_as_of(last_year_end)["2-2"] == {Stage.ARRANGING: 1}
    assert otaru_rows.stage_counts_as_of(today())["2-2"] == {Stage.DONE: 1}
