"""Metadata of a page: dates, durations, authors, titles and JSON-LD/OpenGraph hints.

The values ``extract_page`` (``crawler.extract``) reads besides the text: dates and ISO 8601
durations parsed, bylines and titles cleaned up, and the structured data (JSON-LD, OpenGraph)
that takes precedence over trafilatura's metadata and gives the medium classifier its hints.
"""

from __future__ import annotations

import html as htmlentities
import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import extruct
from dateutil import parser as dateparser
from extruct.jsonld import JsonLdExtractor
from lxml import etree
from lxml.html import HtmlElement

# Same logger as before the split from ``crawler.extract``, so log records keep their name.
log = logging.getLogger("crawler.extract")


PARIS = ZoneInfo("Europe/Paris")
VIDEO_TYPES = {"VideoObject", "BroadcastEvent", "TVEpisode", "TVSeries", "Clip"}
AUDIO_TYPES = {"AudioObject", "PodcastEpisode", "RadioEpisode", "RadioSeries", "PodcastSeries"}
ARTICLE_TYPES = {"BlogPosting", "LiveBlogPosting", "Report", "SocialMediaPosting", "Review"}
PAGE_TYPES = {"WebPage", "ItemPage", "AboutPage", "ProfilePage", "CollectionPage"}
MAX_SECONDS = 2**31  # durations are stored in an integer column

_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


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
        seconds = parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
        return _seconds(seconds)
    try:
        pieces = [float(p) for p in text.split(":")]
    except ValueError:
        return None
    if len(pieces) > 3 or any(p < 0 for p in pieces):
        return None
    seconds = 0.0
    for piece in pieces:
        seconds = seconds * 60 + piece
    return _seconds(seconds)


def _seconds(seconds: float) -> int | None:
    """Whole seconds; None for "nan", "inf" or more than a database integer holds."""
    return round(seconds) if math.isfinite(seconds) and seconds < MAX_SECONDS else None


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
