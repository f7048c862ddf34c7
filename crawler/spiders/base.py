"""What every source spider shares: loading its sources, health records, following articles."""

from __future__ import annotations

from dataclasses import dataclass, field

import scrapy
from sqlalchemy import select

from models import Source, SourceKind, utcnow
from models.coverage import coverage_url_exists
from models.http import describe_status
from models.urls import canonical_url

from ..blocking import blocked_reason
from ..errors import describe_failure
from ..extract import ExtractionError, extract_page
from ..items import ArticleItem, SourceFetchItem

# Statuses the callbacks see themselves (3xx other than 304 still follow redirects).
SOURCE_STATUSES = [304, *range(400, 600)]
PAGE_STATUSES = list(range(400, 600))
_FALLBACK = "; text from the feed"


@dataclass(frozen=True)
class SourceRef:
    """What a spider needs of a ``Source`` row (no ORM object crosses into the crawl)."""

    id: int
    url: str
    kind: str
    outlet_id: int | None
    etag: str | None = None
    last_modified: str | None = None
    config: dict = field(default_factory=dict)


class SourceSpider(scrapy.Spider):
    """Base class: subclasses set ``kinds`` and implement ``parse_source``."""

    kinds: tuple[SourceKind, ...] = ()
    accept = "*/*"

    def __init__(self, source_ids: list[int] | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_ids = source_ids

    @property
    def sessions(self):
        return self.settings["RETOMBEES_SESSIONS"]

    def load_sources(self) -> list[SourceRef]:
        """The sources to crawl: the given ids, else every enabled one, of this spider's kinds."""
        query = select(Source).where(Source.kind.in_(self.kinds)).order_by(Source.id)
        if self.source_ids:
            query = query.where(Source.id.in_(self.source_ids))
        else:
            query = query.where(Source.enabled)
        with self.sessions() as session:
            return [
                SourceRef(
                    s.id,
                    s.url,
                    s.kind.value,
                    s.outlet_id,
                    s.etag,
                    s.last_modified,
                    dict(s.config or {}),
                )
                for s in session.scalars(query)
            ]

    async def start(self):
        for source in self.load_sources():
            headers = {"Accept": self.accept}
            if source.etag:
                headers["If-None-Match"] = source.etag
            if source.last_modified:
                headers["If-Modified-Since"] = source.last_modified
            yield scrapy.Request(
                source.url,
                headers=headers,
                callback=self.parse_source,
                errback=self.source_failed,
                meta={"handle_httpstatus_list": SOURCE_STATUSES, "source_id": source.id},
                cb_kwargs={"source": source},
            )

    def parse_source(self, response, source: SourceRef):
        raise TypeError(f"{type(self).__name__} must define parse_source")

    # -- health --------------------------------------------------------------------------

    def source_failed(self, failure):
        reason = describe_failure(failure)
        yield SourceFetchItem(
            source_id=failure.request.meta["source_id"],
            fetched_at=utcnow(),
            ok=False,
            error=reason,
            status=getattr(getattr(failure.value, "response", None), "status", None),
            blocked=reason == "forbidden by robots.txt",
        )

    def source_problem(self, response, source: SourceRef) -> SourceFetchItem | None:
        """A health record when the source's answer is unusable (error, 304, challenge)."""
        now = utcnow()
        if response.status == 304:
            return SourceFetchItem(source.id, now, ok=True, status=304, not_modified=True)
        blocked = blocked_reason(response.body)
        if blocked:
            return SourceFetchItem(
                source.id, now, ok=False, status=response.status, error=blocked, blocked=True
            )
        if response.status >= 400:
            return SourceFetchItem(
                source.id,
                now,
                ok=False,
                status=response.status,
                error=describe_status(response.status),
            )
        return None

    def fetched(self, response, source: SourceRef, entries: int, warning: str | None = None):
        """The health record of a source read successfully."""
        return SourceFetchItem(
            source.id,
            utcnow(),
            ok=True,
            status=response.status,
            warning=warning,
            entries=entries,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )

    # -- articles ------------------------------------------------------------------------

    def is_known(self, session, url: str) -> bool:
        """Tell whether a clip with this address is stored (or the address is unusable)."""
        try:
            return coverage_url_exists(session, canonical_url(url))
        except ValueError:
            return True

    def follow_article(self, response, item: ArticleItem) -> scrapy.Request:
        """A request for the clip's page, completing ``item`` from it."""
        return response.follow(
            item.url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"item": item},
            meta={"handle_httpstatus_list": PAGE_STATUSES},
        )

    def parse_article(self, response, item: ArticleItem):
        item.fetched_url = response.url
        item.http_status = response.status
        item.fetched_at = utcnow()
        if response.status >= 400:
            item.note = f"page not read: {describe_status(response.status)}{_FALLBACK}"
            yield item
            return
        blocked = blocked_reason(response.body)
        if blocked:
            item.note = f"page not read: {blocked}{_FALLBACK}"
            yield item
            return
        content_type = _header(response, b"Content-Type")
        item.html, item.content_type = response.body, content_type
        try:
            page = extract_page(response.body, response.url, content_type)
        except ExtractionError as exc:
            item.note = f"page not read: {exc}{_FALLBACK}"
            yield item
            return
        item.encoding = getattr(page, "encoding", None)
        item.text = page.text
        # A section link's text is often "Lire la suite": the page's own title is better there.
        if item.source_kind == SourceKind.SECTION:
            item.title = page.title or item.title
        else:
            item.title = item.title or page.title or ""
        item.author = item.author or page.author
        item.published = item.published or page.published
        item.language = page.language
        item.medium_hints = {**page.medium_hints, **item.medium_hints}
        item.duration_s = item.duration_s or page.medium_hints.get("duration_s")
        yield item

    def article_failed(self, failure):
        item: ArticleItem = failure.request.cb_kwargs["item"]
        item.note = f"page not read: {describe_failure(failure)}{_FALLBACK}"
        yield item


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
