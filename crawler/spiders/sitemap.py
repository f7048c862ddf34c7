"""The sitemap spider: news sitemaps and sitemap indexes, for outlets without a usable feed.

Only recent entries are followed (``config["max_age_days"]``, default 7; entries without a date
are followed once, as any new URL), optionally filtered by ``config["allow"]`` patterns.
"""

from __future__ import annotations

import re
from datetime import timedelta

from lxml import etree
from scrapy.utils.gz import gunzip

from models import SourceKind

from ..extract import parse_date
from ..items import ArticleItem, SourceFetchItem
from .base import SourceRef, SourceSpider, utcnow

MAX_CHILD_SITEMAPS = 20
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_sitemap(body: bytes) -> tuple[str, list[dict]]:
    """Return ("sitemapindex" | "urlset", entries) of a sitemap: loc, lastmod, title, date.

    :raises ValueError: when the document is not a sitemap.
    """
    root = etree.fromstring(body, parser=_PARSER)
    if root is None or _local(root.tag) not in ("sitemapindex", "urlset"):
        raise ValueError("not a sitemap")
    entries = []
    for node in root:
        entry: dict = {}
        for child in node.iter():
            name = _local(child.tag)
            text = (child.text or "").strip()
            if name == "loc" and "loc" not in entry:
                entry["loc"] = text
            elif name == "lastmod":
                entry["lastmod"] = text
            elif name == "title":
                entry["title"] = text
            elif name == "publication_date":
                entry["date"] = text
            elif name == "name" and _local(child.getparent().tag) == "publication":
                entry["publication"] = text
        if entry.get("loc"):
            entries.append(entry)
    return _local(root.tag), entries


class SitemapSpider(SourceSpider):
    name = "sitemap"
    kinds = (SourceKind.SITEMAP,)
    accept = "application/xml, text/xml;q=0.9, */*;q=0.5"

    def parse_source(self, response, source: SourceRef, depth: int = 0):
        problem = self.source_problem(response, source) if depth == 0 else None
        if problem:
            yield problem
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            kind, entries = read_sitemap(body)
        except (ValueError, etree.XMLSyntaxError) as exc:
            if depth == 0:
                yield SourceFetchItem(
                    source.id, utcnow(), ok=False, status=response.status, error=str(exc)
                )
            return
        if depth == 0:
            yield self.fetched(response, source, len(entries))
        if kind == "sitemapindex":
            children = sorted(entries, key=lambda e: e.get("lastmod", ""), reverse=True)
            for child in children[:MAX_CHILD_SITEMAPS] if depth == 0 else []:
                yield response.follow(
                    child["loc"],
                    callback=self.parse_source,
                    cb_kwargs={"source": source, "depth": depth + 1},
                )
            return
        yield from self.follow_entries(response, source, entries)

    def follow_entries(self, response, source: SourceRef, entries: list[dict]):
        allow = [re.compile(p) for p in source.config.get("allow", [])]
        oldest = utcnow() - timedelta(days=int(source.config.get("max_age_days", 7)))
        with self.sessions() as session:
            for entry in entries:
                url = entry["loc"]
                when = parse_date(entry.get("date") or entry.get("lastmod"))
                if (when and when < oldest) or (allow and not any(p.search(url) for p in allow)):
                    continue
                if self.is_known(session, url):
                    continue
                item = ArticleItem(
                    url=url,
                    title=entry.get("title", ""),
                    source_id=source.id,
                    outlet_id=source.outlet_id,
                    source_kind=source.kind,
                    published=when,
                )
                yield self.follow_article(response, item)
