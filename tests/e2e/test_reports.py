"""The dashboard and the prefecture report in a browser: the xlsx download, the map without color, a phone, A4.

Screenshots and the PDF are written to the folder CI keeps.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from cooperation import exports
from cooperation.fiscal import today
from cooperation.models import Progress, RequestItem, Stage
from cooperation.progress.services import progress_update
from offices.models import Municipality
from tests.e2e.conftest import horizontal_overflow, visit

REPORT = "/prefectures/01/"
A4_LANDSCAPE_POINTS = (841.89, 595.28)
# The printable width of A4 landscape with the report's widest page margin (10 mm) at 96 CSS px per inch.
A4_LANDSCAPE_PRINTABLE_PX = int((297 - 2 * 10) / 25.4 * 96)


def label(stage: str) -> str:
    with translation.override("ja"):
        return str(Stage(stage).label)


def set_stage(lg_code: str, item_code: str, stage: str, *, by, note: str = "") -> None:
    progress = Progress.objects.get(municipality__lg_code=lg_code, item__code=item_code)
    progress_update(
        progress=progress,
        stage=stage,
        by=by,
        effective_date=today() - datetime.timedelta(days=5),
        note=note,
    )


def test_hq_downloads_the_prefecture_xlsx_with_the_rows_on_screen(hq, page_for, tmp_path):
    set_stage("010006", "0-1", Stage.DONE, by=hq)
    set_stage("012033", "1-1", Stage.DONE, by=hq)
    set_stage("011002", "3-2", Stage.CONSIDERING, by=hq)
    set_stage("012025", "2-4", Stage.NOT_FEASIBLE, by=hq, note="体制整備中")
    hokkaido = Municipality.objects.filter(prefecture__code="01", is_active=True)
    codes = ["010006"] + sorted(hokkaido.exclude(lg_code="010006").values_list("lg_code", flat=True))
    assert len(codes) == 180

    page = page_for(hq)
    visit(page, REPORT)
    assert page.locator("table.report-matrix tbody tr").count() == 180
    with page.expect_download() as waiting:
        page.locator('a[href^="{}"]'.format(reverse("cooperation:prefecture_export_xlsx", args=["01"]))).click()
    download = waiting.value
    assert download.suggested_filename == f"prefecture-01-{today().isoformat()}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    workbook = load_workbook(path, read_only=True)
    stages, counts = workbook.worksheets[0], workbook.worksheets[1]
    # The title and conditions sit above the table.
    header, *rows = [list(row) for row in stages.iter_rows(min_row=exports.HEADING_ROWS + 1, values_only=True)]
    items = list(RequestItem.objects.active())
    assert [cell.split(" ")[0] for cell in header[4:]] == [item.code for item in items]
    column = {item.code: 4 + position for position, item in enumerate(items)}
    assert [row[0] for row in rows] == codes, "the prefectural government first, then the 179 by code"
    assert rows[0][1] == "北海道"
    by_code = {row[0]: row for row in rows}
    assert by_code["012033"][1] == "小樽市"
    assert by_code["010006"][column["0-1"]] == label(Stage.DONE)
    assert by_code["012033"][column["1-1"]] == label(Stage.DONE)
    assert by_code["011002"][column["3-2"]] == label(Stage.CONSIDERING)
    assert by_code["012025"][column["2-4"]] == label(Stage.NOT_FEASIBLE)
    assert by_code["012033"][column["0-1"]] in (None, ""), "0-1 applies to prefectural governments only"
    cells = [cell for row in rows for cell in row[4:] if cell]
    # 179 municipalities without 0-1, and 北海道庁 without 3-1 (for municipalities only)
    assert len(cells) == 179 * (len(items) - 1) + (len(items) - 1)
    assert cells.count(label(Stage.NOT_STARTED)) == len(cells) - 4
    summary = {
        row[0].split(" ")[0]: row for row in counts.iter_rows(min_row=exports.HEADING_ROWS + 2, values_only=True)
    }
    done_column = 1 + [stage for stage, _label in Stage.choices].index(Stage.DONE)
    assert summary["1-1"][done_column] == 1 and summary["0-1"][done_column] == 1

    # Filtered on screen (center 札幌, cities), the download holds exactly the rows shown.
    page.locator("#id_office").select_option("sapporo")
    page.locator("#id_kind").select_option(Municipality.Kind.CITY)
    page.locator("form.report-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"office=sapporo"))
    shown = page.locator("table.report-matrix tbody tr").evaluate_all("(rows) => rows.map((row) => row.dataset.lgCode)")
    assert "012033" in shown and "012025" not in shown and "011002" not in shown
    with page.expect_download() as waiting:
        page.locator('a[href^="{}"]'.format(reverse("cooperation:prefecture_export_xlsx", args=["01"]))).click()
    waiting.value.save_as(tmp_path / "filtered.xlsx")
    filtered = load_workbook(tmp_path / "filtered.xlsx", read_only=True).worksheets[0]
    assert [row[0] for row in filtered.iter_rows(min_row=exports.HEADING_ROWS + 2, values_only=True)] == shown


def test_dashboard_map_carries_every_figure_as_text(scenario, hq, lg_otaru, page_for, screenshots):
    page = page_for(hq)
    visit(page, "/")
    tiles = page.locator("ul.tilemap > li.tile")
    assert tiles.count() == 47
    bands = {}
    for index, text in enumerate(page.locator(".tilemap-legend li").all_inner_texts()):
        found = re.search(r"(\d+)[–-](\d+)%", text)
        if found:
            bands[index] = (int(found.group(1)), int(found.group(2)))
    assert len(bands) >= 3, "the legend names each color's range in text"
    for tile in page.locator("ul.tilemap > li.tile").all():
        name = tile.locator(".tile-name").inner_text().strip()
        figure = tile.locator(".tile-figure").inner_text().strip()
        assert name and re.fullmatch(r"\d{1,3}%", figure), f"{name} shows {figure!r}"
        assert tile.locator(".tile-figure").is_visible()
        band = int(re.search(r"\bband-(\d)\b", tile.get_attribute("class")).group(1))
        lower, upper = bands[band]
        assert lower <= int(figure[:-1]) <= upper, f"{name}: {figure} is not in its color's range {band}"
    hokkaido = page.locator('li.tile[data-code="01"]')
    assert hokkaido.locator("a").get_attribute("href").startswith(REPORT)

    # A local government officer sees the same map for its scope: only 北海道 has a figure,
    # the other squares say in words that they have none (its home is its own page; the map is at /dashboard/).
    page = page_for(lg_otaru)
    visit(page, reverse("cooperation:dashboard"))
    assert page.locator("ul.tilemap > li.tile:not(.tile-out)").count() == 1
    assert re.fullmatch(r"\d{1,3}%", page.locator('li.tile[data-code="01"] .tile-figure').inner_text().strip())
    out = page.locator("ul.tilemap > li.tile.tile-out")
    assert out.count() == 46
    assert all(text.strip() for text in out.locator(".visually-hidden").all_inner_texts())


@pytest.mark.parametrize(
    "name, path",
    [
        ("dashboard", "/"),
        ("prefecture-report", REPORT),
    ],
)
def test_page_fits_a_phone(name, path, scenario, hq, page_for, screenshots):
    page = page_for(hq, width=390, height=844)
    visit(page, path)
    page.screenshot(path=str(screenshots / f"narrow-{name}.png"), full_page=True)
    for wrap in page.locator(".table-wrap").all():
        # Wide tables scroll inside their own box, which is never wider than the screen.
        assert wrap.evaluate("(element) => element.getBoundingClientRect().right") <= 391
    if name == "prefecture-report":
        assert page.locator("table.report-matrix tbody tr").count() == 180
        assert page.locator(".report-matrix-section .table-wrap").evaluate(
            "(element) => element.scrollWidth > element.clientWidth"
        )
    else:
        figures = page.locator("ul.tilemap > li.tile:not(.tile-out) .tile-figure")
        assert figures.count() == 47 and figures.first.is_visible()
    assert horizontal_overflow(page) <= 1, f"{path} is wider than a 390 px screen"


def test_prefecture_report_prints_on_a4_landscape(scenario, hq, page_for, screenshots):
    page = page_for(hq, width=A4_LANDSCAPE_PRINTABLE_PX)
    visit(page, REPORT)
    page.emulate_media(media="print")
    assert page.locator("form.report-filters").is_hidden()
    assert page.locator(".site-nav").is_hidden()
    # On the printable width of the page the matrix fits: nothing runs off the right edge.
    assert horizontal_overflow(page) <= 1
    right = page.locator("table.report-matrix").evaluate("(table) => table.getBoundingClientRect().right")
    assert right <= A4_LANDSCAPE_PRINTABLE_PX + 1
    page.screenshot(path=str(screenshots / "print-prefecture-report.png"), full_page=True)

    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    (screenshots / "prefecture-report-01.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert 2 <= pages <= 12, f"{pages} pages for 180 rows"
    width, height = (float(value) for value in re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf).groups())
    assert abs(width - A4_LANDSCAPE_POINTS[0]) < 2 and abs(height - A4_LANDSCAPE_POINTS[1]) < 2
