"""News-search and alert feeds: the real article behind each link, and its outlet's name.

Search engines wrap result links in redirects (``google.com/url?…&url=REAL``, Bing's
``apiclick.aspx?…&url=REAL``) and name the outlet in the item (RSS ``<source>``, or a title
suffix " - La Voix du Nord"). We unwrap the link without a request when the address carries it.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qs, urlsplit

# Hosts whose links are redirects carrying the target in a query parameter.
REDIRECTORS = {
    "google.com": ("url", "q"),
    "google.fr": ("url", "q"),
    "bing.com": ("url",),
    "news.yahoo.com": ("url",),
    "r.search.yahoo.com": ("RU",),
    "duckduckgo.com": ("uddg",),
}
_TITLE_SOURCE = re.compile(r"^(?P<title>.+?)\s+[-–—|]\s+(?P<outlet>[^-–—|]{2,80})$")
_URL_IN_BYTES = re.compile(rb"https?://[\x21-\x7e]+")


def _registered(host: str) -> str:
    host = host.lower().removeprefix("www.")
    for known in REDIRECTORS:
        if host == known or host.endswith("." + known):
            return known
    return ""


def unwrap_link(url: str) -> str:
    """Return the article address a search result link points to (the link itself if direct)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    redirector = _registered(host)
    if redirector:
        params = parse_qs(parts.query)
        for name in REDIRECTORS[redirector]:
            for value in params.get(name, []):
                if value.startswith(("http://", "https://")):
                    return unwrap_link(value)
    if host == "news.google.com" and "/articles/" in parts.path:
        return _google_news_target(parts.path.rsplit("/", 1)[-1]) or url
    return url


def _google_news_target(token: str) -> str | None:
    """The URL encoded in an older Google News article token, when it is there in clear."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    match = _URL_IN_BYTES.search(raw)
    return match.group(0).decode("ascii") if match else None


def split_title_source(title: str) -> tuple[str, str | None]:
    """Split a search result title "Headline - Outlet" into (headline, outlet)."""
    match = _TITLE_SOURCE.match(title.strip())
    if not match:
        return title, None
    return match.group("title").strip(), match.group("outlet").strip()
