"""Article extraction shared by the crawler and ``retombees extract``.

The page is decoded once (``decode_html``) and parsed once; trafilatura reads the text and its
metadata from that tree, extruct's JSON-LD and OpenGraph readers the structured data that takes
precedence for dates, titles and authors, and the hints the medium classifier needs (video or
audio pages, broadcast durations). ``docs/extraction.md`` gives the order of precedence.
"""

from __future__ import annotations

import codecs
import html as htmlentities
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import extruct
import py3langid
import trafilatura
from charset_normalizer import from_bytes
from courlan import extract_domain
from dateutil import parser as dateparser
from extruct.jsonld import JsonLdExtractor
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
VIDEO_TYPES = {"VideoObject", "BroadcastEvent", "TVEpisode", "TVSeries", "Clip"}
AUDIO_TYPES = {"AudioObject", "PodcastEpisode", "RadioEpisode", "RadioSeries", "PodcastSeries"}
ARTICLE_TYPES = {"BlogPosting", "LiveBlogPosting", "Report", "SocialMediaPosting", "Review"}
PAGE_TYPES = {"WebPage", "ItemPage", "AboutPage", "ProfilePage", "CollectionPage"}

_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

# -- decoding ---------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# Browsers look for <meta charset> in the first 1024 bytes; real pages put it later behind
# long comments and scripts, so look further: a false hit still has to pass validation.
_META_SCAN = 8192
# Browsers decode both labels as windows-1252 (WHATWG Encoding), whose extra characters
# (€, œ, ’, «…» spacing, …) French pages use all the time.
_BROWSER_CODECS = {"iso8859-1": "cp1252", "ascii": "cp1252"}
_LATIN_CODECS = {"cp1252", "iso8859-15"}
_STRAY_BYTES = re.compile("[\udc80-\udcff]+")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _codec(label: str | None) -> str | None:
    """Return Python's codec for an encoding label, read as browsers read it."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _BROWSER_CODECS.get(name, name)


def _declared(body: bytes, content_type: str | None) -> list[str]:
    """List the encodings declared by the HTTP header, then by the page, first one first."""
    declared = []
    header = _HEADER_CHARSET.search(content_type or "")
    if header and (codec := _codec(header.group(1))):
        declared.append(codec)
    meta = _META_CHARSET.search(body[:_META_SCAN])
    if meta and (codec := _codec(meta.group(1).decode("ascii"))):
        # A page cannot declare UTF-16 in its own bytes: browsers read such a page as UTF-8.
        declared.append("utf-8" if codec.startswith("utf-16") else codec)
    return list(dict.fromkeys(declared))


def _utf8(body: bytes) -> str | None:
    """Decode valid UTF-8, or return None."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_as(body: bytes, codec: str) -> str | None:
    """Decode with a declared encoding, or return None when the bytes refute the declaration."""
    if codec == "utf-8":
        return _utf8(body)
    if codec in _LATIN_CODECS:
        # Multi-byte UTF-8 sequences almost never occur by chance in legacy text: a page that
        # holds some is UTF-8 whatever it says.
        if not body.isascii() and _utf8(body) is not None:
            return None
        return body.decode(codec, "replace")
    if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:_META_SCAN]:
        return None  # UTF-16 and UTF-32 write ASCII markup with zero bytes
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def _decode_broken_utf8(body: bytes) -> tuple[str, str]:
    """Decode a page said to be UTF-8 whose bytes are not: cp1252, or UTF-8 with stray bytes."""
    text = body.decode("utf-8", "surrogateescape")
    stray = sum(len(run) for run in _STRAY_BYTES.findall(text))
    if len(_NON_ASCII.findall(text)) > stray:
        # Mostly UTF-8 (a cut download, a quote pasted from Word): reading the whole page as
        # cp1252 would garble every accent, so only the stray bytes are read as cp1252.
        return _STRAY_BYTES.sub(_stray_as_cp1252, text), "utf-8"
    return body.decode("cp1252", "replace"), "cp1252"


def _stray_as_cp1252(match: re.Match) -> str:
    return match.group().encode("utf-8", "surrogateescape").decode("cp1252", "replace")


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page and return its text with the encoding used (a Python codec name).

    Order: byte-order mark, the charset of the HTTP ``Content-Type``, the page's
    ``<meta charset>`` / ``http-equiv``, then detection. Declarations are checked against the
    bytes, as pages are often mislabelled: a page said to be UTF-8 that is not valid UTF-8 is
    read as cp1252 (its stray bytes only, when the rest is UTF-8), a page said to be
    latin-1/cp1252/ISO-8859-15 that is valid multi-byte UTF-8 is read as UTF-8, and
    ISO-8859-1 and ASCII mean cp1252 as in browsers. Never raises: undecodable bytes become
    U+FFFD.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), codec
    declared = _declared(body, content_type)
    for codec in declared:
        text = _decode_as(body, codec)
        if text is not None:
            return text, codec
    text = _utf8(body)
    if text is not None:
        return text, "utf-8"
    if "utf-8" in declared:
        return _decode_broken_utf8(body)
    return _detected(body)


def _detected(body: bytes) -> tuple[str, str]:
    """Decode undeclared legacy bytes with the encoding charset-normalizer finds most likely."""
    matches = from_bytes(body)
    best = matches.best()
    codec = _codec(best.encoding) if best else None
    # cp1252 is the legacy default of Western European pages: on short or plain texts several
    # code pages read about as well (a mess ratio within 2 points), and then it wins the tie.
    western = next((m for m in matches if _codec(m.encoding) == "cp1252"), None)
    tie = western is not None and best is not None and western.chaos <= best.chaos + 0.02
    if codec is None or codec.startswith("utf") or tie:
        codec = "cp1252"
    return body.decode(codec, "replace"), codec


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


def parse_duration(value) -> int | None:
    """Read seconds from ISO 8601 (``PT2M35S``), ``HH:MM:SS``, ``MM:SS`` or plain seconds."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    match = _ISO_DURATION.match(text.upper())
    if match and any(match.groupdict().values()):
        parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
        return round(parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"])
    try:
        pieces = [float(p) for p in text.split(":")]
    except ValueError:
        return None
    if len(pieces) > 3 or any(p < 0 for p in pieces):
        return None
    seconds = 0.0
    for piece in pieces:
        seconds = seconds * 60 + piece
    return round(seconds)


def parse_date(value, default_tz: tzinfo = UTC) -> datetime | None:
    """Parse a date string into an aware datetime (in ``default_tz`` when no zone is given)."""
    if not value:
        return None
    try:
        parsed = dateparser.parse(str(value))
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def page_date(value) -> datetime | None:
    """Parse a page's publication date into UTC, reading a date without zone as Paris time.

    A bare day (``2024-04-30``, or the midnight htmldate gives when it found no time) becomes
    midnight in Europe/Paris, i.e. 22:00 or 23:00 UTC the day before.
    """
    parsed = parse_date(value, PARIS)
    return parsed.astimezone(UTC) if parsed else None


# -- authors ----------------------------------------------------------------------------------

# Separators between the names of a byline; " et " / " and " are handled apart.
_AUTHOR_SPLIT = re.compile(r"\s*(?:[;|/&•·,()\[\]]|(?<!\w)(?:avec|with)\s)\s*", re.IGNORECASE)
_AUTHOR_AND = re.compile(r"\s+(?:et|and)\s+", re.IGNORECASE)
# "Auteur Anna Kubišta", "Texte et photos : Paul Martin"
_AUTHOR_LABEL = re.compile(
    r"^(?:(?:auteur|autrice|author)s?\b\s*:?"
    r"|(?:textes?|photos?|vid[ée]os?|images?|reportage|r[ée]alisation|montage|illustrations?"
    r"|infographies?|dessins?|cr[ée]dits?)(?:\s+(?:et|&)\s+\w+)?\s*:)\s*",
    re.IGNORECASE,
)
_AUTHOR_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b.*$")
_BYLINE = re.compile(
    r"^(?:(?:propos|textes?|photos?|reportage|interview|entretien|vid[ée]o|dessin|infographie)"
    r"\b[^,]{0,40}?\s)?(?:par|by|(?-i:de))\s+",
    re.IGNORECASE,
)
_AUTHOR_TAIL = re.compile(
    r"\s+(?:(?:publi[ée]e?|mis\s+[àa]\s+jour|modifi[ée]e?|updated|published)\b.*"
    r"|(?-i:le)(?:\s+\d.*)?)$",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"^(?:(?:de|par)\s+)?(?:no(?:tre|s)\s+|vo(?:tre|s)\s+)?"
    r"(?:correspondant|envoy[ée]|journaliste|r[ée]dact|reporter|photograph|chroniqu"
    r"|[ée]ditorialiste|stagiaire|pigiste|chef|directeu|directrice|service|pr[ée]sentat"
    r"|mis\s+[àa]\s+jour|publi[ée])",
    re.IGNORECASE,
)
_NEWSROOM = re.compile(r"^(?:la\s+)?r[ée]daction\b|^(?:the\s+)?editors?$|^staff$", re.IGNORECASE)
_ADDRESS = re.compile(r"\S+@\S+\.\w+|https?://\S+|(?<!\w)@\w+")


def _author_parts(byline: str) -> list[str]:
    """Split a byline into the names it gives, without deciding yet which are names."""
    parts = []
    for part in _AUTHOR_SPLIT.split(byline):
        pieces = _AUTHOR_AND.split(part)
        # Split "Jean Dupont et Marie Durand" but keep "Sciences et Avenir" or "Le Figaro et AFP".
        if len(pieces) > 1 and all(len(piece.split()) >= 2 for piece in pieces):
            parts.extend(pieces)
        else:
            parts.append(part)
    return parts


def _author_name(part: str) -> str | None:
    """Clean one name of a byline, or return None when it names no author."""
    part = _AUTHOR_LABEL.sub("", part.strip(" \t\n\r-–—:.,"))
    part = _BYLINE.sub("", part)
    part = _AUTHOR_TAIL.sub("", part)
    part = " ".join(part.split()).strip(" -–—:,.")
    if not part or len(part) > 80 or not any(c.isalpha() for c in part):
        return None
    if _NEWSROOM.match(part) or _ROLE.match(part):
        return None
    return part


def clean_author(author: str | None) -> str | None:
    """Turn a byline such as ``"Par Jean Dupont, correspondant"`` into ``"Jean Dupont"``.

    Several authors are joined with ``", "``; roles, dates, e-mail addresses and newsroom
    signatures ("Par la rédaction") are left out.
    """
    if not author:
        return None
    names: list[str] = []
    byline = _ADDRESS.sub(" ", htmlentities.unescape(author))
    byline = _AUTHOR_DATE.sub("", byline)
    for position, part in enumerate(_author_parts(byline)):
        # After a name, a piece in lower case describes it ("Jean Dupont, à Lille").
        if position and names and part.strip()[:1].islower():
            continue
        name = _author_name(part)
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return ", ".join(names) or None


# -- titles -----------------------------------------------------------------------------------

_TITLE_SEPARATOR = re.compile(r"\s+[-|–—:·•»/]\s+")
_ARTICLE_WORD = re.compile(r"^(?:le|la|les|l'|l’|the)\s*", re.IGNORECASE)
_DOMAIN_END = re.compile(r"\.[a-z]{2,6}$", re.IGNORECASE)


def _site_keys(name: str) -> set[str]:
    """Return comparable forms of a site name: ``"Le Monde.fr"`` gives lemonde and monde."""
    name = _DOMAIN_END.sub("", name.strip().removeprefix("www."))
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    keys = {re.sub(r"\W|_", "", plain), re.sub(r"\W|_", "", _ARTICLE_WORD.sub("", plain))}
    return keys - {""}


def clean_title(title: str | None, site_names: list[str]) -> str | None:
    """Drop a ``" - Site name"`` suffix from a title, only when it is one of the site's names."""
    if not title:
        return None
    title = " ".join(htmlentities.unescape(title).split())
    sites = set().union(*(_site_keys(name) for name in site_names if name))
    for separator in _TITLE_SEPARATOR.finditer(title):
        head, suffix = title[: separator.start()].strip(), title[separator.end() :]
        if head and _site_keys(suffix) & sites:
            return head
    return title or None


_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _shown_title(title: str, tree: HtmlElement) -> str:
    """Return the title as the page's ``<h1>`` writes it, typographic apostrophes included."""
    folded = title.translate(_TYPOGRAPHY)
    for heading in tree.iter("h1"):
        shown = " ".join(heading.text_content().split())
        if shown != title and shown.translate(_TYPOGRAPHY) == folded:
            return shown
    return title


# -- structured data --------------------------------------------------------------------------

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_JSONLD_SCRIPTS = etree.XPath('//script[@type="application/ld+json"]')


@dataclass
class _Structured:
    """What the page's JSON-LD and OpenGraph say, main node first."""

    nodes: list[dict]
    main: list[dict]
    by_id: dict[str, dict]
    og: dict

    def first(self, key: str):
        """Return the first value of ``key`` among the article-like nodes."""
        for node in self.main:
            value = node.get(key)
            if value:
                return value
        return None


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k for k in kinds if isinstance(k, str)}


def _rank(node: dict) -> int:
    """Rank a JSON-LD node by how likely it describes the article itself (0 is best)."""
    types = _types(node)
    if types & ARTICLE_TYPES or any(t.endswith("Article") for t in types):
        return 0
    if types & (VIDEO_TYPES | AUDIO_TYPES):
        return 1
    if types & PAGE_TYPES:
        return 2
    return 3


def _jsonld_nodes(tree: HtmlElement) -> list[dict]:
    """Read every JSON-LD block, one at a time so that a malformed block hides no other."""
    reader = JsonLdExtractor()
    nodes: list[dict] = []
    for script in _JSONLD_SCRIPTS(tree):
        try:
            items = reader.extract_items(script)
        except ValueError as exc:  # json's and jstyleson's JSONDecodeError
            log.info("unreadable JSON-LD block: %s", exc)
            continue
        for item in items:
            if not isinstance(item, dict):
                continue
            graph = item.get("@graph")
            if isinstance(graph, list):
                nodes.extend(node for node in graph if isinstance(node, dict))
                if item.get("@type"):
                    nodes.append(item)
            else:
                nodes.append(item)
    return nodes


def _structured_data(tree: HtmlElement, url: str | None) -> _Structured:
    """Read JSON-LD and OpenGraph from the parsed page."""
    nodes = _jsonld_nodes(tree)
    og: dict = {}
    for group in extruct.extract(tree, base_url=url, syntaxes=["opengraph"], uniform=True).get(
        "opengraph", []
    ):
        for key, value in group.items():
            og.setdefault(key, value)
    main = sorted((node for node in nodes if _rank(node) < 3), key=_rank)
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    return _Structured(nodes, main, by_id, og)


def _text(value) -> str | None:
    """Return a JSON-LD or OpenGraph value as clean text (the first one of a list)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    return " ".join(htmlentities.unescape(value).split()) or None


def _names(value, by_id: dict[str, dict]) -> list[str]:
    """Return the names of JSON-LD people or organisations, following ``@id`` references."""
    if isinstance(value, list):
        return [name for item in value for name in _names(item, by_id)]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if "name" not in value and isinstance(value.get("@id"), str):
            value = by_id.get(value["@id"], {})
        name = _text(value.get("name"))
        return [name] if name else []
    return []


def _image(value, url: str | None) -> str | None:
    """Return the address of a JSON-LD or OpenGraph image."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    if not isinstance(value, str) or not value.strip() or value.lstrip().startswith("<"):
        return None
    return urljoin(url, value.strip()) if url else value.strip()


def _medium_hints(data: _Structured, url: str | None) -> dict:
    """Collect what the metadata says about the page's medium, section and image."""
    hints: dict = {}
    types: set[str] = set()
    for node in data.nodes:
        types |= _types(node)
        duration = parse_duration(node.get("duration"))
        if duration and "duration_s" not in hints:
            hints["duration_s"] = duration
    og_type = str(data.og.get("@type") or "")
    if og_type:
        hints["og_type"] = og_type
    if data.og.get("og:video") or og_type.startswith("video") or types & VIDEO_TYPES:
        hints["video"] = True
    if data.og.get("og:audio") or og_type.startswith("music") or types & AUDIO_TYPES:
        hints["audio"] = True
    if types:
        hints["jsonld_types"] = sorted(types)
    section = _text(data.first("articleSection"))
    if section:
        hints["section"] = section
    image = _image(data.first("image"), url) or _image(data.og.get("og:image"), url)
    if image:
        hints["image"] = image
    return hints


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
