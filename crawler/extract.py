"""Article extraction shared by the crawler and ``retombees extract``.

The page is decoded once (``decode_html``) and parsed once; trafilatura reads the text and its
metadata from that tree, extruct's JSON-LD and OpenGraph readers the structured data that takes
precedence for dates, titles and authors, and the hints the medium classifier needs (video or
audio pages, broadcast durations). ``docs/extraction.md`` gives the order of precedence.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

import py3langid
import trafilatura
from courlan import extract_domain
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.settings import Document

from .decoding import decode_html
from .metadata import (
    _DATE_FORMAT,
    _XML_LANG,
    ARTICLE_TYPES,
    AUDIO_TYPES,
    PAGE_TYPES,
    PARIS,
    VIDEO_TYPES,
    _medium_hints,
    _names,
    _shown_title,
    _Structured,
    _structured_data,
    _text,
    _types,
    clean_author,
    clean_title,
    page_date,
    parse_date,
    parse_duration,
)

__all__ = [
    "ARTICLE_TYPES",
    "AUDIO_TYPES",
    "PAGE_TYPES",
    "PARIS",
    "VIDEO_TYPES",
    "Extracted",
    "ExtractionError",
    "clean_author",
    "clean_title",
    "decode_html",
    "extract_page",
    "page_date",
    "parse_date",
    "parse_duration",
]

# -- values -----------------------------------------------------------------------------------


class ExtractionError(ValueError):
    """A page from which no article could be read."""


@dataclass
class Extracted:
    url: str | None
    title: str | None
    text: str | None
    published: datetime | None
    author: str | None
    language: str | None
    medium_hints: dict = field(default_factory=dict)
    encoding: str | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data


# -- the page ---------------------------------------------------------------------------------


def _site_names(data: _Structured, document: Document, url: str | None) -> list[str]:
    """List the names the site goes by, for cleaning titles."""
    names = [data.og.get("og:site_name"), document.sitename]
    names += _names(data.first("publisher"), data.by_id)
    names += [
        node.get("name")
        for node in data.nodes
        if _types(node) & {"WebSite", "Organization", "NewsMediaOrganization"}
    ]
    address = url or document.url
    if address:
        names.append(extract_domain(address, fast=True))
    return [name for name in (_text(n) for n in names) if name]


def _published(
    data: _Structured, document: Document, tree: HtmlElement, url: str | None
) -> datetime | None:
    """Return the publication date: JSON-LD, OpenGraph, then htmldate (fast, then extensive)."""
    candidates = (
        data.first("datePublished"),
        data.og.get("article:published_time"),
        data.first("uploadDate"),
        document.date,
    )
    for candidate in candidates:
        published = page_date(_text(candidate))
        if published:
            return published
    # trafilatura ran htmldate without its slow extensive search; run it only when needed.
    found = find_date(
        tree, url=url, original_date=True, extensive_search=True, outputformat=_DATE_FORMAT
    )
    return page_date(found)


def _author(data: _Structured, document: Document) -> str | None:
    """Return the authors: JSON-LD, OpenGraph ``article:author``, then trafilatura's byline."""
    for byline in (
        "; ".join(_names(data.first("author"), data.by_id)),
        _text(data.og.get("article:author")),
        document.author,
    ):
        author = clean_author(byline)
        if author:
            return author
    return None


def _language(document: Document, tree: HtmlElement, text: str) -> str | None:
    """Return the page's language: trafilatura's, ``<html lang>``, else guessed from the text."""
    declared = document.language or tree.get("lang") or tree.get(_XML_LANG)
    if declared:
        code = re.split(r"[-_]", declared.strip())[0].lower()
        if code.isalpha() and 2 <= len(code) <= 3:
            return code
    return py3langid.classify(text)[0]


# Lines of page chrome that trafilatura keeps on French news pages: advertising placeholders
# and paywall notices. Only whole lines are dropped, never words of the article's sentences.
_CHROME_LINE = re.compile(
    r"(?:passer la )?publicit[ée]"
    r"|il vous reste \d+(?:[.,]\d+)? ?% de cet article [àa] lire\.?"
    r"(?: la suite est r[ée]serv[ée]e aux abonn[ée]s\.?)?"
    r"|(?:la suite de )?cet article est r[ée]serv[ée] aux abonn[ée]s\.?"
    r"|la suite est r[ée]serv[ée]e aux abonn[ée]s\.?",
    re.IGNORECASE,
)


def _without_chrome(text: str) -> str:
    """Drop the lines of the text that are advertising placeholders or paywall notices."""
    lines = text.split("\n")
    return "\n".join(line for line in lines if not _CHROME_LINE.fullmatch(" ".join(line.split())))


def _lead(text: str, data: _Structured, document: Document, tree: HtmlElement) -> str | None:
    """Return the standfirst when the page shows it but trafilatura left it out of the text."""
    description = _text(data.og.get("og:description")) or _text(data.first("description"))
    description = description or _text(document.description)
    if not description or len(description.split()) < 12:
        return None
    flat = " ".join(text.split())
    if description in flat:
        return None
    body = tree.find("body")
    if body is None:
        return None
    start = description[:30]
    for element in body.iter("p", "div", "h2", "h3", "span", "strong"):
        head = " ".join((element.text or "").split())
        # The standfirst is shown in the page itself, not only given to search engines.
        if len(head) >= min(10, len(start)) and start.startswith(head[:30]):
            shown = " ".join(element.text_content().split())
            if shown == description:
                return shown
    return None


def extract_page(
    html: str | bytes, url: str | None = None, content_type: str | None = None
) -> Extracted:
    """Extract the article of one HTML page, decoding bytes with ``decode_html``.

    :raises ExtractionError: when the page holds no readable text.
    """
    encoding = None
    if isinstance(html, bytes):
        html, encoding = decode_html(html, content_type)
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ExtractionError("no article text found in the page")
    data = _structured_data(tree, url)
    # trafilatura works on its own copy of the tree, which stays intact for the steps below.
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params={
            "original_date": True,
            "extensive_search": False,
            "outputformat": _DATE_FORMAT,
        },
    )
    if document is None or not (document.text or "").strip():
        raise ExtractionError("no article text found in the page")
    text = _without_chrome(document.text)
    if not text.strip():
        raise ExtractionError("the page holds only advertising or a paywall notice")
    lead = _lead(text, data, document, tree)
    if lead:
        text = f"{lead}\n{text}"
    site_names = _site_names(data, document, url)
    title = next(
        filter(
            None,
            (
                clean_title(_text(candidate), site_names)
                for candidate in (data.og.get("og:title"), data.first("headline"), document.title)
            ),
        ),
        None,
    )
    if title:
        title = _shown_title(title, tree)
    return Extracted(
        url=document.url or url,
        title=title,
        text=text,
        published=_published(data, document, tree, url),
        author=_author(data, document),
        language=_language(document, tree, text),
        medium_hints=_medium_hints(data, url),
        encoding=encoding,
    )
