"""Item pipelines: the only path from a crawl into the database.

Each pipeline returns the item or raises ``DropItem`` with the reason; source health records
(``SourceFetchItem``) pass through the article pipelines untouched.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import DropItem
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from models import (
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    Medium,
    Outlet,
    Snapshot,
    Source,
    utcnow,
)
from models.campaign import active_campaigns
from models.coverage import coverage_url_exists
from models.outlet import outlet_by_name
from models.query import QueryDocument, QueryError, parse_query
from models.registry import OutletIndex
from models.snapshots import compress
from models.urls import canonical_url, domain_of

from .items import ArticleItem, SourceFetchItem
from .pipeline_base import DatabasePipeline, database_unreachable
from .syndication import link_story, story_index_for

log = logging.getLogger(__name__)


class SourceHealthPipeline(DatabasePipeline):
    """Record each source fetch on its ``Source`` row (health, validators, backoff).

    A source's validators (ETag, Last-Modified) are saved when the crawl ends, and only if
    none of its clips was lost to an error: otherwise the next crawl would get "304 Not
    Modified" and never see those clips again. A source whose clips were lost because the
    database could not be reached is due again at once, and those errors are counted
    (``retombees/database_errors``): the crawl then reports itself incomplete.
    """

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = super().from_crawler(crawler)
        crawler.signals.connect(pipeline.item_failed, signal=signals.item_error)
        crawler.signals.connect(pipeline.callback_failed, signal=signals.spider_error)
        return pipeline

    def open_spider(self, spider=None):
        self.validators: dict[int, tuple[str | None, str | None]] = {}
        self.incomplete: set[int] = set()  # sources with a clip or a record lost to an error
        self.unreachable: set[int] = set()  # … lost because the database could not be reached

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
                    not_modified=item.not_modified,
                )
                if not item.not_modified and (item.etag or item.last_modified):
                    self.validators[item.source_id] = (item.etag, item.last_modified)
            else:
                self.count("failing_sources")
                source.record_failure(
                    item.fetched_at,
                    error=item.error or "unknown error",
                    status=item.status,
                    blocked=item.blocked,
                )
        return item

    def item_failed(self, item, response, spider, failure):
        """A pipeline failed on ``item`` (not a ``DropItem``): it is lost for this crawl."""
        self.lost(getattr(item, "source_id", None), failure.value)

    def callback_failed(self, failure, response, spider):
        """A spider callback failed: the entries it had not yet followed are lost."""
        request = getattr(response, "request", None)
        kwargs = request.cb_kwargs if request is not None else {}
        source = kwargs.get("source") or kwargs.get("item")
        self.lost(getattr(source, "id", None) or getattr(source, "source_id", None), failure.value)

    def lost(self, source_id: int | None, exc: BaseException) -> None:
        sources = {source_id} - {None}
        self.incomplete |= sources
        if database_unreachable(exc):
            self.unreachable |= sources
            self.count("database_errors")

    def close_spider(self, spider=None):
        keep = [
            {"id": source_id, "etag": etag, "last_modified": last_modified}
            for source_id, (etag, last_modified) in self.validators.items()
            if source_id not in self.incomplete
        ]
        if not keep and not self.unreachable:
            return
        try:
            with self.sessions.begin() as session:
                if keep:
                    session.execute(update(Source), keep)
                if self.unreachable:
                    session.execute(
                        update(Source)
                        .where(Source.id.in_(self.unreachable))
                        .values(next_attempt_at=utcnow())
                    )
        except SQLAlchemyError as exc:  # the next crawl reads these sources in full: no loss
            log.warning("source validators not saved: %s", exc)
            if database_unreachable(exc):
                self.count("database_errors")


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


class OutletPipeline(DatabasePipeline):
    """Attribute clips without an outlet (search feeds) to theirs, by domain or by name.

    An outlet the registry does not know is created as ``web`` and flagged for review. The
    outlets' domains are read once per crawl, not once per clip.
    """

    def open_spider(self, spider=None):
        with self.sessions() as session:
            self.index = OutletIndex.load(session)

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem) or item.outlet_id is not None:
            return item
        # The publisher the feed names first: the article may sit on a syndication platform.
        outlet_id = self.index.find(item.outlet_site) if item.outlet_site else None
        if outlet_id is None:
            outlet_id = self.index.find(item.canonical_url)
        if outlet_id is None:
            with self.sessions.begin() as session:
                outlet = outlet_by_name(session, item.outlet_hint) if item.outlet_hint else None
                if outlet is None:
                    outlet = self._new_outlet(session, item)
                    self.index.add(outlet)
                outlet_id = outlet.id
        item.outlet_id = outlet_id
        return item

    def _new_outlet(self, session, item: ArticleItem) -> Outlet:
        domain = domain_of(item.outlet_site or item.canonical_url)
        name = (item.outlet_hint or domain)[:200]
        outlet = Outlet(name=name, medium=Medium.WEB, domains=[domain], needs_review=True)
        try:
            with session.begin_nested():
                session.add(outlet)
        except IntegrityError:  # created meanwhile by another crawler process
            outlet = outlet_by_name(session, name)
        self.count("new_outlets")
        return outlet


class CampaignMatchPipeline(DatabasePipeline):
    """Keep the clips that match at least one active campaign's query; note the terms found."""

    def open_spider(self, spider=None):
        self.queries = []
        with self.sessions() as session:
            for campaign in active_campaigns(session):
                try:
                    self.queries.append((campaign.id, parse_query(campaign.query)))
                except QueryError as exc:
                    log.warning("campaign %s has an unusable query: %s", campaign.slug, exc)
            # For `outlet:` scopes; outlets created during the crawl are named by their hint.
            self.outlet_names = dict(session.execute(select(Outlet.id, Outlet.name)).all())

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        document = QueryDocument(
            title=item.title or "",
            text="\n".join(filter(None, (item.summary, item.text))),
            outlet=self.outlet_names.get(item.outlet_id) or item.outlet_hint or "",
            url=item.canonical_url or item.url,
        )
        for campaign_id, query in self.queries:
            hits = query.hits(document)
            if hits:
                item.campaign_hits[campaign_id] = hits
        if not item.campaign_hits and item.coverage_id is None:  # a person chose to add it
            raise DropItem(f"matches no campaign query: {item.canonical_url}", log_level="DEBUG")
        return item


class DuplicatePipeline(DatabasePipeline):
    """Drop clips already stored (by canonical URL) or already seen in this crawl."""

    def open_spider(self, spider=None):
        self.seen: set[str] = set()

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem) or item.coverage_id is not None:
            return item
        url = item.canonical_url
        if url in self.seen:
            raise DropItem(f"duplicate in this crawl: {url}", log_level="DEBUG")
        self.seen.add(url)
        with self.sessions() as session:
            if coverage_url_exists(session, url):
                raise DropItem(f"already stored: {url}", log_level="DEBUG")
        return item


class StorePipeline(DatabasePipeline):
    """Store the clip as ``pending`` with its campaigns (or complete a clip added by address),
    linked to the story of its copies in other outlets."""

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = super().from_crawler(crawler)
        pipeline.story_index = story_index_for(crawler)
        return pipeline

    def process_item(self, item, spider=None):
        if not isinstance(item, ArticleItem):
            return item
        if item.coverage_id is not None:
            return self.complete(item)
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
            title_key=item.title_key,
            minhash=item.minhash,
            campaign_links=[
                CoverageCampaign(campaign_id=cid, hits=hits)
                for cid, hits in item.campaign_hits.items()
            ],
        )
        coverage.snapshot = self.snapshot(item)
        try:
            with self.sessions.begin() as session:
                session.add(coverage)
                link_story(session, coverage, self.story_index)
        except IntegrityError as exc:
            # Another crawler process stored the same URL between our check and this insert.
            raise DropItem(f"already stored: {item.canonical_url}", log_level="DEBUG") from exc
        self.count("stored")
        return item

    def complete(self, item: ArticleItem) -> ArticleItem:
        """Fill a clip added by address with its page; it then awaits analysis."""
        with self.sessions.begin() as session:
            clip = session.get(Coverage, item.coverage_id)
            if clip is None or clip.status != CoverageStatus.FETCH:
                raise DropItem(f"clip {item.coverage_id} was already completed")
            clip.title = item.title or clip.title
            for field in ("summary", "text", "author", "language", "duration_s", "note"):
                setattr(clip, field, getattr(item, field) or getattr(clip, field))
            clip.published_at = item.published or clip.published_at
            clip.fetched_url = item.fetched_url
            clip.outlet_id = clip.outlet_id or item.outlet_id
            clip.medium_hints = dict(item.medium_hints, source_kind="manual")
            clip.title_key, clip.minhash = item.title_key, item.minhash
            linked = {link.campaign_id for link in clip.campaign_links}
            for campaign_id, hits in item.campaign_hits.items():
                if campaign_id not in linked:
                    clip.campaign_links.append(CoverageCampaign(campaign_id=campaign_id, hits=hits))
            clip.snapshot = self.snapshot(item)
            clip.status = CoverageStatus.PENDING
            link_story(session, clip, self.story_index)
        self.count("completed")
        return item

    @staticmethod
    def snapshot(item: ArticleItem) -> Snapshot | None:
        if not item.html:
            return None
        return Snapshot(
            fetched_at=item.fetched_at or utcnow(),
            final_url=item.fetched_url or item.url,
            status=item.http_status,
            content_type=item.content_type,
            encoding=item.encoding,
            size=len(item.html),
            html_gz=compress(item.html),
        )
