"""URL identity: the canonical form under which a web clip is stored once."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

# Host prefixes of the mobile and AMP editions of a site, which serve the same articles.
_EDITION_PREFIXES = ("m.", "mobile.", "amp.")
_WEB_LINK = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``, the identity of a web clip.

    The same article reached through its mobile or AMP edition, with tracking parameters, a
    fragment, a default port or a trailing slash has one canonical form: scheme and host in
    lower case, no ``m.``, ``mobile.`` or ``amp.`` host prefix, no ``amp`` path segment or query
    parameter, and only the query parameters that select a page (``?id=4``), sorted.

    :raises ValueError: when ``url`` is not an absolute http(s) URL.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Not a web address: {url!r}")
    # Strict mode keeps only the parameters courlan knows to select content (id, page…).
    parts = urlsplit(normalize_url(url, strict=True))
    host = _bare_host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:  # courlan has already dropped the scheme's default port
        netloc = f"{netloc}:{parts.port}"
    segments = [segment for segment in parts.path.split("/") if segment.lower() != "amp"]
    path = "/".join(segments).rstrip("/") or "/"
    query = urlencode(sorted(p for p in parse_qsl(parts.query) if not _selects_amp(*p)))
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _bare_host(host: str) -> str:
    """Return ``host`` in lower case without a trailing dot or a mobile or AMP edition prefix."""
    host = host.lower().rstrip(".")
    for prefix in _EDITION_PREFIXES:
        rest = host.removeprefix(prefix)
        # "m.fr" is a site of its own, not the mobile edition of "fr".
        if rest != host and "." in rest:
            return rest
    return host


def _selects_amp(name: str, value: str) -> bool:
    """Tell whether a query parameter only asks for the AMP rendering of the page."""
    name = name.lower()
    return name == "amp" or (name == "outputtype" and value.lower() == "amp")


def domain_of(url: str) -> str:
    """Return the host of ``url`` without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def web_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, fit to be a link; else None.

    Addresses are canonical http(s) ones when the crawler, the forms or the import store them,
    but a page, a mail or a press book never turns anything else into a link: a
    ``javascript:`` or ``data:`` address restored from elsewhere would run script on a click.
    """
    return url if url and _WEB_LINK.match(url) else None
