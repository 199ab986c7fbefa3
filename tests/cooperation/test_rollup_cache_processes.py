"""Two server processes on one database: a write through one is on the very next page served by the other.

Each process has its own memory, so a cache kept per process would let the
second one serve the figures it cached before the write. The same scenario
runs with the shared backends the settings offer (Redis, the database cache)
and, as the control that shows the test can catch that bug, with a
per-process memory cache, where the second process must be found stale.
"""

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bench.loadtest import stage_forms

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
SETUP = """
import json
from django.test import Client
from offices.models import Role, User
user, created = User.objects.get_or_create(username="two-process-hq")
if created:
    Role.objects.create(user=user, kind=Role.Kind.HEADQUARTERS)
client = Client()
client.force_login(user)
print(json.dumps({"session": client.cookies["sessionid"].value}))
"""


def _redis_running() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(database: Path, cache_url: str) -> dict:
    child = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    child.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_DEBUG="1",
        DJANGO_CACHE_URL=cache_url,
        DJANGO_CACHE_KEY_PREFIX=f"two-process-{secrets.token_hex(4)}",
        DJANGO_SETTINGS_MODULE="cooperation.settings",
        DJANGO_LOG_LEVEL="ERROR",
    )
    return child


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A database of the site's own (not the test run's, which the servers could not see), with master data."""
    path = tmp_path_factory.mktemp("two-process") / "db.sqlite3"
    env = _environment(path, "db://cooperation_cache")
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "createcachetable")
    _manage(env, "load_master_data", "-v", "0")
    return path


class Server:
    def __init__(self, env: dict):
        self.port = _free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "cooperation.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def request(self, method: str, path: str, cookies: dict, body: dict | None = None) -> tuple[int, str]:
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookies[name.strip()] = rest.split(";")[0]
            return response.status, content
        finally:
            connection.close()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _otaru_stage(html: str) -> str:
    match = re.search(r'data-lg-code="012033".*?data-item="1-1" data-stage="([a-z_]+)"', html, re.S)
    assert match, "小樽市 1-1 is not on the 北海道 report"
    return match.group(1)


def _write_through(server: Server, cookies: dict) -> str:
    """Move 小樽市 1-1 to another stage through ``server``'s stage-update form; returns the new stage."""
    status, html = server.request("GET", "/municipalities/012033/", cookies)
    assert status == 200
    form = next(form for form in stage_forms(html, "012033") if form["item"] == "1-1")
    values = dict(form["fields"])
    # Always a step up the ladder: a step back would need a reason (issue 16), and the backends share one database.
    ladder = ["not_started", "considering", "arranging", "done", "established"]
    current = form["fields"].get("stage") or "not_started"
    values["stage"] = ladder[ladder.index(current) + 1]
    status, _html = server.request("POST", form["action"], cookies, values)
    assert status == 302, status
    return values["stage"]


BACKENDS = [
    pytest.param(
        "redis://127.0.0.1:6379/13",
        True,
        id="redis",
        marks=pytest.mark.skipif(not _redis_running(), reason="no Redis on 127.0.0.1:6379"),
    ),
    pytest.param("db://cooperation_cache", True, id="database-cache"),
    pytest.param("locmem://per-process", False, id="per-process-control"),
]


@pytest.mark.parametrize("cache_url, shared", BACKENDS)
def test_write_through_one_process_is_seen_by_the_other(database, cache_url, shared):
    env = _environment(database, cache_url)
    session = json.loads(_manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])["session"]
    first, second = Server(env), Server(env)
    try:
        cookies = {"sessionid": session}
        status, before = second.request("GET", "/prefectures/01/", dict(cookies))
        assert status == 200
        assert first.request("GET", "/prefectures/01/", dict(cookies))[0] == 200
        old = _otaru_stage(before)
        # The second process now holds the report in its cache: a second request is a hit.
        assert _otaru_stage(second.request("GET", "/prefectures/01/", dict(cookies))[1]) == old

        new = _write_through(first, dict(cookies))

        seen = _otaru_stage(second.request("GET", "/prefectures/01/", dict(cookies))[1])
        if shared:
            assert seen == new, "the other process served the report it had cached before the change"
        else:
            assert seen == old, "the control: a per-process cache must be caught serving stale figures"
        assert _otaru_stage(first.request("GET", "/prefectures/01/", dict(cookies))[1]) == new
    finally:
        first.stop()
        second.stop()
