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
    coverage_id: int | None = None  # a clip added by address, completed by the crawl
    # For search feeds: the outlet as the feed names it ("La Voix du Nord", its site address).
    outlet_hint: str | None = None
    outlet_site: str | None = None
    # The page as fetched, kept as evidence.
    html: bytes | None = None
    content_type: str | None = None
    http_status: int | None = None
    fetched_at: datetime | None = None
    encoding: str | None = None
    # Filled by the pipelines.
    canonical_url: str | None = None
    campaign_hits: dict[int, list[str]] = field(default_factory=dict)
    title_key: str | None = None
    minhash: bytes | None = None


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
