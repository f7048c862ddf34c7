"""What a crawl yields: typed records of what was fetched (no ORM objects here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ArticleItem:
    """One candidate clip: a feed entry, completed from its page when it could be read."""

    url: str
    title: str
    source_id: int | None = None
    outlet_id: int | None = None
    source_kind: str | None = None
    fetched_url: str | None = None
    summary: str | None = None
    text: str | None = None
    author: str | None = None
    published: datetime | None = None
    language: str | None = None
    medium_hints: dict = field(default_factory=dict)
    duration_s: int | None = None
    note: str | None = None  # why the text is incomplete, e.g. the page answered 404
    # Filled by the pipelines.
    canonical_url: str | None = None
    campaign_hits: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class SourceFetchItem:
    """The outcome of fetching one source, for its health record."""

    source_id: int
    fetched_at: datetime
    ok: bool
    status: int | None = None
    error: str | None = None
    warning: str | None = None
    entries: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    blocked: bool = False
