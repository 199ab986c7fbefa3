"""Planning and applying a survey file: changes, problems with row and column, all or nothing."""

import codecs
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from cooperation.exports import csv_bytes
from cooperation.fiscal import today
from cooperation.models import ImportBatch, Progress, ProgressChange, Stage
from cooperation.progress.services import progress_update
from cooperation.survey import HEADER, planning, survey_apply, survey_plan
from offices.models import AuditEvent

DAY = today() - datetime.timedelta(days=30)
VALID = ("012025", "函館市", "1-2", "検討中", DAY.isoformat(), "")


def csv_file(*rows) -> bytes:
    return csv_bytes(HEADER, rows)


def xlsx_file(*rows, header=HEADER, sheet="調査票") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def written() -> tuple[int, int]:
    return ProgressChange.objects.count(), ImportBatch.objects.count()


def stage_of(lg_code: str, item: str) -> str:
    return Progress.objects.get(municipality__lg_code=lg_code, item__code=item).stage


def refused(content: bytes, by, file_name="survey.csv"):
    """Apply a file that must be refused; return its problems after checking nothing was written."""
    before = written()
    outcome = survey_apply(content=content, file_name=file_name, by=by)
    assert not outcome.applied
    assert written() == before
    assert outcome.plan.problems
    return outcome.plan.problems


def only_problem(problems):
    assert len(problems) == 1, problems
    return problems[0]


def test_plan_lists_the_change_from_and_to(hq):
    plan = survey_plan(content=csv_file(VALID), file_name="survey.csv", by=hq)
    assert plan.problems == []
    (change,) = plan.changes
    assert (change.row, change.lg_code, change.item_code) == (2, "012025", "1-2")
    assert (change.from_stage, change.to_stage, change.effective_date) == (Stage.NOT_STARTED, Stage.CONSIDERING, DAY)


def test_plan_writes_nothing(hq):
    before = written()
    survey_plan(content=csv_file(VALID), file_name="survey.csv", by=hq)
    assert written() == before
    assert stage_of("012025", "1-2") == Stage.NOT_STARTED


def test_apply_moves_the_stage_with_the_batch_as_evidence(hq):
    outcome = survey_apply(content=csv_file(VALID), file_name="函館.csv", by=hq)
    change = ProgressChange.objects.get(progress__municipality__lg_code="012025", progress__item__code="1-2")
    assert change.import_batch == outcome.batch
    assert (change.to_stage, change.effective_date, change.recorded_by) == (Stage.CONSIDERING, DAY, hq)
    assert stage_of("012025", "1-2") == Stage.CONSIDERING


def test_apply_keeps_the_batch_with_its_counts(hq):
    unchanged = ("012025", "函館市", "1-1", "未着手", "", "")
    content = csv_file(VALID, unchanged)
    outcome = survey_apply(content=content, file_name="函館.csv", by=hq)
    batch = ImportBatch.objects.get()
    assert batch == outcome.batch
    assert (batch.file_name, batch.created_by, batch.row_count) == ("函館.csv", hq, 2)
    assert (batch.change_count, batch.unchanged_count) == (1, 1)
    assert batch.sha256 == outcome.plan.sha256 and len(batch.sha256) == 64


def test_apply_records_the_import_in_the_audit_trail(hq):
    outcome = survey_apply(content=csv_file(VALID), file_name="函館.csv", by=hq)
    event = AuditEvent.objects.get(action="import")
    assert (event.actor, event.target) == (hq, "函館.csv")
    assert event.detail["batch"] == outcome.batch.pk and event.detail["changes"] == 1


def test_apply_without_a_user_runs_as_the_system(master):
    survey_apply(content=csv_file(VALID), file_name="survey.csv", by=None)
    change = ProgressChange.objects.get()
    assert change.recorded_by is None and change.import_batch.created_by is None


def test_same_file_twice_changes_nothing_the_second_time(hq):
    content = csv_file(VALID)
    survey_apply(content=content, file_name="survey.csv", by=hq)
    before = written()
    versions = list(Progress.objects.order_by("pk").values_list("version", flat=True))
    second = survey_apply(content=content, file_name="survey.csv", by=hq)
    assert (second.applied, second.plan.changes, second.plan.unchanged_count) == (False, [], 1)
    assert written() == before
    assert list(Progress.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_empty_date_takes_effect_today(hq):
    plan = survey_plan(content=csv_file(("012025", "函館市", "1-2", "調整中", "", "")), file_name="s.csv", by=hq)
    assert plan.changes[0].effective_date == today()


def test_csv_with_bom_is_read(hq):
    content = csv_file(VALID)
    assert content.startswith(codecs.BOM_UTF8)
    assert len(survey_plan(content=content, file_name="s.csv", by=hq).changes) == 1


def test_csv_utf8_without_bom_is_read(hq):
    content = csv_file(VALID)[len(codecs.BOM_UTF8) :]
    assert len(survey_plan(content=content, file_name="s.csv", by=hq).changes) == 1


def test_csv_in_cp932_is_read(hq):
    content = csv_file(VALID, ("012025", "函館市", "2-2", "当面困難", DAY.isoformat(), "髙橋課長と協議①"))
    content = content[len(codecs.BOM_UTF8) :].decode("utf-8").encode("cp932")
    plan = survey_plan(content=content, file_name="s.csv", by=hq)
    assert plan.problems == []
    assert [change.note for change in plan.changes] == ["", "髙橋課長と協議①"]


def test_xlsx_is_read(hq):
    plan = survey_plan(content=xlsx_file(VALID), file_name="s.xlsx", by=hq)
    assert [(change.lg_code, change.to_stage) for change in plan.changes] == [("012025", Stage.CONSIDERING)]


def test_xlsx_date_cell_is_read(hq):
    row = ("012025", "函館市", "1-2", "検討中", datetime.datetime.combine(DAY, datetime.time()), "")
    plan = survey_plan(content=xlsx_file(row), file_name="s.xlsx", by=hq)
    assert plan.changes[0].effective_date == DAY


def test_xlsx_number_cell_that_lost_its_leading_zero_is_read(hq):
    row = (12025, "函館市", "1-2", "検討中", DAY, "")
    plan = survey_plan(content=xlsx_file(row), file_name="s.xlsx", by=hq)
    assert plan.problems == [] and plan.changes[0].lg_code == "012025"


def test_csv_code_excel_saved_without_leading_zero_is_read(hq):
    plan = survey_plan(content=csv_file(("12025", "函館市", "1-2", "検討中", "", "")), file_name="s.csv", by=hq)
    assert plan.problems == [] and plan.changes[0].lg_code == "012025"


def test_five_digit_code_without_check_digit_is_read(hq):
    plan = survey_plan(content=csv_file(("01202", "函館市", "1-2", "検討中", "", "")), file_name="s.csv", by=hq)
    assert plan.problems == [] and plan.changes[0].lg_code == "012025"


def test_four_digit_number_is_a_five_digit_code_without_its_zero(hq):
    plan = survey_plan(content=xlsx_file((1202, "函館市", "1-2", "検討中", DAY, "")), file_name="s.xlsx", by=hq)
    assert plan.problems == [] and plan.changes[0].lg_code == "012025"


def test_ambiguous_five_digits_resolved_by_the_name(hq):
    # 12203 is 士別市 (012203) without its leading zero, or 市川市 (122033) without its check digit.
    shibetsu = survey_plan(content=xlsx_file((12203, "士別市", "1-2", "検討中", DAY, "")), file_name="s.xlsx", by=hq)
    ichikawa = survey_plan(content=xlsx_file((12203, "市川市", "1-2", "検討中", DAY, "")), file_name="s.xlsx", by=hq)
    assert shibetsu.changes[0].lg_code == "012203"
    assert ichikawa.changes[0].lg_code == "122033"


def test_ambiguous_five_digits_without_a_name_is_refused(hq):
    problem = only_problem(refused(xlsx_file((12203, "", "1-2", "検討中", DAY, "")), hq, "s.xlsx"))
    assert (problem.row, problem.column) == (2, "団体コード")
    assert "012203" in problem.message and "122033" in problem.message


def test_formula_apostrophe_is_taken_off_the_note(hq):
    row = ("012025", "函館市", "2-2", "当面困難", DAY.isoformat(), "=予算なし")
    survey_apply(content=csv_file(row), file_name="s.csv", by=hq)
    assert Progress.objects.get(municipality__lg_code="012025", item__code="2-2").note == "=予算なし"


def test_mistyped_check_digit_suggests_the_local_government(hq):
    problem = only_problem(refused(csv_file(VALID, ("012034", "", "1-1", "検討中", "", "")), hq))
    assert (problem.row, problem.column) == (3, "団体コード")
    assert "012033 小樽市" in problem.message


def test_unknown_code_suggests_the_closest_name_in_the_prefecture(hq):
    # 016993 has a valid check digit but no local government.
    problem = only_problem(refused(csv_file(VALID, ("016993", "小樽", "1-1", "検討中", "", "")), hq))
    assert (problem.row, problem.column) == (3, "団体コード")
    assert "016993" in problem.message and "012033 小樽市" in problem.message


def test_code_of_another_local_government_than_the_name_is_refused(hq):
    problem = only_problem(refused(csv_file(VALID, ("012033", "函館市", "1-1", "検討中", "", "")), hq))
    assert (problem.row, problem.column) == (3, "団体名")
    assert "小樽市" in problem.message and "012025" in problem.message


def test_row_outside_the_scope_is_refused(center_hakodate):
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "1-1", "検討中", "", "")), center_hakodate))
    assert (problem.row, problem.column) == (3, "団体コード")
    assert "012033" in problem.message
    assert stage_of("012025", "1-2") == Stage.NOT_STARTED


def test_unchanged_row_outside_the_scope_is_skipped_and_counted(center_hakodate):
    """A prefecture's consolidated file imported by one of its centers (issue 11): unchanged rows elsewhere pass."""
    outcome = survey_apply(
        content=csv_file(VALID, ("012033", "小樽市", "1-1", "未着手", "", "")), file_name="s.csv", by=center_hakodate
    )
    assert outcome.applied
    assert (outcome.plan.skipped_count, outcome.batch.change_count) == (1, 1)


def test_prefecture_only_item_for_a_municipality_is_refused(hq):
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "0-1", "実施", "", "")), hq))
    assert (problem.row, problem.column) == (3, "項目")
    assert "0-1" in problem.message and "小樽市" in problem.message


def test_prefecture_only_item_for_the_prefectural_government_is_planned(hq):
    plan = survey_plan(content=csv_file(("010006", "北海道", "0-1", "実施", "", "")), file_name="s.csv", by=hq)
    assert plan.problems == [] and plan.changes[0].item_code == "0-1"


def test_unknown_item_is_refused(hq):
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "9-9", "実施", "", "")), hq))
    assert (problem.row, problem.column) == (3, "項目")
    assert "9-9" in problem.message


def test_retired_item_is_refused(hq):
    from cooperation.models import RequestItem

    RequestItem.objects.filter(code="3-2").update(is_active=False)
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "3-2", "実施", "", "")), hq))
    assert (problem.row, problem.column) == (3, "項目")


def test_unknown_stage_label_is_refused(hq):
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "1-1", "完了", "", "")), hq))
    assert (problem.row, problem.column) == (3, "段階")
    assert "完了" in problem.message and "定着" in problem.message


def test_same_local_government_and_item_twice_is_refused(hq):
    problem = only_problem(refused(csv_file(VALID, ("012025", "函館市", "1-2", "調整中", "", "")), hq))
    assert (problem.row, problem.column) == (3, "項目")
    assert "012025" in problem.message and "2" in problem.message


def test_future_date_is_refused(hq):
    tomorrow = today() + datetime.timedelta(days=1)
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "1-1", "実施", tomorrow.isoformat(), "")), hq))
    assert (problem.row, problem.column) == (3, "日付")
    assert f"{tomorrow.year}年{tomorrow.month}月{tomorrow.day}日" in problem.message


def test_unreadable_date_is_refused(hq):
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "1-1", "実施", "4月1日ごろ", "")), hq))
    assert (problem.row, problem.column) == (3, "日付")
    assert "4月1日ごろ" in problem.message


def test_date_before_the_current_stage_date_is_refused(hq, otaru):
    progress = Progress.objects.get(municipality=otaru, item__code="1-1")
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=None, effective_date=DAY)
    earlier = DAY - datetime.timedelta(days=5)
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "1-1", "実施", earlier.isoformat(), "")), hq))
    assert (problem.row, problem.column) == (3, "日付")
    assert f"{DAY.year}年{DAY.month}月{DAY.day}日" in problem.message


def test_not_feasible_without_a_note_is_refused(hq):
    problem = only_problem(refused(csv_file(VALID, ("012033", "小樽市", "1-1", "当面困難", "", "")), hq))
    assert (problem.row, problem.column) == (3, "備考")


def test_empty_file_is_refused(hq):
    problem = only_problem(refused(b"", hq))
    assert problem.row is None


def test_header_without_rows_is_refused(hq):
    problem = only_problem(refused(csv_file(), hq))
    assert problem.row is None


def test_file_over_the_size_limit_is_refused(hq, settings):
    settings.SURVEY_MAX_BYTES = 100
    problem = only_problem(refused(csv_file(VALID, VALID[:2] + ("1-1", "検討中", "", "x" * 100)), hq))
    assert problem.row is None


def test_missing_and_renamed_columns_are_named(hq):
    header = ("団体コード", "団体名", "項目", "ステージ", "日付", "備考")
    content = csv_bytes(header, [VALID])
    problem = only_problem(refused(content, hq))
    assert (problem.row, problem.column) == (None, "段階")
    assert "段階" in problem.message and "ステージ" in problem.message


def test_columns_in_another_order_are_read(hq):
    order = (5, 4, 3, 2, 1, 0)
    content = csv_bytes([HEADER[index] for index in order], [[VALID[index] for index in order]])
    assert len(survey_plan(content=content, file_name="s.csv", by=hq).changes) == 1


def test_workbook_without_the_survey_sheet_names_it(hq):
    """Several sheets, none named 調査票 and none with the survey header (a single sheet is read: issue 11)."""
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append(["メモ"])
    workbook.create_sheet("Sheet2").append(["集計"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    problem = only_problem(refused(buffer.getvalue(), hq, "s.xlsx"))
    assert problem.row is None
    assert "調査票" in problem.message and "Sheet1" in problem.message


def test_legacy_xls_is_refused(hq):
    problem = only_problem(refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, hq, "s.xls"))
    assert problem.row is None


def test_damaged_workbook_is_refused(hq):
    problem = only_problem(refused(b"PK\x03\x04 not really a zip", hq, "s.xlsx"))
    assert problem.row is None


def test_every_problem_of_a_row_is_listed(hq):
    problems = refused(csv_file(("012033", "小樽市", "9-9", "完了", "きのう", "")), hq)
    assert [(problem.row, problem.column) for problem in problems] == [(2, "項目"), (2, "段階"), (2, "日付")]


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(hq):
    content = csv_file(("", "", "", "", "", ""), VALID)
    plan = survey_plan(content=content, file_name="s.csv", by=hq)
    assert plan.row_count == 1 and plan.changes[0].row == 3


def test_refusal_by_the_progress_service_is_reported_on_its_row(hq, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"0": ["refused by the service"]})

    monkeypatch.setattr(planning, "progress_update_many", refuse)
    problem = only_problem(refused(csv_file(VALID), hq))
    assert (problem.row, problem.message) == (2, "refused by the service")


def test_stale_preview_is_not_applied(hq, hakodate_city):
    content = csv_file(VALID)
    fingerprint = survey_plan(content=content, file_name="s.csv", by=hq).fingerprint
    progress = Progress.objects.get(municipality=hakodate_city, item__code="1-2")
    progress_update(progress=progress, stage=Stage.ARRANGING, by=None, effective_date=DAY)
    before = written()
    outcome = survey_apply(content=content, file_name="s.csv", by=hq, fingerprint=fingerprint)
    assert outcome.stale and not outcome.applied
    assert written() == before
    assert stage_of("012025", "1-2") == Stage.ARRANGING


def test_confirmed_preview_is_applied(hq):
    content = csv_file(VALID)
    fingerprint = survey_plan(content=content, file_name="s.csv", by=hq).fingerprint
    assert survey_apply(content=content, file_name="s.csv", by=hq, fingerprint=fingerprint).applied


@pytest.mark.parametrize("prefecture, minimum", [("01", 1500), ("16", 140)])
def test_plan_queries_do_not_grow_with_rows(hq, prefecture, minimum, django_assert_max_num_queries):
    from cooperation.survey import survey_rows
    from offices.models import Municipality

    rows = survey_rows(Municipality.objects.filter(prefecture__code=prefecture))
    content = csv_file(*[(code, name, item, "検討中", "", note) for code, name, item, _stage, _day, note in rows])
    assert len(rows) >= minimum
    with django_assert_max_num_queries(5):
        plan = survey_plan(content=content, file_name="s.csv", by=hq)
    assert len(plan.changes) == len(rows)
