"""The roll-up queries behind the dashboard and the prefecture report (cooperation/reports.py)."""

import datetime

import pytest
from django.utils import translation

from cooperation import fiscal, reports
from cooperation.activities.services import activity_create
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create, referral_transition
from cooperation.models import Activity, Progress, ProgressChange, Referral, RequestItem, Stage
from offices.models import Municipality, Office, Prefecture

pytestmark = pytest.mark.usefixtures("master")


def set_stage(municipality, code, stage, on):
    progress = Progress.objects.get(municipality=municipality, item__code=code)
    note = "当面は人員が不足" if stage == Stage.NOT_FEASIBLE else ""
    return progress_update(progress=progress, stage=stage, by=None, effective_date=on, note=note)


@pytest.fixture
def today():
    return fiscal.today()


@pytest.fixture
def last_year_end(today):
    """31 March that closed the previous fiscal year."""
    return reports.previous_fiscal_year_end(today)


@pytest.fixture
def toyama():
    return list(Municipality.objects.filter(prefecture__code="16").order_by("lg_code"))


def test_tile_positions_place_47_prefectures_on_distinct_squares():
    assert sorted(reports.TILE_POSITIONS) == [f"{code:02d}" for code in range(1, 48)]
    assert len(set(reports.TILE_POSITIONS.values())) == 47


@pytest.mark.parametrize(
    "percent, band", [(None, None), (0, 0), (19, 0), (20, 1), (39, 1), (40, 2), (79, 3), (80, 4), (100, 4)]
)
def test_adoption_band_edges(percent, band):
    assert reports.adoption_band(percent) == band


def test_share_whole_percent_rounds_down_so_nearly_all_is_not_100():
    share = reports.Share(adopted=199, total=200)
    assert share.whole_percent == 99
    assert share.band == 4


def test_previous_fiscal_year_end_is_the_31_march_before_the_fiscal_year():
    assert reports.previous_fiscal_year_end(datetime.date(2026, 11, 29)) == datetime.date(2026, 3, 31)
    assert reports.previous_fiscal_year_end(datetime.date(2026, 3, 31)) == datetime.date(2025, 3, 31)


def test_adoption_by_prefecture_for_one_item_is_the_share_of_its_local_governments(toyama, today):
    for municipality in toyama[:4]:
        set_stage(municipality, "1-1", Stage.DONE, today)
    set_stage(toyama[4], "1-1", Stage.ESTABLISHED, today)
    set_stage(toyama[5], "1-1", Stage.ARRANGING, today)
    item = RequestItem.objects.get(code="1-1")

    shares = reports.adoption_by_prefecture(Progress.objects.all(), as_of=today, today=today, item=item)

    assert shares["16"] == reports.Share(adopted=5, total=16)


def test_adoption_by_prefecture_for_all_items_counts_every_applicable_row(toyama, today):
    set_stage(toyama[0], "0-1", Stage.DONE, today)
    set_stage(toyama[1], "2-3", Stage.ESTABLISHED, today)

    shares = reports.adoption_by_prefecture(Progress.objects.all(), as_of=today, today=today)

    # 16 local governments × 9 items for all, plus 0-1 for the prefectural government alone.
    assert shares["16"] == reports.Share(adopted=2, total=16 * 9 + 1)


def test_adoption_by_prefecture_leaves_out_prefectures_without_rows(toyama, today):
    shares = reports.adoption_by_prefecture(
        Progress.objects.filter(municipality__prefecture__code="16"), as_of=today, today=today
    )
    assert set(shares) == {"16"}


def test_adoption_by_prefecture_ignores_inactive_local_governments(toyama, today):
    set_stage(toyama[3], "1-1", Stage.DONE, today)
    Municipality.objects.filter(pk=toyama[3].pk).update(is_active=False)
    item = RequestItem.objects.get(code="1-1")

    shares = reports.adoption_by_prefecture(Progress.objects.all(), as_of=today, today=today, item=item)

    assert shares["16"] == reports.Share(adopted=0, total=15)


def test_adoption_by_prefecture_ignores_retired_items(toyama, today):
    set_stage(toyama[0], "3-2", Stage.DONE, today)
    RequestItem.objects.filter(code="3-2").update(is_active=False)

    shares = reports.adoption_by_prefecture(Progress.objects.all(), as_of=today, today=today)

    assert shares["16"] == reports.Share(adopted=0, total=16 * 8 + 1)


def test_adoption_by_prefecture_as_of_ignores_later_changes(toyama, today, last_year_end):
    set_stage(toyama[0], "1-1", Stage.DONE, last_year_end - datetime.timedelta(days=30))
    set_stage(toyama[1], "1-1", Stage.DONE, last_year_end + datetime.timedelta(days=1))
    item = RequestItem.objects.get(code="1-1")

    then = reports.adoption_by_prefecture(Progress.objects.all(), as_of=last_year_end, today=today, item=item)
    now = reports.adoption_by_prefecture(Progress.objects.all(), as_of=today, today=today, item=item)

    assert (then["16"].adopted, now["16"].adopted) == (1, 2)


def test_stage_counts_by_item_counts_each_stage_in_item_order(toyama, today):
    set_stage(toyama[0], "1-2", Stage.CONSIDERING, today)
    set_stage(toyama[1], "1-2", Stage.NOT_FEASIBLE, today)
    set_stage(toyama[2], "1-2", Stage.DONE, today)
    items = list(RequestItem.objects.filter(code__in=["1-2", "1-1"]).order_by("-code"))

    result = reports.stage_counts_by_item(
        Progress.objects.filter(municipality__prefecture__code="16"), items=items, as_of=today, today=today
    )

    assert [entry.code for entry in result] == ["1-2", "1-1"]
    assert {stage.stage: stage.count for stage in result[0].stages} == {
        Stage.NOT_STARTED: 13,
        Stage.CONSIDERING: 1,
        Stage.ARRANGING: 0,
        Stage.DONE: 1,
        Stage.ESTABLISHED: 0,
        Stage.NOT_FEASIBLE: 1,
    }
    assert (result[0].total, result[0].adopted, result[0].count(Stage.DONE)) == (16, 1, 1)
    assert result[0].stages[0].percent == pytest.approx(100 * 13 / 16)


def test_stage_counts_by_item_as_of_uses_the_stage_then(toyama, today, last_year_end):
    set_stage(toyama[0], "1-1", Stage.CONSIDERING, last_year_end - datetime.timedelta(days=10))
    set_stage(toyama[0], "1-1", Stage.DONE, last_year_end + datetime.timedelta(days=1))
    items = [RequestItem.objects.get(code="1-1")]

    [entry] = reports.stage_counts_by_item(
        Progress.objects.filter(municipality=toyama[0]), items=items, as_of=last_year_end, today=today
    )

    assert (entry.count(Stage.CONSIDERING), entry.count(Stage.DONE)) == (1, 0)


@pytest.mark.parametrize("past", [False, True])
def test_stage_tally_gives_the_shares_and_the_item_counts_in_one_query(
    past, toyama, today, last_year_end, django_assert_num_queries
):
    hakodate = Municipality.objects.get(lg_code="012025")
    set_stage(toyama[0], "1-1", Stage.DONE, last_year_end)
    set_stage(toyama[1], "1-1", Stage.ESTABLISHED, today)
    set_stage(toyama[2], "2-1", Stage.ARRANGING, last_year_end)
    set_stage(hakodate, "1-1", Stage.DONE, today)
    set_stage(hakodate, "2-1", Stage.NOT_FEASIBLE, last_year_end)
    Municipality.objects.filter(pk=toyama[3].pk).update(is_active=False)
    set_stage(toyama[3], "1-1", Stage.DONE, last_year_end)
    items = list(RequestItem.objects.active())
    one = items[1]
    as_of = last_year_end if past else today

    with django_assert_num_queries(1):
        tally = reports.stage_tally(Progress.objects.all(), as_of=as_of, today=today)

    assert tally.shares() == reports.adoption_by_prefecture(Progress.objects.all(), as_of=as_of, today=today)
    assert tally.shares(one) == reports.adoption_by_prefecture(
        Progress.objects.all(), as_of=as_of, today=today, item=one
    )
    assert tally.item_stages(items) == reports.stage_counts_by_item(
        Progress.objects.all(), items=items, as_of=as_of, today=today
    )
    toyama_rows = Progress.objects.current().filter(municipality__prefecture__code="16")
    assert tally.shares()["16"] == reports.Share(1 if past else 2, toyama_rows.count())
    assert list(tally.shares()) == sorted(tally.shares())
    [first] = [entry for entry in tally.item_stages(items) if entry.code == "1-1"]
    assert first.adopted == (1 if past else 3)
    assert first.total == Progress.objects.current().filter(item__code="1-1").count()


def test_stage_tally_of_no_rows_has_no_shares_and_zero_counts(today):
    items = list(RequestItem.objects.active())

    tally = reports.stage_tally(Progress.objects.none(), as_of=today, today=today)

    assert tally.shares() == {}
    assert [entry.total for entry in tally.item_stages(items)] == [0] * len(items)


def test_prefecture_matrix_kind_labels_are_those_of_the_model(today):
    rows = Municipality.objects.filter(prefecture__code="13")
    shown = {}
    for language in ("ja", "en"):
        with translation.override(language):
            matrix = _matrix(rows, today, codes={"1-1"})
            expected = {m.lg_code: m.get_kind_display() for m in rows.filter(is_active=True)}
        shown[language] = {row.lg_code: row.kind_label for row in matrix.rows}
        assert shown[language] == expected
    assert shown["ja"] != shown["en"]


def _activity(municipality, day, kind="briefing"):
    return activity_create(
        by=None,
        municipalities=[municipality],
        office=municipality.office,
        item=RequestItem.objects.get(code="1-1"),
        kind=kind,
        date=day,
        title="職員向け説明会",
        summary="",
    )


def test_fiscal_year_counts_count_activities_of_the_year_by_kind(toyama, today, last_year_end):
    _activity(toyama[0], fiscal.fiscal_year_start(fiscal.fiscal_year(today)))
    _activity(toyama[1], today)
    _activity(toyama[2], today, kind="exchange_meeting")
    _activity(toyama[3], last_year_end)

    counts = reports.fiscal_year_counts(
        activities=Activity.objects.all(), referrals=Referral.objects.all(), year=fiscal.fiscal_year(today)
    )

    by_kind = {entry.kind: entry.count for entry in counts.activities}
    assert (by_kind["briefing"], by_kind["exchange_meeting"], by_kind["award"]) == (2, 1, 0)
    assert counts.activity_total == 3


def test_fiscal_year_counts_referrals_opened_by_receipt_and_closed_by_closing(toyama, today, last_year_end):
    old = referral_create(
        by=None, municipality=toyama[0], received_on=last_year_end, topic="pension", summary="年金の相談"
    )
    referral_transition(referral=old, to_status=Referral.Status.CLOSED, by=None, outcome="resolved")
    referral_create(by=None, municipality=toyama[1], received_on=today, topic="tax", summary="国税の相談")
    year = fiscal.fiscal_year(today)

    this_year = reports.fiscal_year_counts(
        activities=Activity.objects.none(), referrals=Referral.objects.all(), year=year
    )
    last_year = reports.fiscal_year_counts(
        activities=Activity.objects.none(), referrals=Referral.objects.all(), year=year - 1
    )

    assert (this_year.referrals_opened, this_year.referrals_closed) == (1, 1)
    assert (last_year.referrals_opened, last_year.referrals_closed) == (1, 0)


def test_latest_changes_are_newest_first_and_limited(toyama, today):
    for days, municipality in enumerate(toyama[:5]):
        set_stage(municipality, "1-1", Stage.CONSIDERING, today - datetime.timedelta(days=days))

    changes = reports.latest_changes(ProgressChange.objects.all(), as_of=today, limit=3)

    assert [change.lg_code for change in changes] == [m.lg_code for m in toyama[:3]]
    assert (changes[0].from_stage, changes[0].to_stage, changes[0].item_code) == ("not_started", "considering", "1-1")


def test_latest_changes_leave_out_changes_after_as_of(toyama, today, last_year_end):
    set_stage(toyama[0], "1-1", Stage.CONSIDERING, last_year_end)
    set_stage(toyama[1], "1-1", Stage.CONSIDERING, last_year_end + datetime.timedelta(days=1))

    changes = reports.latest_changes(ProgressChange.objects.all(), as_of=last_year_end)

    assert [change.lg_code for change in changes] == [toyama[0].lg_code]


def _matrix(municipalities, today, codes=None, **kwargs):
    items = list(RequestItem.objects.active())
    if codes:
        items = [item for item in items if item.code in codes]
    baseline = kwargs.pop("baseline", reports.previous_fiscal_year_end(today))
    return reports.prefecture_matrix(
        municipalities, items=items, as_of=kwargs.pop("as_of", today), baseline=baseline, today=today, **kwargs
    )


def test_prefecture_matrix_puts_the_prefectural_government_first(today):
    matrix = _matrix(Municipality.objects.filter(prefecture__code="16"), today)

    assert matrix.rows[0].lg_code == "160008"
    assert [row.lg_code for row in matrix.rows[1:]] == sorted(row.lg_code for row in matrix.rows[1:])
    assert len(matrix.rows) == 16


def test_prefecture_matrix_marks_items_that_do_not_apply(today):
    matrix = _matrix(Municipality.objects.filter(prefecture__code="16"), today, codes={"0-1"})

    assert matrix.rows[0].cells[0].applies
    assert not any(row.cells[0].applies for row in matrix.rows[1:])
    assert matrix.summary[0].total == 1


def test_prefecture_matrix_stage_filter_keeps_rows_with_that_stage(toyama, today):
    set_stage(toyama[2], "2-1", Stage.ARRANGING, today)
    set_stage(toyama[5], "3-1", Stage.ARRANGING, today)

    matrix = _matrix(Municipality.objects.filter(prefecture__code="16"), today, stage=Stage.ARRANGING)

    assert [row.lg_code for row in matrix.rows] == [toyama[2].lg_code, toyama[5].lg_code]
    assert [entry.total for entry in matrix.summary if entry.code == "2-1"] == [2]


def test_prefecture_matrix_compares_with_the_baseline(toyama, today, last_year_end):
    set_stage(toyama[1], "1-1", Stage.DONE, last_year_end - datetime.timedelta(days=5))
    set_stage(toyama[2], "1-1", Stage.DONE, last_year_end - datetime.timedelta(days=5))
    set_stage(toyama[2], "1-1", Stage.ESTABLISHED, last_year_end + datetime.timedelta(days=1))
    set_stage(toyama[3], "1-1", Stage.DONE, last_year_end + datetime.timedelta(days=1))

    matrix = _matrix(Municipality.objects.filter(prefecture__code="16"), today, codes={"1-1"})

    changed = {row.lg_code: row.cells[0].baseline for row in matrix.rows if row.cells[0].changed}
    assert changed == {toyama[2].lg_code: Stage.DONE, toyama[3].lg_code: Stage.NOT_STARTED}
    [summary] = matrix.summary
    assert (summary.adopted_baseline, summary.adopted, summary.adopted_change) == (2, 3, 1)


def test_prefecture_matrix_shows_only_the_rows_given(today):
    hakodate = Office.objects.get(code="hakodate")
    rows = Municipality.objects.filter(prefecture=Prefecture.objects.get(code="01"), office=hakodate)

    matrix = _matrix(rows, today)

    assert {row.office_code for row in matrix.rows} == {"hakodate"}
    assert len(matrix.rows) == rows.count()


def test_prefecture_matrix_as_of_a_past_day_reads_both_dates_from_history(toyama, today, last_year_end):
    year_before_end = reports.previous_fiscal_year_end(last_year_end)
    set_stage(toyama[1], "1-1", Stage.CONSIDERING, year_before_end)
    set_stage(toyama[1], "1-1", Stage.DONE, last_year_end)
    set_stage(toyama[1], "1-1", Stage.ESTABLISHED, today)

    matrix = _matrix(
        Municipality.objects.filter(pk=toyama[1].pk),
        today,
        codes={"1-1"},
        as_of=last_year_end,
        baseline=year_before_end,
    )

    [cell] = matrix.rows[0].cells
    assert (cell.baseline, cell.stage) == (Stage.CONSIDERING, Stage.DONE)
