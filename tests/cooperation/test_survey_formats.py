"""Reading one cell of each survey column: stages, dates, item codes, notes, codes as Excel leaves them."""

import csv
import datetime
from pathlib import Path

import pytest
from django.conf import settings

from cooperation.models import Stage
from cooperation.survey.formats import (
    STAGE_LABELS,
    STAGE_LABELS_EN,
    CellError,
    code_digits,
    parse_date,
    parse_item_code,
    parse_note,
    parse_stage,
)


def test_stage_labels_match_the_shipped_stage_list():
    with open(Path(settings.BASE_DIR) / "fixtures" / "progress_stages.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["code"]: row["label_ja"] for row in rows} == {str(k): v for k, v in STAGE_LABELS.items()}
    assert {row["code"]: row["label_en"] for row in rows} == {str(k): v for k, v in STAGE_LABELS_EN.items()}
    assert set(STAGE_LABELS) == set(Stage)


@pytest.mark.parametrize(
    "value, stage",
    [
        ("定着", Stage.ESTABLISHED),
        (" 当面困難 ", Stage.NOT_FEASIBLE),
        ("considering", Stage.CONSIDERING),
        ("NOT_STARTED", Stage.NOT_STARTED),
        ("Not feasible for now", Stage.NOT_FEASIBLE),
        ("arranging", Stage.ARRANGING),
        ("DONE", Stage.DONE),
    ],
)
def test_stage_read_from_label_or_code(value, stage):
    assert parse_stage(value) == stage


@pytest.mark.parametrize("value", ["完了", "", None, "実施済"])
def test_stage_refused_when_unknown(value):
    with pytest.raises(CellError):
        parse_stage(value)


@pytest.mark.parametrize(
    "value, day",
    [
        ("2026/4/1", datetime.date(2026, 4, 1)),
        ("2026-04-01", datetime.date(2026, 4, 1)),
        ("2026.4.1", datetime.date(2026, 4, 1)),
        ("2026年4月1日", datetime.date(2026, 4, 1)),
        ("20260401", datetime.date(2026, 4, 1)),
        ("令和8年4月1日", datetime.date(2026, 4, 1)),
        ("R8.4.1", datetime.date(2026, 4, 1)),
        ("r8/4/1", datetime.date(2026, 4, 1)),
        ("令和元年5月1日", datetime.date(2019, 5, 1)),
        ("H31.4.30", datetime.date(2019, 4, 30)),
        ("平成元年1月8日", datetime.date(1989, 1, 8)),
        ("２０２６／４／１", datetime.date(2026, 4, 1)),
        ("2026/4/1 0:00", datetime.date(2026, 4, 1)),
        ("2026-04-01 00:00:00", datetime.date(2026, 4, 1)),
        (datetime.datetime(2026, 4, 1, 0, 0), datetime.date(2026, 4, 1)),
        (datetime.date(2026, 4, 1), datetime.date(2026, 4, 1)),
        (46113, datetime.date(2026, 4, 1)),
        (20260401, datetime.date(2026, 4, 1)),
        ("", None),
        (None, None),
    ],
)
def test_date_read_in_every_accepted_form(value, day):
    assert parse_date(value) == day


@pytest.mark.parametrize(
    "value",
    ["令和元年4月30日", "平成31年5月1日", "2026/2/30", "きのう", "4/1", "R8", 12, "2026/13/1"],
)
def test_date_refused_when_not_a_date(value):
    with pytest.raises(CellError):
        parse_date(value)


def test_date_refused_before_its_era_names_the_era_start():
    with pytest.raises(CellError) as error:
        parse_date("令和元年4月1日")
    assert "2019年5月1日" in str(error.value)


@pytest.mark.parametrize(
    "value, code",
    [
        ("2-2", "2-2"),
        (" ２－２ ", "2-2"),
        (datetime.datetime(2026, 2, 2), "2-2"),
        ("2月2日", "2-2"),
        ("0-1", "0-1"),
    ],
)
def test_item_code_read_even_after_excel_made_it_a_date(value, code):
    assert parse_item_code(value) == code


@pytest.mark.parametrize(
    "value, note",
    [
        ('\'=HYPERLINK("x")', '=HYPERLINK("x")'),
        ("'+81 11", "+81 11"),
        ("'ok", "'ok"),
        ("  説明会を予定  ", "説明会を予定"),
        (None, ""),
        (3, "3"),
    ],
)
def test_note_loses_the_apostrophe_the_export_added(value, note):
    assert parse_note(value) == note


@pytest.mark.parametrize(
    "value, digits",
    [(12033, "12033"), (12033.0, "12033"), ("012033", "012033"), ("'012033", "012033"), ("０１２０３３", "012033")],
)
def test_code_digits_from_text_and_number_cells(value, digits):
    assert code_digits(value) == digits
