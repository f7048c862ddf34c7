"""Readable reasons for download failures, shown on the sources page."""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as net

from .netguard import AddressRefused

# Scrapy ≥ 2.13 wraps network errors in its own download exceptions; older ones raise Twisted's.
_REASONS = [
    (("CannotResolveHostError",), (net.DNSLookupError,), "the host name does not resolve"),
    (
        ("DownloadConnectionRefusedError",),
        (net.ConnectionRefusedError,),
        "connection refused",
    ),
    (("DownloadTimeoutError",), (net.TimeoutError, net.TCPTimedOutError), "no answer in time"),
    (("DownloadCancelledError",), (), "download stopped: the page is larger than allowed"),
    (("ResponseDataLossError",), (net.ConnectionLost,), "the connection was cut"),
    (("DownloadFailedError",), (net.ConnectError,), "cannot connect"),
]
REASONS = [
    (tuple(getattr(scrapy_errors, n) for n in names if hasattr(scrapy_errors, n)) + twisted, text)
    for names, twisted, text in _REASONS
]


def describe_failure(failure) -> str:
    """Turn a Twisted failure from a download into one short sentence."""
    exc = failure.value
    if isinstance(exc, AddressRefused):  # the address guard's own sentence, as it is
        return str(exc).rstrip(".")
    if isinstance(exc, IgnoreRequest):
        text = str(exc) or "request ignored"
        if "robots.txt" in text:
            return "forbidden by robots.txt"
        if "redirect" in text:  # ours, or Scrapy's "max redirections reached"
            return "redirect loop or too many redirects"
        return text
    for kinds, reason in REASONS:
        if kinds and isinstance(exc, kinds):
            return reason
    name = type(exc).__name__
    if "Timeout" in name:
        return "no answer in time"
    return f"{name}: {exc}" if str(exc) else name
