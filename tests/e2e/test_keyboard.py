"""The stage-update form used with the keyboard alone: Tab to it, choose, type, submit; focus always visible."""

import datetime
import re

from cooperation.fiscal import today
from cooperation.models import Progress, ProgressChange, Stage
from tests.e2e.conftest import focus_indicator, focus_is_visible, visit

MAX_TABS = 120


def tab_until(page, selector: str, seen: list) -> None:
    """Press Tab until ``selector`` has the focus, recording how each stop showed its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        seen.append(focus_indicator(page))
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} not reached with {MAX_TABS} presses of Tab; stops: {seen[-10:]}")


def type_date(page, field, day: datetime.date) -> None:
    """Type ``day`` into the focused native date field, whatever order the browser's locale gives its parts.

    Chromium shows year/month/day with a Japanese UI and month/day/year with
    Debian's default English one; ArrowUp on the first part tells which it is.
    A two-digit part moves on by itself; a year is typed last (it may have more
    digits, so whether it moves on is not certain).
    """
    before = field.input_value()
    page.keyboard.press("ArrowUp")
    after = field.input_value()
    page.keyboard.press("ArrowDown")
    assert field.input_value() == before
    # A step to an invalid date (31 November) empties the value: that takes a month step.
    old_parts, new_parts = before.split("-"), (after or before).split("-")
    changed = [position for position in range(3) if old_parts[position] != new_parts[position]]
    first = {0: "year", 2: "day"}.get(changed[0] if changed else 1, "month")
    month, date = f"{day.month:02d}", f"{day.day:02d}"
    if first == "year":
        page.keyboard.press("ArrowRight")
        page.keyboard.type(month + date)
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
    else:
        page.keyboard.type(month + date if first == "month" else date + month)
    page.keyboard.type(f"{day.year:04d}")


def test_stage_update_form_works_with_the_keyboard_alone(center_sapporo, otaru, page_for, screenshots):
    page = page_for(center_sapporo)
    visit(page, "/municipalities/012033/")
    seen = []

    # From the top of the page to the table's "update 2-1" link, which jumps to the form.
    tab_until(page, 'a[href="#update-2-1"]', seen)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#update-2-1$"))
    page.keyboard.press("Tab")
    seen.append(focus_indicator(page))
    stage = page.locator('#update-2-1 select[name="stage"]')
    assert stage.evaluate("(element) => element === document.activeElement"), (
        f"Tab after the in-page link should land on the form's first control, not on {seen[-1]}"
    )
    # 未着手 → 検討中 → 調整中: two steps down the list, no mouse.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert stage.input_value() == Stage.ARRANGING

    page.keyboard.press("Tab")
    seen.append(focus_indicator(page))
    date = page.locator('#update-2-1 input[name="effective_date"]')
    assert date.evaluate("(element) => element === document.activeElement")
    day = today() - datetime.timedelta(days=3)
    type_date(page, date, day)
    assert date.input_value() == day.isoformat()

    # Tab walks through the date's parts and its calendar button, then reaches the note.
    tab_until(page, '#update-2-1 textarea[name="note"]', seen)
    page.keyboard.type("電話で日程を調整中")

    page.keyboard.press("Tab")
    seen.append(focus_indicator(page))
    button = page.locator('#update-2-1 button[type="submit"]')
    assert button.evaluate("(element) => element === document.activeElement")
    page.screenshot(path=str(screenshots / "keyboard-stage-form-focused.png"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#item-2-1$"))

    progress = Progress.objects.get(municipality=otaru, item__code="2-1")
    assert (progress.stage, progress.stage_date, progress.note) == (Stage.ARRANGING, day, "電話で日程を調整中")
    change = ProgressChange.objects.get(progress=progress)
    assert (change.to_stage, change.recorded_by) == (Stage.ARRANGING, center_sapporo)
    assert page.locator("#item-2-1 .badge").get_attribute("class") == "badge stage-arranging"

    # Back on the page (at 2-1's row), on to 3-1's form; Space on the button submits too.
    tab_until(page, 'a[href="#update-3-1"]', seen)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#update-3-1$"))
    page.keyboard.press("Tab")
    seen.append(focus_indicator(page))
    page.keyboard.press("ArrowDown")
    tab_until(page, '#update-3-1 button[type="submit"]', seen)
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert page.url.endswith("#item-3-1")
    assert Progress.objects.get(municipality=otaru, item__code="3-1").stage == Stage.CONSIDERING
    assert page.locator("#item-3-1 .badge").get_attribute("class") == "badge stage-considering"

    hidden = [stop for stop in seen if not focus_is_visible(stop)]
    assert hidden == [], f"focused without a visible outline or shadow: {hidden}"
    assert len(seen) > 10
