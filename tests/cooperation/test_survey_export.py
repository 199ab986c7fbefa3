"""Downloading the survey: pre-filled rows, the workbook's drop-down and text codes, CSV with BOM, scope, audit."""

import codecs
import csv
import datetime
import io
from http import HTTPStatus

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cooperation.fiscal import today
from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update
from offices.models import AuditEvent, Municipality

URL = reverse("cooperation:survey_export")
DAY = today() - datetime.timedelta(days=20)


def csv_rows(response) -> list[list[str]]:
    body = response.content
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode("utf-8"), newline="")))


def sheet_of(response):
    return load_workbook(io.BytesIO(response.content))["調査票"]


def move(lg_code: str, item: str, stage: str, note: str = "") -> None:
    progress = Progress.objects.get(municipality__lg_code=lg_code, item__code=item)
    progress_update(progress=progress, stage=stage, by=None, effective_date=DAY, note=note)


def test_csv_has_the_survey_header(client_for, hq):
    rows = csv_rows(client_for(hq).get(URL, {"municipality": "012033", "format": "csv"}))
    assert rows[0] == ["団体コード", "団体名", "項目", "段階", "日付", "備考"]


def test_csv_has_one_row_per_item_that_applies(client_for, hq):
    rows = csv_rows(client_for(hq).get(URL, {"prefecture": "16", "format": "csv"}))[1:]
    municipalities = Municipality.objects.filter(prefecture__code="16")
    # Each has 9: the 8 items for all, plus 0-1 (prefectural government) or 3-1 (municipalities).
    assert len(rows) == 9 * municipalities.count()
    assert [row[2] for row in rows if row[2] == "0-1"] == ["0-1"]
    assert len([row for row in rows if row[2] == "3-1"]) == municipalities.count() - 1
    assert next(row for row in rows if row[2] == "0-1")[0] == "160008"


def test_csv_rows_sorted_by_code_then_item(client_for, hq):
    rows = csv_rows(client_for(hq).get(URL, {"prefecture": "16", "format": "csv"}))[1:]
    keys = [(row[0], [int(part) for part in row[2].split("-")]) for row in rows]
    assert keys == sorted(keys)


def test_csv_is_prefilled_with_current_stages(client_for, hq):
    move("012033", "2-2", Stage.NOT_FEASIBLE, note="会場がない")
    rows = csv_rows(client_for(hq).get(URL, {"municipality": "012033", "format": "csv"}))
    assert ["012033", "小樽市", "2-2", "当面困難", DAY.isoformat(), "会場がない"] in rows
    assert ["012033", "小樽市", "1-1", "未着手", "", ""] in rows


def test_csv_neutralises_a_formula_in_a_note(client_for, hq):
    move("012033", "2-2", Stage.NOT_FEASIBLE, note='=HYPERLINK("http://example.invalid")')
    rows = csv_rows(client_for(hq).get(URL, {"municipality": "012033", "format": "csv"}))
    assert next(row for row in rows if row[2] == "2-2")[5] == '\'=HYPERLINK("http://example.invalid")'


def test_xlsx_sheet_has_the_survey_header_frozen(client_for, hq):
    sheet = sheet_of(client_for(hq).get(URL, {"office": "hakodate", "format": "xlsx"}))
    assert [cell.value for cell in sheet[1]] == ["団体コード", "団体名", "項目", "段階", "日付", "備考"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["F"].width > sheet.column_dimensions["C"].width


def test_xlsx_code_is_text_with_its_leading_zero(client_for, hq):
    sheet = sheet_of(client_for(hq).get(URL, {"municipality": "012033", "format": "xlsx"}))
    assert sheet["A2"].value == "012033"
    assert sheet["A2"].number_format == "@"


def test_xlsx_stage_column_has_a_drop_down_of_the_japanese_labels(client_for, hq):
    sheet = sheet_of(client_for(hq).get(URL, {"municipality": "012033", "format": "xlsx"}))
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"未着手,検討中,調整中,実施,定着,当面困難"'
    assert "D2" in str(validation.sqref)


def test_xlsx_date_is_a_date_cell(client_for, hq):
    move("012033", "1-1", Stage.CONSIDERING)
    sheet = sheet_of(client_for(hq).get(URL, {"municipality": "012033", "format": "xlsx"}))
    row = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[2] == "1-1")
    assert row[3:5] == ("検討中", datetime.datetime.combine(DAY, datetime.time()))


def test_xlsx_neutralises_a_formula_in_a_note(client_for, hq):
    move("012033", "2-2", Stage.NOT_FEASIBLE, note="=1+1")
    sheet = sheet_of(client_for(hq).get(URL, {"municipality": "012033", "format": "xlsx"}))
    row = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "2-2")
    assert row[5].value == "'=1+1" and row[5].data_type == "s"


def test_xlsx_leaves_out_characters_a_workbook_cannot_hold(client_for, hq):
    move("012033", "2-2", Stage.NOT_FEASIBLE, note="理由\x01あり")
    sheet = sheet_of(client_for(hq).get(URL, {"municipality": "012033", "format": "xlsx"}))
    row = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[2] == "2-2")
    assert row[5] == "理由あり"


def test_xlsx_is_the_default_format(client_for, hq):
    response = client_for(hq).get(URL, {"municipality": "012033"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_file_name_names_the_unit(client_for, hq):
    response = client_for(hq).get(URL, {"office": "sapporo", "format": "csv"})
    assert "%E6%9C%AD%E5%B9%8C" in response["Content-Disposition"]  # 札幌
    assert response["Content-Disposition"].startswith("attachment")


def test_five_digit_code_downloads_the_local_government(client_for, lg_otaru):
    rows = csv_rows(client_for(lg_otaru).get(URL, {"municipality": "01203", "format": "csv"}))
    assert {row[0] for row in rows[1:]} == {"012033"}


def test_export_is_audited(client_for, center_sapporo):
    client_for(center_sapporo).get(URL, {"office": "sapporo", "format": "csv"})
    event = AuditEvent.objects.get(action="export")
    assert event.actor == center_sapporo
    assert event.detail["survey"] == "office" and event.detail["key"] == "sapporo" and event.detail["rows"] > 0


def test_local_government_outside_scope_is_not_found(client_for, center_hakodate):
    response = client_for(center_hakodate).get(URL, {"municipality": "012033", "format": "csv"})
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_prefecture_partly_in_scope_is_not_found(client_for, center_sapporo):
    response = client_for(center_sapporo).get(URL, {"prefecture": "01", "format": "csv"})
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_unknown_unit_is_not_found(client_for, hq):
    assert client_for(hq).get(URL, {"office": "atlantis"}).status_code == HTTPStatus.NOT_FOUND


def test_two_units_at_once_show_the_form_again(client_for, hq):
    response = client_for(hq).get(URL, {"prefecture": "01", "office": "sapporo"})
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].non_field_errors()


def test_form_offers_only_units_wholly_in_scope(client_for, center_sapporo):
    form = client_for(center_sapporo).get(URL).context["form"]
    assert [value for value, _label in form.fields["prefecture"].widget.choices] == [""]
    assert [value for value, _label in form.fields["office"].widget.choices] == ["", "sapporo"]


def test_form_offers_the_prefecture_and_its_centers_to_the_prefecture(client_for, pref_01):
    form = client_for(pref_01).get(URL).context["form"]
    assert [value for value, _label in form.fields["prefecture"].widget.choices] == ["", "01"]
    assert [value for value, _ in form.fields["office"].widget.choices] == [
        "",
        "sapporo",
        "hakodate",
        "asahikawa",
        "kushiro",
    ]


def test_form_prefills_the_own_local_government(client_for, lg_otaru):
    response = client_for(lg_otaru).get(URL)
    assert response.context["form"]["municipality"].value() == "012033"
    assert reverse("cooperation:survey_import") not in response.content.decode()


def test_form_links_importers_to_the_import_page(client_for, center_sapporo):
    assert reverse("cooperation:survey_import") in client_for(center_sapporo).get(URL).content.decode()


def test_form_queries_do_not_grow_with_scope(client_for, hq, lg_otaru, django_assert_max_num_queries):
    for user in (hq, lg_otaru):
        client = client_for(user)
        with django_assert_max_num_queries(11):
            assert client.get(URL).status_code == HTTPStatus.OK


@pytest.mark.parametrize("prefecture", ["01", "16"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_download_queries_do_not_grow_with_rows(client_for, hq, prefecture, file_format, django_assert_max_num_queries):
    client = client_for(hq)
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"prefecture": prefecture, "format": file_format})
    assert response.status_code == HTTPStatus.OK
