"""Scrapy extensions of the Retombées crawler."""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy_redis.connection import get_redis_from_settings


class RedisKeyExpiry:
    """Give a finished crawl's shared queue and duplicate filter an expiry, so Redis stays small.

    Every process of the run sets it when it closes; the last one to close decides the time.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.ttl = crawler.settings.getint("RETOMBEES_REDIS_KEY_TTL")
        if not self.ttl:
            raise NotConfigured

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider):
        settings = self.crawler.settings
        server = get_redis_from_settings(settings)
        for name in ("SCHEDULER_QUEUE_KEY", "SCHEDULER_DUPEFILTER_KEY"):
            server.expire(settings[name] % {"spider": spider.name}, self.ttl)
