"""Feed reading shared by the crawler and ``retombees feed``: RSS, Atom, podcasts, video feeds."""

from __future__ import annotations

import calendar
import io
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser

from .decoding import decode_html
from .extract import parse_duration

_EMAIL_AND_NAME = re.compile(r"^\S+@\S+\s*\((.+)\)$")
# Control characters have no place in a title or a name, and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# References to characters XML forbids (NUL, lone surrogates…), on which feedparser crashes.
_CHAR_REF = re.compile(r"&#(x[0-9a-f]+|[0-9]+);", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*>")
_XML_ENCODING = re.compile(rb"\A\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)[\"']")
MAX_URL, MAX_AUTHOR = 2000, 300  # the columns of models.Coverage


@dataclass
class FeedEntry:
    title: str
    url: str | None
    published: datetime | None
    summary: str | None
    author: str | None = None
    enclosure_url: str | None = None
    enclosure_type: str | None = None
    duration_s: int | None = None
    medium_hint: str | None = None  # "audio" or "video" when the entry carries such media
    source_title: str | None = None  # the outlet an aggregated item comes from (RSS <source>)
    source_url: str | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data


@dataclass
class FeedResult:
    ok: bool
    warning: str | None = None
    error: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    title: str | None = None


def _text(value) -> str:
    """A text of the feed, trimmed, without control characters."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else ""


def _address(value, base: str | None) -> str | None:
    """An absolute http(s) address (read against ``base`` when relative), or None."""
    text = _text(value).replace(" ", "%20")  # as browsers send it
    if not text or any(c.isspace() for c in text):
        return None
    try:
        address = urljoin(base, text) if base else text
        parts = urlsplit(address)
        usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed host such as "http://[x"
        return None
    return address if usable and len(address) <= MAX_URL else None


def _when(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):  # a date beyond the year 9999
                continue
    return None


def _author(entry) -> str | None:
    """The author's name; RSS writes ``email (Name)``. A whole paragraph is not a name."""
    raw = _text(entry.get("author"))
    match = _EMAIL_AND_NAME.match(raw)
    if match:
        raw = match.group(1).strip()
    return raw if raw and len(raw) <= MAX_AUTHOR else None


def _media(entry, base: str | None) -> tuple[str | None, str | None, int | None]:
    """Return (url, type, duration) of the entry's audio or video, if it has one."""
    candidates = [
        (e.get("href") or e.get("url"), e.get("type"), None) for e in entry.get("enclosures", [])
    ]
    candidates += [
        (m.get("url"), m.get("type") or m.get("medium"), parse_duration(m.get("duration")))
        for m in entry.get("media_content", [])
    ]
    for url, kind, duration in candidates:
        kind = _text(kind).lower()
        if kind.startswith(("audio", "video")):
            return _address(url, base), kind, duration
    return None, None, None


def _entry(entry, base: str | None) -> FeedEntry:
    enclosure_url, enclosure_type, media_duration = _media(entry, base)
    hint = None
    if enclosure_type:
        hint = "video" if enclosure_type.startswith("video") else "audio"
    elif entry.get("yt_videoid"):  # a video channel feed (media:group with a player)
        hint = "video"
    duration = parse_duration(entry.get("itunes_duration")) or media_duration
    source = entry.get("source") or {}
    return FeedEntry(
        title=_text(entry.get("title")),
        url=_address(entry.get("link"), base),
        published=_when(entry),
        summary=_text(entry.get("summary") or entry.get("media_description")) or None,
        author=_author(entry),
        enclosure_url=enclosure_url,
        enclosure_type=enclosure_type,
        duration_s=duration,
        medium_hint=hint,
        source_title=_text(source.get("title")) or None,
        source_url=_address(source.get("href"), base),
    )


def _feedparser(content: bytes, headers: dict):
    # A stream, never bytes: feedparser opens bytes that name a file ("/etc/passwd", "/dev/zero").
    stream = io.BytesIO(content)
    return feedparser.parse(stream, response_headers=headers, resolve_relative_uris=True)


def _clean_utf8(content: bytes, content_type: str | None) -> bytes:
    """The document as UTF-8 declared so, without references to characters XML forbids."""
    if "charset" not in (content_type or "").lower():
        declared = _XML_ENCODING.match(content)
        # Without a readable declaration an XML document is UTF-8: stray bytes do not make
        # the whole of it Windows-1252.
        charset = declared.group(1).decode() if declared else "utf-8"
        content_type = f"application/xml; charset={charset}"
    text, _codec = decode_html(content, content_type)
    text = _XML_DECLARATION.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return _CHAR_REF.sub(_allowed_reference, text).encode("utf-8", "replace")


def _allowed_reference(match: re.Match) -> str:
    number = match.group(1)
    code = int(number[1:], 16) if number[0] in "xX" else int(number)
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF
    return match.group() if allowed and code not in (0xFFFE, 0xFFFF) else "\ufffd"


def _media_type(content_type: str) -> str:
    """The Content-Type as RFC 7303 reads it: ``text/xml`` without a charset is XML like
    ``application/xml`` (its declaration tells the encoding), not US-ASCII as feedparser
    still reads it (RFC 3023): a UTF-16 feed served so was "not a feed"."""
    media, _, parameters = content_type.partition(";")
    media = media.strip().lower()
    if media.startswith("text/") and media.endswith("xml") and "charset" not in parameters.lower():
        return (
            "application/" + media.removeprefix("text/") + (f";{parameters}" if parameters else "")
        )
    return content_type


def parse_feed(
    content: bytes, content_type: str | None = None, url: str | None = None
) -> FeedResult:
    """Parse a feed document; a malformed but readable feed is ``ok`` with a warning.

    Relative links are read against ``url``, the feed's address. Never raises: a document
    that cannot be read is a result that is not ``ok``, with the reason in ``error``. Entries
    have an http(s) ``url`` or none, an aware ``published`` or none, and texts without control
    characters.
    """
    headers = {"content-type": _media_type(content_type)} if content_type else {}
    if url:
        headers["content-location"] = url  # the base feedparser reads relative links against
    problem = None
    try:
        parsed = _feedparser(content, headers)
    # feedparser crashes on some broken documents (an encoding name with stray bytes, a
    # reference to a lone surrogate): read them once more, decoded and cleaned.
    except Exception as exc:  # any crash of the library on hostile input
        problem = f"{type(exc).__name__}: {exc}; read again after cleaning"
        try:
            utf8 = {**headers, "content-type": "application/xml; charset=utf-8"}
            parsed = _feedparser(_clean_utf8(content, content_type), utf8)
        except Exception as again:
            return FeedResult(ok=False, error=f"unreadable feed ({type(again).__name__}: {again})")
    if parsed.get("bozo") and problem is None:
        problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
    if not parsed.get("version") and not parsed.entries:
        looks_html = b"<html" in content[:2000].lower()
        reason = "the address serves an HTML page, not a feed" if looks_html else "not a feed"
        return FeedResult(ok=False, error=f"{reason}" + (f" ({problem})" if problem else ""))
    entries = [_entry(e, url) for e in parsed.entries]
    return FeedResult(
        ok=True,
        warning=problem,
        entries=entries,
        title=_text(parsed.feed.get("title")) or None,
    )
