"""The national survey: ``?scope=all`` downloads every active local government the user may see, in one file.

For headquarters that is the whole country (all 1,788 local governments ×
the items that apply to each): the national xlsx export of issue 7. For
everyone else it is their own scope, the same rule as every list and export
(``Municipality.objects.visible_to``); a user who sees none gets a 404.
"""

import codecs
import csv
import datetime
import io
from http import HTTPStatus

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cooperation.events import EXPORTED
from cooperation.fiscal import today
from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update
from cooperation.survey import HEADER, survey_plan
from offices.models import AuditEvent, Municipality, Role, User

URL = reverse("cooperation:survey_export")
DAY = today() - datetime.timedelta(days=12)

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == HTTPStatus.OK, response.status_code
    body = response.content
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode("utf-8"), newline="")))


def national(client, file_format="csv", **extra):
    return client.get(URL, {"scope": "all", "format": file_format, **extra})


def expected_rows(municipalities) -> int:
    """Rows of the survey: each active local government × each active item that applies to it."""
    return Progress.objects.current().filter(municipality__in=municipalities).count()


def test_headquarters_gets_the_whole_country(client_for, hq):
    rows = csv_rows(national(client_for(hq)))

    active = Municipality.objects.active()
    assert rows[0] == list(HEADER)
    assert {row[0] for row in rows[1:]} == set(active.values_list("lg_code", flat=True))
    assert len(rows) - 1 == expected_rows(active) == Progress.objects.current().count()
    assert len({row[0] for row in rows[1:]}) == active.count() > 1700


def test_rows_are_sorted_by_code_then_item(client_for, hq):
    rows = csv_rows(national(client_for(hq)))[1:]

    keys = [(row[0], [int(part) for part in row[2].split("-")]) for row in rows]
    assert keys == sorted(keys)


def test_rows_hold_the_current_stages(client_for, hq):
    progress = Progress.objects.get(municipality__lg_code="472018", item__code="2-2")  # 那覇市
    progress_update(progress=progress, stage=Stage.ARRANGING, by=None, effective_date=DAY, note="=1+1")

    rows = csv_rows(national(client_for(hq)))

    assert ["472018", "那覇市", "2-2", "調整中", DAY.isoformat(), "'=1+1"] in rows
    assert ["012033", "小樽市", "2-2", "未着手", "", ""] in rows


def test_inactive_local_governments_are_left_out(client_for, hq):
    Municipality.objects.filter(lg_code="012033").update(is_active=False)

    codes = {row[0] for row in csv_rows(national(client_for(hq)))[1:]}

    assert "012033" not in codes
    assert "012025" in codes


@pytest.mark.parametrize(
    "user", ["bureau_hokkaido", "bureau_chugoku_shikoku", "center_sapporo", "viewer_sapporo", "pref_01", "lg_otaru"]
)
def test_everyone_else_gets_exactly_their_scope(client_for, request, user):
    person = request.getfixturevalue(user)

    rows = csv_rows(national(client_for(person)))

    visible = Municipality.objects.active().visible_to(person)
    assert {row[0] for row in rows[1:]} == set(visible.values_list("lg_code", flat=True))
    assert len(rows) - 1 == expected_rows(visible)


def test_a_bureau_sees_its_branch_but_nothing_beyond(client_for, bureau_chugoku_shikoku):
    codes = {row[0] for row in csv_rows(national(client_for(bureau_chugoku_shikoku)))[1:]}

    prefectures = {code[:2] for code in codes}
    assert {"31", "35", "37", "39"} <= prefectures  # 鳥取, 山口, and 四国 through its branch
    assert not prefectures & {"01", "13", "47"}


def test_a_center_does_not_get_its_neighbours(client_for, center_sapporo):
    codes = {row[0] for row in csv_rows(national(client_for(center_sapporo)))[1:]}

    assert "012033" in codes  # 小樽市, served by 札幌
    assert "012025" not in codes  # 函館市, served by 函館


def test_the_workbook_holds_the_same_rows_as_the_csv(client_for, bureau_hokkaido):
    client = client_for(bureau_hokkaido)
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-1")
    progress_update(progress=progress, stage=Stage.DONE, by=None, effective_date=DAY, note="説明会")

    response = national(client, "xlsx")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content))["調査票"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].number_format == "@"
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"未着手,検討中,調整中,実施,定着,当面困難"'
    cells = [
        [
            "" if cell is None else cell.date().isoformat() if isinstance(cell, datetime.datetime) else cell
            for cell in row
        ]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == csv_rows(national(client))


def test_the_national_file_imports_back_as_no_change(client_for, hq):
    content = national(client_for(hq), "xlsx").content

    plan = survey_plan(content=content, file_name="全国.xlsx", by=hq)

    assert plan.ok, plan.problems[:3]
    assert plan.changes == []
    assert plan.unchanged_count == Progress.objects.current().count()


def test_xlsx_is_the_default_format(client_for, lg_otaru):
    response = client_for(lg_otaru).get(URL, {"scope": "all"})

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_file_name_says_national_for_headquarters_and_scope_for_others(client_for, hq, center_hakodate):
    national_name = national(client_for(hq))["Content-Disposition"]
    scope_name = national(client_for(center_hakodate))["Content-Disposition"]

    assert "%E5%85%A8%E5%9B%BD" in national_name  # 全国
    assert "%E6%8B%85%E5%BD%93%E7%AF%84%E5%9B%B2" in scope_name  # 担当範囲


def test_download_is_audited_with_its_size(client_for, center_hakodate):
    national(client_for(center_hakodate), "xlsx")

    event = AuditEvent.objects.get(action=EXPORTED)
    visible = Municipality.objects.active().visible_to(center_hakodate)
    assert event.actor == center_hakodate
    assert event.target == "survey scope=all"
    assert event.detail == {
        "survey": "scope",
        "key": "all",
        "format": "xlsx",
        "rows": expected_rows(visible),
        "municipalities": visible.count(),
    }


def test_a_user_who_sees_nothing_gets_not_found(client_for, master):
    nobody = User.objects.create_user(username="no-role", password="pass-for-tests-123")

    response = national(client_for(nobody))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not AuditEvent.objects.filter(action=EXPORTED).exists()


def test_an_officer_of_a_retired_local_government_gets_not_found(client_for, master):
    officer = User.objects.create_user(username="retired", password="pass-for-tests-123")
    Role.objects.create(user=officer, kind="municipality", municipality=Municipality.objects.get(lg_code="012033"))
    Municipality.objects.filter(lg_code="012033").update(is_active=False)

    assert national(client_for(officer)).status_code == HTTPStatus.NOT_FOUND


def test_anonymous_visitor_goes_to_sign_in(client, master):
    response = client.get(URL, {"scope": "all"})

    assert response.status_code == HTTPStatus.FOUND
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    "query",
    [
        {"scope": "all", "prefecture": "01"},
        {"scope": "all", "municipality": "012033"},
        {"scope": "everything"},
        {"scope": ""},
        {"scope": "all", "format": "pdf"},
    ],
)
def test_an_unclear_request_shows_the_form_again(client_for, hq, query):
    response = client_for(hq).get(URL, query)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/html")
    errors = response.context["form"].non_field_errors()
    assert errors and len(errors) == len(set(errors))
    assert not AuditEvent.objects.filter(action=EXPORTED).exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_queries_do_not_grow_with_the_scope(client_for, hq, lg_otaru, file_format, django_assert_max_num_queries):
    def download(user):
        client = client_for(user)
        client.get(URL)  # the session and the user's roles are read once per request either way
        with django_assert_max_num_queries(10) as captured:
            assert national(client, file_format).status_code == HTTPStatus.OK
        return len(captured.captured_queries)

    assert download(hq) == download(lg_otaru)
