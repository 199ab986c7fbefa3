"""Production settings refuse to start without their secrets and pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "env, missing",
    [
        ({"DJANGO_ALLOWED_HOSTS": "example.lg.jp"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_a_setting(env, missing):
    result = _manage("check", DJANGO_DEBUG="0", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="cooperation.example.lg.jp",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_defaults_are_japanese_tokyo_and_timezone_aware(settings):
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ is True
    assert settings.AUTH_USER_MODEL == "offices.User"


def test_without_django_debug_the_settings_are_production():
    """DJANGO_DEBUG unset means production: it refuses to start without a key (make run sets DJANGO_DEBUG=1)."""
    result = _manage("check", DJANGO_DEBUG="", DJANGO_ALLOWED_HOSTS="example.jp")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_hsts_subdomains_and_preload_are_opt_in():
    code = (
        "from django.conf import settings; print(settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)"
    )
    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.jp"}
    assert _manage("shell", "--no-imports", "-c", code, **production).stdout.split() == ["False", "False"]
    chosen = _manage(
        "shell", "--no-imports", "-c", code, DJANGO_HSTS_INCLUDE_SUBDOMAINS="1", DJANGO_HSTS_PRELOAD="1", **production
    )
    assert chosen.stdout.split() == ["True", "True"]
