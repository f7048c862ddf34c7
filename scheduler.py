"""The scheduler process: crawls each source when it is due and analyses pending coverage.

One scheduler per deployment, in its own process (``python -m scheduler`` or beside the web
server with ``retombees run``); it is the one place that wires crawler/ and nlp/ together.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from models import Settings, utcnow
from models.db import open_database
from models.logs import configure_logging
from models.manual import clips_to_fetch
from models.source import due_sources
from models.valuation import ValuationRules

log = logging.getLogger("retombees.scheduler")


class Jobs:
    """The scheduler's jobs; each one is a plain call that the CLI offers too."""

    def __init__(self, settings: Settings):
        self.settings = settings
        _engine, self.sessions = open_database(settings)
        self._nlp = None

    def crawl_due(self) -> None:
        """Crawl, in a child process, the sources that are due and the clips added by address."""
        from crawler.runner import crawl_in_child

        with self.sessions() as session:
            ids = [s.id for s in due_sources(session, utcnow())]
            to_fetch = len(clips_to_fetch(session))
        if not ids and not to_fetch:
            return
        log.info("crawling %d due sources and %d clips added by address", len(ids), to_fetch)
        stats = crawl_in_child(self.settings, ids, sources=bool(ids))
        log.info("crawl done: %s", stats)

    def process(self) -> None:
        """Analyse pending coverage (the spaCy pipeline stays loaded between runs)."""
        from nlp.job import process_pending
        from nlp.pipeline import load_pipeline

        if self._nlp is None:
            self._nlp = load_pipeline()
        stats = process_pending(
            self.sessions,
            self._nlp,
            self.settings.process_batch,
            rules=ValuationRules.from_settings(self.settings),
        )
        if stats.processed:
            log.info("analysed %d clips, %d relevant", stats.processed, stats.relevant)
            self.suggest_attributions()

    def suggest_attributions(self) -> None:
        """Point new clips at the press actions that may have produced them."""
        from models.attribution import suggest_for_open_actions

        with self.sessions.begin() as session:
            found = suggest_for_open_actions(session)
        if found:
            log.info("%d clips suggested for open press actions", found)

    def housekeeping(self) -> None:
        """Drop evidence snapshots past their retention period."""
        from models.snapshots import purge_snapshots

        with self.sessions.begin() as session:
            purged = purge_snapshots(session, self.settings.snapshot_days)
        if purged:
            log.info("removed %d snapshots older than %d days", purged, self.settings.snapshot_days)


def build_scheduler(settings: Settings, start_now: bool = True) -> BackgroundScheduler:
    """A scheduler with the crawl and analysis jobs (stable ids, one instance each)."""
    jobs = Jobs(settings)
    scheduler = BackgroundScheduler(timezone="UTC")
    first = datetime.now().astimezone() if start_now else None
    common = {"max_instances": 1, "coalesce": True, "replace_existing": True}
    scheduler.add_job(
        jobs.crawl_due,
        "interval",
        seconds=settings.source_check_interval,
        id="crawl-due",
        name="Crawl due sources",
        next_run_time=first,
        **common,
    )
    scheduler.add_job(
        jobs.process,
        "interval",
        seconds=settings.process_interval,
        id="process",
        name="Analyse pending coverage",
        next_run_time=first,
        **common,
    )
    scheduler.add_job(
        jobs.housekeeping,
        "cron",
        hour=3,
        minute=15,
        id="housekeeping",
        name="Housekeeping",
        **common,
    )
    return scheduler


def main() -> None:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stopping.set())
    signal.signal(signal.SIGINT, lambda _signum, _frame: stopping.set())
    scheduler = build_scheduler(settings)
    scheduler.start()
    log.info("scheduler started")
    # Wake up now and then: a signal delivered to a worker thread only runs its Python
    # handler once the main thread executes again.
    while not stopping.wait(timeout=1.0):
        pass
    log.info("stopping the scheduler (waiting for running jobs)")
    scheduler.shutdown(wait=True)


if __name__ == "__main__":
    main()
