"""Issue 17 in the browser: every page per role at 1280 and 390 px, axe-core, phone menu, grid save, print.

Screenshots go to ``$E2E_ARTIFACTS/screenshots/design/<role>-<page>-<width>.png`` for the visual review.
"""

import pytest
from django.urls import reverse

from tests.e2e.conftest import axe_serious, horizontal_overflow, visit


def pages(role: str, scenario) -> list[tuple[str, str]]:
    activity = scenario.activity.get_absolute_url()
    referral = scenario.referral.get_absolute_url()
    common = [
        ("activity-list", reverse("cooperation:activity_list")),
        ("referral-list", reverse("cooperation:referral_list")),
        ("history", reverse("cooperation:progresschange_list")),
        ("survey", reverse("cooperation:survey_export")),
    ]
    return {
        "hq": [
            ("home", reverse("cooperation:home")),
            ("office-list", reverse("cooperation:office_list")),
            ("prefecture-report", reverse("cooperation:prefecture_report", args=["01"])),
            ("municipality-list", reverse("cooperation:municipality_list")),
            ("user-list", reverse("offices:user_list")),
            ("user-form", reverse("offices:user_create")),
            ("survey-import", reverse("cooperation:survey_import")),
            ("import-batch", scenario.batch.get_absolute_url()),
            *common,
        ],
        "bureau_hokkaido": [("home", reverse("cooperation:home")), ("office-list", reverse("cooperation:office_list"))],
        "center_sapporo": [
            ("home", reverse("cooperation:home")),
            ("grid", reverse("cooperation:progress_grid") + "?subprefecture=石狩"),
            ("municipality", reverse("cooperation:municipality_detail", args=["012033"])),
            ("activity-form", reverse("cooperation:activity_create") + "?office=sapporo&municipality=012033"),
            ("activity-detail", activity),
            ("referral-detail", referral),
            ("dashboard", reverse("cooperation:dashboard")),
        ],
        "pref_01": [("home", reverse("cooperation:home")), ("grid", reverse("cooperation:progress_grid"))],
        "lg_otaru": [
            ("home", reverse("cooperation:home")),
            ("grid", reverse("cooperation:progress_grid")),
            ("referral-form", reverse("cooperation:referral_create")),
            ("password-change", reverse("password_change")),
            ("not-found", "/municipalities/012025/"),
        ],
    }[role]


ROLES = ["hq", "bureau_hokkaido", "center_sapporo", "pref_01", "lg_otaru"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_at_desktop_and_phone_width(role, request, scenario, page_for, screenshots):
    folder = screenshots / "design"
    folder.mkdir(exist_ok=True)
    user = request.getfixturevalue(role)
    problems = {}
    for width in (1280, 390):
        page = page_for(user, width=width, height=900 if width > 400 else 844)
        for name, path in pages(role, scenario):
            response = page.goto(path)
            assert response.status in (200, 404), f"{path}: {response.status}"
            page.screenshot(path=str(folder / f"{role}-{name}-{width}.png"), full_page=True)
            overflow = horizontal_overflow(page)
            if overflow > 0:
                problems[f"{name}@{width} overflow"] = overflow
            if width == 1280:
                violations = axe_serious(page)
                if violations:
                    problems[f"{name} axe"] = violations
    assert not problems, problems


def test_phone_menu_opens_and_marks_the_current_place(center_sapporo, scenario, page_for, screenshots):
    page = page_for(center_sapporo, width=390, height=844)
    visit(page, reverse("cooperation:referral_list"))
    nav = page.locator("#site-nav")
    assert not nav.is_visible()
    page.get_by_role("button", name="メニュー").click()
    assert nav.is_visible()
    assert page.locator('#site-nav a[aria-current="page"]').inner_text() == "回付"
    page.screenshot(path=str(screenshots / "design" / "center_sapporo-menu-open-390.png"))


def test_center_saves_ten_cells_in_one_save_in_the_browser(center_sapporo, scenario, page_for):
    from cooperation.models import ProgressChange

    before = ProgressChange.objects.count()
    page = page_for(center_sapporo)
    visit(page, reverse("cooperation:progress_grid") + "?subprefecture=石狩")
    selects = page.locator("select.grid-select")
    assert selects.count() > 10
    changed = 0
    for index in range(selects.count()):
        select = selects.nth(index)
        if select.input_value() == "not_started":
            select.select_option("considering")
            changed += 1
        if changed == 10:
            break
    assert page.locator("td.grid-changed").count() == 10
    page.get_by_role("button", name="変更したセルを保存").click()
    page.wait_for_load_state()
    assert "10 件" in page.locator(".messages").inner_text()
    assert ProgressChange.objects.count() == before + 10


def test_hokkaido_report_prints_with_readable_names_and_a_header(hq, scenario, page_for, screenshots):
    """Each name on one line, the conditions on top and on every page's column heads, type ≥ 8 pt."""
    page = page_for(hq, width=1047)  # A4 landscape minus the margins, in CSS pixels
    visit(page, reverse("cooperation:prefecture_report", args=["01"]) + "?kind=town")
    assert page.get_by_role("button", name="印刷").is_visible()
    page.emulate_media(media="print")
    header = page.locator(".print-header")
    assert header.is_visible()
    assert "町" in header.inner_text() and "印刷日" in header.inner_text()
    assert page.locator("tr.print-only").first.is_visible()
    heights = page.locator("table.report-matrix tbody th[scope=row]").evaluate_all(
        "(cells) => cells.map((cell) => [cell.innerText, cell.getBoundingClientRect().height,"
        " parseFloat(getComputedStyle(cell).lineHeight) || parseFloat(getComputedStyle(cell).fontSize) * 1.8,"
        " parseFloat(getComputedStyle(cell).fontSize)])"
    )
    assert heights
    for name, height, line, size in heights:
        assert height < 2.2 * line, f"{name} wraps ({height}px for a {line}px line)"
        assert size >= 8 * 96 / 72 - 0.1, f"{name} printed at {size}px"
    page.screenshot(path=str(screenshots / "design" / "print-hokkaido-towns.png"), full_page=True)
    pdf = page.pdf(format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
    (screenshots / "design" / "prefecture-report-01-towns.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
