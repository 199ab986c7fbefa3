"""Dates and values (issue 11, finding 5): every date a user gives has a floor and a clear message, never a 500."""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cooperation.exports import csv_bytes
from cooperation.forms import ProgressUpdateForm
from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update
from cooperation.survey import HEADER, survey_plan

pytestmark = pytest.mark.usefixtures("master")

ANCIENT = "0001-01-01"


@pytest.mark.parametrize(
    "route",
    ["cooperation:prefecture_report", "cooperation:prefecture_export_xlsx", "cooperation:prefecture_export_csv"],
)
def test_prefecture_report_and_downloads_as_of_the_year_one_do_not_fail(route, client_for, hq):
    client = client_for(hq)
    client.raise_request_exception = False
    response = client.get(reverse(route, kwargs={"code": "01"}), {"as_of": ANCIENT})
    assert response.status_code == HTTPStatus.OK


def test_prefecture_report_says_why_an_ancient_date_is_refused(client_for, hq):
    with translation.override("en"):
        response = client_for(hq).get(
            reverse("cooperation:prefecture_report", kwargs={"code": "01"}),
            {"as_of": ANCIENT},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "too early" in " ".join(response.context["form"].errors["as_of"])


def test_stage_update_before_the_floor_is_refused_by_the_service(settings):
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-1")
    with pytest.raises(ValidationError) as refused:
        progress_update(progress=progress, stage=Stage.CONSIDERING, by=None, effective_date=datetime.date(1, 1, 1))
    assert "2015" in " ".join(refused.value.messages)
    assert Progress.objects.get(pk=progress.pk).stage == Stage.NOT_STARTED


def test_stage_update_on_the_floor_is_accepted(settings):
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-1")
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=None, effective_date=settings.EARLIEST_DATE)
    assert Progress.objects.get(pk=progress.pk).stage_date == settings.EARLIEST_DATE


def test_stage_update_form_refuses_a_date_before_the_floor():
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-1")
    form = ProgressUpdateForm(
        {"version": progress.version, "stage": Stage.CONSIDERING, "effective_date": ANCIENT}, progress=progress
    )
    assert not form.is_valid() and "effective_date" in form.errors


def test_stage_update_page_answers_with_the_message(client_for, center_sapporo):
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-1")
    url = reverse("cooperation:progress_update", kwargs={"lg_code": "012033", "item": "1-1"})
    client = client_for(center_sapporo)
    client.raise_request_exception = False
    response = client.post(url, {"version": progress.version, "stage": Stage.CONSIDERING, "effective_date": ANCIENT})
    assert response.status_code < 500
    assert Progress.objects.get(pk=progress.pk).stage == Stage.NOT_STARTED


def test_survey_row_dated_the_year_one_is_a_problem(hq):
    content = csv_bytes(HEADER, [("012033", "小樽市", "1-1", "検討中", ANCIENT, "")])
    with translation.override("en"):
        plan = survey_plan(content=content, file_name="s.csv", by=hq)
    (problem,) = plan.problems
    assert (problem.row, problem.column) == (2, "日付")
    assert "too early" in problem.message


def test_floor_is_a_setting(settings):
    settings.EARLIEST_DATE = datetime.date(2019, 4, 1)
    content = csv_bytes(HEADER, [("012033", "小樽市", "1-1", "検討中", "2019-03-31", "")])
    plan = survey_plan(content=content, file_name="s.csv", by=None)
    assert [problem.column for problem in plan.problems] == ["日付"]
