"""Time the busiest pages with a million clips: the review inbox, the dashboard and a search.

Run from the repository root::

    .venv/bin/python bench/web.py                      # 1,000,000 clips, SQLite and PostgreSQL
    .venv/bin/python bench/web.py --clips 100000 --db sqlite --runs 10

The database is generated once by ``bench/webdb.py`` (SQLite file under ``bench/.cache/``,
PostgreSQL database ``retombees_bench``) and reused. Each page is requested through the Flask
test client, logged in, ``--warmup`` times and then ``--runs`` times; the median and the 95th
percentile of the wall time of a whole request (routing, queries, template) are printed, then
the median of ``--cold-runs`` requests each made just after a write (the data version is
incremented, so cached figures are computed again: the dashboard's worst case). One
more request per page records its SQL statements: their time, the indexes they use and the
plans of the main ones (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on
PostgreSQL). The target is a median under 100 ms for every page; see ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, make_url, select  # noqa: E402

from bench import webdata, webdb  # noqa: E402
from models import figures_cache  # noqa: E402
from models.campaign import campaign_by_slug  # noqa: E402
from models.coverage import Coverage  # noqa: E402
from models.metrics import Selection  # noqa: E402

TARGET_MS = 100.0
# A journalist's name (in about 1.4 % of the generated clips), and a topic word of the
# monitoring (in about 39 % of them: the clips were collected for such words).
SEARCH_WORDS = "Inès Roux"
COMMON_WORD = "terrils"


@dataclass
class Page:
    name: str
    path: str
    note: str = ""


@dataclass
class Statement:
    sql: str
    params: object
    ms: float


@dataclass
class Result:
    page: Page
    times: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)  # each just after a write: the answer
    computing: list[float] = field(default_factory=list)  # the same, waiting for the figures
    status: int = 0
    statements: list[Statement] = field(default_factory=list)
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def cold_median(self) -> float:
        return statistics.median(self.cold) if self.cold else float("nan")

    @property
    def computing_median(self) -> float:
        return statistics.median(self.computing) if self.computing else float("nan")

    @property
    def p95(self) -> float:
        if not self.times:
            return float("nan")
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _pages(sessions, fixture: webdb.Fixture) -> list[Page]:
    """The pages to time, with how many clips each one's main selection holds."""
    year = webdata.END.astimezone(webdata.PARIS).year - 1  # the last full calendar year
    typical, largest, small = fixture.dashboard_campaigns
    period = f"from={year}-01-01&to={year}-12-31"
    with sessions() as session:

        def clips(slug: str | None, start: date | None = None, end: date | None = None) -> int:
            campaign = campaign_by_slug(session, slug) if slug else None
            chosen = Selection(campaign.id if campaign else None, start, end)
            return session.scalar(select(func.count()).where(*chosen.where(session)))

        span = (date(year, 1, 1), date(year, 12, 31))
        typical_id = campaign_by_slug(session, typical).id
        new = session.scalar(select(func.count()).where(Coverage.status == "new"))
        mid, big, few = clips(typical, *span), clips(largest, *span), clips(small, *span)
    return [
        Page("inbox", "/review/", f"{new:,} clips awaiting review"),
        Page(
            "dashboard",
            f"/dashboard/?campaign={typical}&{period}",
            f"umbrella {typical}, {year}: {mid:,} confirmed clips (and {year - 1})",
        ),
        Page(
            "dashboard, largest umbrella",
            f"/dashboard/?campaign={largest}&{period}",
            f"umbrella {largest}, {year}: {big:,} confirmed clips (and {year - 1})",
        ),
        Page(
            "dashboard, small campaign",
            f"/dashboard/?campaign={small}&{period}",
            f"sub-campaign {small}, {year}: {few:,} confirmed clips (and {year - 1})",
        ),
        Page("dashboard, default view", "/dashboard/", "first umbrella, current year"),
        Page("search", f"/coverage/?q={quote(SEARCH_WORDS)}", f"full text “{SEARCH_WORDS}”"),
        Page(
            "search in a campaign",
            f"/coverage/?q={quote(SEARCH_WORDS)}&campaign={typical_id}",
            f"“{SEARCH_WORDS}” in {typical}",
        ),
        Page("search, common word", f"/coverage/?q={COMMON_WORD}", f"full text “{COMMON_WORD}”"),
    ]


def _login(client, fixture: webdb.Fixture) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"username": fixture.username, "password": fixture.password, "csrf_token": token},
    )
    if response.status_code != 302:
        raise SystemExit(f"cannot log in as {fixture.username}: HTTP {response.status_code}")


def _record(engine, client, path: str) -> tuple[int, list[Statement]]:
    """Request ``path`` once, recording every SQL statement with its time."""
    statements: list[Statement] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
        statements.append(Statement(statement, parameters, elapsed))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return status, statements


def _write(engine) -> None:
    """What a review decision does to the cached figures: a new data version."""
    with engine.begin() as connection:
        figures_cache.bump(connection)


def _check(response) -> None:
    """A timed request must have been answered (a failure is not a fast page)."""
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}")


NOT_CURRENT = (b'id="stale-figures"', b'id="figures-computing"')  # the dashboard's notices


def _wait_current(client, path: str, timeout: float = 300.0) -> None:
    """Wait for figures computed in the background (the dashboard says when it shows older
    ones or none yet), so that what is timed next is the page with its current figures and
    does not run beside that computation."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(notice in client.get(path).data for notice in NOT_CURRENT):
            return
        time.sleep(0.2)


def time_pages(
    app, fixture, pages: list[Page], runs: int, warmup: int, cold_runs: int = 0
) -> list[Result]:
    client = app.test_client()
    _login(client, fixture)
    engine = app.extensions["retombees_engine"]
    wait = app.config["RETOMBEES_DASHBOARD_WAIT"]
    results = []
    for page in pages:
        result = Result(page)
        try:
            _wait_current(client, page.path)
            for _ in range(warmup):
                client.get(page.path)
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(page.path)
                result.times.append((time.perf_counter() - started) * 1000)
                result.status = response.status_code
            for _ in range(cold_runs):
                _write(engine)
                started = time.perf_counter()
                _check(client.get(page.path))
                result.cold.append((time.perf_counter() - started) * 1000)
                _wait_current(client, page.path)
            app.config["RETOMBEES_DASHBOARD_WAIT"] = 3600  # the figures, waited for
            for _ in range(cold_runs if "dashboard" in page.name else 0):
                _write(engine)
                started = time.perf_counter()
                _check(client.get(page.path))
                result.computing.append((time.perf_counter() - started) * 1000)
            _write(engine)  # the recorded statements are those of a computing request
            status, result.statements = _record(engine, client, page.path)
            result.status = result.status or status
        except Exception as exc:  # a page under construction: report it, time the others
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            app.config["RETOMBEES_DASHBOARD_WAIT"] = wait
        results.append(result)
        print(
            f"  {page.name}: median {result.median:.1f} ms, after a write "
            f"{result.cold_median:.1f} ms, computing {result.computing_median:.1f} ms",
            file=sys.stderr,
            flush=True,
        )
    return results


# -- Plans ----------------------------------------------------------------------------------

INDEX_PATTERNS = (
    re.compile(r"USING (?:COVERING )?INDEX (\w+)"),
    re.compile(r"USING (INTEGER PRIMARY KEY)"),
    re.compile(
        r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
    ),
    re.compile(r"(Seq Scan on \w+)"),
    re.compile(r"^(?:[|`-]+)?(SCAN \w+)(?! USING)", re.MULTILINE),
    re.compile(r"(SCAN \w+ VIRTUAL TABLE INDEX \S+)"),
)


def _is_main(statement: Statement) -> bool:
    """A statement about clips (not the user, the campaign list or a single row by key)."""
    sql = statement.sql.lstrip().upper()
    return sql.startswith(("SELECT", "WITH")) and re.search(
        r"\b(COVERAGE|COVERAGE_FTS|COVERAGE_CAMPAIGN)\b", sql
    )


def explain(engine, statement: Statement) -> tuple[str, float]:
    """Return the plan of a recorded statement, and its time run again with every row fetched.

    The time recorded during the request stops at the first row on SQLite (rows are computed
    as they are fetched); running the statement again with ``fetchall`` counts the whole work.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute(statement.sql, statement.params)
            cursor.fetchall()
            best = min(best, (time.perf_counter() - started) * 1000)
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement.sql, statement.params)
            depth = {0: -1}
            lines = []
            for node, parent, _unused, detail in cursor.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines), best
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params)
        return "\n".join(row[0] for row in cursor.fetchall()), best
    finally:
        raw.rollback()
        raw.close()


def indexes_in(plan: str) -> list[str]:
    found = []
    for pattern in INDEX_PATTERNS:
        found += pattern.findall(plan)
    return list(dict.fromkeys(found))


def _short(sql: str, width: int = 150) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def report_plans(engine, results: list[Result], limit: int) -> None:
    """Print, per page, its statements about clips, slowest first, with their plans."""
    for result in results:
        total = sum(s.ms for s in result.statements)
        print(
            f"\n### {result.page.name} — {len(result.statements)} statements, "
            f"{total:.1f} ms until their first rows\n"
        )
        timed: dict[str, tuple[float, str, Statement]] = {}
        for statement in result.statements:
            if _is_main(statement) and statement.sql not in timed:
                plan, ms = explain(engine, statement)
                timed[statement.sql] = (ms, plan, statement)
        ranked = sorted(timed.values(), key=lambda item: -item[0])
        used: list[str] = []
        for _ms, plan, _statement in ranked:
            used += indexes_in(plan)
        print(f"Indexes used: {', '.join(dict.fromkeys(used)) or '(none)'}\n")
        print(
            f"Statements about clips: {len(timed)} distinct, "
            f"{sum(item[0] for item in ranked):.1f} ms run again with every row fetched"
        )
        for ms, plan, statement in ranked[:limit]:
            print(f"\n{ms:7.1f} ms  {_short(statement.sql)}")
            print("\n".join("           " + line for line in plan.splitlines()))
        for ms, _plan, statement in ranked[limit:]:
            print(f"{ms:7.1f} ms  {_short(statement.sql, 110)}")


# -- Main -----------------------------------------------------------------------------------


def _app(url: str):
    from webapp import create_app

    settings = webdb.settings_for(url, webdb.CACHE / "instance")
    return create_app({"TESTING": False}, settings=settings)


def run_database(label: str, fixture: webdb.Fixture, args) -> list[Result]:
    print(f"[bench] {label}: opening {fixture.clips:,} clips", file=sys.stderr, flush=True)
    app = _app(fixture.url)
    try:
        pages = _pages(app.extensions["retombees_sessions"], fixture)
        if args.pages:
            pages = [p for p in pages if any(word in p.name for word in args.pages)]
        results = time_pages(app, fixture, pages, args.runs, args.warmup, args.cold_runs)
        print(f"\n## {label}\n")
        for result in results:
            state = result.error or f"HTTP {result.status}"
            print(f"- {result.page.name}: `{result.page.path}` ({result.page.note}; {state})")
        if args.plans:
            report_plans(app.extensions["retombees_engine"], results, args.plans)
        return results
    finally:
        app.extensions["retombees_engine"].dispose()


def print_table(rows: list[tuple[str, list[Result]]], runs: int) -> None:
    print(f"\n## Pages, {runs} runs each (ms per request)\n")
    print(
        "“after a write”: the answer just after a write (figures that took over a second are "
        "shown as they were, dated, while the current ones are computed in the background); "
        "“computing”: the same request waiting for the current figures.\n"
    )
    print(
        "| page | database | median | p95 | after a write, median | computing, median "
        "| SQL computing the page | < 100 ms |"
    )
    print("|---|---|---:|---:|---:|---:|---:|:---:|")
    for label, results in rows:
        for r in results:
            sql = sum(s.ms for s in r.statements)
            ok = "yes" if r.median < TARGET_MS and not r.error and r.status == 200 else "**no**"
            print(
                f"| {r.page.name} | {label} | {r.median:.1f} | {r.p95:.1f} | "
                f"{r.cold_median:.1f} | {r.computing_median:.1f} | "
                f"{sql:.1f} ({len(r.statements)} statements) | {ok} |"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--cold-runs", type=int, default=5, help="requests timed just after a write (0: none)"
    )
    parser.add_argument("--url", default=webdb.PG_DEFAULT, help="PostgreSQL bench database")
    parser.add_argument(
        "--pg-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the app's connections, e.g. jit=off (repeatable)",
    )
    parser.add_argument("--plans", type=int, default=6, help="plans shown per page (0: none)")
    parser.add_argument("--pages", nargs="*", help="only the pages whose name has these words")
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    args = parser.parse_args(argv)
    rows = []
    if args.db in ("sqlite", "both"):
        fixture = webdb.ensure_sqlite(args.clips, args.fresh)
        rows.append(("SQLite", run_database("SQLite", fixture, args)))
    if args.db in ("postgresql", "both"):
        fixture = webdb.ensure_postgresql(args.clips, args.url, args.fresh)
        label = "PostgreSQL"
        if args.pg_option:
            options = " ".join(f"-c {option}" for option in args.pg_option)
            fixture.url = make_url(fixture.url).update_query_dict({"options": options})
            fixture.url = fixture.url.render_as_string(hide_password=False)
            label += f" ({', '.join(args.pg_option)})"
        rows.append((label, run_database(label, fixture, args)))
    print_table(rows, args.runs)


if __name__ == "__main__":
    main()
