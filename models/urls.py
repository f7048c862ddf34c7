"""URL identity: the canonical form under which a web clip is stored once."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url


def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``: no tracking parameters, fragment or trailing slash.

    :raises ValueError: when ``url`` is not an absolute http(s) URL.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Not a web address: {url!r}")
    normalized = normalize_url(url.strip(), strict=True)
    parts = urlsplit(normalized)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))


def domain_of(url: str) -> str:
    """Return the host of ``url`` without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")
