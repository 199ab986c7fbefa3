"""Export, edit, import, export again: exactly the edited rows differ; an untouched export imports as no change."""

import codecs
import csv
import datetime
import io

from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cooperation.fiscal import today
from cooperation.models import Progress, ProgressChange, Stage
from cooperation.progress.services import StageChange, progress_update_many
from cooperation.survey import survey_apply, survey_csv, survey_plan, survey_rows, survey_xlsx
from offices.models import Municipality

URL = reverse("cooperation:survey_export")
DAY = today() - datetime.timedelta(days=3)
TOYAMA = "16"
# (row index in the export, new stage label, note)
EDITS = [
    (0, "実施", ""),
    (40, "当面困難", "予算の都合"),
    (143, "検討中", "=来年度に再検討"),
]  # 143: the last row (3-1 is for municipalities only)


def exported_csv(client) -> list[list[str]]:
    body = client.get(URL, {"prefecture": TOYAMA, "format": "csv"}).content
    return list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode("utf-8"), newline="")))


def exported_xlsx(client) -> list[tuple]:
    content = client.get(URL, {"prefecture": TOYAMA, "format": "xlsx"}).content
    return list(load_workbook(io.BytesIO(content))["調査票"].iter_rows(values_only=True))


def differing(before: list, after: list) -> list[int]:
    assert len(before) == len(after)
    return [index for index, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]


def test_csv_round_trip_changes_exactly_the_edited_rows(client_for, hq):
    client = client_for(hq)
    before = exported_csv(client)
    edited = [list(row) for row in before]
    for index, stage, note in EDITS:
        edited[index + 1][3:6] = [stage, DAY.strftime("%Y/%-m/%-d"), "'" + note if note.startswith("=") else note]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(edited)
    outcome = survey_apply(content=codecs.BOM_UTF8 + buffer.getvalue().encode(), file_name="富山.csv", by=hq)
    assert outcome.applied and outcome.plan.unchanged_count == len(before) - 1 - len(EDITS)
    after = exported_csv(client)
    assert differing(before, after) == [index + 1 for index, _stage, _note in EDITS]
    assert [after[index + 1][3:6] for index, _stage, _note in EDITS] == [
        ["実施", DAY.isoformat(), ""],
        ["当面困難", DAY.isoformat(), "予算の都合"],
        ["検討中", DAY.isoformat(), "'=来年度に再検討"],
    ]


def test_xlsx_round_trip_changes_exactly_the_edited_rows(client_for, hq):
    client = client_for(hq)
    content = client.get(URL, {"prefecture": TOYAMA, "format": "xlsx"}).content
    before = list(load_workbook(io.BytesIO(content))["調査票"].iter_rows(values_only=True))
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["調査票"]
    for index, stage, note in EDITS:
        row = index + 2
        sheet.cell(row=row, column=4, value=stage)
        sheet.cell(row=row, column=5, value=datetime.datetime.combine(DAY, datetime.time()))
        sheet.cell(row=row, column=6, value=note)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert survey_apply(content=buffer.getvalue(), file_name="富山.xlsx", by=hq).applied
    after = exported_xlsx(client)
    assert differing(before, after) == [index + 1 for index, _stage, _note in EDITS]
    assert after[41][3:6] == ("当面困難", datetime.datetime.combine(DAY, datetime.time()), "予算の都合")


def test_unedited_export_imports_as_no_change(client_for, hq):
    client = client_for(hq)
    for file_format in ("csv", "xlsx"):
        content = client.get(URL, {"prefecture": TOYAMA, "format": file_format}).content
        plan = survey_plan(content=content, file_name="富山." + file_format, by=hq)
        assert (plan.problems, plan.changes, plan.unchanged_count) == ([], [], 144)  # 15 × 9 + 富山県 9


# Notes as people type them (any text a form accepts: no NUL, no lone surrogate).
notes = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
stages = st.sampled_from(list(Stage))
days = st.dates(min_value=datetime.date(2019, 5, 1), max_value=today())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_export_imports_back_with_zero_changes(master, data):
    with transaction.atomic():
        toyama = Municipality.objects.filter(prefecture__code=TOYAMA)
        progresses = list(Progress.objects.filter(municipality__in=toyama).order_by("pk"))
        changes = []
        for progress in progresses:
            stage = data.draw(stages)
            note = data.draw(notes)
            if stage == Stage.NOT_FEASIBLE and not note.strip():
                note = "理由" + note
            if stage != progress.stage:
                changes.append(StageChange(progress, stage, data.draw(days), note))
        progress_update_many(changes=changes, by=None)
        history = ProgressChange.objects.count()
        rows = survey_rows(toyama)
        for content, name in ((survey_csv(rows), "s.csv"), (survey_xlsx(rows), "s.xlsx")):
            outcome = survey_apply(content=content, file_name=name, by=None)
            assert outcome.plan.problems == []
            assert outcome.plan.changes == [] and outcome.plan.unchanged_count == len(rows)
            assert not outcome.applied
        assert ProgressChange.objects.count() == history
        assert survey_rows(toyama) == rows
        transaction.set_rollback(True)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_imported_stages_are_the_stages_exported_next(master, data):
    with transaction.atomic():
        toyama = Municipality.objects.filter(prefecture__code=TOYAMA)
        rows = survey_rows(toyama)
        wanted = [
            data.draw(st.sampled_from(["未着手", "検討中", "調整中", "実施", "定着", "当面困難"])) for _row in rows
        ]
        edited = [
            (code, name, item, label, today(), "理由" if label == "当面困難" else note)
            for (code, name, item, _label, _day, note), label in zip(rows, wanted, strict=True)
        ]
        assert survey_apply(content=survey_csv(edited), file_name="s.csv", by=None).plan.problems == []
        assert [row[3] for row in survey_rows(toyama)] == wanted
        transaction.set_rollback(True)
