"""Browser tests: Playwright for Python driving Debian's chromium against the live test server.

They run when a chromium binary is present (``/usr/bin/chromium`` or
``$CHROMIUM_PATH``) and are skipped, with the reason printed, when it is not.
Screenshots of every main page go to ``$E2E_ARTIFACTS/screenshots``
(default ``artifacts/screenshots``), which CI keeps.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
SKIP_REASON = "e2e skipped: no chromium at {} (apt-get install chromium fonts-noto-cjk)".format(CHROMIUM)
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
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


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
    """Open a browser page signed in as ``user`` (Japanese, desktop width): ``page_for(center_sapporo)``."""
    from django.test import Client

    contexts = []

    def open_page(user=None, *, language="ja", width=1280, height=900):
        context = browser.new_context(
            locale="ja-JP" if language == "ja" else "en-US",
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
            )
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
