"""The manual spider: pages of clips a person added by address, fetched like crawled ones."""

from __future__ import annotations

import scrapy

from models.manual import clips_to_fetch

from ..items import ArticleItem
from .base import PAGE_STATUSES, SourceSpider


class ManualSpider(SourceSpider):
    name = "manual"
    kinds = ()

    async def start(self):
        with self.sessions() as session:
            clips = clips_to_fetch(session)
        for coverage_id, url in clips:
            item = ArticleItem(url=url, title="", coverage_id=coverage_id, source_kind="manual")
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"item": item},
                meta={"handle_httpstatus_list": PAGE_STATUSES},
            )
