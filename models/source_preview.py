"""A source's dry run: what one fetch would collect, without storing anything.

The caller downloads and parses the feed (the crawler's reader); this module tells, for each
entry, which active campaigns' queries it would match on its title and summary, and whether
its address is already stored as a clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from .campaign import active_campaigns
from .coverage import coverage_url_exists
from .query import QueryDocument, QueryError, parse_query
from .source import Source
from .urls import canonical_url

SHOWN_ENTRIES = 20


@dataclass
class PreviewEntry:
    title: str
    url: str | None
    published: datetime | None
    summary: str | None = None


def preview_entries(session: Session, source: Source, entries: list[PreviewEntry]) -> dict:
    """Return the dry-run report of ``entries``: counts, the first entries, unusable queries.

    Matching reads the feed's title and summary only (the crawl also reads the article page),
    so an entry shown as not matching may still match once its page is read.
    """
    queries, unusable = [], []
    for campaign in active_campaigns(session):
        try:
            queries.append((campaign.name, parse_query(campaign.query)))
        except QueryError as exc:
            unusable.append({"campaign": campaign.name, "error": str(exc)})
    outlet = source.outlet.name if source.outlet else ""
    rows, matching, stored, new_matching = [], 0, 0, 0
    for entry in entries:
        try:
            canonical = canonical_url(entry.url) if entry.url else None
        except ValueError:
            canonical = None
        document = QueryDocument(
            title=entry.title or "",
            text=entry.summary or "",
            outlet=outlet,
            url=canonical or entry.url or "",
        )
        campaigns = [name for name, query in queries if query.matches(document)]
        is_stored = canonical is not None and coverage_url_exists(session, canonical)
        matching += bool(campaigns)
        stored += is_stored
        new_matching += bool(campaigns) and not is_stored
        if len(rows) < SHOWN_ENTRIES:
            rows.append(
                {
                    "title": entry.title,
                    "url": entry.url,
                    "published": entry.published.isoformat() if entry.published else None,
                    "campaigns": campaigns,
                    "stored": is_stored,
                }
            )
    return {
        "entries": len(entries),
        "matching": matching,
        "stored": stored,
        "new_matching": new_matching,
        "shown": rows,
        "campaigns": [name for name, _query in queries],
        "unusable_queries": unusable,
    }
