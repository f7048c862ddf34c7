"""Running a crawl: in this process (``run_crawl``) or in a child process (``crawl_in_child``).

Twisted's reactor cannot restart inside one process, so the scheduler and the CLI start each
crawl as a child process running ``python -m crawler``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from models import Settings
from models.db import open_database

from . import settings as default_settings

log = logging.getLogger(__name__)


@dataclass
class CrawlStats:
    sources: int = 0  # sources fetched (or attempted)
    failing_sources: int = 0
    stored: int = 0  # new clips stored as pending
    dropped: int = 0  # entries not stored: no campaign matched, already stored…
    elapsed_s: float = 0.0  # from the spiders' opening to their closing, start-up excluded
    database_errors: int = 0  # clips or records not stored: the database could not be reached

    def as_json(self) -> dict:
        return self.__dict__.copy()


class SharedSessions:
    """The database session factory, carried in Scrapy settings (which Scrapy deep-copies)."""

    def __init__(self, factory):
        self.factory = factory

    def __deepcopy__(self, memo):
        return self

    def __call__(self):
        return self.factory()

    def begin(self):
        return self.factory.begin()


REDIS_KEY_TTL = 24 * 3600  # seconds a finished crawl's queue and filter stay in Redis


def scrapy_settings(settings: Settings, sessions, run_id: str | None = None) -> ScrapySettings:
    """Scrapy settings for a crawl, from the project defaults and the Retombées settings."""
    result = ScrapySettings()
    result.setmodule(default_settings, priority="project")
    result.setdict(
        {
            "USER_AGENT": settings.user_agent,
            "ROBOTSTXT_OBEY": settings.obey_robots,
            "RETOMBEES_ALLOWED_NETWORKS": settings.allowed_networks,
            "DOWNLOAD_TIMEOUT": settings.download_timeout,
            "DOWNLOAD_MAXSIZE": settings.max_page_bytes,
            "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrency_per_domain,
            "CLOSESPIDER_TIMEOUT": settings.crawl_timeout,
            "LOG_LEVEL": settings.log_level,
            "RETOMBEES_SESSIONS": SharedSessions(sessions),
        },
        priority="cmdline",
    )
    if settings.redis_url:
        # Every process of one crawl run shares its queue and duplicate filter in Redis.
        prefix = f"retombees:crawl:{run_id or uuid.uuid4().hex}:%(spider)s"
        result.setdict(
            {
                "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
                "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
                "SCHEDULER_PERSIST": True,
                "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
                "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
                "REDIS_URL": settings.redis_url,
                "RETOMBEES_REDIS_KEY_TTL": REDIS_KEY_TTL,
                "EXTENSIONS": {"crawler.extensions.RedisKeyExpiry": 500},
            },
            priority="cmdline",
        )
    return result


def run_crawl(
    settings: Settings,
    source_ids: list[int] | None = None,
    run_id: str | None = None,
    sources: bool = True,
) -> CrawlStats:
    """Crawl the given sources (default: every enabled one) in this process; once per process.

    One spider per source type runs in the same reactor, each on the sources of its kinds,
    beside the one fetching the pages of clips added by address. ``sources=False`` runs that
    one alone.
    """
    from .spiders.feed import FeedSpider
    from .spiders.manual import ManualSpider
    from .spiders.section import SectionSpider
    from .spiders.sitemap import SitemapSpider

    _engine, sessions = open_database(settings)
    process = CrawlerProcess(scrapy_settings(settings, sessions, run_id), install_root_handler=True)
    spiders = (FeedSpider, SitemapSpider, SectionSpider) if sources else ()
    crawlers = [process.create_crawler(s) for s in (*spiders, ManualSpider)]
    for crawler in crawlers:
        process.crawl(crawler, source_ids=source_ids)
    process.start()
    total = CrawlStats()
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        total.sources += stats.get("retombees/sources", 0)
        total.failing_sources += stats.get("retombees/failing_sources", 0)
        total.stored += stats.get("retombees/stored", 0) + stats.get("retombees/completed", 0)
        total.dropped += stats.get("item_dropped_count", 0)
        total.database_errors += stats.get("retombees/database_errors", 0)
        total.elapsed_s = max(total.elapsed_s, float(stats.get("elapsed_time_seconds", 0.0)))
    return total


def crawl_in_child(
    settings: Settings,
    source_ids: list[int] | None = None,
    run_id: str | None = None,
    sources: bool = True,
) -> CrawlStats:
    """Run one crawl in a child process and return its statistics.

    :raises RuntimeError: when the child fails, runs past ``crawl_timeout`` (plus a margin) or
        could not store everything because the database went away.
    """
    args = [sys.executable, "-m", "crawler", "--json"]
    for source_id in source_ids or []:
        args += ["--source", str(source_id)]
    if run_id:
        args += ["--run-id", run_id]
    if not sources:
        args.append("--manual-only")
    env = {**os.environ, **settings.to_env()}
    try:
        done = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=settings.crawl_timeout + 60
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(
            f"the crawl ran past {settings.crawl_timeout} s and was stopped"
        ) from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"the crawl process failed (exit {done.returncode}): {last}")
    report = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    return CrawlStats(**json.loads(report))
