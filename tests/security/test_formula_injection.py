"""Formula injection (issue 11, finding 7): look-alike and hidden prefixes are neutralised like = + - @."""

import csv
import io

import pytest
from openpyxl import load_workbook

from cooperation import exports
from cooperation.survey.formats import parse_note

DISGUISED = [
    "＝1+1",  # full-width equals
    "＋1",  # full-width plus
    "－1+1",  # full-width minus
    "＠SUM(A1)",  # full-width at
    "\ufeff=1+1",  # a byte-order mark before the formula
    "\u200b=1+1",  # a zero-width space
    "\u2060=1+1",  # a word joiner
    "\n=1+1",  # a line feed
    " \n@SUM(A1)",  # blanks then a line feed
    "\u3000=1+1",  # an ideographic space
]


@pytest.mark.parametrize("text", DISGUISED)
def test_disguised_formula_is_neutralised(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_ascii_formula_is_still_neutralised(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["小樽市", "1-1", "会議 = 2回", "\ufeff小樽市", "", "２０２６／４／１"])
def test_plain_text_is_left_alone(text):
    assert exports.neutralise(text) == text


@pytest.mark.parametrize("text", DISGUISED)
def test_csv_cell_with_a_disguised_formula_starts_with_an_apostrophe(text):
    content = exports.csv_bytes(["備考"], [[text]])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'" + text]


@pytest.mark.parametrize("text", DISGUISED)
def test_xlsx_cell_with_a_disguised_formula_starts_with_an_apostrophe(text):
    content = exports.xlsx_bytes([("sheet", ["備考"], [[text]])])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].value == "'" + text
    assert sheet["A2"].data_type == "s"


@pytest.mark.parametrize("text", DISGUISED)
def test_survey_note_round_trips_without_the_apostrophe(text):
    assert parse_note(exports.neutralise(text)) == text.strip()
