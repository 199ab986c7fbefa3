"""The prefecture report at /prefectures/<code>/ and its xlsx and csv downloads."""

import csv
import datetime
import io
import re
from http import HTTPStatus

import openpyxl
import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from cooperation import exports, fiscal
from cooperation.models import Progress, RequestItem, Stage
from cooperation.progress.services import progress_update
from cooperation.reporting import rollups as reports
from cooperation.reporting.prefecture import municipality_url_maker
from offices.models import AuditEvent, Municipality

pytestmark = pytest.mark.usefixtures("master")

ROW = re.compile(r'<tr data-lg-code="(\d{6})"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="(cell[^"]*)" data-item="([^"]+)"(?: data-stage="([a-z_]+)")?>')


def url(code="01", name="prefecture_report"):
    return reverse(f"cooperation:{name}", kwargs={"code": code})


def set_stage(municipality, code, stage, on=None):
    progress = Progress.objects.get(municipality=municipality, item__code=code)
    progress_update(progress=progress, stage=stage, by=None, effective_date=on)


def matrix(response):
    """{lg_code: {item code: stage, or None where the item does not apply}} as the page shows it."""
    html = response.content.decode()
    return {code: {item: stage or None for _c, item, stage in CELL.findall(body)} for code, body in ROW.findall(html)}


def changed_cells(response):
    html = response.content.decode()
    return {
        (code, item)
        for code, body in ROW.findall(html)
        for classes, item, _s in CELL.findall(body)
        if "cell-changed" in classes
    }


def summary_cell(response, item, stage):
    row = re.search(rf'<tr data-item="{item}">(.*?)</tr>', response.content.decode(), re.S).group(1)
    match = re.search(rf'data-stage="{stage}">(\d+)(?:<span class="pct"> \(([\d.]+)%\)</span>)?</td>', row)
    return int(match.group(1)), match.group(2)


def summary_value(response, item, name):
    row = re.search(rf'<tr data-item="{item}">(.*?)</tr>', response.content.decode(), re.S).group(1)
    return re.search(rf"{name}>([+-]?\d+)", row).group(1)


@pytest.fixture
def toyama():
    return list(Municipality.objects.filter(prefecture__code="16").order_by("lg_code"))


@pytest.fixture
def last_year_end():
    return reports.previous_fiscal_year_end(fiscal.today())


def test_rows_are_the_local_governments_with_the_prefectural_government_first(hq, client_for):
    response = client_for(hq).get(url("16"))

    assert response.status_code == HTTPStatus.OK
    codes = list(matrix(response))
    assert codes[0] == "160008"
    assert codes == [
        "160008",
        *Municipality.objects.filter(prefecture__code="16")
        .exclude(kind="prefecture")
        .order_by("lg_code")
        .values_list("lg_code", flat=True),
    ]


def test_columns_are_the_active_items(hq, client_for):
    RequestItem.objects.filter(code="3-2").update(is_active=False)

    response = client_for(hq).get(url("16"))

    expected = list(RequestItem.objects.active().values_list("code", flat=True))
    assert list(matrix(response)["160008"]) == expected


def test_cells_show_the_stage_and_items_that_do_not_apply_are_blank(hq, client_for, toyama):
    set_stage(toyama[1], "1-1", Stage.DONE)

    response = client_for(hq).get(url("16"))

    shown = matrix(response)
    assert shown[toyama[1].lg_code]["1-1"] == "done"
    assert shown[toyama[1].lg_code]["0-1"] is None
    assert shown["160008"]["0-1"] == "not_started"
    assert 'class="badge stage-done"' in response.content.decode()


def test_rows_link_to_the_local_government_page(hq, client_for, toyama):
    response = client_for(hq).get(url("16"))

    assert f'href="{toyama[3].get_absolute_url()}"' in response.content.decode()


def test_per_item_counts_and_percentages(hq, client_for, toyama):
    for municipality in toyama[:4]:
        set_stage(municipality, "1-1", Stage.DONE)
    set_stage(toyama[4], "1-1", Stage.CONSIDERING)

    response = client_for(hq).get(url("16"))

    assert summary_cell(response, "1-1", "done") == (4, "25.0")
    assert summary_cell(response, "1-1", "considering") == (1, "6.3")
    assert summary_cell(response, "1-1", "not_started") == (11, "68.8")
    assert summary_value(response, "1-1", "data-total") == "16"


def test_center_filter_keeps_its_local_governments(hq, client_for):
    response = client_for(hq).get(url("01"), {"office": "hakodate"})

    expected = set(Municipality.objects.filter(office__code="hakodate").values_list("lg_code", flat=True))
    assert set(matrix(response)) == expected


def test_kind_filter_keeps_that_kind(hq, client_for):
    response = client_for(hq).get(url("16"), {"kind": "village"})

    assert set(matrix(response)) == {"163210"}


def test_stage_filter_keeps_rows_with_that_stage(hq, client_for, toyama):
    set_stage(toyama[2], "2-2", Stage.ARRANGING)
    set_stage(toyama[6], "3-1", Stage.ARRANGING)

    response = client_for(hq).get(url("16"), {"stage": "arranging"})

    assert set(matrix(response)) == {toyama[2].lg_code, toyama[6].lg_code}


def test_item_filter_keeps_one_column(hq, client_for, toyama):
    set_stage(toyama[2], "2-2", Stage.ARRANGING)
    set_stage(toyama[6], "3-1", Stage.ARRANGING)

    response = client_for(hq).get(url("16"), {"stage": "arranging", "item": "2-2"})

    assert matrix(response) == {toyama[2].lg_code: {"2-2": "arranging"}}


def test_as_of_ignores_later_changes(hq, client_for, toyama, last_year_end):
    set_stage(toyama[1], "1-1", Stage.CONSIDERING, last_year_end - datetime.timedelta(days=3))
    set_stage(toyama[1], "1-1", Stage.DONE, last_year_end + datetime.timedelta(days=1))

    response = client_for(hq).get(url("16"), {"as_of": last_year_end.isoformat()})

    assert matrix(response)[toyama[1].lg_code]["1-1"] == "considering"
    assert summary_cell(response, "1-1", "done")[0] == 0


def test_as_of_in_the_future_is_refused_and_today_shown(hq, client_for):
    tomorrow = fiscal.today() + datetime.timedelta(days=1)

    response = client_for(hq).get(url("16"), {"as_of": tomorrow.isoformat()})

    assert response.status_code == HTTPStatus.OK
    assert "as_of" in response.context["form"].errors
    assert response.context["matrix"].as_of == fiscal.today()


def test_a_wrong_as_of_keeps_the_other_filters(hq, client_for):
    response = client_for(hq).get(url("16"), {"as_of": "2026-02-30", "kind": "village"})

    assert "as_of" in response.context["form"].errors
    assert set(matrix(response)) == {"163210"}


def test_as_of_shortcuts_offer_the_ends_of_recent_fiscal_years_keeping_filters(hq, client_for, last_year_end):
    response = client_for(hq).get(url("16"), {"kind": "town"})

    queries = [query for _label, _day, query in response.context["as_of_shortcuts"]]
    assert queries[0] == "kind=town"
    assert queries[1] == f"kind=town&as_of={last_year_end.isoformat()}"
    assert f'href="?kind=town&amp;as_of={last_year_end.isoformat()}"' in response.content.decode()


def test_changes_since_the_previous_fiscal_year_end_are_marked(hq, client_for, toyama, last_year_end):
    set_stage(toyama[1], "1-1", Stage.DONE, last_year_end - datetime.timedelta(days=3))
    set_stage(toyama[2], "1-1", Stage.DONE, last_year_end - datetime.timedelta(days=3))
    set_stage(toyama[2], "1-1", Stage.ESTABLISHED, last_year_end + datetime.timedelta(days=1))
    set_stage(toyama[3], "1-1", Stage.DONE, last_year_end + datetime.timedelta(days=2))

    response = client_for(hq).get(url("16"))

    assert changed_cells(response) == {(toyama[2].lg_code, "1-1"), (toyama[3].lg_code, "1-1")}
    assert summary_value(response, "1-1", "data-adopted-baseline") == "2"
    assert summary_value(response, "1-1", "data-adopted-change") == "+1"


def test_center_hakodate_sees_only_its_jurisdiction(center_hakodate, client_for):
    response = client_for(center_hakodate).get(url("01"))

    rows = set(matrix(response))
    assert rows == set(Municipality.objects.filter(office__code="hakodate").values_list("lg_code", flat=True))
    assert len(rows) >= 37
    assert "012033" not in rows


def test_center_choices_are_narrowed_to_the_scope(center_hakodate, client_for):
    response = client_for(center_hakodate).get(url("01"))

    assert [code for code, _label in response.context["form"].fields["office"].choices] == ["", "hakodate"]


def test_local_government_officer_sees_only_itself(lg_otaru, client_for):
    response = client_for(lg_otaru).get(url("01"))

    assert set(matrix(response)) == {"012033"}


def test_prefecture_officer_sees_the_whole_prefecture(pref_01, client_for):
    response = client_for(pref_01).get(url("01"))

    assert len(matrix(response)) == Municipality.objects.filter(prefecture__code="01", is_active=True).count()


def _xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _table(sheet) -> list[tuple]:
    """The sheet's table: header and rows, below the title and conditions."""
    return list(sheet.iter_rows(min_row=exports.HEADING_ROWS + 1, values_only=True))


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_xlsx_holds_exactly_the_rows_and_columns_on_screen(center_hakodate, client_for, hakodate_city):
    set_stage(hakodate_city, "2-3", Stage.DONE)
    client = client_for(center_hakodate)
    query = {"kind": "city", "item": "2-3"}

    screen = matrix(client.get(url("01"), query))
    response = client.get(url("01", "prefecture_export_xlsx"), query)

    assert response.status_code == HTTPStatus.OK
    sheet = _xlsx(response).worksheets[0]
    header, *rows = _table(sheet)
    assert [title.split()[0] for title in header[4:]] == ["2-3"]
    assert [row[0] for row in rows] == list(screen)
    with translation.override("ja"):
        done = str(Stage.DONE.label)
    assert [row[4] for row in rows if row[0] == "012025"] == [done]


def test_xlsx_counts_sheet_matches_the_screen(hq, client_for, toyama):
    for municipality in toyama[:4]:
        set_stage(municipality, "1-1", Stage.DONE)

    response = client_for(hq).get(url("16", "prefecture_export_xlsx"))

    counts = _xlsx(response).worksheets[1]
    header, *rows = _table(counts)
    [row] = [row for row in rows if row[0].startswith("1-1 ")]
    done_column = 1 + Stage.values.index(Stage.DONE)
    assert (row[done_column], row[len(Stage.values) + 1], row[len(Stage.values) + 3]) == (4, 16, 25.0)


def test_xlsx_uses_the_as_of_date(hq, client_for, toyama, last_year_end):
    set_stage(toyama[1], "1-1", Stage.DONE, last_year_end + datetime.timedelta(days=1))

    response = client_for(hq).get(url("16", "prefecture_export_xlsx"), {"as_of": last_year_end.isoformat()})

    sheet = _xlsx(response).worksheets[0]
    with translation.override("ja"):
        not_started = str(Stage.NOT_STARTED.label)
    [row] = [row for row in sheet.values if row[0] == toyama[1].lg_code]
    assert row[4 + 1] == not_started
    assert last_year_end.isoformat() in response["Content-Disposition"]


def test_csv_starts_with_the_bom_and_holds_the_rows_on_screen(lg_otaru, client_for):
    client = client_for(lg_otaru)

    screen = matrix(client.get(url("01")))
    response = client.get(url("01", "prefecture_export_csv"))

    assert response.content.startswith(b"\xef\xbb\xbf")
    header, *rows = _csv(response)
    assert [row[0] for row in rows] == list(screen) == ["012033"]
    assert [title.split()[0] for title in header[4:]] == list(screen["012033"])


def test_csv_applies_the_filters(hq, client_for):
    client = client_for(hq)
    query = {"office": "hakodate", "kind": "town"}

    screen = matrix(client.get(url("01"), query))
    header, *rows = _csv(client.get(url("01", "prefecture_export_csv"), query))

    assert [row[0] for row in rows] == list(screen)
    assert len(rows) > 10


def test_each_export_is_audited_with_its_filters(center_hakodate, client_for):
    client_for(center_hakodate).get(url("01", "prefecture_export_csv"), {"kind": "town", "as_of": "2026-03-31"})

    event = AuditEvent.objects.get(action="export")
    assert event.actor == center_hakodate
    assert event.detail["format"] == "csv"
    assert event.detail["prefecture"] == "01"
    assert event.detail["as_of"] == "2026-03-31"
    assert event.detail["filters"] == {"kind": "town"}


def test_export_out_of_scope_is_not_found_and_not_audited(center_hakodate, client_for):
    response = client_for(center_hakodate).get(url("02", "prefecture_export_xlsx"))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not AuditEvent.objects.filter(action="export").exists()


def test_page_links_to_the_downloads_with_the_same_filters(hq, client_for):
    response = client_for(hq).get(url("16"), {"kind": "town", "stage": "done"})

    html = response.content.decode()
    assert f'href="{url("16", "prefecture_export_xlsx")}?kind=town&amp;stage=done"' in html
    assert f'href="{url("16", "prefecture_export_csv")}?kind=town&amp;stage=done"' in html


def _populate(prefecture_code):
    municipalities = list(Municipality.objects.filter(prefecture__code=prefecture_code).order_by("lg_code")[:40])
    last_end = reports.previous_fiscal_year_end(fiscal.today())
    for index, municipality in enumerate(municipalities):
        set_stage(municipality, "1-1", Stage.CONSIDERING, last_end)
        set_stage(municipality, "2-1", Stage.DONE if index % 2 else Stage.ARRANGING)


# Session, user and roles (3), the session saved on every request (3), the report's own 5 queries,
# the audit record of a download (1), and one to spare.
MAX_QUERIES = 15


def _queries(client, django_assert_max_num_queries, path, **query):
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        response = client.get(path, query)
    assert response.status_code == HTTPStatus.OK
    return len(captured)


def test_query_count_is_the_same_for_toyama_and_hokkaido(hq, client_for, django_assert_max_num_queries, settings):
    settings.ROLLUP_CACHE = False  # the computation itself, not the cache in front of it (issue 18)
    _populate("01")
    _populate("16")
    client = client_for(hq)

    hokkaido = _queries(client, django_assert_max_num_queries, url("01"))
    toyama = _queries(client, django_assert_max_num_queries, url("16"))

    assert hokkaido == toyama


def test_query_count_is_the_same_as_of_a_past_day_and_today(hq, client_for, django_assert_max_num_queries, settings):
    settings.ROLLUP_CACHE = False  # the computation itself, not the cache in front of it (issue 18)
    _populate("01")
    client = client_for(hq)
    past = reports.previous_fiscal_year_end(fiscal.today()).isoformat()

    today = _queries(client, django_assert_max_num_queries, url("01"))
    then = _queries(client, django_assert_max_num_queries, url("01"), as_of=past, office="sapporo", stage="done")

    assert today == then


@pytest.mark.parametrize("name", ["prefecture_export_xlsx", "prefecture_export_csv"])
def test_export_query_count_is_the_same_for_toyama_and_hokkaido(name, hq, client_for, django_assert_max_num_queries):
    _populate("01")
    client = client_for(hq)

    hokkaido = _queries(client, django_assert_max_num_queries, url("01", name))
    toyama = _queries(client, django_assert_max_num_queries, url("16", name))

    assert hokkaido == toyama


# The matrix body as the page rendered it cell by cell before the rows were built in Python
# (cooperation.reporting.prefecture.matrix_rows_html): the rows must stay exactly this markup.
CELL_BY_CELL_ROWS = Template(
    "{% load i18n cooperation_tags %}{% spaceless %}\n"
    "{% for row in matrix.rows %}\n"
    '  <tr data-lg-code="{{ row.lg_code }}"{% if row.kind == "prefecture" %} class="row-prefecture"{% endif %}>\n'
    "    <td>{{ row.lg_code }}</td>\n"
    '    <th scope="row"><a href="{% url \'cooperation:municipality_detail\' row.lg_code %}">'
    "{{ row.name }}</a></th>\n"
    "    <td>{{ row.kind_label }}</td>\n"
    "    <td>{{ row.office }}</td>\n"
    "    {% for cell in row.cells %}\n"
    '      {% if cell.applies %}<td class="cell{% if cell.changed %} cell-changed{% endif %}"'
    ' data-item="{{ cell.item_code }}" data-stage="{{ cell.stage }}">{% stage_badge cell.stage %}'
    '{% if cell.changed %} <span class="was">'
    "{% blocktranslate trimmed with stage=cell.baseline_label %}was {{ stage }}{% endblocktranslate %}"
    "</span>{% endif %}</td>\n"
    '      {% else %}<td class="cell cell-na" data-item="{{ cell.item_code }}"><span aria-hidden="true">–</span>'
    '<span class="visually-hidden">{% translate "not applicable" %}</span></td>\n'
    "      {% endif %}\n"
    "    {% endfor %}\n"
    "  </tr>\n"
    "{% endfor %}\n"
    "{% endspaceless %}"
)


def _changed_toyama(toyama, last_year_end):
    set_stage(toyama[1], "1-1", Stage.DONE, last_year_end - datetime.timedelta(days=3))
    set_stage(toyama[1], "1-1", Stage.ESTABLISHED, last_year_end + datetime.timedelta(days=1))
    set_stage(toyama[2], "2-1", Stage.ARRANGING)
    set_stage(toyama[0], "0-1", Stage.CONSIDERING, last_year_end + datetime.timedelta(days=1))
    set_stage(toyama[0], "2-1", Stage.DONE, last_year_end - datetime.timedelta(days=1))


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("as_of", [None, "last_year_end"])
def test_matrix_rows_are_the_markup_of_the_cell_by_cell_template(
    language, as_of, hq, client_for, toyama, last_year_end
):
    _changed_toyama(toyama, last_year_end)
    Municipality.objects.filter(pk=toyama[3].pk).update(name='A&B <"市">')
    query = {"as_of": last_year_end.isoformat()} if as_of else {}

    response = client_for(hq).get(url("16"), query, HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    with translation.override(language):
        expected = CELL_BY_CELL_ROWS.render(Context({"matrix": response.context["matrix"]}))
    assert f"<tbody>\n          {expected}\n        </tbody>" in html
    assert html.count("<tr data-lg-code=") == 16


def test_matrix_rows_spell_out_badges_changes_and_blank_cells(hq, client_for, toyama, last_year_end):
    _changed_toyama(toyama, last_year_end)
    Municipality.objects.filter(pk=toyama[3].pk).update(name='A&B <"市">')

    html = client_for(hq).get(url("16")).content.decode()
    english = client_for(hq).get(url("16"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    rows = dict(ROW.findall(html))
    assert (
        '<td class="cell cell-changed" data-item="1-1" data-stage="established">'
        '<span class="badge stage-established">定着</span><span class="was">変更前：実施</span></td>'
    ) in rows[toyama[1].lg_code]
    assert (
        '<td class="cell cell-na" data-item="0-1"><span aria-hidden="true">–</span>'
        '<span class="visually-hidden">対象外</span></td>'
    ) in rows[toyama[1].lg_code]
    assert (
        '<td class="cell cell-changed" data-item="2-1" data-stage="arranging">'
        '<span class="badge stage-arranging">調整中</span><span class="was">変更前：未着手</span></td>'
    ) in rows[toyama[2].lg_code]
    assert '<tr data-lg-code="160008" class="row-prefecture"><td>160008</td>' in html
    assert f'<a href="{toyama[3].get_absolute_url()}">A&amp;B &lt;&quot;市&quot;&gt;</a>' in html
    assert '<span class="was">was Done</span>' in english
    assert '<span class="visually-hidden">not applicable</span>' in english


@pytest.mark.parametrize("lg_code", ["012033", "160008", "abc123", "a b", "名前", "%41"])
def test_municipality_urls_are_those_of_reverse(lg_code):
    make_url = municipality_url_maker()

    assert make_url(lg_code) == reverse("cooperation:municipality_detail", kwargs={"lg_code": lg_code})
