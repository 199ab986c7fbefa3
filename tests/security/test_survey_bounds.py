"""Survey imports are bounded (issue 11, finding 1): hostile files are refused early, fast, in little memory."""

import io
import threading
import time
import tracemalloc
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from bench.survey_bomb import bomb_xlsx, rows_csv
from cooperation.exports import csv_bytes
from cooperation.survey import HEADER, survey_plan


@pytest.fixture(scope="module")
def bomb():
    """About 500 KB that unpack to about 200 MB: 6.4 million one-cell rows."""
    return bomb_xlsx()


def plan_measured(content: bytes, name: str):
    """The plan, its CPU seconds (not wall time: the test machine is shared) and its peak traced memory in MB."""
    tracemalloc.start()
    start = time.process_time()
    try:
        plan = survey_plan(content=content, file_name=name, by=None)
        seconds = time.process_time() - start
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return plan, seconds, peak / (1024 * 1024)


def test_zip_bomb_is_refused_within_a_second_in_little_memory(bomb, db):
    assert len(bomb) < 600_000
    plan, seconds, peak_mb = plan_measured(bomb, "bomb.xlsx")
    (problem,) = plan.problems
    assert "MB" in problem.message and problem.row is None
    assert seconds < 1
    assert peak_mb < 20


def test_workbook_under_the_size_cap_is_refused_at_the_row_limit(settings, db):
    settings.SURVEY_MAX_ROWS = 100
    workbook = Workbook()
    workbook.active.title = "調査票"
    workbook.active.append(list(HEADER))
    for _ in range(1_000):
        workbook.active.append(["012033", "小樽市", "1-1", "未着手", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = survey_plan(content=buffer.getvalue(), file_name="s.xlsx", by=None)
    (problem,) = plan.problems
    assert "100" in problem.message and "16,139" in problem.message


def test_millions_of_csv_rows_are_refused_at_the_row_limit_in_seconds(db):
    content = rows_csv()
    assert len(content) > 5_000_000
    plan, seconds, peak_mb = plan_measured(content, "rows.csv")
    assert plan.problem_count == 1
    assert "20,000" in plan.problems[0].message
    assert seconds < 2
    assert peak_mb < 60


def test_blank_rows_count_towards_the_row_limit(settings, db):
    settings.SURVEY_MAX_ROWS = 10
    content = csv_bytes(HEADER, [("012033", "小樽市", "1-1", "未着手", "", "")]) + b",,,,,\r\n" * 50
    plan = survey_plan(content=content, file_name="s.csv", by=None)
    assert plan.problem_count == 1 and "10" in plan.problems[0].message


def test_only_the_first_problems_are_listed_and_the_rest_counted(settings, master):
    settings.SURVEY_MAX_PROBLEMS = 25
    content = csv_bytes(HEADER, [("999999", "", "9-9", "x", "", "")] * 300)
    plan = survey_plan(content=content, file_name="s.csv", by=None)
    assert len(plan.problems) == 25
    assert plan.problem_count > 300
    assert plan.unlisted_problems == plan.problem_count - 25
    assert not plan.ok


def test_preview_page_says_how_many_problems_are_not_listed(settings, client_for, center_sapporo):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    settings.SURVEY_MAX_PROBLEMS = 5
    content = csv_bytes(HEADER, [("999999", "", "9-9", "x", "", "")] * 10)
    with translation.override("en"):
        response = client_for(center_sapporo).post(
            reverse("cooperation:survey_import"),
            {"file": SimpleUploadedFile("s.csv", content)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    page = response.content.decode()
    assert response.context["plan"].problem_count == 30
    assert page.count('class="problem"') == 5
    assert "25 more problems not listed" in page


def test_site_keeps_answering_while_three_bombs_are_refused(bomb, db):
    """Three hostile uploads at once (the review's scenario) while another client opens the sign-in page."""
    csv_bomb = rows_csv()
    done = []

    def upload(content, name):
        survey_plan(content=content, file_name=name, by=None)
        done.append(name)

    threads = [
        threading.Thread(target=upload, args=(content, name))
        for content, name in [(bomb, "a.xlsx"), (csv_bomb, "b.csv"), (bomb, "c.xlsx")]
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    client = Client()
    slowest = 0.0
    while any(thread.is_alive() for thread in threads) or slowest == 0.0:
        before = time.perf_counter()
        assert client.get(reverse("login")).status_code == HTTPStatus.OK
        slowest = max(slowest, time.perf_counter() - before)
    for thread in threads:
        thread.join()
    assert sorted(done) == ["a.xlsx", "b.csv", "c.xlsx"]
    # Generous bounds for a shared machine: before the limits one bomb alone took 106 s of CPU.
    assert time.perf_counter() - start < 20
    assert slowest < 5


# --- kept previews ---------------------------------------------------------------------------------------------------


def _kept_files(settings, user):
    folder = settings.PRIVATE_MEDIA_ROOT / "survey_uploads" / str(user.pk)
    return sorted(folder.iterdir()) if folder.exists() else []


def _preview(client, lg_code_row):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = csv_bytes(HEADER, [lg_code_row])
    return client.post(reverse("cooperation:survey_import"), {"file": SimpleUploadedFile("s.csv", content)})


def test_kept_previews_are_capped_per_user(settings, client_for, center_sapporo):
    import datetime

    from cooperation.fiscal import today

    settings.SURVEY_KEPT_UPLOADS_PER_USER = 3
    client = client_for(center_sapporo)
    day = today() - datetime.timedelta(days=3)
    for item in ["1-1", "1-2", "2-1", "2-2", "2-3"]:
        response = _preview(client, ("012033", "小樽市", item, "検討中", day.isoformat(), ""))
        assert response.context["apply_form"] is not None
    assert len(_kept_files(settings, center_sapporo)) == 3


def test_prune_command_removes_previews_older_than_the_setting(settings, client_for, center_sapporo, hq):
    import datetime
    import os

    from cooperation.fiscal import today

    day = (today() - datetime.timedelta(days=3)).isoformat()
    _preview(client_for(center_sapporo), ("012033", "小樽市", "1-1", "検討中", day, ""))
    _preview(client_for(hq), ("012033", "小樽市", "1-2", "検討中", day, ""))
    (old,) = _kept_files(settings, center_sapporo)
    stamp = time.time() - (settings.SURVEY_KEPT_UPLOAD_HOURS + 1) * 3600
    os.utime(old, (stamp, stamp))
    call_command("prune_survey_uploads", stdout=io.StringIO())
    assert _kept_files(settings, center_sapporo) == []
    assert len(_kept_files(settings, hq)) == 1
