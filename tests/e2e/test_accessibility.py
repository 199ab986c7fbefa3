"""Every main page, for the role that uses it: no serious or critical axe-core violation, and a screenshot.

The screenshots (full page, Japanese, desktop width) go to the folder CI keeps,
named ``<role>-<page>.png``; the sign-in page is covered by test_smoke.
"""

import pytest
from django.urls import reverse

from tests.e2e.conftest import axe_serious, visit


def pages_for(group: str, scenario) -> list[tuple[str, str]]:
    """(name, path) of a group of pages, using the scenario's activity, referral and import."""
    activity = scenario.activity.get_absolute_url()
    referral = scenario.referral.get_absolute_url()
    pages = {
        "hq": [
            ("dashboard", reverse("cooperation:home")),
            ("prefecture-report", reverse("cooperation:prefecture_report", args=["01"])),
            ("municipality-list", reverse("cooperation:municipality_list")),
            ("history-list", reverse("cooperation:progresschange_list")),
        ],
        "hq-surveys-and-accounts": [
            ("survey-export", reverse("cooperation:survey_export")),
            ("survey-import", reverse("cooperation:survey_import")),
            ("import-batch", scenario.batch.get_absolute_url()),
            ("user-list", reverse("offices:user_list")),
        ],
        "center_sapporo": [
            ("office-desk", reverse("cooperation:office_desk", args=["sapporo"])),
            ("municipality", reverse("cooperation:municipality_detail", args=["012033"])),
            ("activity-list", reverse("cooperation:activity_list")),
            ("activity-form", reverse("cooperation:activity_create") + "?office=sapporo&municipality=012033"),
            ("activity-detail", activity),
            ("referral-list", reverse("cooperation:referral_list")),
            ("referral-detail", referral),
        ],
        "lg_otaru": [
            ("dashboard", reverse("cooperation:home")),
            ("municipality", reverse("cooperation:municipality_detail", args=["012033"])),
            ("referral-form", reverse("cooperation:referral_create")),
            ("referral-detail", referral),
            ("password-change", reverse("password_change")),
        ],
    }
    return pages[group]


GROUPS = {
    # group of pages: the role that uses them
    "hq": "hq",
    "hq-surveys-and-accounts": "hq",
    "center_sapporo": "center_sapporo",
    "lg_otaru": "lg_otaru",
}


@pytest.mark.parametrize("group", list(GROUPS))
def test_main_pages_have_no_serious_axe_violation(group, request, scenario, page_for, screenshots):
    role = GROUPS[group]
    page = page_for(request.getfixturevalue(role))
    found = {}
    for name, path in pages_for(group, scenario):
        visit(page, path)
        assert page.locator("html").get_attribute("lang") == "ja"
        assert page.locator("h1").count() == 1, f"{path}: one h1 per page"
        shot = screenshots / "{}-{}.png".format(role.replace("_", "-"), name)
        page.screenshot(path=str(shot), full_page=True)
        violations = axe_serious(page)
        if violations:
            found[path] = violations
    assert found == {}


def test_every_main_page_fits_a_phone(scenario, hq, center_sapporo, lg_otaru, page_for):
    """Beyond the dashboard and the report (test_reports): no page is wider than a 390 px screen."""
    wider = {}
    users = {"hq": hq, "center_sapporo": center_sapporo, "lg_otaru": lg_otaru}
    for group, role in GROUPS.items():
        page = page_for(users[role], width=390, height=844)
        for _name, path in pages_for(group, scenario):
            visit(page, path)
            width = page.evaluate("() => document.scrollingElement.scrollWidth")
            if width > 391:
                wider[path] = width
    assert wider == {}


def test_forms_showing_errors_have_no_serious_axe_violation(center_sapporo, otaru, page_for, screenshots):
    """Error states are where labels and announcements break: each form refused, then checked."""
    page = page_for(center_sapporo)
    found = {}

    visit(page, reverse("cooperation:activity_create") + "?office=sapporo&municipality=012033")
    page.locator("#id_title").fill("")
    with page.expect_navigation():
        page.locator('main form[method="post"] button[type="submit"]').click()
    assert page.locator(".work-form-errors[role=alert]").is_visible()
    assert page.locator("#id_title").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(screenshots / "errors-activity-form.png"), full_page=True)
    found["activity form"] = axe_serious(page)

    # 当面困難 without a reason is refused; the page says so at the top and links to the form.
    visit(page, reverse("cooperation:municipality_detail", args=["012033"]))
    page.locator('#update-2-2 select[name="stage"]').select_option("not_feasible")
    with page.expect_navigation():
        page.locator('#update-2-2 button[type="submit"]').click()
    summary = page.locator("#update-errors[role=alert]")
    assert summary.is_visible()
    assert summary.locator('a[href="#update-2-2"]').count() == 1
    assert page.locator("#update-2-2.work-has-errors").count() == 1
    page.screenshot(path=str(screenshots / "errors-stage-form.png"), full_page=True)
    found["stage-update form"] = axe_serious(page)

    visit(page, reverse("cooperation:referral_create") + "?municipality=012033")
    with page.expect_navigation():
        page.locator('main form[method="post"] button[type="submit"]').click()
    assert page.locator(".work-form-errors[role=alert]").is_visible()
    assert page.locator("#id_summary").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(screenshots / "errors-referral-form.png"), full_page=True)
    found["referral form"] = axe_serious(page)

    assert {form: violations for form, violations in found.items() if violations} == {}
