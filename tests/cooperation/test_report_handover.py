"""Reports that can be handed on: xlsx with title, conditions, widths, frozen header, autofilter, A4 landscape;
CSV with its plain table and the conditions in the file name; the printed page's header."""

import csv
import io
from http import HTTPStatus

import openpyxl
import pytest
from django.urls import reverse

from cooperation import exports

pytestmark = pytest.mark.usefixtures("master")


def test_prefecture_xlsx_has_title_conditions_and_print_setup(client_for, hq):
    response = client_for(hq).get(reverse("cooperation:prefecture_export_xlsx", args=["01"]), {"kind": "town"})
    assert response.status_code == HTTPStatus.OK
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value.startswith("北海道")
    assert "町" in sheet["A2"].value and "時点" in sheet["A2"].value
    assert sheet["A4"].value == "団体コード"
    assert sheet.freeze_panes == "C5"
    assert sheet.auto_filter.ref.startswith("A4:")
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["B"].width >= 8
    assert sheet["A5"].value.startswith("01")


def test_prefecture_csv_keeps_its_plain_table_and_names_the_conditions(client_for, hq):
    response = client_for(hq).get(
        reverse("cooperation:prefecture_export_csv", args=["01"]), {"kind": "town", "office": "sapporo"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "団体コード"
    assert "office-sapporo" in response["Content-Disposition"] and "kind-town" in response["Content-Disposition"]


def test_condition_suffix_is_safe_for_a_file_name():
    assert exports.condition_file_suffix({"q": "札幌/市 a", "page": ""}) == "_q-札幌-市-a"


def test_printed_report_carries_its_conditions_and_a_print_button(client_for, hq):
    response = client_for(hq).get(reverse("cooperation:prefecture_report", args=["01"]), {"kind": "town"})
    html = response.content.decode()
    assert 'class="print-header"' in html and "印刷日" in html
    assert '<tr class="print-only">' in html
    assert "data-print hidden>印刷</button>" in html
