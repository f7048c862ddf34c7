"""Polling benchmark: 10,000 feeds every 15 minutes from one machine, and the CPU it costs.

A feed server in its own process serves F RSS feeds (``--items`` entries each, 10 by default)
from H loopback host addresses (``--hosts``, 500 by default: 127.0.0.2 …, 127.0.1.2 …; the
crawler is polite per host, two requests at a time and half a second apart when answers are
304), with ETag and Last-Modified, and the article pages (about 200 kB) they link to. The
database holds one campaign, the F feed sources (15-minute interval) and, as clips already
collected, the older entries that match the campaign: SQLite by default, or a PostgreSQL
database made for the run and dropped after it (``--db postgresql``).

A first crawl reads every feed once (empty feeds then) and so fills the validators. Each
measured round then changes a share of the feeds (``--changed-share``, 3 % by default: two new
entries beside eight older ones), makes every source due as 15 minutes later, and runs the
scheduler's crawl job itself (``scheduler.Jobs.crawl_due``: the due sources, one crawl child
``python -m crawler``, or ``RETOMBEES_CRAWL_PROCESSES`` of them with ``--redis-url``).
Unchanged feeds answer 304; a changed feed is read and each entry not stored yet is fetched.
Entries that match no campaign are not stored, so they are fetched again each time their feed
changes: ``--matching-share`` says which share of the articles match (20 % by default).

Per round: ``wall_s`` (the crawl job from start to end, crawl process start-up included),
``crawl_cpu_s`` (user + system of the crawl processes and the job; the feed server's CPU is
counted apart in ``server_cpu_s``; SQLite works inside the crawl process and is counted, a
PostgreSQL server's own CPU is not), ``share_core`` = crawl CPU / 900 s (the share of one core
that polling every 15 minutes takes), ``share_machine`` (the same over all cores),
``peak_rss_mb`` (the crawl process), ``feeds_per_s`` (over the spiders' time) and ``keeps up``
("yes" when the round ends within half the 15-minute period, "only just" within it). The
answers the server gave are checked against what the round should fetch. Numbers are medians
of ``--runs`` rounds. On a shared machine wall times follow the other work; CPU seconds vary
less, though they too grow when other processes keep the cores busy.
Run: ``.venv/bin/python bench/polling.py [--feeds 10000] [--runs 3] [--db postgresql]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, update  # noqa: E402

from bench.loopback import RSS, Answer, Site, article_page, feed, prepared  # noqa: E402
from bench.scratchdb import scratch_postgresql  # noqa: E402
from models import Coverage, CoverageStatus, Settings, Source, utcnow  # noqa: E402
from models.db import open_database  # noqa: E402
from models.urls import canonical_url  # noqa: E402

PERIOD_S = 900  # the feeds' polling interval: 15 minutes
KEEP_UP_SHARE = 0.5  # a round "keeps up" when it ends within half the period
QUERY = '"terrils jumeaux"'  # the campaign; only the titles of matching articles have it
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
PG_DATABASE = "retombees_bench_polling"
PER_FEED = 100_000  # article n belongs to feed n // PER_FEED
EPOCH = datetime(2026, 11, 25, 8, tzinfo=UTC)


# -- what the feeds list ---------------------------------------------------------------------


class Plan:
    """The feeds' contents: feed f at version v lists its ``items`` newest entries (version 0
    lists none); each new version adds ``new_items``. Article numbers are f * PER_FEED + k."""

    def __init__(self, args):
        self.feeds, self.hosts, self.items = args.feeds, args.hosts, args.items
        self.new_items, self.matching_share = args.new_items, args.matching_share
        self.base = args.items - args.new_items  # entries older than version 1
        self.seed = args.seed

    def host(self, f: int) -> int:
        return f % self.hosts

    def top(self, version: int) -> int:
        """One past the newest entry k of a feed at ``version``."""
        return self.base + self.new_items * version if version else 0

    def window(self, f: int, version: int) -> list[int]:
        """The articles feed ``f`` lists at ``version``, newest first."""
        top = self.top(version)
        return [f * PER_FEED + k for k in range(top - 1, max(top - self.items, 0) - 1, -1)]

    def matches(self, n: int) -> bool:
        """Whether article ``n`` matches the campaign (its title names the terrils)."""
        return random.Random(n * 7919 + self.seed).random() < self.matching_share

    def title(self, n: int) -> str:
        site = self.host(n // PER_FEED)
        subject = " : les terrils jumeaux à l'honneur" if self.matches(n) else ""
        return f"Article {n} du site {site}{subject}"

    def stored_before(self, f: int) -> list[int]:
        """The matching entries older than version 1: stored as clips before the first crawl."""
        return [f * PER_FEED + k for k in range(self.base) if self.matches(f * PER_FEED + k)]

    def expected(self, f: int, version: int) -> tuple[int, int]:
        """(pages fetched, clips stored) when feed ``f`` moves to ``version``: every entry not
        stored yet is fetched, and the new matching ones are stored."""
        before = self.top(version - 1) if version > 1 else self.base
        fetched = stored = 0
        for n in self.window(f, version):
            new = n % PER_FEED >= before
            if new or not self.matches(n):
                fetched += 1
            stored += new and self.matches(n)
        return fetched, stored


# -- the feed server (its own process) --------------------------------------------------------


def serve(conn, plan: Plan, poll_interval: float) -> None:
    """Serve the feeds and articles of ``plan`` until told to stop; commands come on ``conn``:
    ``("change", [f, …])`` (new versions), ``("usage", None)`` (CPU s, answers counted since
    the last call), ``("stop", None)``."""
    versions = [0] * plan.feeds
    counts: Counter = Counter()
    lock = threading.Lock()

    class FeedSite(Site):
        def answer(self, path: str) -> Answer | None:
            kind, _, name = path.lstrip("/").partition("/")
            try:
                number = int(name.rsplit(".", 1)[0])
            except ValueError:
                return None
            if kind == "feeds" and number < plan.feeds and plan.host(number) == self.index:
                version = versions[number]
                return Answer(
                    lambda: feed(
                        self.base, self.index, number, plan.window(number, version), plan.title
                    ),
                    f'"{number}-{version}"',
                    format_datetime(EPOCH + timedelta(minutes=15 * version), usegmt=True),
                    RSS,
                )
            if kind == "articles" and plan.host(number // PER_FEED) == self.index:
                return Answer(
                    lambda: article_page(self.index, number, random.Random(number)), f'"a{number}"'
                )
            return None

        def served(self, path: str, status: int) -> None:
            with lock:
                counts[f"{path.lstrip('/').partition('/')[0]} {status}"] += 1

    sites = [FeedSite(i, {}, poll_interval) for i in range(plan.hosts)]
    conn.send([site.base for site in sites])
    while True:
        command, argument = conn.recv()
        if command == "change":
            for f in argument:
                versions[f] += 1
            conn.send(None)
        elif command == "usage":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            with lock:
                answered = dict(counts)
                counts.clear()
            conn.send((usage.ru_utime + usage.ru_stime, answered))
        else:  # stop: the server threads are daemons and end with the process
            conn.send(None)
            return


class FeedServer:
    """The parent's handle on the feed server process."""

    def __init__(self, plan: Plan, poll_interval: float = 0.5):
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, plan, poll_interval))
        self.process.start()
        self.bases: list[str] = self.conn.recv()

    def call(self, command: str, argument=None):
        self.conn.send((command, argument))
        return self.conn.recv()

    def stop(self) -> None:
        self.call("stop")
        self.process.join(30)


# -- the database -------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"[polling] {message}", file=sys.stderr, flush=True)


def article_url(plan: Plan, bases: list[str], n: int) -> str:
    return f"{bases[plan.host(n // PER_FEED)]}/articles/{n}.html"


def fill(tmp: str, database_url: str, plan: Plan, bases: list[str]) -> Settings:
    """The campaign, the feed sources and the clips stored before the first crawl."""
    urls = [f"{bases[plan.host(f)]}/feeds/{f}.xml" for f in range(plan.feeds)]
    settings = prepared(tmp, urls, database_url, interval_minutes=PERIOD_S // 60, query=QUERY)
    engine, sessions = open_database(settings)
    rows = [
        {
            "url": canonical_url(article_url(plan, bases, n)),
            "title": plan.title(n),
            "text": "Un article déjà collecté sur les terrils jumeaux.",
            "status": CoverageStatus.NEW,
        }
        for f in range(plan.feeds)
        for n in plan.stored_before(f)
    ]
    with sessions.begin() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Coverage), rows[start : start + 5000])
    engine.dispose()
    _log(f"{plan.feeds:,} feed sources on {plan.hosts} hosts, {len(rows):,} clips stored before")
    return settings


def make_due(settings: Settings) -> None:
    """Every source due, as 15 minutes after the last round."""
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.execute(update(Source).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    engine.dispose()


# -- one round: the scheduler's crawl job in a child process ----------------------------------


def crawl_job() -> None:
    """Run the scheduler's crawl job once (settings from the environment) and print, as JSON,
    its time, its CPU and that of the crawl processes, their peak RSS and their statistics."""
    from crawler import runner
    from scheduler import Jobs

    jobs = Jobs(Settings.from_env())
    crawls: list[dict] = []
    crawl_in_child = runner.crawl_in_child

    def recorded(*args, **kwargs):
        stats = crawl_in_child(*args, **kwargs)
        crawls.append(stats.as_json())
        return stats

    runner.crawl_in_child = recorded  # the job imports it from there when it runs
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    jobs.crawl_due()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    job_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        json.dumps(
            {
                "wall_s": wall,
                "job_cpu_s": job_cpu,
                "crawl_cpu_s": children.ru_utime + children.ru_stime,
                "peak_rss_mb": children.ru_maxrss / 1024,
                "crawls": crawls,
            }
        )
    )


def run_round(settings: Settings, server: FeedServer) -> dict:
    """Make every source due, run the crawl job, and return what it cost and what it did."""
    make_due(settings)
    server_before, _ = server.call("usage")
    done = subprocess.run(
        [sys.executable, __file__, "--crawl-job"],
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    server_after, answered = server.call("usage")
    if done.returncode or not done.stdout.strip():
        sys.exit(f"the crawl job failed:\n{done.stderr[-3000:]}")
    job = json.loads(done.stdout.strip().splitlines()[-1])
    if not job["crawls"]:
        sys.exit("the crawl job found no source due")
    crawls = job["crawls"]
    cpu = job["crawl_cpu_s"] + job["job_cpu_s"]
    spiders_s = max(c["elapsed_s"] for c in crawls)
    sources = sum(c["sources"] for c in crawls)
    return {
        "wall_s": job["wall_s"],
        "crawl_cpu_s": cpu,
        "share_core": cpu / PERIOD_S,
        "share_machine": cpu / (PERIOD_S * (os.cpu_count() or 1)),
        "server_cpu_s": server_after - server_before,
        "peak_rss_mb": job["peak_rss_mb"],
        "spiders_s": spiders_s,
        "feeds_per_s": sources / spiders_s,
        "sources": sources,
        "failing": sum(c["failing_sources"] for c in crawls),
        "stored": sum(c["stored"] for c in crawls),
        "answered": answered,
    }


def check(result: dict, plan: Plan, changed: int, fetched: int, stored: int) -> list[str]:
    """What differs between the round and what it should have done."""
    answered = result["answered"]
    wanted = {
        "sources": (result["sources"], plan.feeds),
        "feeds answered 304": (answered.get("feeds 304", 0), plan.feeds - changed),
        "feeds read (200)": (answered.get("feeds 200", 0), changed),
        "article pages": (answered.get("articles 200", 0), fetched),
        "clips stored": (result["stored"], stored),
        "failing sources": (result["failing"], 0),
    }
    return [
        f"{name}: {got:,}, expected {want:,}" for name, (got, want) in wanted.items() if got != want
    ]


def keeps_up(wall_s: float) -> str:
    """ "yes" within half the period, "only just" within it, else "NO"."""
    if wall_s <= PERIOD_S * KEEP_UP_SHARE:
        return "yes"
    return "only just" if wall_s <= PERIOD_S else "NO"


def describe(number: int, result: dict, changed: int) -> str:
    answered = result["answered"]
    return (
        f"round {number}: wall {result['wall_s']:.1f} s, crawl CPU {result['crawl_cpu_s']:.1f} s "
        f"= {100 * result['share_core']:.1f} % of one core over 15 min "
        f"({100 * result['share_machine']:.1f} % of the machine), feed server CPU "
        f"{result['server_cpu_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB; "
        f"{result['sources']:,} feeds ({answered.get('feeds 304', 0):,} × 304, {changed:,} read) "
        f"in {result['spiders_s']:.1f} s = {result['feeds_per_s']:.0f} feeds/s, "
        f"{answered.get('articles 200', 0):,} article pages, {result['stored']:,} clips stored; "
        f"keeps up: {keeps_up(result['wall_s'])} ({100 * result['wall_s'] / PERIOD_S:.0f} % "
        f"of the 15 minutes)"
    )


# -- main ---------------------------------------------------------------------------------------


def measure(args, database_url: str) -> list[dict]:
    plan = Plan(args)
    rng = random.Random(args.seed)
    versions = [0] * plan.feeds
    server = FeedServer(plan)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = fill(tmp, database_url, plan, server.bases)
            if args.redis_url:
                settings = replace(
                    settings, redis_url=args.redis_url, crawl_processes=args.processes
                )
            result = run_round(settings, server)
            _log(
                f"first crawl (validators): {result['wall_s']:.1f} s, "
                f"{result['crawl_cpu_s']:.1f} CPU s, "
                f"{result['answered'].get('feeds 200', 0):,} feeds read"
            )
            for problem in check(result, plan, plan.feeds, 0, 0):
                _log(f"first crawl: {problem}")
            results = []
            for number in range(1, args.runs + 1):
                changed = sorted(
                    rng.sample(range(plan.feeds), round(plan.feeds * args.changed_share))
                )
                fetched = stored = 0
                for f in changed:
                    versions[f] += 1
                    pages, clips = plan.expected(f, versions[f])
                    fetched, stored = fetched + pages, stored + clips
                server.call("change", changed)
                result = run_round(settings, server)
                print(describe(number, result, len(changed)), flush=True)
                for problem in check(result, plan, len(changed), fetched, stored):
                    print(f"  unexpected: {problem}", flush=True)
                results.append(result)
            return results
    finally:
        server.stop()


def summary(results: list[dict], args) -> None:
    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    wall = median("wall_s")
    print(
        f"\nmedian of {len(results)} rounds ({args.feeds:,} feeds on {args.hosts} hosts, "
        f"{100 * args.changed_share:g} % changed, {args.db}, "
        f"{args.processes if args.redis_url else 1} crawl process(es)):"
    )
    for key, unit in (
        ("wall_s", "s"),
        ("crawl_cpu_s", "CPU s"),
        ("share_core", "of one core"),
        ("share_machine", f"of the machine ({os.cpu_count()} cores)"),
        ("server_cpu_s", "CPU s (feed server, not counted above)"),
        ("peak_rss_mb", "MB"),
        ("feeds_per_s", "feeds/s (spiders' time)"),
    ):
        value = median(key)
        shown = f"{100 * value:.1f} %" if key.startswith("share") else f"{value:.4g}"
        print(f"  {key:<14} {shown} {unit}")
    print(
        f"  keeps up:      {keeps_up(wall)}: a round takes {wall:.0f} s of the {PERIOD_S} s "
        f"period ({PERIOD_S / wall:.1f}× headroom; 'yes' needs under {KEEP_UP_SHARE:.0%}, "
        "'only just' under 100 %)"
    )
    print("  (on a shared machine wall times follow the other work; CPU s vary less)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=10_000, help="feed sources")
    parser.add_argument("--hosts", type=int, default=500, help="loopback host addresses")
    parser.add_argument(
        "--changed-share",
        type=float,
        default=0.03,
        help="share of the feeds with new entries each round",
    )
    parser.add_argument("--items", type=int, default=10, help="entries per feed")
    parser.add_argument("--new-items", type=int, default=2, help="new entries per changed feed")
    parser.add_argument(
        "--matching-share",
        type=float,
        default=0.2,
        help="share of the articles matching the campaign (stored)",
    )
    parser.add_argument("--runs", type=int, default=3, help="measured rounds")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=PG_DEFAULT,
        help=f"PostgreSQL server (its database {PG_DATABASE} is made and dropped)",
    )
    parser.add_argument(
        "--redis-url", default="", help="share the crawl between --processes crawl processes"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="RETOMBEES_CRAWL_PROCESSES (with --redis-url)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--crawl-job", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.crawl_job:
        crawl_job()
        return
    if not 0 < args.new_items <= args.items or args.hosts > 250 * 250:
        parser.error("need 0 < --new-items <= --items and at most 62,500 hosts")
    if args.db == "postgresql":
        with scratch_postgresql(args.pg_url, PG_DATABASE) as url:
            results = measure(args, url)
    else:
        results = measure(args, "")
    summary(results, args)


if __name__ == "__main__":
    main()
