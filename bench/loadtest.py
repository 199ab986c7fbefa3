"""Load test on loopback: gunicorn with PostgreSQL, 50 signed-in users for 2 minutes, nothing lost.

``python -m bench.loadtest`` (``make loadtest``):

1. makes sure the benchmark database exists (``python -m bench.run --data-only``)
   and copies it (``CREATE DATABASE … TEMPLATE``) to ``<name>_load``, so the
   stage updates never change the data the benchmark measures;
2. collects static files into a temp folder and starts gunicorn on 127.0.0.1
   with production settings (DEBUG off, WhiteNoise serving static files);
3. signs in LOADTEST_USERS users (40 center staff, 10 headquarters) by
   creating their sessions in the database, and runs one thread per user for
   LOADTEST_SECONDS (default 120), bounded by LOADTEST_MAX_REQUESTS: national
   and scoped dashboards, prefecture reports (today and as of a fiscal-year
   end), and stage updates — GET the local government page, POST the
   stage-update form with the version it showed;
4. reports p50/p95/p99, throughput, errors, and the expected refusals apart
   (409: someone else saved first), then checks that every accepted update is
   in the history, and that every progress row still matches its last change.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from bench import data, env, metrics

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOT_MUNICIPALITIES = ["012033", "011002", "012025"]  # 小樽市, 札幌市, 函館市: shared by several users, so 409s happen
# The API's list endpoints (issue 18) join the mix with LOADTEST_API_WEIGHT (0 gives the mix of before).
MIX = {"dashboard": 40, "report": 35, "update": 25, "api": int(os.environ.get("LOADTEST_API_WEIGHT", "10"))}
# A page answers 200; a stage update 302 (saved), 409 (someone saved first) or 200 (the form shown with an error).
EXPECTED_STATUSES = {"update": {302, 409, 200}}


# --- the client --------------------------------------------------------------------------------


@dataclass
class Sample:
    action: str
    status: int  # 0 when no answer came back
    seconds: float
    error: str = ""
    path: str = ""


@dataclass
class Accepted:
    lg_code: str
    item: str
    to_stage: str
    username: str


@dataclass
class Shared:
    port: int
    deadline: float
    max_requests: int
    samples: list[Sample] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def more(self) -> bool:
        return time.monotonic() < self.deadline and len(self.samples) < self.max_requests


class FormParser(HTMLParser):
    """Collect every form on a page: its action and the values it would submit as it stands."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action", ""), "fields": {}, "options": defaultdict(list)}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            self._form["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select:
            self._form["options"][self._select].append(attrs.get("value", ""))
            if "selected" in attrs:
                self._form["fields"][self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def stage_forms(html: str, lg_code: str) -> list[dict]:
    """The stage-update forms of a local government page (action …/progress/<item>/)."""
    parser = FormParser()
    parser.feed(html)
    pattern = re.compile(rf"/municipalities/{lg_code}/progress/([^/]+)/$")
    forms = []
    for form in parser.forms:
        match = pattern.search(form["action"])
        if match and "version" in form["fields"]:
            form["item"] = match.group(1)
            forms.append(form)
    return forms


class VirtualUser(threading.Thread):
    def __init__(
        self,
        shared: Shared,
        *,
        username: str,
        session: str,
        prefectures: list[str],
        lg_codes: list[str],
        token: str = "",
    ):
        super().__init__(daemon=True, name=username)
        self.shared = shared
        self.username = username
        self.cookies = {"sessionid": session}
        self.prefectures = prefectures
        self.lg_codes = lg_codes
        self.rng = random.Random(username)
        self.think = float(os.environ.get("LOADTEST_THINK", "1.0"))
        self.token = token

    def request(
        self,
        action: str,
        method: str,
        path: str,
        body: str | None = None,
        token: str = "",
        *,
        record: bool = True,
        want_location: bool = False,
    ):
        """One request on a new connection; the sample is recorded unless ``record`` is false (the caller does)."""
        headers = {"Host": "127.0.0.1", "Connection": "close"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        else:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.shared.port}{path}"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.shared.port, timeout=60)
        try:
            connection.request(method, path, body=body.encode() if body is not None else None, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";")[0]
        except (OSError, http.client.HTTPException) as error:
            self.shared.record(
                Sample(action, 0, time.perf_counter() - started, f"{type(error).__name__}: {error}", path)
            )
            return None, b""
        finally:
            connection.close()
        if record:
            self.shared.record(Sample(action, response.status, time.perf_counter() - started, path=path))
        if want_location:
            return response.status, response.getheader("Location", "")
        return response.status, content

    def run(self):
        actions, weights = zip(*[(name, weight) for name, weight in MIX.items() if weight > 0], strict=True)
        while self.shared.more():
            action = self.rng.choices(actions, weights)[0]
            getattr(self, action)()
            time.sleep(self.rng.uniform(0, 2 * self.think))

    def dashboard(self):
        """The user's home: headquarters' national dashboard, or the center's desk that "/" redirects to.

        A browser follows the redirect, so the sample is the whole wait: the redirect and the page.
        """
        started = time.perf_counter()
        status, location = self.request("dashboard", "GET", "/", record=False, want_location=True)
        if status in (301, 302) and location:
            path = location.split("://", 1)[-1].partition("/")[2] if "://" in location else location.lstrip("/")
            status, _content = self.request("dashboard", "GET", "/" + path, record=False)
        if status is None:
            return  # no answer: the error is recorded already
        self.shared.record(Sample("dashboard", status or 0, time.perf_counter() - started, path="/"))

    def api(self):
        """One page of an API list, with the user's personal token, as a BI tool would read it."""
        code = self.rng.choice(self.prefectures)
        path = self.rng.choice(
            [
                f"/api/v1/progress/?prefecture={code}&limit=100",
                "/api/v1/activities/?limit=50",
                "/api/v1/progress-changes/?limit=50",
                f"/api/v1/local-governments/?prefecture={code}&limit=100",
            ]
        )
        self.request("api", "GET", path, token=self.token)

    def report(self):
        code = self.rng.choice(self.prefectures)
        if self.rng.random() < 0.25:
            self.request("report_as_of", "GET", f"/prefectures/{code}/?as_of={self.rng.choice(FISCAL_YEAR_ENDS)}")
        else:
            self.request("report", "GET", f"/prefectures/{code}/")

    def update(self):
        from urllib.parse import urlencode

        lg_code = self.rng.choice(self.lg_codes)
        status, content = self.request("municipality_page", "GET", f"/municipalities/{lg_code}/")
        if status != 200:
            return
        forms = stage_forms(content.decode("utf-8", "replace"), lg_code)
        if not forms:
            self.shared.record(Sample("update", 0, 0.0, f"no stage-update form on /municipalities/{lg_code}/"))
            return
        form = self.rng.choice(forms)
        current = form["fields"].get("stage", "")
        choices = [stage for stage in form["options"].get("stage", []) if stage and stage != current]
        if not choices:
            return
        values = dict(form["fields"])
        values["stage"] = self.rng.choice(choices)
        values["note"] = "負荷試験による更新"
        time.sleep(self.rng.uniform(0, self.think))  # the user reads the form before saving
        status, _content = self.request("update", "POST", form["action"], body=urlencode(values))
        if status == 302:
            with self.shared.lock:
                self.shared.accepted.append(Accepted(lg_code, form["item"], values["stage"], self.username))


FISCAL_YEAR_ENDS: list[str] = []


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(url: str, static_root: str) -> dict[str, str]:
    child = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    child.update(env.production_like_environment(url))
    child.update(
        DJANGO_SETTINGS_MODULE="bench.serve_settings",
        BENCH_STATIC_ROOT=static_root,
        DJANGO_CONN_MAX_AGE=os.environ.get("LOADTEST_CONN_MAX_AGE", "60"),
        # Under load the roll-ups come from the shared cache, as in production (LOADTEST_ROLLUP_CACHE=0: off).
        DJANGO_ROLLUP_CACHE=os.environ.get("LOADTEST_ROLLUP_CACHE", "1"),
        DJANGO_API_THROTTLE="1000000/hour",
        PYTHONPATH=str(ROOT),
    )
    return child


def start_server(url: str, static_root: str, port: int, log_path: Path) -> subprocess.Popen:
    child = server_environment(url, static_root)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=child, check=True)
    workers = os.environ.get("LOADTEST_WORKERS", str((os.cpu_count() or 1) + 1))
    threads = os.environ.get("LOADTEST_THREADS", "4")
    command = [
        str(Path(PYTHON).with_name("gunicorn")),
        "cooperation.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        workers,
        "--threads",
        threads,
        "--worker-class",
        "gthread",
        "--timeout",
        "120",
        "--chdir",
        str(ROOT),
    ]
    log = open(log_path, "w")  # kept open for the server's lifetime
    server = subprocess.Popen(
        command, cwd=ROOT, env=child, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log_path}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                print(f"gunicorn ready on 127.0.0.1:{port} ({workers} workers × {threads} threads)")
                return server
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


def stop_server(server: subprocess.Popen) -> None:
    """Stop the gunicorn this process started (its own session: master and workers), gracefully first."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- users, the run, the check ---------------------------------------------------------------------


def sign_in_users(count: int) -> list[dict]:
    """Create sessions in the database for ``count`` users: 4 in 5 center staff, 1 in 5 headquarters."""
    from django.test import Client

    from offices.models import Municipality, Office, Role, User

    offices = list(Office.objects.order_by("sort_order", "code"))
    headquarters = max(1, count // 5)
    users = []
    for index in range(count - headquarters):
        office = offices[index % len(offices)]
        users.append((User.objects.get(username=f"bench-{office.code}"), office))
    for index in range(headquarters):
        user, created = User.objects.get_or_create(username=f"bench-hq-load-{index + 1}")
        if created:
            Role.objects.create(user=user, kind=Role.Kind.HEADQUARTERS)
        users.append((user, None))
    all_prefectures = sorted(Municipality.objects.values_list("prefecture__code", flat=True).distinct())
    hot = list(Municipality.objects.filter(lg_code__in=HOT_MUNICIPALITIES).values_list("lg_code", flat=True))
    signed_in = []
    for user, office in users:
        client = Client()
        client.force_login(user)
        if office is None:
            prefectures, lg_codes = all_prefectures, hot
        else:
            prefectures = [office.prefecture.code]
            lg_codes = list(Municipality.objects.filter(office=office).values_list("lg_code", flat=True))
            if office.code == "sapporo":
                # 小樽市 and 札幌市 are served by 札幌 (函館市 is not): shared with headquarters, so 409s happen.
                lg_codes = [code for code in hot if code in lg_codes] + lg_codes[:5]
        signed_in.append(
            {
                "username": user.username,
                "session": client.cookies["sessionid"].value,
                "prefectures": prefectures,
                "lg_codes": lg_codes,
                "token": _api_token(user),
            }
        )
    return signed_in


def _api_token(user) -> str:
    """A personal API token for the user (the API's list endpoints are in the mix); none before issue 18."""
    try:
        from cooperation.api.services import api_token_create
    except ImportError:
        return ""
    return api_token_create(by=user, name="loadtest")[1]


def verify(accepted: list[Accepted], first_id: int, usernames: set[str]) -> dict:
    """Every accepted POST has its ProgressChange (and nothing else appeared); the history is still consistent."""
    from cooperation.models import ProgressChange

    recorded = Counter(
        ProgressChange.objects.filter(pk__gt=first_id, recorded_by__username__in=usernames).values_list(
            "progress__municipality__lg_code", "progress__item__code", "to_stage", "recorded_by__username"
        )
    )
    expected = Counter((a.lg_code, a.item, a.to_stage, a.username) for a in accepted)
    lost = expected - recorded
    unexpected = recorded - expected
    problems = data.verify()
    return {
        "accepted": sum(expected.values()),
        "recorded": sum(recorded.values()),
        "lost": sum(lost.values()),
        "unexpected": sum(unexpected.values()),
        "history_problems": problems,
        "ok": not lost and not unexpected and not problems,
    }


def summarise(shared: Shared, seconds: float) -> dict:
    samples = shared.samples
    answered = [s for s in samples if s.status]
    conflicts = [s for s in samples if s.action == "update" and s.status == 409]
    refused = [s for s in samples if s.action == "update" and s.status == 200]  # the form re-shown with an error
    errors = [s for s in samples if s.status not in EXPECTED_STATUSES.get(s.action, {200})]
    by_action = {}
    for action in sorted({s.action for s in samples}):
        times = [s.seconds * 1000 for s in answered if s.action == action]
        by_action[action] = {
            "requests": sum(1 for s in samples if s.action == action),
            "p50_ms": _round(metrics.percentile(times, 0.50)),
            "p95_ms": _round(metrics.percentile(times, 0.95)),
            "p99_ms": _round(metrics.percentile(times, 0.99)),
        }
    times = [s.seconds * 1000 for s in answered]
    return {
        "requests": len(samples),
        "seconds": round(seconds, 1),
        "throughput_rps": round(len(answered) / seconds, 1) if seconds else None,
        "p50_ms": _round(metrics.percentile(times, 0.50)),
        "p95_ms": _round(metrics.percentile(times, 0.95)),
        "p99_ms": _round(metrics.percentile(times, 0.99)),
        "errors": len(errors),
        "error_examples": sorted({s.error or f"{s.action} {s.path} answered {s.status}" for s in errors})[:5],
        "conflicts_409": len(conflicts),
        "refused_invalid": len(refused),
        "accepted_updates": len(shared.accepted),
        "by_action": by_action,
    }


def _round(value):
    return None if value is None else round(value, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOADTEST_SECONDS", "120")))
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", "50")))
    parser.add_argument("--max-requests", type=int, default=int(os.environ.get("LOADTEST_MAX_REQUESTS", "30000")))
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results.json")
    args = parser.parse_args(argv)

    bench_url = env.database_url()
    load_url = env.with_database_name(bench_url, env.database_name(bench_url) + "_load")
    subprocess.run([PYTHON, "-m", "bench.run", "--data-only"], cwd=ROOT, check=True)
    print(f"copying {env.database_name(bench_url)} to {env.database_name(load_url)}")
    data.create_database(load_url, template=env.database_name(bench_url), replace=True)
    env.setup(load_url)

    from django.db import connections
    from django.utils import timezone

    from cooperation.fiscal import fiscal_year, fiscal_year_end
    from cooperation.models import ProgressChange

    today = timezone.localdate()
    FISCAL_YEAR_ENDS.extend(fiscal_year_end(fiscal_year(today) - back).isoformat() for back in (1, 2, 3))
    users = sign_in_users(args.users)
    first_id = ProgressChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connections.close_all()

    static_root = tempfile.mkdtemp(prefix="coop-bench-static-")
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"coop-bench-gunicorn-{port}.log"
    server = start_server(load_url, static_root, port, log_path)
    try:
        shared = Shared(port=port, deadline=time.monotonic() + args.seconds, max_requests=args.max_requests)
        threads = [
            VirtualUser(
                shared,
                username=u["username"],
                session=u["session"],
                prefectures=u["prefectures"],
                lg_codes=u["lg_codes"],
                token=u["token"],
            )
            for u in users
        ]
        print(f"{len(threads)} users for {args.seconds:.0f} s (at most {args.max_requests:,} requests) …", flush=True)
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
    finally:
        stop_server(server)
        shutil.rmtree(static_root, ignore_errors=True)

    summary = summarise(shared, elapsed)
    check = verify(shared.accepted, first_id, {u["username"] for u in users})
    print_summary(summary, check)
    row = metrics.entry(
        "load_test",
        label=f"load test: {len(users)} users, {elapsed:.0f} s, gunicorn",
        kind="loadtest",
        status=metrics.STATUS_OK if check["ok"] and not summary["errors"] else metrics.STATUS_ERROR,
        median_ms=summary["p50_ms"],
        **summary,
        nothing_lost=check,
        run={
            "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "database": env.database_name(load_url),
            "users": len(users),
            "think_seconds": float(os.environ.get("LOADTEST_THINK", "1.0")),
            "workers": os.environ.get("LOADTEST_WORKERS", str((os.cpu_count() or 1) + 1)),
            "threads": os.environ.get("LOADTEST_THREADS", "4"),
        },
    )
    if not args.no_write:
        metrics.write_results([row])
        print(f"wrote {metrics.RESULTS_PATH}")
    connections.close_all()
    data.drop_database(load_url)
    return 0 if row["status"] == metrics.STATUS_OK else 1


def print_summary(summary: dict, check: dict) -> None:
    print()
    print("| action | requests | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for action, figures in summary["by_action"].items():
        print(
            f"| {action} | {figures['requests']:,} | {figures['p50_ms']} | {figures['p95_ms']} | {figures['p99_ms']} |"
        )
    print(f"| all | {summary['requests']:,} | {summary['p50_ms']} | {summary['p95_ms']} | {summary['p99_ms']} |")
    print()
    print(
        f"throughput {summary['throughput_rps']} requests/s; errors {summary['errors']}; "
        f"409 conflicts (expected refusals) {summary['conflicts_409']}; form refusals {summary['refused_invalid']}"
    )
    for example in summary["error_examples"]:
        print(f"  error: {example}")
    print(
        f"history: {check['accepted']} accepted updates, {check['recorded']} recorded, "
        f"{check['lost']} lost, {check['unexpected']} unexpected; "
        + ("consistent" if not check["history_problems"] else "; ".join(check["history_problems"]))
    )


if __name__ == "__main__":
    sys.exit(main())
