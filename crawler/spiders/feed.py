"""The feed spider: RSS/Atom, podcast and video feeds, each entry followed to its page."""

from __future__ import annotations

import scrapy
from sqlalchemy import select

from models import Source, utcnow
from models.coverage import coverage_url_exists
from models.urls import canonical_url

from ..errors import describe_failure, describe_status
from ..extract import ExtractionError, extract_page
from ..feeds import FeedEntry, parse_feed
from ..items import ArticleItem, SourceFetchItem

# Statuses the callbacks see themselves (3xx other than 304 still follow redirects).
HANDLED_STATUSES = [304, *range(400, 600)]
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


class FeedSpider(scrapy.Spider):
    name = "feed"

    def __init__(self, source_ids: list[int] | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_ids = source_ids

    async def start(self):
        sessions = self.settings["RETOMBEES_SESSIONS"]
        with sessions() as session:
            query = select(Source).order_by(Source.id)
            if self.source_ids:
                query = query.where(Source.id.in_(self.source_ids))
            else:
                query = query.where(Source.enabled)
            sources = [
                (s.id, s.url, s.kind.value, s.outlet_id, s.etag, s.last_modified)
                for s in session.scalars(query)
            ]
        for source_id, url, kind, outlet_id, etag, last_modified in sources:
            headers = {"Accept": FEED_ACCEPT}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            yield scrapy.Request(
                url,
                headers=headers,
                callback=self.parse_feed,
                errback=self.feed_failed,
                dont_filter=True,
                meta={"handle_httpstatus_list": HANDLED_STATUSES, "source_id": source_id},
                cb_kwargs={"source_id": source_id, "kind": kind, "outlet_id": outlet_id},
            )

    def feed_failed(self, failure):
        request = failure.request
        yield SourceFetchItem(
            source_id=request.meta["source_id"],
            fetched_at=utcnow(),
            ok=False,
            error=describe_failure(failure),
            status=getattr(getattr(failure.value, "response", None), "status", None),
        )

    def parse_feed(self, response, source_id: int, kind: str, outlet_id: int | None):
        now = utcnow()
        if response.status == 304:
            yield SourceFetchItem(source_id, now, ok=True, status=304, not_modified=True)
            return
        if response.status >= 400:
            yield SourceFetchItem(
                source_id,
                now,
                ok=False,
                status=response.status,
                error=describe_status(response.status),
            )
            return
        result = parse_feed(
            response.body, response.headers.get("Content-Type", b"").decode("latin-1"), response.url
        )
        if not result.ok:
            yield SourceFetchItem(
                source_id, now, ok=False, status=response.status, error=result.error
            )
            return
        yield SourceFetchItem(
            source_id,
            now,
            ok=True,
            status=response.status,
            warning=result.warning,
            entries=len(result.entries),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )
        sessions = self.settings["RETOMBEES_SESSIONS"]
        with sessions() as session:
            for entry in result.entries:
                item = self._item_from_entry(entry, source_id, kind, outlet_id)
                if item is None:
                    continue
                try:
                    known = coverage_url_exists(session, canonical_url(item.url))
                except ValueError:
                    continue  # an entry without a web address: nothing to store
                if known:
                    continue
                if entry.url and item.url == entry.url:
                    yield response.follow(
                        entry.url,
                        callback=self.parse_article,
                        errback=self.article_failed,
                        cb_kwargs={"item": item},
                        meta={"handle_httpstatus_list": list(range(400, 600))},
                    )
                else:
                    yield item

    def _item_from_entry(
        self, entry: FeedEntry, source_id: int, kind: str, outlet_id: int | None
    ) -> ArticleItem | None:
        url = entry.url or entry.enclosure_url
        if not url:
            return None
        hints = {}
        if entry.medium_hint:
            hints[entry.medium_hint] = True
        return ArticleItem(
            url=url,
            title=entry.title,
            source_id=source_id,
            outlet_id=outlet_id,
            source_kind=kind,
            summary=entry.summary,
            author=entry.author,
            published=entry.published,
            medium_hints=hints,
            duration_s=entry.duration_s,
        )

    def parse_article(self, response, item: ArticleItem):
        item.fetched_url = response.url
        if response.status >= 400:
            item.note = f"page not read: {describe_status(response.status)}; text from the feed"
            yield item
            return
        try:
            page = extract_page(response.text, response.url)
        except (ExtractionError, AttributeError, ValueError) as exc:
            item.note = f"page not read: {exc}; text from the feed"
            yield item
            return
        item.text = page.text
        item.title = item.title or page.title or ""
        item.author = item.author or page.author
        item.published = item.published or page.published
        item.language = page.language
        item.medium_hints = {**page.medium_hints, **item.medium_hints}
        item.duration_s = item.duration_s or page.medium_hints.get("duration_s")
        yield item

    def article_failed(self, failure):
        item: ArticleItem = failure.request.cb_kwargs["item"]
        item.note = f"page not read: {describe_failure(failure)}; text from the feed"
        yield item


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
