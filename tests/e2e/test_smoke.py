"""The sign-in page renders in Japanese in a real browser and passes axe-core."""

from tests.e2e.conftest import axe_serious


def test_login_page_is_japanese_and_accessible(page_for, live_server, screenshots):
    page = page_for()
    page.goto(live_server.url + "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "ja"
    page.screenshot(path=str(screenshots / "login.png"), full_page=True)
    assert axe_serious(page) == []
