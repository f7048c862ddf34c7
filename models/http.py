"""HTTP failures in one short English sentence, as stored on sources and clips (the interface
translates them). Shared by the crawler and the source setup, neither of which owns it."""

STATUS_REASONS = {
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


def describe_status(status: int) -> str:
    """One short sentence for an HTTP error status: ``HTTP 404 (page not found)``."""
    reason = STATUS_REASONS.get(status)
    return f"HTTP {status}" + (f" ({reason})" if reason else "")
