"""Survey files as users' spreadsheet programs write them (issue 11, finding 8)."""

import datetime
import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from cooperation.exports import csv_bytes
from cooperation.fiscal import today
from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update
from cooperation.survey import HEADER, survey_apply, survey_plan, survey_rows, survey_xlsx
from offices.models import Municipality

pytestmark = pytest.mark.usefixtures("master")

DAY = today() - datetime.timedelta(days=30)
OTARU = ("012033", "小樽市", "1-2", "検討中", DAY.isoformat(), "")


def workbook(*sheets) -> bytes:
    """A workbook of (title, rows) sheets, in order."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def plan_of(content, by, name="s.xlsx"):
    with translation.override("en"):
        return survey_plan(content=content, file_name=name, by=by)


def test_single_sheet_is_read_whatever_its_name(hq):
    plan = plan_of(workbook(("調査票_北海道_20261201", [HEADER, OTARU])), hq)
    assert plan.ok and [change.lg_code for change in plan.changes] == ["012033"]


def test_sheet_named_survey_is_read_among_several(hq):
    other = ("012025", "函館市", "1-2", "実施", DAY.isoformat(), "")
    plan = plan_of(workbook(("メモ", [HEADER, other]), ("調査票", [HEADER, OTARU])), hq)
    assert plan.ok and [change.lg_code for change in plan.changes] == ["012033"]


def test_the_only_sheet_with_the_header_is_read_among_several(hq):
    plan = plan_of(workbook(("説明", [["この調査票について"]]), ("Sheet2", [HEADER, OTARU])), hq)
    assert plan.ok and [change.lg_code for change in plan.changes] == ["012033"]


def test_several_sheets_with_the_header_and_none_named_survey_are_refused(hq):
    plan = plan_of(workbook(("A", [HEADER, OTARU]), ("B", [HEADER, OTARU])), hq)
    (problem,) = plan.problems
    assert "A、B" in problem.message and "調査票" in problem.message


def _consolidated_file() -> bytes:
    """The prefecture's consolidated survey (every local government of 北海道), as the site exports it."""
    return survey_xlsx(survey_rows(Municipality.objects.active().filter(prefecture__code="01")))


def test_center_importing_the_prefecture_file_skips_unchanged_rows_outside_its_scope(center_sapporo):
    content = _consolidated_file()
    plan = plan_of(content, center_sapporo)
    assert plan.ok, plan.problems[:3]
    outside = Progress.objects.filter(municipality__prefecture__code="01", municipality__is_active=True).exclude(
        municipality__office__code="sapporo"
    )
    assert plan.skipped_count == outside.count() > 1000
    assert plan.unchanged_count == plan.row_count - plan.skipped_count


def test_a_changed_row_outside_the_scope_is_a_problem_in_the_prefecture_file(center_sapporo):
    rows = [list(row) for row in survey_rows(Municipality.objects.active().filter(prefecture__code="01"))]
    hakodate = next(row for row in rows if row[0] == "012025" and row[2] == "1-2")
    hakodate[3] = "実施"
    plan = plan_of(survey_xlsx(rows), center_sapporo)
    (problem,) = plan.problems
    assert "012025" in problem.message and "outside your scope" in problem.message
    assert plan.skipped_count == plan.row_count - plan.unchanged_count - 1


def test_preview_page_shows_the_skipped_count(client_for, center_sapporo):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    response = client_for(center_sapporo).post(
        reverse("cooperation:survey_import"), {"file": SimpleUploadedFile("北海道.xlsx", _consolidated_file())}
    )
    page = response.content.decode()
    assert 'class="count-skipped"' in page
    assert str(response.context["plan"].skipped_count) in page


def test_unchanged_stage_with_another_date_is_reported_as_ignored(hq):
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-2")
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=None, effective_date=DAY)
    later = DAY + datetime.timedelta(days=5)
    plan = plan_of(csv_bytes(HEADER, [("012033", "小樽市", "1-2", "検討中", later.isoformat(), "")]), hq, "s.csv")
    assert plan.ok and plan.changes == [] and plan.unchanged_count == 1
    (ignored,) = plan.ignored
    assert ignored.row == 2 and ignored.item_code == "1-2"
    assert "unchanged" in ignored.reason and "is not recorded" in ignored.reason


def test_unchanged_stage_with_another_note_is_reported_as_ignored(hq):
    plan = plan_of(csv_bytes(HEADER, [("012033", "小樽市", "1-2", "未着手", "", "新しい備考")]), hq, "s.csv")
    (ignored,) = plan.ignored
    assert "note" in ignored.reason


def test_unchanged_rows_as_exported_are_not_reported(hq):
    plan = plan_of(survey_xlsx(survey_rows(Municipality.objects.filter(lg_code="012033"))), hq)
    assert plan.ok and plan.ignored == [] and plan.unchanged_count == plan.row_count


def test_applying_the_prefecture_file_with_one_change_in_scope_writes_only_that(center_sapporo):
    rows = [list(row) for row in survey_rows(Municipality.objects.active().filter(prefecture__code="01"))]
    otaru = next(row for row in rows if row[0] == "012033" and row[2] == "1-2")
    otaru[3], otaru[4] = "検討中", DAY
    outcome = survey_apply(content=survey_xlsx(rows), file_name="北海道.xlsx", by=center_sapporo)
    assert outcome.applied and outcome.batch.change_count == 1
    assert Progress.objects.get(municipality__lg_code="012033", item__code="1-2").stage == Stage.CONSIDERING
