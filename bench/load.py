"""Load the busiest pages with concurrent users: gunicorn on loopback, ``wrk``, 1,000,000 clips.

Run from the repository root (``wrk`` must be installed, PostgreSQL and Redis running)::

    .venv/bin/python bench/load.py                          # every page, 20 users, 10 s each
    .venv/bin/python bench/load.py --duration 5s --pages inbox search
    .venv/bin/python bench/load.py --workers 2 --connections 50
    .venv/bin/python bench/load.py --think 2-8 --duration 60s   # people, who read each page

The PostgreSQL bench database of ``bench/webdb.py`` (``retombees_bench``, 1,000,000 clips) is
reused, or generated once when missing; 5,000 sources are added to it if it has fewer (feeds on
the non-routable ``example.invalid`` domain). The real server is then started as users start
it, ``python -m cli serve``, with ``--workers`` gunicorn workers sharing the figures cache in
Redis. The script logs in once and gives the session cookie to ``wrk``, which keeps
``--connections`` connections busy on one page at a time (each connection is a user who asks
for the page again as soon as it arrives). Per page: one request alone (it fills the figures
cache, as the first visitor of the day does), a short warm-up run, then ``--duration`` measured.

Without ``--think`` the connections never pause: the server's throughput at saturation, the
harshest reading of "20 concurrent users". With ``--think 2-8`` the users are people: each reads
the page for a random 2 to 8 seconds before asking again. Locust (``bench/locust_users.py``)
runs them, since wrk's ``delay()`` does not time requests correctly on a server that closes
each connection, as gunicorn's sync workers do; the users start over 5 seconds, not at once.

Printed per page: the time of the request alone, requests per second, the median, 90th, 95th
(from a ``wrk`` Lua script) and 99th percentile of the latency, and whether the target is met:
median under 200 ms and 95th percentile under 500 ms. Every response must be a 200: a redirect
(to the login page: the cookie was refused) or an error stops the script; a page none of whose
requests ends within the run is reported as such. The inbox is requested as
``/review/?since=0``: opening ``/review/`` records a visit (a write), paging it only reads.
``wrk`` runs on the same machine as the server and the database, so it takes some of their CPU.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench import web, webdb  # noqa: E402
from models.base import SourceHealth, SourceKind, utcnow  # noqa: E402
from models.db import open_database  # noqa: E402
from models.outlet import Outlet  # noqa: E402
from models.source import Source  # noqa: E402

MEDIAN_TARGET_MS = 200.0
P95_TARGET_MS = 500.0
REDIS_URL = "redis://127.0.0.1:6379/0"
SOURCE_URL = "https://feeds{n}.example.invalid/rss"
# The session is bound to the browser (Flask-Login's "strong" session protection hashes the
# User-Agent): the login and wrk send the same one.
USER_AGENT = "retombees-load-bench"
LOCUST = [sys.executable, "-m", "locust"]

# Runs inside wrk: the 95th percentile (its report stops at 50/75/90/99) and the responses
# that are not a 200 (wrk itself counts only those outside 2xx and 3xx: a redirect to the
# login page would pass). Each thread has its own Lua state; done() adds their counters up.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; bad_status = 0 end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1; bad_status = status end
end
function done(summary, latency, requests)
  local bad, status = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("bad")
    if thread:get("bad_status") ~= 0 then status = thread:get("bad_status") end
  end
  local e = summary.errors
  io.write(string.format(
    "LOADBENCH requests=%d duration_us=%d l50=%d l90=%d l95=%d l99=%d max=%d "
      .. "not200=%d last_status=%d connect=%d read=%d write=%d timeout=%d http=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, bad, status,
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""


@dataclass
class Outcome:
    page: web.Page
    rps: float
    p50: float  # milliseconds
    p90: float
    p95: float
    p99: float
    max: float
    requests: int
    first: float  # the single request made before the load, ms (fills the figures cache)
    problem: str = ""  # socket errors, or no answer within the run

    @property
    def met(self) -> bool:
        return not self.problem and self.p50 < MEDIAN_TARGET_MS and self.p95 < P95_TARGET_MS


def _log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# -- Data -----------------------------------------------------------------------------------


def ensure_sources(sessions, wanted: int) -> int:
    """Add generated sources until the database has ``wanted``; return how many were added.

    Feeds of the outlets (a few podcasts, sitemaps and sections), on ``example.invalid`` so
    that nothing could ever fetch them, with a mix of health states as after months of use.
    """
    with sessions() as session:
        present = session.scalar(select(func.count()).select_from(Source))
        if present >= wanted:
            return 0
        outlets = session.execute(select(Outlet.id, Outlet.name).order_by(Outlet.id)).all()
        taken = set(
            session.scalars(select(Source.url).where(Source.url.like("%.example.invalid%")))
        )
        now = utcnow()
        rng = random.Random(20240601)
        kinds = [SourceKind.FEED] * 14 + [
            SourceKind.PODCAST,
            SourceKind.SITEMAP,
            SourceKind.SECTION,
        ]
        healths = [SourceHealth.OK] * 16 + [SourceHealth.FAILING] * 2 + [SourceHealth.BLOCKED]
        rows, n = [], 0
        while len(rows) < wanted - present:
            n += 1
            url = SOURCE_URL.format(n=n)
            if url in taken:
                continue
            outlet_id, outlet_name = outlets[n % len(outlets)] if outlets else (None, "Source")
            health = rng.choice(healths)
            failures = 0 if health == SourceHealth.OK else rng.randint(1, 8)
            attempt = now - timedelta(minutes=rng.randint(1, 60))
            rows.append(
                {
                    "name": f"{outlet_name} — flux {n}",
                    "kind": rng.choice(kinds),
                    "url": url,
                    "outlet_id": outlet_id,
                    "enabled": rng.random() > 0.03,
                    "interval_minutes": rng.choice((30, 60, 60, 120, 360)),
                    "config": {},
                    "health": health,
                    "last_attempt_at": attempt,
                    "last_success_at": attempt - timedelta(hours=failures),
                    "consecutive_failures": failures,
                    "last_error": None if failures == 0 else "HTTP 503 Service Unavailable",
                    "last_status": 200 if failures == 0 else 503,
                    "last_entry_count": rng.randint(5, 50),
                    "next_attempt_at": attempt + timedelta(minutes=60),
                    "created_at": now - timedelta(days=rng.randint(30, 900)),
                }
            )
        session.execute(insert(Source), rows)
        session.commit()
        return len(rows)


def pages(sessions, fixture: webdb.Fixture) -> list[web.Page]:
    """The pages of ``bench/web.py``, the inbox as a plain read, and the sources page."""
    found = []
    for page in web._pages(sessions, fixture):
        if page.name == "inbox":
            # Opening /review/ records a visit (a write); with ``since`` it only reads, as when
            # paging or filtering the inbox. "0": every clip counts as new since the last visit.
            page.path = "/review/?since=0"
        found.append(page)
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(Source))
    found.append(web.Page("sources", "/sources/", f"{count:,} sources"))
    return found


# -- Server ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``python -m cli serve`` in a child process, stopped on exit."""

    def __init__(self, settings, workers: int, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            **settings.to_env(),
            "RETOMBEES_WEB_WORKERS": str(workers),
            "RETOMBEES_REDIS_URL": REDIS_URL,
        }
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # gunicorn's access log: one line a request
            stderr=self.errors,
            start_new_session=True,
        )

    def output(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode(errors="replace")[-3000:]

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the web server stopped at start:\n{self.output()}")
            try:
                if requests.get(f"{self.base}/login", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"the web server did not answer within {timeout:.0f} s")

    def settle(self) -> None:
        """Wait for the requests wrk left behind (the workers finish them) to be served."""
        requests.get(f"{self.base}/login", timeout=300)

    def first_request(self, page: web.Page, cookie: str) -> float:
        """Request ``page`` alone once, then until its figures are current (a dashboard computes
        them in the background and says so meanwhile); return the first request's time in ms.

        The load is then measured on the page people see once the figures are computed.
        """
        times = []
        deadline = time.monotonic() + 300
        while True:
            started = time.perf_counter()
            response = requests.get(
                self.base + page.path,
                headers={"Cookie": cookie, "User-Agent": USER_AGENT},
                allow_redirects=False,
                timeout=300,
            )
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{page.name}: HTTP {response.status_code} on its first request")
            current = not any(notice in response.content for notice in web.NOT_CURRENT)
            if current or time.monotonic() > deadline:
                return times[0]
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.errors.close()


def login(base: str, fixture: webdb.Fixture) -> str:
    """Log in once; return the ``Cookie`` header of the session."""
    client = requests.Session()
    client.headers["User-Agent"] = USER_AGENT
    page = client.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        f"{base}/login",
        data={"username": fixture.username, "password": fixture.password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise SystemExit(f"cannot log in as {fixture.username}: HTTP {response.status_code}")
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies)
    check = requests.get(
        f"{base}/review/?since=0",
        headers={"Cookie": cookie, "User-Agent": USER_AGENT},
        allow_redirects=False,
        timeout=60,
    )
    if check.status_code != 200:
        raise SystemExit(
            f"the session cookie is not accepted: HTTP {check.status_code} "
            f"{check.headers.get('Location', '')}"
        )
    return cookie


# -- wrk ------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS_MS[unit]


def parse_wrk(output: str) -> dict:
    """Read wrk's report: requests/s, the latency distribution, the Lua script's line."""
    found: dict = {}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    found["rps"] = float(rps.group(1)) if rps else 0.0
    for percent, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, re.MULTILINE):
        found[f"p{percent}"] = _ms(value)
    line = re.search(r"^LOADBENCH (.*)$", output, re.MULTILINE)
    if line is None:
        raise SystemExit(f"unexpected wrk output:\n{output}")
    for key, value in re.findall(r"(\w+)=(\d+)", line.group(1)):
        found[key] = int(value)
    for percent in (50, 90, 99):  # wrk's text has them; the script's microseconds otherwise
        found.setdefault(f"p{percent}", found[f"l{percent}"] / 1000)
    found["p95"] = found["l95"] / 1000
    found["max"] = found["max"] / 1000
    return found


def think_range(think: str) -> tuple[float, float] | None:
    """``--think`` "2-8" as (2.0, 8.0) seconds; None without it."""
    if not think:
        return None
    found = re.fullmatch(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", think)
    if found is None or float(found.group(1)) > float(found.group(2)):
        raise SystemExit(f"--think {think!r}: give seconds as MIN-MAX, e.g. 2-8")
    return float(found.group(1)), float(found.group(2))


def run_locust(url: str, cookie: str, duration: str, args) -> dict:
    """``--connections`` people reading ``url`` for ``--think`` seconds between requests,
    during ``duration``; the same figures as :func:`parse_wrk`."""
    low, high = think_range(args.think)
    base, path = re.match(r"(https?://[^/]+)(/.*)", url).groups()
    with tempfile.TemporaryDirectory(prefix="retombees-locust-") as folder:
        prefix = Path(folder) / "run"
        command = [
            *LOCUST,
            "-f",
            str(ROOT / "bench" / "locust_users.py"),
            "--headless",
            "--only-summary",
            "--users",
            str(args.connections),
            "--spawn-rate",
            str(max(1, args.connections // 5)),  # all started within 5 seconds
            "--run-time",
            duration,
            "--host",
            base,
            "--csv",
            str(prefix),
        ]
        environ = {
            **os.environ,
            "LOAD_PATH": path,
            "LOAD_COOKIE": cookie,
            "LOAD_USER_AGENT": USER_AGENT,
            "LOAD_THINK_MIN": str(low),
            "LOAD_THINK_MAX": str(high),
        }
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_ms(duration) / 1000 + 120, env=environ
        )
        stats = prefix.with_name("run_stats.csv")
        if not stats.exists():
            raise SystemExit(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
        with stats.open(newline="") as table:
            row = next(r for r in csv.DictReader(table) if r["Name"] == "Aggregated")
        failures = prefix.with_name("run_failures.csv")
        with failures.open(newline="") as table:
            errors = [r["Error"] for r in csv.DictReader(table)]
    requests_made = int(row["Request Count"])
    status = re.search(r"HTTP (\d+)", " ".join(errors))
    return {
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p90": float(row["90%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
        "max": float(row["Max Response Time"]),
        "requests": requests_made,
        "not200": int(row["Failure Count"]),
        "last_status": int(status.group(1)) if status else 0,
        **dict.fromkeys(("connect", "read", "write", "timeout"), 0),
    }


def run_wrk(url: str, cookie: str, duration: str, args, script: str) -> dict:
    command = [
        args.wrk,
        "-t",
        str(args.threads),
        "-c",
        str(args.connections),
        "-d",
        duration,
        "--timeout",
        "60s",  # a slow answer is measured, not dropped as a timeout (wrk's default is 2 s)
        "--latency",
        "-s",
        script,
        "-H",
        f"Cookie: {cookie}",
        "-H",
        f"User-Agent: {USER_AGENT}",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def check(page: web.Page, found: dict) -> str:
    """Stop at the first page that answered anything but a 200; return socket problems.

    A page too slow to answer within the run, or connections lost, is reported in the table.
    """
    errors = [f"socket errors: {found[k]} {k}" for k in ("connect", "read", "write", "timeout")]
    errors = [e for e in errors if not e.startswith("socket errors: 0 ")]
    if found["not200"]:
        status = found["last_status"]
        why = " (a redirect: the session cookie was refused)" if 300 <= status < 400 else ""
        raise SystemExit(
            f"{page.name}: {found['not200']} of {found['requests']} responses were not a 200, "
            f"e.g. HTTP {status}{why}"
        )
    if not found["requests"]:
        errors.append("every request took longer than the run")
    return ", ".join(errors)


def measure(server: Server, cookie: str, chosen: list[web.Page], args) -> list[Outcome]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="retombees-load-") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        outcomes = []
        for page in chosen:
            url = server.base + page.path
            server.settle()
            first = server.first_request(page, cookie)
            if args.think:
                found = run_locust(url, cookie, args.duration, args)
            else:
                if args.warmup != "0":
                    check(page, run_wrk(url, cookie, args.warmup, args, script.name))
                found = run_wrk(url, cookie, args.duration, args, script.name)
            problem = check(page, found)
            outcome = Outcome(
                page,
                found["rps"],
                found["p50"],
                found["p90"],
                found["p95"],
                found["p99"],
                found["max"],
                found["requests"],
                first,
                problem,
            )
            outcomes.append(outcome)
            _log(
                f"{page.name}: {outcome.rps:.1f} requests/s, median {outcome.p50:.0f} ms, "
                f"p95 {outcome.p95:.0f} ms, p99 {outcome.p99:.0f} ms {problem}"
            )
    return outcomes


def print_table(outcomes: list[Outcome], args, fixture: webdb.Fixture) -> None:
    pause = f"pausing {args.think} s between pages" if args.think else "without pause"
    print(
        f"\n## {args.connections} concurrent users {pause}, {args.workers} gunicorn workers, "
        f"{args.duration} per page ({fixture.clips:,} clips, PostgreSQL)\n"
    )
    for outcome in outcomes:
        print(f"- {outcome.page.name}: `{outcome.page.path}` ({outcome.page.note})")
    print("\n“alone”: the first request of the page, before the load (it fills the figures cache).")
    print(
        "\n| page | alone (ms) | requests/s | median (ms) | p90 (ms) | p95 (ms) | p99 (ms) "
        "| requests | median < 200 ms, p95 < 500 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for o in outcomes:
        times = [f"{t:.0f}" if o.requests else "—" for t in (o.p50, o.p90, o.p95, o.p99)]
        verdict = "yes" if o.met else "**no**" + (f" ({o.problem})" if o.problem else "")
        print(
            f"| {o.page.name} | {o.first:.0f} | {o.rps:.1f} | {' | '.join(times)} "
            f"| {o.requests:,} | {verdict} |"
        )


# -- Main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", default="10s", help="measured wrk run per page")
    parser.add_argument("--warmup", default="3s", help="wrk run before measuring (0: none)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent users")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--think", default="", help="seconds each user pauses between pages, MIN-MAX (e.g. 2-8)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--pages", nargs="*", help="only the pages whose name has these words")
    parser.add_argument("--url", default=webdb.PG_DEFAULT, help="PostgreSQL bench database")
    parser.add_argument("--clips", type=int, default=1_000_000)
    parser.add_argument("--sources", type=int, default=5000, help="sources in the database")
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help="the wrk program")
    args = parser.parse_args(argv)
    if think_range(args.think):  # a malformed --think stops here, before the database is opened
        if subprocess.run([*LOCUST, "--version"], capture_output=True).returncode != 0:
            raise SystemExit("--think needs Locust (pip install -e '.[dev]')")
    elif not shutil.which(args.wrk):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    fixture = webdb.ensure_postgresql(args.clips, args.url)
    settings = webdb.settings_for(fixture.url, webdb.CACHE / "instance")
    engine, sessions = open_database(settings)
    try:
        added = ensure_sources(sessions, args.sources)
        if added:
            _log(f"{added:,} sources added")
        chosen = pages(sessions, fixture)
    finally:
        engine.dispose()
    if args.pages:
        chosen = [p for p in chosen if any(word in p.name for word in args.pages)]
    if not chosen:
        raise SystemExit("no page matches --pages")

    server = Server(settings, args.workers, args.port or _free_port())
    try:
        server.wait_ready()
        _log(f"server on {server.base}, {args.workers} workers")
        cookie = login(server.base, fixture)
        outcomes = measure(server, cookie, chosen, args)
    finally:
        server.stop()
    print_table(outcomes, args, fixture)


if __name__ == "__main__":
    main()
