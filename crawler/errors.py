"""Readable reasons for download failures, shown on the sources page."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as net

_REASONS = (
    (net.DNSLookupError, "the host name does not resolve (DNS lookup failed)"),
    (net.ConnectionRefusedError, "connection refused"),
    (net.TimeoutError, "no answer before the time limit"),
    (net.TCPTimedOutError, "no answer before the time limit"),
    (net.ConnectionLost, "the connection was cut"),
    (net.ConnectError, "cannot connect"),
)


def describe_failure(failure) -> str:
    """Turn a Twisted failure from a download into one short sentence."""
    exc = failure.value
    if isinstance(exc, IgnoreRequest):
        text = str(exc) or "request ignored"
        return "forbidden by robots.txt" if "robots.txt" in text else text
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    name = type(exc).__name__
    if "Timeout" in name:
        return "no answer before the time limit"
    if "Size" in name or "maxsize" in str(exc).lower() or "cancelled" in str(exc).lower():
        return f"download stopped: {exc}"
    return f"{name}: {exc}" if str(exc) else name


def describe_status(status: int) -> str:
    """One short sentence for an HTTP error status."""
    common = {
        401: "login required",
        403: "access forbidden",
        404: "page not found",
        410: "page gone",
        429: "too many requests",
        500: "server error",
        502: "bad gateway",
        503: "service unavailable",
        504: "gateway timeout",
    }
    return f"HTTP {status}" + (f" ({common[status]})" if status in common else "")
