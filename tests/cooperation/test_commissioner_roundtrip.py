"""The register round trip: download as xlsx/CSV, import back unchanged, edits previewed and applied all or nothing."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from cooperation.commissioners.applying import register_apply
from cooperation.commissioners.importing import register_plan
from cooperation.commissioners.models import Commissioner
from cooperation.commissioners.roundtrip import (
    HEADER,
    PUBLIC_HEADER,
    SHEET_NAME,
    register_csv,
    register_rows,
    register_xlsx,
)
from cooperation.commissioners.services import commissioner_create, commissioner_recommend
from cooperation.exports import csv_bytes
from cooperation.fiscal import today

pytestmark = pytest.mark.django_db


def _days(n):
    return today() - datetime.timedelta(days=n)


@pytest.fixture
def register(otaru, hakodate_city):
    from cooperation.models import CommissionerBackground

    police = CommissionerBackground.objects.get(name_ja="元警察官")
    people = [
        commissioner_create(
            municipality=otaru, name="佐藤 和夫", name_kana="さとう かずお", appointed_on=_days(300),
            first_appointed_on=_days(3000), backgrounds=[police], phone="0134-00-0000", by=None,
        ),
        commissioner_create(
            municipality=otaru, name="=HYPERLINK(1)", name_kana="いとう", appointed_on=_days(100),
            counselor_since=_days(2000), note="-注意", by=None,
        ),
        commissioner_create(municipality=hakodate_city, name="鈴木 正", name_kana="すずき ただし",
                            appointed_on=_days(800), by=None),
    ]  # fmt: skip
    commissioner_recommend(municipality=otaru, name="高橋 恵子", name_kana="たかはし", recommended_on=_days(5), by=None)
    return people


def _xlsx(user_contact=True, commissioners=None):
    commissioners = Commissioner.objects.all() if commissioners is None else commissioners
    header, rows = register_rows(commissioners, contact=user_contact)
    return header, rows, register_xlsx(header, rows)


def _sheet(content):
    return load_workbook(io.BytesIO(content))[SHEET_NAME]


def test_the_download_round_trips_unchanged(register):
    header, rows, content = _xlsx()
    assert tuple(cell.value for cell in _sheet(content)[1]) == HEADER
    plan = register_plan(content=content, file_name="register.xlsx", by=None)
    assert plan.problems == []
    assert plan.changes == []
    assert plan.unchanged_count == 4 == plan.row_count


def test_the_csv_round_trips_unchanged_and_neutralises_formulas(register):
    header, rows = register_rows(Commissioner.objects.all(), contact=True)
    content = register_csv(header, rows)
    assert content.startswith("\ufeff".encode())
    assert "'=HYPERLINK(1)" in content.decode("utf-8-sig")
    plan = register_plan(content=content, file_name="register.csv", by=None)
    assert (plan.problems, plan.changes, plan.unchanged_count) == ([], [], 4)


def test_contact_columns_are_left_out_of_the_public_file(register):
    header, rows = register_rows(Commissioner.objects.all(), contact=False)
    assert header == PUBLIC_HEADER
    assert "電話" not in header and all("0134-00-0000" not in row for row in rows)
    plan = register_plan(content=register_csv(header, rows), file_name="public.csv", by=None)
    assert plan.changes == [] and plan.problems == []


def test_an_edited_row_is_previewed_then_applied(register, center_sapporo, otaru):
    header, rows, content = _xlsx(commissioners=Commissioner.objects.filter(municipality=otaru))
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[SHEET_NAME]
    phone = HEADER.index("電話") + 1
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == register[0].number:
            row[phone - 1].value = "0134-11-2222"
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = register_plan(content=buffer.getvalue(), file_name="edited.xlsx", by=center_sapporo)
    assert plan.problems == []
    assert [(change.number, list(change.fields)) for change in plan.changes] == [(register[0].number, ["phone"])]
    outcome = register_apply(
        content=buffer.getvalue(), file_name="edited.xlsx", by=center_sapporo, fingerprint=plan.fingerprint
    )
    assert outcome.applied
    register[0].refresh_from_db()
    assert register[0].phone == "0134-11-2222"
    assert register[0].updated_by == center_sapporo


def test_a_new_number_creates_a_commissioner_and_a_later_date_a_new_term(register):
    header = HEADER
    existing = register[2]
    new_start = existing.term_ends_on + datetime.timedelta(days=1)
    rows = [
        ("01-09999", "山田 花子", "やまだ はなこ", "012033", "小樽市", "委嘱", _days(1).isoformat(), "", "", "", "", "",
         "", "元教員", "", "", "", "", ""),
    ]  # fmt: skip
    _header, current_rows = register_rows(Commissioner.objects.filter(pk=existing.pk), contact=True)
    renewed = list(current_rows[0])
    renewed[HEADER.index("委嘱日")] = new_start
    renewed[HEADER.index("任期満了日")] = ""
    renewed[HEADER.index("状態")] = "再委嘱"
    rows.append(tuple(renewed))
    content = register_csv(header, rows)
    plan = register_plan(content=content, file_name="new.csv", by=None)
    assert plan.problems == []
    assert [change.actions for change in plan.changes] == [["create"], ["appoint"]]
    assert register_apply(content=content, file_name="new.csv", by=None).applied
    created = Commissioner.objects.get(number="01-09999")
    assert (created.municipality.lg_code, created.status, created.appointed_on) == ("012033", "appointed", _days(1))
    assert [background.name_ja for background in created.backgrounds.all()] == ["元教員"]
    existing.refresh_from_db()
    assert (existing.status, existing.appointed_on, existing.terms.count()) == ("reappointed", new_start, 2)
    again = register_rows(Commissioner.objects.all(), contact=True)
    assert register_plan(content=register_csv(*again), file_name="again.csv", by=None).changes == []


def test_problems_name_row_and_column_and_nothing_is_written(register, center_sapporo):
    header, rows = register_rows(Commissioner.objects.all(), contact=True)
    rows = [list(row) for row in rows]
    by_number = {row[0]: row for row in rows}
    by_number[register[0].number][HEADER.index("電話")] = "0134-99-9999"  # a valid change
    by_number[register[1].number][HEADER.index("状態")] = "休職"  # not a status
    by_number[register[2].number][HEADER.index("ふりがな")] = "すずき"  # 函館市: outside center-sapporo's scope
    content = register_csv(header, rows)
    plan = register_plan(content=content, file_name="bad.csv", by=center_sapporo)
    found = {(problem.column, problem.row) for problem in plan.problems}
    position = {row[0]: index + 2 for index, row in enumerate(rows)}
    assert ("状態", position[register[1].number]) in found
    assert ("団体コード", position[register[2].number]) in found
    outcome = register_apply(content=content, file_name="bad.csv", by=center_sapporo)
    assert not outcome.applied
    register[0].refresh_from_db()
    assert register[0].phone == "0134-00-0000"


def test_missing_columns_and_duplicate_numbers_are_reported(register):
    plan = register_plan(content=csv_bytes(["委員番号", "氏名"], [["01-1", "x"]]), file_name="x.csv", by=None)
    assert plan.problems and plan.problems[0].row is None and "ふりがな" in plan.problems[0].column
    header, rows = register_rows(Commissioner.objects.all(), contact=True)
    plan = register_plan(content=register_csv(header, rows + rows[:1]), file_name="twice.csv", by=None)
    assert [problem.column for problem in plan.problems] == ["委員番号"]


def test_local_officers_may_not_import(register, lg_otaru):
    header, rows = register_rows(Commissioner.objects.all(), contact=False)
    plan = register_plan(content=register_csv(header, rows), file_name="x.csv", by=lg_otaru)
    assert plan.problems and plan.problems[0].row is None


def test_the_current_term_cannot_be_rewritten_by_import(register):
    header, rows = register_rows(Commissioner.objects.filter(pk=register[0].pk), contact=True)
    row = list(rows[0])
    row[HEADER.index("委嘱日")] = register[0].appointed_on - datetime.timedelta(days=30)
    plan = register_plan(content=register_csv(header, [row]), file_name="x.csv", by=None)
    assert [problem.column for problem in plan.problems] == ["委嘱日"]
