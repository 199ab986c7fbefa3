"""The import page: upload, preview, apply; who may import; the import batch page."""

import datetime
import io
import re
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cooperation.exports import csv_bytes
from cooperation.fiscal import today
from cooperation.models import ImportBatch, Progress, ProgressChange, Stage
from cooperation.progress.services import progress_update
from cooperation.survey import HEADER, survey_apply, survey_rows
from offices.models import Municipality

URL = reverse("cooperation:survey_import")
DAY = today() - datetime.timedelta(days=30)
OTARU = ("012033", "小樽市", "1-2", "検討中", DAY.isoformat(), "")
HAKODATE = ("012025", "函館市", "1-2", "調整中", DAY.isoformat(), "")


def upload(client, *rows, name="survey.csv", content=None):
    content = csv_bytes(HEADER, rows) if content is None else content
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def confirm(client, preview):
    form = preview.context["apply_form"]
    return client.post(URL, {"apply": "1", "token": form.initial["token"], "fingerprint": form.initial["fingerprint"]})


def stage_of(lg_code: str, item: str) -> str:
    return Progress.objects.get(municipality__lg_code=lg_code, item__code=item).stage


def test_page_shows_the_upload_form(client_for, center_sapporo):
    response = client_for(center_sapporo).get(URL)
    assert response.status_code == HTTPStatus.OK
    assert 'type="file"' in response.content.decode()


@pytest.mark.parametrize("role", ["viewer_hq", "viewer_sapporo", "pref_01", "lg_otaru"])
def test_page_forbidden_to_read_only_and_local_officers(client_for, role, request):
    client = client_for(request.getfixturevalue(role))
    assert client.get(URL).status_code == HTTPStatus.FORBIDDEN
    assert upload(client, OTARU).status_code == HTTPStatus.FORBIDDEN
    assert stage_of("012033", "1-2") == Stage.NOT_STARTED


def test_preview_lists_the_change_and_writes_nothing(client_for, center_sapporo):
    response = upload(client_for(center_sapporo), OTARU)
    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert reverse("cooperation:municipality_detail", kwargs={"lg_code": "012033"}) in page
    assert "stage-not_started" in page and "stage-considering" in page
    assert f"{DAY.year}年{DAY.month}月{DAY.day}日" in page
    assert stage_of("012033", "1-2") == Stage.NOT_STARTED
    assert not ImportBatch.objects.exists()


def test_apply_writes_and_goes_to_the_batch(client_for, center_sapporo):
    client = client_for(center_sapporo)
    response = confirm(client, upload(client, OTARU))
    batch = ImportBatch.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == batch.get_absolute_url()
    assert stage_of("012033", "1-2") == Stage.CONSIDERING
    assert batch.created_by == center_sapporo


def test_apply_removes_the_kept_file(client_for, center_sapporo, settings):
    client = client_for(center_sapporo)
    confirm(client, upload(client, OTARU))
    assert not any(path.is_file() for path in (settings.PRIVATE_MEDIA_ROOT / "survey_uploads").rglob("*"))


def test_same_file_again_shows_no_changes_and_no_apply_button(client_for, center_sapporo):
    client = client_for(center_sapporo)
    confirm(client, upload(client, OTARU))
    response = upload(client, OTARU)
    assert response.context["apply_form"] is None
    assert response.context["plan"].unchanged_count == 1
    assert "survey-nothing" in response.content.decode()
    assert ImportBatch.objects.count() == 1


def test_row_outside_scope_shows_its_error_and_writes_nothing(client_for, center_hakodate):
    client = client_for(center_hakodate)
    response = upload(client, HAKODATE, OTARU)
    page = response.content.decode()
    assert response.context["apply_form"] is None
    assert re.search(r'class="problem-row">3<.*?class="problem-column">団体コード<.*?012033', page, re.S)
    assert stage_of("012025", "1-2") == Stage.NOT_STARTED
    assert stage_of("012033", "1-2") == Stage.NOT_STARTED


def test_apply_of_an_unknown_upload_writes_nothing(client_for, center_sapporo):
    response = client_for(center_sapporo).post(URL, {"apply": "1", "token": "0" * 64, "fingerprint": "0" * 64})
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == URL
    assert not ProgressChange.objects.exists()


def test_apply_of_another_users_upload_writes_nothing(client_for, center_sapporo, hq):
    preview = upload(client_for(hq), OTARU)
    response = confirm(client_for(center_sapporo), preview)
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == URL
    assert not ProgressChange.objects.exists()


def test_apply_after_someone_changed_a_stage_shows_the_preview_again(client_for, center_sapporo, otaru):
    client = client_for(center_sapporo)
    preview = upload(client, OTARU)
    progress = Progress.objects.get(municipality=otaru, item__code="1-2")
    progress_update(progress=progress, stage=Stage.ARRANGING, by=None, effective_date=DAY)
    response = confirm(client, preview)
    assert response.status_code == HTTPStatus.OK and response.context["stale"]
    assert response.context["plan"].changes[0].from_stage == Stage.ARRANGING
    assert stage_of("012033", "1-2") == Stage.ARRANGING
    assert not ImportBatch.objects.exists()


def test_file_over_the_limit_is_refused_before_reading(client_for, center_sapporo, settings):
    settings.SURVEY_MAX_BYTES = 50
    response = upload(client_for(center_sapporo), OTARU)
    assert response.context["form"].errors["file"]
    assert "plan" not in response.context
    assert not ProgressChange.objects.exists()


def test_preview_of_a_workbook_whose_only_sheet_has_another_name_reads_it(client_for, center_sapporo):
    """A CSV opened and saved as a workbook gets a sheet named after the file (issue 11)."""
    workbook = Workbook()
    workbook.active.title = "調査票_小樽市_20261201"
    workbook.active.append(list(HEADER))
    workbook.active.append(list(OTARU))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client_for(center_sapporo).post(URL, {"file": SimpleUploadedFile("survey.xlsx", buffer.getvalue())})
    plan = response.context["plan"]
    assert plan.problems == []
    assert [change.lg_code for change in plan.changes] == ["012033"]


def test_recent_imports_listed_on_the_page(client_for, center_sapporo):
    client = client_for(center_sapporo)
    confirm(client, upload(client, OTARU, name="小樽の調査票.csv"))
    assert "小樽の調査票.csv" in client.get(URL).content.decode()


@pytest.mark.parametrize("prefecture", ["01", "16"])
def test_preview_queries_do_not_grow_with_rows(client_for, hq, prefecture, django_assert_max_num_queries):
    rows = survey_rows(Municipality.objects.filter(prefecture__code=prefecture))
    content = csv_bytes(HEADER, [(code, name, item, "検討中", "", note) for code, name, item, *_rest, note in rows])
    client = client_for(hq)
    with django_assert_max_num_queries(13):
        response = upload(client, content=content)
    assert len(response.context["plan"].changes) == len(rows)


def test_batch_page_lists_changes_with_links(client_for, center_sapporo):
    batch = survey_apply(content=csv_bytes(HEADER, [OTARU]), file_name="s.csv", by=center_sapporo).batch
    page = client_for(center_sapporo).get(batch.get_absolute_url()).content.decode()
    assert reverse("cooperation:municipality_detail", kwargs={"lg_code": "012033"}) in page
    assert "stage-considering" in page and batch.sha256 in page


def test_batch_page_shows_only_changes_in_scope(client_for, hq, center_hakodate):
    batch = survey_apply(content=csv_bytes(HEADER, [OTARU, HAKODATE]), file_name="s.csv", by=hq).batch
    response = client_for(center_hakodate).get(batch.get_absolute_url())
    assert [change.progress.municipality.lg_code for change in response.context["page"]] == ["012025"]
    assert "012033" not in response.content.decode()


@pytest.mark.parametrize("prefecture", ["01", "16"])
def test_batch_page_queries_do_not_grow_with_rows(client_for, hq, prefecture, django_assert_max_num_queries):
    rows = survey_rows(Municipality.objects.filter(prefecture__code=prefecture))
    content = csv_bytes(HEADER, [(code, name, item, "検討中", "", note) for code, name, item, *_rest, note in rows])
    batch = survey_apply(content=content, file_name="s.csv", by=None).batch
    client = client_for(hq)
    with django_assert_max_num_queries(9):
        response = client.get(batch.get_absolute_url())
    assert len(response.context["page"]) == min(200, len(rows))
