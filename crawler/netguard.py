"""The crawler's side of the address guard (:mod:`models.netguard`).

* :class:`AddressGuardMiddleware` checks every request before it leaves: the sources' own
  addresses, the articles they link to, robots.txt files, and each hop of a redirect (Scrapy's
  RedirectMiddleware sends the new request through every ``process_request`` again).
* :class:`GuardedResolver` checks again the address the connection is about to use, so that a
  host name that resolved to a public address for the check and to a private one for the
  connection (DNS rebinding) is refused too.

A refused request fails with :class:`AddressRefused`, whose text is the guard's reason; the
spider's errback records it on the source as any other download failure.
"""

from __future__ import annotations

import ipaddress

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError
from twisted.internet.threads import deferToThread

from models.netguard import (
    WEB_SCHEMES,
    BlockedAddress,
    check_address,
    check_host,
    parse_networks,
)

SETTING = "RETOMBEES_ALLOWED_NETWORKS"  # the Scrapy setting carrying ``allowed_networks``

# Host name -> reason, for names the resolver refused in this process: the connection then
# fails as a DNS error, which the middleware turns back into the reason.
refused_at_connect: dict[str, str] = {}


class AddressRefused(IgnoreRequest):
    """A request for an address that sources must not reach; the text says which and why."""


class AddressGuardMiddleware:
    """Refuse requests for non-web addresses, and for hosts with a forbidden address."""

    def __init__(self, allowed: str = ""):
        self.allowed = parse_networks(allowed)
        self._verdicts: dict[str, str | None] = {}  # host -> reason, for this crawl

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get(SETTING) or "")

    async def process_request(self, request, spider=None):
        parts = urlparse_cached(request)
        host = parts.hostname or ""
        if parts.scheme.lower() not in WEB_SCHEMES or not host:
            raise AddressRefused(f"Not a web address: {request.url}")
        if host not in self._verdicts:
            if _is_literal(host):  # no DNS: decide at once
                self._verdicts[host] = self._verdict(host)
            else:  # name resolution blocks: keep it off the reactor's thread
                verdict = await maybe_deferred_to_future(deferToThread(self._verdict, host))
                self._verdicts[host] = verdict
        reason = self._verdicts[host]
        if reason:
            raise AddressRefused(reason)
        return None

    def process_exception(self, request, exception, spider=None):
        """A connection the resolver refused fails as a DNS error: give it the guard's reason."""
        if isinstance(exception, AddressRefused):
            return None
        reason = refused_at_connect.get(urlparse_cached(request).hostname or "")
        if reason:
            raise AddressRefused(reason)
        return None

    def _verdict(self, host: str) -> str | None:
        try:
            check_host(host, self.allowed)
        except BlockedAddress as exc:
            return exc.reason
        return None


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


class ResolvedToForbiddenAddress(DNSLookupError):
    """The resolver's answer is a forbidden address (silently dropped by Twisted's endpoint)."""


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching DNS resolver, refusing answers outside the allowed addresses.

    It sees the very address the connection will use (also a cached one), so a name that
    changes its answer between the middleware's check and the connection is still refused.
    """

    def __init__(self, reactor, cache_size: int, timeout: float, allowed: str = ""):
        super().__init__(reactor, cache_size, timeout)
        self.allowed = parse_networks(allowed)

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.allowed = parse_networks(crawler.settings.get(SETTING) or "")
        return resolver

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's interface)
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        try:
            check_address(name, address, self.allowed)
        except BlockedAddress as exc:
            refused_at_connect[name] = exc.reason
            raise ResolvedToForbiddenAddress(exc.reason) from None
        return address
