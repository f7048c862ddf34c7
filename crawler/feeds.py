"""Feed reading shared by the crawler and ``retombees feed``: RSS, Atom, podcasts, video feeds."""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import feedparser

from .extract import parse_duration

_EMAIL_AND_NAME = re.compile(r"^\S+@\S+\s*\((.+)\)$")


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


def _when(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _author(entry) -> str | None:
    """The author's name; RSS writes ``email (Name)``."""
    raw = (entry.get("author") or "").strip()
    match = _EMAIL_AND_NAME.match(raw)
    if match:
        return match.group(1).strip()
    return raw or None


def _media(entry) -> tuple[str | None, str | None, int | None]:
    """Return (url, type, duration) of the entry's audio or video, if it has one."""
    candidates = [
        (e.get("href") or e.get("url"), e.get("type"), None) for e in entry.get("enclosures", [])
    ]
    candidates += [
        (m.get("url"), m.get("type") or m.get("medium"), parse_duration(m.get("duration")))
        for m in entry.get("media_content", [])
    ]
    for url, kind, duration in candidates:
        kind = (kind or "").lower()
        if kind.startswith(("audio", "video")) or kind in ("audio", "video"):
            return url, kind, duration
    return None, None, None


def _entry(entry) -> FeedEntry:
    enclosure_url, enclosure_type, media_duration = _media(entry)
    hint = None
    if enclosure_type:
        hint = "video" if enclosure_type.startswith("video") else "audio"
    elif entry.get("yt_videoid"):  # a video channel feed (media:group with a player)
        hint = "video"
    duration = parse_duration(entry.get("itunes_duration")) or media_duration
    return FeedEntry(
        title=(entry.get("title") or "").strip(),
        url=entry.get("link"),
        published=_when(entry),
        summary=(entry.get("summary") or entry.get("media_description") or "").strip() or None,
        author=_author(entry),
        enclosure_url=enclosure_url,
        enclosure_type=enclosure_type,
        duration_s=duration,
        medium_hint=hint,
        source_title=(entry.get("source") or {}).get("title"),
        source_url=(entry.get("source") or {}).get("href"),
    )


def parse_feed(
    content: bytes, content_type: str | None = None, url: str | None = None
) -> FeedResult:
    """Parse a feed document; a malformed but readable feed is ``ok`` with a warning."""
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(content, response_headers=headers, resolve_relative_uris=True)
    problem = None
    if parsed.bozo:
        problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
    if not parsed.version and not parsed.entries:
        looks_html = b"<html" in content[:2000].lower()
        reason = "the address serves an HTML page, not a feed" if looks_html else "not a feed"
        return FeedResult(ok=False, error=f"{reason}" + (f" ({problem})" if problem else ""))
    entries = [_entry(e) for e in parsed.entries]
    return FeedResult(
        ok=True,
        warning=problem,
        entries=entries,
        title=parsed.feed.get("title"),
    )
