"""The base of the pipelines that use the database."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import InterfaceError, OperationalError


def database_unreachable(exc: BaseException) -> bool:
    """Tell whether ``exc`` means the database could not be reached or written (a restart, a
    dropped connection, a lock), rather than a mistake in what was written."""
    return isinstance(exc, (OperationalError, InterfaceError)) or bool(
        getattr(exc, "connection_invalidated", False)
    )


class DatabasePipeline:
    """Base for pipelines that use the database session factory given by the runner."""

    def __init__(self, sessions, stats=None):
        self.sessions = sessions
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        sessions = crawler.settings.get("RETOMBEES_SESSIONS")
        if sessions is None:
            raise NotConfigured("RETOMBEES_SESSIONS is not set; use crawler.runner")
        return cls(sessions, crawler.stats)

    def count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"retombees/{key}")
