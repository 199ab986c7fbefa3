"""Security headers (issue 11, finding 4): CSP, Permissions-Policy, no caching of private pages and downloads."""

import json
import os
import re
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update

ROOT = Path(__file__).resolve().parent.parent.parent
DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "object-src": "'none'",
}


def policy(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def assert_policy_headers(headers) -> None:
    csp = policy(headers["Content-Security-Policy"])
    for directive, value in DIRECTIVES.items():
        assert csp[directive] == value, directive
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


def test_sign_in_page_has_the_policy_headers(db):
    response = Client().get(reverse("login"))
    assert response.status_code == HTTPStatus.OK
    assert_policy_headers(response)


def test_not_found_page_has_the_policy_headers(db):
    response = Client().get("/no-such-page/")
    assert_policy_headers(response)


def test_signed_in_page_is_not_stored(client_for, hq):
    response = client_for(hq).get(reverse("cooperation:home"))
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "no-store, private"
    assert_policy_headers(response)


def test_download_is_not_stored(client_for, hq):
    response = client_for(hq).get(reverse("cooperation:survey_export"), {"municipality": "012033", "format": "csv"})
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "no-store, private"


def test_admin_page_is_not_stored(client_for, hq):
    hq.is_staff = hq.is_superuser = True
    hq.save()
    response = client_for(hq).get(reverse("admin:index"))
    assert response["Cache-Control"] == "no-store, private"


def test_dashboard_stage_bars_need_no_inline_style(client_for, hq):
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-1")
    progress_update(progress=progress, stage=Stage.DONE, by=None)
    page = client_for(hq).get(reverse("cooperation:home")).content.decode()
    assert '<svg class="stage-bar"' in page
    assert 'class="stage-done"' in page
    assert " style=" not in page


def test_no_template_has_inline_style_or_script():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\sstyle\s*=", text) or re.search(r"<style\b", text):
            offenders.append(f"{path}: style")
        for match in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in match.group(1):
                offenders.append(f"{path}: inline script")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path}: event handler attribute")
    assert offenders == []


PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client, override_settings

# Only the static files' storage differs: the manifest needs a collectstatic run.
storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
pages = {}
with override_settings(STORAGES=storages):
    client = Client()
    for name, url in [("login", "/accounts/login/"), ("missing", "/no-such-page/")]:
        response = client.get(url, secure=True)
        pages[name] = {"status": response.status_code, "headers": dict(response.headers.items())}
print(json.dumps(pages))
"""


@pytest.fixture(scope="module")
def production_pages(tmp_path_factory):
    """Pages answered by the site running with DJANGO_DEBUG=0 (in a process of its own)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("page", ["login", "missing"])
def test_production_pages_have_the_policy_headers(production_pages, page):
    assert production_pages[page]["status"] == {"login": 200, "missing": 404}[page]
    headers = production_pages[page]["headers"]
    assert_policy_headers(headers)
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=" in headers["Strict-Transport-Security"]
