"""Crawl benchmark: generated news sites on loopback, crawled end to end into the database.

Serves N article pages (about 200 kB each, realistic page chrome around a 700-word article)
and F feeds from H local host addresses (127.0.0.2 …), then runs one crawl process exactly as
the scheduler does (``python -m crawler``) and reports pages/s, CPU seconds per page and the
crawl process's peak RSS; then re-crawls the unchanged feeds (every answer a 304). A second
phase polls P unchanged feeds spread over up to 250 hosts (each host is crawled politely, two
requests at a time) and reports feeds/s. Rates are measured from the spiders' opening to
their closing; the process start-up (about 2 s) is reported apart in ``wall_s``.
Run: ``.venv/bin/python bench/crawl.py [--pages 2000] [--feeds 50] [--poll-feeds 1000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loopback import Site, article_page, feed, prepared  # noqa: E402
from models import Settings  # noqa: E402


def build_sites(pages: int, feeds: int, hosts: int) -> tuple[list[Site], list[str]]:
    rng = random.Random(7)
    sites = [Site(i, {}) for i in range(hosts)]
    feed_urls = []
    per_feed = pages // feeds if pages else 0
    for f in range(feeds):
        site = sites[f % hosts]
        numbers = list(range(f * per_feed, (f + 1) * per_feed))
        for n in numbers:
            site.pages[f"/articles/{n}.html"] = article_page(f % hosts, n, rng)
        site.pages[f"/feeds/{f}.xml"] = feed(site.base, f % hosts, f, numbers)
        feed_urls.append(f"{site.base}/feeds/{f}.xml")
    return sites, feed_urls


def crawl(settings: Settings) -> tuple[float, float, int, dict]:
    """Run one crawl child; return (wall s, CPU s, peak RSS in MB, its statistics)."""
    env = {**os.environ, **settings.to_env()}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss // 1024, json.loads(done.stdout.strip().splitlines()[-1])


def run_once(args) -> dict:
    sites, feed_urls = build_sites(args.pages, args.feeds, args.hosts)
    with tempfile.TemporaryDirectory() as tmp:
        settings = prepared(tmp, feed_urls)
        wall, cpu, rss, stats = crawl(settings)
        rewall, _cpu, _rss, restats = crawl(settings)
    for site in sites:
        site.httpd.shutdown()
    # Many unchanged feeds: fetched once, then polled again (every answer a 304).
    sites, feed_urls = build_sites(0, args.poll_feeds, min(args.poll_feeds, 250))
    with tempfile.TemporaryDirectory() as tmp:
        settings = prepared(tmp, feed_urls)
        crawl(settings)
        _wall, poll_cpu, _rss, poll = crawl(settings)
    for site in sites:
        site.httpd.shutdown()
    return {
        "stored": stats["stored"],
        "wall_s": wall,
        "crawl_s": stats["elapsed_s"],
        "pages_per_s": stats["stored"] / stats["elapsed_s"],
        "pages_per_s_with_startup": stats["stored"] / wall,
        "cpu_s_per_page": cpu / max(stats["stored"], 1),
        "peak_rss_mb": rss,
        "recrawl_feeds": restats["sources"],
        "recrawl_stored": restats["stored"],
        "recrawl_s": restats["elapsed_s"],
        "feeds_per_s_304": restats["sources"] / restats["elapsed_s"],
        "recrawl_wall_s": rewall,
        "poll_feeds": poll["sources"],
        "poll_s": poll["elapsed_s"],
        "poll_feeds_per_s_304": poll["sources"] / poll["elapsed_s"],
        "poll_cpu_ms_per_feed": 1000 * poll_cpu / max(poll["sources"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--poll-feeds", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        result = run_once(args)
        results.append(result)
        print(
            f"run {run + 1}: "
            + ", ".join(
                f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()
            ),
            flush=True,
        )
    print("\nmedian of", args.runs, "runs:")
    for key in results[0]:
        print(f"  {key:<26} {statistics.median(r[key] for r in results):.4g}")


if __name__ == "__main__":
    main()
