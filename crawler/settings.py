"""Scrapy settings of the Retombées crawler (politeness and limits; the rest comes from
``models.Settings`` through :func:`crawler.runner.scrapy_settings`)."""

BOT_NAME = "retombees"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
# Many sites at once (politeness is per site, below); a request waiting for its site's delay
# counts against this total.
CONCURRENT_REQUESTS = 128
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10_000_000
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 1
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# Scrapy's caching resolver, refusing forbidden addresses at connection time too.
TWISTED_DNS_RESOLVER = "crawler.netguard.GuardedResolver"

DOWNLOADER_MIDDLEWARES = {
    # First of all: no request (robots.txt included, redirect hops too) for a forbidden address.
    "crawler.netguard.AddressGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
    # Sees responses before RedirectMiddleware (600) follows them.
    "crawler.middlewares.RedirectLoopMiddleware": 650,
}

ITEM_PIPELINES = {
    "crawler.pipelines.SourceHealthPipeline": 50,
    "crawler.pipelines.NormalisePipeline": 100,
    "crawler.pipelines.OutletPipeline": 350,
    "crawler.syndication.TitleDuplicatePipeline": 360,
    "crawler.syndication.SyndicationPipeline": 370,
    "crawler.pipelines.CampaignMatchPipeline": 200,
    "crawler.pipelines.DuplicatePipeline": 300,
    "crawler.pipelines.StorePipeline": 400,
}
