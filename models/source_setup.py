"""Adding a source from a site's address: fetch the page, find its feeds, save the chosen ones.

A person pastes an address. If it is a feed, that feed is the candidate; if it is a web page,
its feed autodiscovery links (``<link rel="alternate" type="application/rss+xml">``) are the
candidates, each read once to confirm it and guess its kind (podcast or video feeds carry
audio or video enclosures). A page without a feed can be added as a site section.

Feed parsing lives in the crawler; callers pass its reader (``crawler.feeds.parse_feed``) so
that this module stays free of crawler imports. Every download goes through
:func:`fetch_for_setup`, the one place where outgoing requests from the interface are made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
import urllib3
from lxml import etree
from sqlalchemy.orm import Session

from .base import SourceKind
from .http import describe_status
from .netguard import BlockedAddress, check_url
from .outlet import Outlet
from .registry import outlet_for_url
from .settings import Settings
from .source import Source, source_by_url

MAX_REDIRECTS = 5
MAX_PROBES = 5  # candidate feeds read to confirm them; later ones are listed unchecked
CHUNK = 64 * 1024
FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+xml",
    "application/xml",
    "text/xml",
}
ACCEPT = (
    "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
    "application/xml;q=0.9, */*;q=0.5"
)
TOO_LARGE = "download stopped: the page is larger than allowed"
# Hosts of news-search feeds: their items come from many outlets.
SEARCH_HOSTS = ("news.google.com", "bing.com", "news.yahoo.com")


class SetupError(ValueError):
    """An address that cannot be used as a source; ``code`` says which case, the text why.

    The text is one of the crawler's reason sentences ("no answer in time", "HTTP 404 (page
    not found)"…) so that the interface can translate it as it does on the sources page.
    """

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass
class Fetched:
    content: bytes
    content_type: str
    url: str  # after redirects
    status: int


def fetch_for_setup(url: str, settings: Settings) -> Fetched:
    """Download ``url`` once, within the time and size limits of ``settings``.

    Redirects are followed here, one hop at a time, so that each address reached can be
    checked in one place.

    :raises SetupError: for an address that is not http(s), one the server must not reach
        (code ``blocked``: loopback, private… outside ``allowed_networks``), a network error,
        a timeout, an HTTP error status, too many redirects or a body larger than
        ``max_page_bytes``.
    """
    url = url.strip()
    _check_address(url, settings)
    deadline = time.monotonic() + settings.download_timeout
    http = urllib3.PoolManager(
        headers={"User-Agent": settings.user_agent, "Accept": ACCEPT},
        timeout=urllib3.Timeout(total=settings.download_timeout),
        retries=False,
    )
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            response = _request(http, url)
            location = response.get_redirect_location()
            if not location:
                return _read(response, url, settings.max_page_bytes, deadline)
            response.release_conn()
            url = urljoin(url, location)
            _check_address(url, settings)
        raise SetupError("redirects", "redirect loop or too many redirects")
    finally:
        http.clear()


def _check_address(url: str, settings: Settings | None = None) -> None:
    """Refuse an address that is not http(s) and, given ``settings``, one whose host is
    the server itself or its private network (see :mod:`models.netguard`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise SetupError("address", f"Not a web address: {url}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SetupError("address", f"Not a web address: {url}")
    if settings is not None:
        try:
            check_url(url, settings.allowed_networks)
        except BlockedAddress as exc:
            raise SetupError("blocked", exc.reason) from exc


def _request(http: urllib3.PoolManager, url: str):
    try:
        return http.request("GET", url, preload_content=False, redirect=False)
    except urllib3.exceptions.TimeoutError as exc:
        raise SetupError("timeout", "no answer in time") from exc
    except urllib3.exceptions.NameResolutionError as exc:
        raise SetupError("network", "the host name does not resolve") from exc
    except urllib3.exceptions.NewConnectionError as exc:
        refused = "refused" in str(exc).lower()
        raise SetupError("network", "connection refused" if refused else "cannot connect") from exc
    except urllib3.exceptions.ProtocolError as exc:
        raise SetupError("network", "the connection was cut") from exc
    except (urllib3.exceptions.HTTPError, ValueError) as exc:
        raise SetupError("network", "cannot connect") from exc


def _read(response, url: str, limit: int, deadline: float) -> Fetched:
    try:
        if response.status >= 400:
            status = response.status
            raise SetupError("status", describe_status(status), status)
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise SetupError("size", TOO_LARGE)
        body = bytearray()
        try:
            for chunk in response.stream(CHUNK, decode_content=True):
                body += chunk
                if len(body) > limit:
                    raise SetupError("size", TOO_LARGE)
                if time.monotonic() > deadline:
                    raise SetupError("timeout", "no answer in time")
        except urllib3.exceptions.TimeoutError as exc:
            raise SetupError("timeout", "no answer in time") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise SetupError("network", "the connection was cut") from exc
    finally:
        response.release_conn()
    content_type = response.headers.get("Content-Type") or ""
    return Fetched(bytes(body), content_type, url, response.status)


# -- What the document is -------------------------------------------------------------------


def _head(content: bytes) -> str:
    return content[:2048].decode("utf-8", "replace").lower()


def looks_like_html(fetched: Fetched) -> bool:
    """Tell whether the document is a web page (by its first bytes, else its content type)."""
    head = _head(fetched.content)
    if "<html" in head or "<!doctype html" in head:
        return True
    if any(marker in head for marker in ("<rss", "<feed", "<rdf:rdf", "<urlset", "<sitemapindex")):
        return False
    return "html" in fetched.content_type.lower()


def looks_like_sitemap(fetched: Fetched) -> bool:
    head = _head(fetched.content)
    return "<urlset" in head or "<sitemapindex" in head


@dataclass
class FeedLink:
    url: str
    title: str
    type: str


def feed_links(content: bytes, base_url: str) -> list[FeedLink]:
    """Return the feed autodiscovery links of an HTML page, as absolute addresses, in order."""
    try:
        doc = lxml.html.document_fromstring(content, base_url=base_url)
    except (etree.ParserError, ValueError):
        return []
    base = doc.find(".//base[@href]")
    if base is not None:
        base_url = urljoin(base_url, base.get("href", "").strip())
    found: dict[str, FeedLink] = {}
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" not in rels or kind not in FEED_TYPES or not href:
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        if urlsplit(url).scheme in ("http", "https") and url not in found:
            found[url] = FeedLink(url, " ".join((link.get("title") or "").split()), kind)
    return list(found.values())


def page_title(content: bytes) -> str:
    """The page's ``<title>``, or an empty string."""
    try:
        doc = lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError):
        return ""
    title = doc.findtext(".//title") or ""
    return " ".join(title.split())


def guess_kind(url: str, medium_hints: Iterable[str | None]) -> SourceKind:
    """Guess a feed's kind: a news search by its host, else podcast or video by its entries."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if any(host == h or host.endswith("." + h) for h in SEARCH_HOSTS):
        return SourceKind.SEARCH
    hints = [h for h in medium_hints if h]
    if hints:
        video = sum(1 for h in hints if h == "video")
        return SourceKind.VIDEO if video * 2 >= len(hints) else SourceKind.PODCAST
    return SourceKind.FEED


# -- Discovery ------------------------------------------------------------------------------

# (content, content_type, url) -> an object with ok, error, title and entries (with medium_hint)
FeedReader = Callable[[bytes, str | None, str | None], object]


@dataclass
class Candidate:
    url: str
    title: str
    kind: SourceKind
    entries: int | None = None  # None when not read
    error: str | None = None  # why the candidate could not be read (English reason)
    existing: Source | None = None  # already a source with this address

    @property
    def usable(self) -> bool:
        return self.error is None and self.existing is None


@dataclass
class Discovery:
    """What an address offers: candidate feeds (or a section), and the outlet it belongs to."""

    url: str  # the address reached, after redirects
    title: str
    candidates: list[Candidate] = field(default_factory=list)
    outlet: Outlet | None = None
    is_feed: bool = False  # the address itself is a feed
    no_feed: bool = False  # a web page without feed: offer it as a section


def discover(session: Session, url: str, settings: Settings, read_feed: FeedReader) -> Discovery:
    """Fetch ``url`` and list what can be collected from it.

    :raises SetupError: when the address cannot be read, or is neither a page nor a feed
        (code ``not_feed``).
    """
    fetched = fetch_for_setup(url, settings)
    if looks_like_html(fetched):
        found = Discovery(url=fetched.url, title=page_title(fetched.content))
        found.candidates = _probe(
            session, feed_links(fetched.content, fetched.url), settings, read_feed
        )
        if not found.candidates:
            found.no_feed = True
            name = found.title or urlsplit(fetched.url).hostname or fetched.url
            found.candidates = [
                _existing(session, Candidate(fetched.url, name, SourceKind.SECTION))
            ]
    elif looks_like_sitemap(fetched):
        found = Discovery(url=fetched.url, title=urlsplit(fetched.url).hostname or fetched.url)
        found.candidates = [
            _existing(session, Candidate(fetched.url, found.title, SourceKind.SITEMAP))
        ]
    else:
        result = read_feed(fetched.content, fetched.content_type, fetched.url)
        if not result.ok:
            raise SetupError("not_feed", result.error or "not a feed")
        title = result.title or urlsplit(fetched.url).hostname or fetched.url
        found = Discovery(url=fetched.url, title=title, is_feed=True)
        kind = guess_kind(fetched.url, (e.medium_hint for e in result.entries))
        found.candidates = [
            _existing(session, Candidate(fetched.url, title, kind, len(result.entries)))
        ]
    found.outlet = outlet_for_url(session, found.url) or outlet_for_url(session, url)
    return found


def _existing(session: Session, candidate: Candidate) -> Candidate:
    candidate.existing = source_by_url(session, candidate.url)
    return candidate


def _probe(
    session: Session, links: list[FeedLink], settings: Settings, read_feed: FeedReader
) -> list[Candidate]:
    """Read the first few candidate feeds, within one download timeout in all."""
    deadline = time.monotonic() + settings.download_timeout
    candidates = []
    for index, link in enumerate(links):
        candidate = _existing(session, Candidate(link.url, link.title, SourceKind.FEED))
        candidates.append(candidate)
        if candidate.existing or index >= MAX_PROBES or time.monotonic() > deadline:
            continue
        try:
            fetched = fetch_for_setup(link.url, settings)
        except SetupError as exc:
            candidate.error = str(exc)
            continue
        result = read_feed(fetched.content, fetched.content_type, fetched.url)
        if not result.ok:
            candidate.error = result.error or "not a feed"
            continue
        candidate.title = candidate.title or result.title or link.url
        candidate.entries = len(result.entries)
        candidate.kind = guess_kind(link.url, (e.medium_hint for e in result.entries))
    return candidates


# -- Saving ---------------------------------------------------------------------------------


class DuplicateSourceError(ValueError):
    """An address that is already a source."""

    def __init__(self, source: Source):
        super().__init__(f"{source.url} is already the source {source.name!r}.")
        self.source = source


@dataclass
class NewSource:
    url: str
    name: str
    kind: SourceKind


def add_sources(
    session: Session,
    chosen: list[NewSource],
    outlet: Outlet | None,
    interval_minutes: int = 60,
    settings: Settings | None = None,
) -> list[Source]:
    """Add the chosen sources (enabled, never fetched yet); the caller commits.

    :raises DuplicateSourceError: for an address that is already a source (nothing is added).
    :raises SetupError: for an address that is not http(s), or (given ``settings``) one the
        server must not reach.
    """
    urls = set()
    for item in chosen:
        _check_address(item.url.strip(), settings)
        existing = source_by_url(session, item.url.strip())
        if existing is not None:
            raise DuplicateSourceError(existing)
        urls.add(item.url.strip())
    added = []
    for item in chosen:
        url = item.url.strip()
        if url not in urls:
            continue  # chosen twice
        urls.discard(url)
        name = " ".join(item.name.split())[:200] or urlsplit(url).hostname or url
        source = Source(
            name=name, kind=item.kind, url=url, outlet=outlet, interval_minutes=interval_minutes
        )
        session.add(source)
        added.append(source)
    session.flush()
    return added
