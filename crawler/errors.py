"""Readable reasons for download failures, shown on the sources page."""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as net
from twisted.web._newclient import ParseError  # not exported by twisted.web.client
from twisted.web.client import ResponseFailed

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
    meta = getattr(getattr(failure, "request", None), "meta", {})
    if "Timeout" in type(exc).__name__ and "download_latency" in meta:
        # Scrapy notes the latency when the headers arrive: the body came too slowly.
        return "the download did not finish in time"
    reason = _response_failure(exc)
    if reason:
        return reason
    for kinds, reason in REASONS:
        if kinds and isinstance(exc, kinds):
            return reason
    name = type(exc).__name__
    if "Timeout" in name:
        return "no answer in time"
    return f"{name}: {exc}" if str(exc) else name


def _response_failure(exc) -> str | None:
    """The reason of an answer that began and went wrong (Twisted's ``ResponseFailed``, which
    Scrapy ≥ 2.13 wraps in ``DownloadFailedError``): not HTTP, or cut before its end."""
    failed = exc if isinstance(exc, ResponseFailed) else exc.__cause__
    if not isinstance(failed, ResponseFailed):
        return None
    reasons = [getattr(r, "value", r) for r in failed.reasons]
    if any(isinstance(r, ParseError) for r in reasons):
        return "the answer is not valid HTTP"
    if any(isinstance(r, (net.ConnectionLost, net.ConnectionDone)) for r in reasons):
        return "the connection was cut"
    return None
