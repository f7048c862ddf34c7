"""Article extraction shared by the crawler and ``retombees extract``.

trafilatura gives the text and its metadata; extruct reads JSON-LD and OpenGraph for the hints
the medium classifier needs (video or audio pages, broadcast durations).
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import extruct
import trafilatura
from dateutil import parser as dateparser

log = logging.getLogger(__name__)

_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_BYLINE = re.compile(r"^\s*(?:par|by|de)\s+", re.IGNORECASE)
_HTML_LANG = re.compile(rb"<html[^>]*\blang=[\"']?([a-zA-Z]{2})", re.IGNORECASE)
VIDEO_TYPES = {"VideoObject", "BroadcastEvent", "TVEpisode", "TVSeries", "Clip"}
AUDIO_TYPES = {"AudioObject", "PodcastEpisode", "RadioEpisode", "RadioSeries", "PodcastSeries"}


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


def parse_date(value) -> datetime | None:
    """Parse a date string into an aware datetime (UTC when no zone is given)."""
    if not value:
        return None
    try:
        parsed = dateparser.parse(str(value))
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def clean_author(author: str | None) -> str | None:
    """Turn a byline such as ``"Par Jean Dupont"`` into ``"Jean Dupont"``."""
    if not author:
        return None
    author = _BYLINE.sub("", author).strip(" ;,|")
    return author or None


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def medium_hints(html: str, url: str | None) -> dict:
    """Collect what the page's metadata says about its medium, with the duration if any."""
    try:
        data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True)
    except Exception as exc:  # extruct raises many parser errors; metadata is optional
        log.info("unreadable metadata in %s: %s", url, exc)
        return {}
    hints: dict = {}
    types: set[str] = set()
    for node in data.get("json-ld", []):
        types |= _types(node)
        duration = parse_duration(node.get("duration"))
        if duration and "duration_s" not in hints:
            hints["duration_s"] = duration
    for node in data.get("opengraph", []):
        og_type = str(node.get("@type") or "")
        if og_type:
            hints["og_type"] = og_type
        if node.get("og:video") or og_type.startswith("video"):
            hints["video"] = True
        if node.get("og:audio") or og_type.startswith("music"):
            hints["audio"] = True
    if types & VIDEO_TYPES:
        hints["video"] = True
    if types & AUDIO_TYPES:
        hints["audio"] = True
    if types:
        hints["jsonld_types"] = sorted(t for t in types if isinstance(t, str))
    return hints


def extract_page(html: str | bytes, url: str | None = None) -> Extracted:
    """Extract the article of one HTML page.

    :raises ExtractionError: when the page holds no readable text.
    """
    raw = html.encode("utf-8") if isinstance(html, str) else html
    document = trafilatura.bare_extraction(
        raw, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if document is None or not (document.text or "").strip():
        raise ExtractionError("no article text found in the page")
    text_html = html if isinstance(html, str) else raw.decode("utf-8", "replace")
    language = document.language
    if not language:
        match = _HTML_LANG.search(raw[:5000])
        language = match.group(1).decode().lower() if match else None
    return Extracted(
        url=document.url or url,
        title=document.title,
        text=document.text,
        published=parse_date(document.date),
        author=clean_author(document.author),
        language=language,
        medium_hints=medium_hints(text_html, url),
    )
