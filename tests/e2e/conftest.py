"""Browser tests: Playwright for Python driving Debian's chromium against the live test server.

They run when a chromium binary is present (``/usr/bin/chromium`` or
``$CHROMIUM_PATH``) and are skipped, with the reason printed, when it is not.
Screenshots of every main page go to ``$E2E_ARTIFACTS/screenshots``
(default ``artifacts/screenshots``), which CI keeps.

Helpers for the tests: ``visit`` (a page that must answer 200), ``axe_serious``,
``focus_indicator``/``focus_is_visible`` (keyboard focus), ``horizontal_overflow``
(narrow screens), and the ``scenario`` fixture (a little history written
through the services, for pages that need rows to show).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import missing_tool

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
SKIP_REASON = f"e2e skipped: no chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", Path(settings.BASE_DIR) / "artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if not HAVE_CHROMIUM:
                item.add_marker(missing_tool(SKIP_REASON))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots():
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page_for(browser, live_server, master):
    """Open a browser page signed in as ``user`` (Japanese, desktop width): ``page_for(center_sapporo)``.

    The page's base URL is the live server's, so ``page.goto("/municipalities/012033/")`` works.
    """
    from django.test import Client

    contexts = []

    def open_page(user=None, *, language="ja", width=1280, height=900):
        context = browser.new_context(
            base_url=live_server.url,
            locale="ja-JP" if language == "ja" else "en-US",
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def axe_serious(page) -> list[dict]:
    """axe-core violations of impact serious or critical on the current page (offline: axe ships in the package)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def visit(page, path: str):
    """Go to ``path`` and insist it answered 200: a test must not pass on an error page."""
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response.status if response else None}"
    return response


def focus_indicator(page) -> dict:
    """How the focused element shows its focus: outline and box-shadow as computed now.

    ``inner`` is true when the focus sits on a part the browser draws inside a
    native control (the calendar button of a date field): the host then
    matches neither :focus nor :focus-visible, page styles cannot reach it, and
    Chromium draws its own ring around the button.
    """
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return {
                tag: element.tagName.toLowerCase(),
                type: element.getAttribute("type"),
                id: element.id,
                name: element.getAttribute("name"),
                href: element.getAttribute("href"),
                outline: style.outlineStyle === "none" ? "none" : style.outlineWidth + " " + style.outlineStyle,
                shadow: style.boxShadow,
                inner: element.matches("input[type=date]") && !element.matches(":focus"),
            };
        }"""
    )


def focus_is_visible(indicator: dict) -> bool:
    """An outline wider than 0 or a box-shadow on the focused element (or the browser's own inner ring)."""
    outline = indicator["outline"] != "none" and not indicator["outline"].startswith("0px")
    return outline or indicator["shadow"] not in ("", "none") or indicator["inner"]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing spills out)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


@pytest.fixture
def scenario(master, hq, center_sapporo, lg_otaru):
    """A little history for every page to show, written through the services as the screens write it.

    小樽市: a briefing (1-1 moved to 実施 with it as evidence, an attachment, an
    overdue follow-up), 2-1 at 検討中 set by its officer, 2-4 当面困難 with a
    reason, a referral (its first, so 2-3 moved to 実施); and a survey import
    by headquarters (函館市 1-2 検討中, 北海道 0-1 実施).
    """
    import datetime
    from types import SimpleNamespace

    from django.core.files.uploadedfile import SimpleUploadedFile

    from cooperation import fiscal
    from cooperation.activities.services import activity_create
    from cooperation.exports import csv_bytes
    from cooperation.models import Activity, Progress, Referral, RequestItem, Stage
    from cooperation.progress.services import progress_update
    from cooperation.referrals.services import referral_create
    from cooperation.survey import HEADER, survey_apply
    from offices.models import Municipality, Office

    today = fiscal.today()
    otaru = Municipality.objects.get(lg_code="012033")
    items = {item.code: item for item in RequestItem.objects.all()}
    activity = activity_create(
        by=center_sapporo,
        municipalities=[otaru],
        advance=[otaru],
        files=[SimpleUploadedFile("次第.pdf", b"%PDF-1.4\n%e2e\n", content_type="application/pdf")],
        date=today - datetime.timedelta(days=14),
        office=Office.objects.get(code="sapporo"),
        item=items["1-1"],
        kind=Activity.Kind.BRIEFING,
        title="小樽市職員向け行政相談制度説明会",
        summary="市職員と地域おこし協力隊を対象に、行政相談制度を説明した。",
        attendees=24,
        follow_up_on=today - datetime.timedelta(days=1),
    )
    progress_update(
        progress=Progress.objects.get(municipality=otaru, item__code="2-1"),
        stage=Stage.CONSIDERING,
        by=lg_otaru,
        effective_date=today - datetime.timedelta(days=10),
        note="庁内で開催時期を検討中",
    )
    progress_update(
        progress=Progress.objects.get(municipality=otaru, item__code="2-4"),
        stage=Stage.NOT_FEASIBLE,
        by=center_sapporo,
        effective_date=today - datetime.timedelta(days=7),
        note="防災部局の体制が整うまで",
    )
    referral = referral_create(
        by=lg_otaru,
        municipality=otaru,
        received_on=today - datetime.timedelta(days=3),
        topic=Referral.Topic.PENSION,
        agency="日本年金機構",
        summary="年金の受給手続に関する相談（相談者の個人情報は記載しない）。",
    )
    day = (today - datetime.timedelta(days=20)).isoformat()
    rows = [("012025", "函館市", "1-2", "検討中", day, ""), ("010006", "北海道", "0-1", "実施", day, "")]
    survey = csv_bytes(HEADER, rows)
    outcome = survey_apply(content=survey, file_name="北海道調査票.csv", by=hq)
    assert outcome.applied, outcome.plan.problems
    return SimpleNamespace(activity=activity, referral=referral, batch=outcome.batch, otaru=otaru)


@pytest.fixture(autouse=True)
def _rollups_computed_fresh(settings):
    """The pages as computed: the roll-up cache has its own tests (two processes, every write), and the
    live server's thread would otherwise keep entries of an earlier test's database."""
    settings.ROLLUP_CACHE = False
