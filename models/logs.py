"""Logging set-up shared by the processes (CLI commands, scheduler, crawl children)."""

import logging

# Libraries that narrate routine work at INFO level.
QUIET = ("alembic", "apscheduler.executors", "apscheduler.scheduler")


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if logging.getLevelName(level) != logging.DEBUG:
        for name in QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
