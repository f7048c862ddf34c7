"""Downloader middlewares of the Retombées crawler."""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from w3lib.url import safe_url_string


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request that waits for robots.txt served.

    Scrapy ≥ 2.13 lets concurrent requests await the one pending robots.txt download through a
    shared Deferred turned into a future, which consumes its result: the first waiting request
    gets the parser and the next ones get None, so they go out unchecked. Each waiter here gets
    its own Deferred, fed by the shared one.
    """

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred = Deferred()

            def relay(result):
                waiter.callback(result)
                return result

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)


class RedirectLoopMiddleware:
    """Stop a redirect that comes back to an address already visited, with a clear reason.

    Without it the looping request is silently dropped by the duplicate filter, and the source
    would look as if it had never been fetched.
    """

    def process_response(self, request, response, spider=None):
        location = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = safe_url_string(response.urljoin(location.decode("latin-1")))
        visited = {*request.meta.get("redirect_urls", ()), request.url}
        if target in visited:
            raise IgnoreRequest("redirect loop or too many redirects")
        return response
