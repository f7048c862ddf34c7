"""The feed spider: RSS/Atom, podcast, video-channel and news-search feeds.

Each new entry is followed to its page. Items of search and alert feeds come from many outlets:
their links are unwrapped to the real article and the outlet is named for attribution.
"""

from __future__ import annotations

from models import SourceKind

from ..feeds import FeedEntry, parse_feed
from ..items import ArticleItem, SourceFetchItem
from ..search import split_title_source, unwrap_link
from .base import SourceRef, SourceSpider, utcnow


class FeedSpider(SourceSpider):
    name = "feed"
    kinds = (SourceKind.FEED, SourceKind.PODCAST, SourceKind.VIDEO, SourceKind.SEARCH)
    accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"

    def parse_source(self, response, source: SourceRef):
        problem = self.source_problem(response, source)
        if problem:
            yield problem
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        result = parse_feed(response.body, content_type, response.url)
        if not result.ok:
            yield SourceFetchItem(
                source.id, utcnow(), ok=False, status=response.status, error=result.error
            )
            return
        yield self.fetched(response, source, len(result.entries), result.warning)
        with self.sessions() as session:
            for entry in result.entries:
                item = self.item_from_entry(entry, source)
                if item is None or self.is_known(session, item.url):
                    continue
                if entry.url:
                    yield self.follow_article(response, item)
                else:
                    yield item  # an episode with only its audio file: the feed is all we have

    def item_from_entry(self, entry: FeedEntry, source: SourceRef) -> ArticleItem | None:
        url = entry.url or entry.enclosure_url
        if not url:
            return None
        item = ArticleItem(
            url=url,
            title=entry.title,
            source_id=source.id,
            outlet_id=source.outlet_id,
            source_kind=source.kind,
            summary=entry.summary,
            author=entry.author,
            published=entry.published,
            medium_hints={entry.medium_hint: True} if entry.medium_hint else {},
            duration_s=entry.duration_s,
        )
        if source.kind == SourceKind.SEARCH:
            item.url = entry.url = unwrap_link(url)
            item.outlet_id = None  # attributed per item, by the outlet pipeline
            title, named = split_title_source(entry.title)
            item.outlet_hint = entry.source_title or named
            item.outlet_site = entry.source_url
            if entry.source_title or named:
                item.title = title
        return item
