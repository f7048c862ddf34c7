"""The section spider: a site section's start page, its article links, to a depth limit.

``config``: ``allow`` (patterns of article addresses; default: any link of the same site),
``deny`` (patterns to skip), ``follow`` (patterns of listing pages to walk further, such as
"page 2"), ``depth`` (how many listing pages deep, default 1: the start page only).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.linkextractors import LinkExtractor

from models import SourceKind

from ..items import ArticleItem
from .base import SourceRef, SourceSpider

MAX_LINKS_PER_PAGE = 200


class SectionSpider(SourceSpider):
    name = "section"
    kinds = (SourceKind.SECTION,)
    accept = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"

    def parse_source(self, response, source: SourceRef, depth: int = 1):
        if depth == 1:
            problem = self.source_problem(response, source)
            if problem:
                yield problem
                return
        config = source.config
        parts = urlsplit(source.url)
        # Link extractors compare network locations, port included.
        site = [parts.netloc, (parts.hostname or "").removeprefix("www.")]
        articles = LinkExtractor(
            allow=config.get("allow", ()), deny=config.get("deny", ()), allow_domains=site
        ).extract_links(response)[:MAX_LINKS_PER_PAGE]
        if depth == 1:
            yield self.fetched(response, source, len(articles))
        start = response.url.split("#", 1)[0]
        with self.sessions() as session:
            for link in articles:
                if link.url.split("#", 1)[0] == start or self.is_known(session, link.url):
                    continue
                item = ArticleItem(
                    url=link.url,
                    title=" ".join(link.text.split()),
                    source_id=source.id,
                    outlet_id=source.outlet_id,
                    source_kind=source.kind,
                )
                yield self.follow_article(response, item)
        if depth < int(config.get("depth", 1)) and config.get("follow"):
            listings = LinkExtractor(allow=config["follow"], allow_domains=site)
            for link in listings.extract_links(response)[:MAX_LINKS_PER_PAGE]:
                yield response.follow(
                    link.url,
                    callback=self.parse_source,
                    cb_kwargs={"source": source, "depth": depth + 1},
                )
