"""Item pipelines: the only path from a crawl into the database.

Each pipeline returns the item or raises ``DropItem`` with the reason; source health records
(``SourceFetchItem``) pass through the article pipelines untouched.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy.exc import IntegrityError

from models import Coverage, CoverageCampaign, CoverageStatus, Source
from models.campaign import active_campaigns
from models.coverage import coverage_url_exists
from models.query import QueryError, parse_query
from models.urls import canonical_url

from .items import ArticleItem, SourceFetchItem

log = logging.getLogger(__name__)


class _DatabasePipeline:
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


class SourceHealthPipeline(_DatabasePipeline):
    """Record each source fetch on its ``Source`` row (health, validators, backoff)."""

    def process_item(self, item, spider=None):
        if not isinstance(item, SourceFetchItem):
            return item
        with self.sessions.begin() as session:
            source = session.get(Source, item.source_id)
            if source is None:
                raise DropItem(f"source {item.source_id} no longer exists")
            self.count("sources")
            if item.ok:
                source.record_success(
                    item.fetched_at,
                    status=item.status,
                    entries=item.entries,
                    warning=item.warning,
                    etag=item.etag,
                    last_modified=item.last_modified,
                    not_modified=item.not_modified,
                )
            else:
                self.count("failing_sources")
                source.record_failure(
                    item.fetched_at,
                    error=item.error or "unknown error",
                    status=item.status,
                    blocked=item.blocked,
                )
        return item


class NormalisePipeline:
    """Give each clip its canonical URL and a title."""

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        try:
            item.canonical_url = canonical_url(item.url)
        except ValueError as exc:
            raise DropItem(str(exc)) from exc
        item.title = " ".join((item.title or "").split())
        if not item.title:
            item.title = (item.summary or item.text or "")[:120].strip() or item.canonical_url
        return item


class CampaignMatchPipeline(_DatabasePipeline):
    """Keep the clips that match at least one active campaign's query."""

    def open_spider(self, spider=None):
        self.queries = []
        with self.sessions() as session:
            for campaign in active_campaigns(session):
                try:
                    self.queries.append((campaign.id, parse_query(campaign.query)))
                except QueryError as exc:
                    log.warning("campaign %s has an unusable query: %s", campaign.slug, exc)

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        haystack = "\n".join(filter(None, (item.title, item.summary, item.text)))
        for campaign_id, query in self.queries:
            hits = query.hits(haystack)
            if hits:
                item.campaign_hits[campaign_id] = hits
        if not item.campaign_hits:
            raise DropItem(f"matches no campaign query: {item.canonical_url}", log_level="DEBUG")
        return item


class DuplicatePipeline(_DatabasePipeline):
    """Drop clips already stored (by canonical URL) or already seen in this crawl."""

    def open_spider(self, spider=None):
        self.seen: set[str] = set()

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        url = item.canonical_url
        if url in self.seen:
            raise DropItem(f"duplicate in this crawl: {url}", log_level="DEBUG")
        self.seen.add(url)
        with self.sessions() as session:
            if coverage_url_exists(session, url):
                raise DropItem(f"already stored: {url}", log_level="DEBUG")
        return item


class StorePipeline(_DatabasePipeline):
    """Store the clip as ``pending`` with its campaigns."""

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        coverage = Coverage(
            url=item.canonical_url,
            fetched_url=item.fetched_url,
            outlet_id=item.outlet_id,
            source_id=item.source_id,
            title=item.title,
            summary=item.summary,
            text=item.text,
            author=item.author,
            published_at=item.published,
            language=item.language,
            medium_hints=dict(item.medium_hints, source_kind=item.source_kind),
            duration_s=item.duration_s,
            note=item.note,
            status=CoverageStatus.PENDING,
            campaign_links=[
                CoverageCampaign(campaign_id=cid, hits=hits)
                for cid, hits in item.campaign_hits.items()
            ],
        )
        try:
            with self.sessions.begin() as session:
                session.add(coverage)
        except IntegrityError as exc:
            # Another crawler process stored the same URL between our check and this insert.
            raise DropItem(f"already stored: {item.canonical_url}", log_level="DEBUG") from exc
        self.count("stored")
        return item
