"""python manage.py import_survey FILE [--user USERNAME] [--apply]."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from cooperation.exports import csv_bytes
from cooperation.fiscal import today
from cooperation.models import ImportBatch, Progress, ProgressChange, Stage
from cooperation.survey import HEADER

DAY = today() - datetime.timedelta(days=30)
OTARU = ("012033", "小樽市", "1-2", "検討中", DAY.isoformat(), "")


@pytest.fixture
def survey_file(tmp_path):
    def write(*rows, name="survey.csv"):
        path = tmp_path / name
        path.write_bytes(csv_bytes(HEADER, rows))
        return path

    return write


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_survey", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def stage_of(lg_code: str, item: str) -> str:
    return Progress.objects.get(municipality__lg_code=lg_code, item__code=item).stage


def test_preview_prints_the_change_and_writes_nothing(master, survey_file):
    output = run(survey_file(OTARU))
    assert "2行目：012033 小樽市 1-2：未着手 → 検討中" in output
    assert stage_of("012033", "1-2") == Stage.NOT_STARTED
    assert not ImportBatch.objects.exists()


def test_apply_writes_as_the_system(master, survey_file):
    run(survey_file(OTARU), "--apply")
    change = ProgressChange.objects.get()
    assert (change.to_stage, change.recorded_by, change.import_batch.file_name) == (
        Stage.CONSIDERING,
        None,
        "survey.csv",
    )


def test_apply_as_a_user_records_the_user(center_sapporo, survey_file):
    run(survey_file(OTARU), "--apply", "--user", "center-sapporo")
    assert ProgressChange.objects.get().recorded_by == center_sapporo


def test_problems_exit_non_zero_and_write_nothing(master, survey_file):
    path = survey_file(OTARU, ("012034", "", "1-1", "実施", "", ""))
    with pytest.raises(CommandError):
        run(path, "--apply")
    assert not ProgressChange.objects.exists()


def test_problems_are_printed_with_row_and_column(master, survey_file):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_survey", str(survey_file(OTARU, ("012034", "", "1-1", "実施", "", ""))), stdout=out)
    assert "3行目, 団体コード" in out.getvalue() and "012033 小樽市" in out.getvalue()


def test_user_scope_applies(center_hakodate, survey_file):
    with pytest.raises(CommandError):
        run(survey_file(OTARU), "--apply", "--user", "center-hakodate")
    assert stage_of("012033", "1-2") == Stage.NOT_STARTED


def test_unknown_user_is_refused(master, survey_file):
    with pytest.raises(CommandError):
        run(survey_file(OTARU), "--apply", "--user", "nobody")
    assert not ProgressChange.objects.exists()


def test_missing_file_is_refused(master, tmp_path):
    with pytest.raises(CommandError):
        run(tmp_path / "missing.csv")


def test_second_apply_changes_nothing(master, survey_file):
    path = survey_file(OTARU)
    run(path, "--apply")
    run(path, "--apply")
    assert ImportBatch.objects.count() == 1 and ProgressChange.objects.count() == 1


@pytest.mark.parametrize("apply", [False, True])
def test_a_user_the_import_page_refuses_is_refused_by_the_command_too(pref_01, survey_file, apply):
    """pref-01 may change its own 北海道庁 but may not import surveys, on the page (403) or here."""
    prefecture_row = ("010006", "北海道", "0-1", "検討中", DAY.isoformat(), "")
    arguments = [survey_file(prefecture_row), "--user", "pref-01"] + (["--apply"] if apply else [])
    with pytest.raises(CommandError, match=r"survey\.import"):
        run(*arguments)
    assert not ProgressChange.objects.exists()
    assert not ImportBatch.objects.exists()
    assert stage_of("010006", "0-1") == Stage.NOT_STARTED
