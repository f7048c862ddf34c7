"""Fuzzing the feed reader (``crawler.feeds.parse_feed``) with hypothesis.

Whatever the bytes (random, a real feed of the fixtures with bytes flipped, inserted, deleted,
cut or its encoding declared wrongly, or a generated RSS or Atom feed with any text in its
fields), the reader answers: it never raises, a feed it cannot read is a result that is not
``ok`` with a reason, and the entries it gives are fit to store (an http(s) address or none,
an aware date or none, texts without control characters, sizes the database takes). Of a feed
broken in one place it keeps the good entries feedparser can still read.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.feeds import MAX_AUTHOR, MAX_URL, FeedEntry, FeedResult, parse_feed
from tests.conftest import FIXTURES

# feedparser warns on each entry without a date that reading updated_parsed falls back.
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASE = "http://127.0.0.1:8000"
FEED_URL = f"{BASE}/site/press/rss.xml"
REAL_FEEDS = [
    path.read_bytes().replace(b"@BASE@", BASE.encode())
    for path in sorted((FIXTURES / "site").rglob("*.xml"))
    if b"<rss" in path.read_bytes() or b"<feed" in path.read_bytes()
]
CONTENT_TYPES = [
    None,
    "application/rss+xml",
    "application/atom+xml; charset=utf-8",
    "text/xml; charset=utf-16",
    "application/xml; charset=bogus",
    "text/html; charset=windows-1252",
]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- What every answer must be ----------------------------------------------------------------


def assert_fit_to_store(result: FeedResult) -> None:
    """The reader's answer: a reason when not ok, and entries every field of which is usable."""
    assert isinstance(result, FeedResult)
    if not result.ok:
        assert isinstance(result.error, str) and result.error
        assert result.entries == []
        return
    assert result.title is None or (isinstance(result.title, str) and is_clean(result.title))
    for entry in result.entries:
        assert_entry_fit(entry)


def is_clean(text: str) -> bool:
    """No control character, and text that encodes (PostgreSQL refuses NUL and lone surrogates)."""
    text.encode("utf-8")
    return not CONTROL.search(text) and text == text.strip()


def is_web_address(url: str | None) -> bool:
    if url is None:
        return True
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and len(url) <= MAX_URL
        and not any(c.isspace() for c in url)
    )


def assert_entry_fit(entry: FeedEntry) -> None:
    assert isinstance(entry.title, str) and is_clean(entry.title)
    for text in (entry.summary, entry.author, entry.source_title, entry.enclosure_type):
        assert text is None or (isinstance(text, str) and text and is_clean(text))
    assert entry.author is None or len(entry.author) <= MAX_AUTHOR
    assert is_web_address(entry.url), entry.url
    assert is_web_address(entry.enclosure_url), entry.enclosure_url
    assert is_web_address(entry.source_url), entry.source_url
    assert entry.published is None or (
        isinstance(entry.published, datetime) and entry.published.utcoffset() is not None
    )
    assert entry.duration_s is None or (
        type(entry.duration_s) is int and 0 <= entry.duration_s < 2**31
    )
    assert entry.medium_hint in (None, "audio", "video")
    json.dumps(entry.as_json())  # what `retombees feed` prints


# -- Arbitrary bytes ------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(CONTENT_TYPES))
@example(b"", "application/xml; charset=bogus")  # feedparser's answer had no version: raised
def test_any_bytes_are_read_or_refused_with_a_reason(content, content_type):
    assert_fit_to_store(parse_feed(content, content_type, FEED_URL))


# -- Real feeds, damaged --------------------------------------------------------------------

SNIPPETS = [
    b"&#xD800;",  # a lone surrogate: feedparser raised UnicodeEncodeError
    b"&#0;",
    b"&#x1F;",
    b"&nbsp;&bogus;",
    b"\x00",
    b"\xff\xfe",
    b"<![CDATA[",
    b"]]>",
    b"<link>javascript:alert(1)</link>",
    b"<link>/relative/path.html</link>",
    b"<link>http://[broken</link>",
    b"<enclosure url='ep.mp3' type='audio/mpeg'/>",
    b"<itunes:duration>nan</itunes:duration>",  # round(nan): ValueError
    b"<itunes:duration>P99999999999D</itunes:duration>",
    b"<media:content url='v.mp4' medium='video' duration='inf'/>",
    b"<pubDate>Fri, 31 Dec 9999 23:59:59 -1400</pubDate>",
    b"<pubDate>Mon, 32 Foo 2026 99:99:99 +9999</pubDate>",
    b"<updated>0000-00-00T00:00:00Z</updated>",
    b"<author>" + b"a" * 400 + b"</author>",
    b"<!DOCTYPE rss [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>&x;",
    b"<source url='ftp://x'>\x01</source>",
]
ENCODINGS = [b"utf-16", b"utf-32", b"latin-1", b"windows-1252", b"bogus", b"UTF\xa5-8", b""]


@st.composite
def damaged(draw) -> bytes:
    """A real feed with a few bytes flipped, inserted or deleted, cut, or mislabelled."""
    data = bytearray(draw(st.sampled_from(REAL_FEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1), label="position")
        action = draw(st.sampled_from(["flip", "insert", "snippet", "delete", "cut", "encoding"]))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "snippet":
            data[at:at] = draw(st.sampled_from(SNIPPETS))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "cut":
            del data[at:]
        else:
            data = bytearray(data.replace(b"UTF-8", draw(st.sampled_from(ENCODINGS)), 1))
    return bytes(data)


@FUZZ
@given(damaged(), st.sampled_from(CONTENT_TYPES))
@example(REAL_FEEDS[0].replace(b"UTF-8", b"UTF\xa5-8", 1), None)  # feedparser raised
def test_damaged_real_feeds_are_read_or_refused_with_a_reason(content, content_type):
    assert_fit_to_store(parse_feed(content, content_type, FEED_URL))


# -- Generated feeds with any text ----------------------------------------------------------

# Any character, control ones included; lone surrogates can only be written as references.
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ["", " ", "\x00", "&#xD800;", "&#0;", "a" * 5000, "<b>bold</b>", "é\u2028\ufeff"]
)
DATES = st.sampled_from(
    [
        "Sat, 14 Nov 2026 07:15:00 +0100",
        "2026-11-14T07:15:00+01:00",
        "2026-11-14",
        "Fri, 31 Dec 9999 23:59:59 -1400",
        "0001-01-01T00:00:00+14:00",
        "yesterday",
        "",
    ]
) | st.text(max_size=30)
LINKS = st.sampled_from(
    [
        "https://www.lavoixdunord.fr/article/1",
        "/articles/relative.html",
        "article.html",
        "javascript:alert(1)",
        "mailto:x@y.fr",
        "http://",
        "https://ex.fr/a b",
        "https://ex.fr/" + "x" * 2100,
        "",
    ]
) | st.text(max_size=40)


def _text(draw, strategy) -> str:
    """A text as a feed writes it: escaped, except the character references kept as such."""
    value = draw(strategy)
    return value if value.startswith("&#") else escape(value)


@st.composite
def generated_feed(draw) -> bytes:
    atom = draw(st.booleans())
    items = []
    for _ in range(draw(st.integers(0, 4))):
        title, summary, author = (_text(draw, ANY_TEXT) for _ in range(3))
        link, date = escape(draw(LINKS), {'"': "&quot;"}), _text(draw, DATES)
        duration = _text(draw, st.sampled_from(["00:04:05", "nan", "-3", "1e400", "P1D"]))
        if atom:
            items.append(
                f'<entry><title>{title}</title><link href="{link}"/><updated>{date}</updated>'
                f"<summary>{summary}</summary><author><name>{author}</name></author></entry>"
            )
        else:
            items.append(
                f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>"
                f"<description>{summary}</description><author>{author}</author>"
                f'<enclosure url="{link}" type="audio/mpeg"/>'
                f"<itunes:duration>{duration}</itunes:duration></item>"
            )
    feed_title = _text(draw, ANY_TEXT)
    if atom:
        document = (
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{feed_title}</title>'
            f"{''.join(items)}</feed>"
        )
    else:
        document = (
            '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
            f"<channel><title>{feed_title}</title>{''.join(items)}</channel></rss>"
        )
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "windows-1252"]))
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    return (declaration + document).encode(encoding, "xmlcharrefreplace")


@FUZZ
@given(generated_feed(), st.sampled_from([None, "application/rss+xml", "text/xml"]))
def test_generated_feeds_with_any_text_give_entries_fit_to_store(content, content_type):
    result = parse_feed(content, content_type, FEED_URL)
    assert_fit_to_store(result)
    assert result.ok  # well-formed feeds, whatever their texts: always read


# -- A feed broken in one place keeps its good entries --------------------------------------

# Damage inside an item's text, which feedparser's tolerant parser reads past.
TEXT_DAMAGE = [
    b"&#xD800;",
    b"&#0;",
    b" & ",
    b"&nbsp;&bogus;",
    b"\x01\x1f",
    b"\xff\xfe",  # not UTF-8
    b"<b>unclosed",
]


def _item(n: int, title: bytes = b"Le bassin minier") -> bytes:
    return (
        b"<item><title>" + title + b"</title><link>https://example.fr/" + str(n).encode()
        + b"</link><pubDate>Sat, 14 Nov 2026 07:15:00 +0100</pubDate></item>"
    )  # fmt: skip


def _rss(items: list[bytes]) -> bytes:
    return (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Flux</title>'
        + b"".join(items)
        + b"</channel></rss>"
    )


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 6),
    st.data(),
    st.sampled_from(TEXT_DAMAGE),
)
def test_the_good_entries_of_a_feed_damaged_in_one_item_are_kept(good, data, damage):
    items = [_item(n) for n in range(good)]
    at = data.draw(st.integers(0, good), label="damaged item's position")
    items.insert(at, _item(99, b"Terrils " + damage + b" jumeaux"))
    result = parse_feed(_rss(items), "application/rss+xml", FEED_URL)
    assert_fit_to_store(result)
    assert result.ok
    kept = {entry.url for entry in result.entries}
    assert {f"https://example.fr/{n}" for n in range(good)} <= kept
    for entry in result.entries:
        if entry.url != "https://example.fr/99":
            assert entry.title == "Le bassin minier"
            assert entry.published and entry.published.isoformat() == "2026-11-14T06:15:00+00:00"


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 6), st.data())
def test_a_cut_feed_keeps_the_entries_before_the_cut(good, data):
    items = [_item(n) for n in range(good)]
    whole = _rss(items)
    complete = data.draw(st.integers(1, good), label="complete items")
    start = whole.index(items[complete - 1]) + len(items[complete - 1])
    cut = data.draw(st.integers(start, len(whole) - 1), label="cut at")
    result = parse_feed(whole[:cut], "application/rss+xml", FEED_URL)
    assert_fit_to_store(result)
    assert result.ok and result.warning  # read, and said to be damaged
    kept = {entry.url for entry in result.entries}
    assert {f"https://example.fr/{n}" for n in range(complete)} <= kept


# -- Found by fuzzing, pinned ---------------------------------------------------------------


def test_bytes_naming_a_local_file_are_not_read_as_that_file(tmp_path: Path):
    """feedparser opens bytes that name a file: a server answering "/etc/passwd" or
    "/dev/zero" made the crawler read a local file (or memory without end)."""
    local = tmp_path / "secret-feed.xml"
    local.write_bytes(_rss([_item(1)]))
    result = parse_feed(str(local).encode(), "application/rss+xml", FEED_URL)
    assert not result.ok and result.entries == []


def test_relative_links_are_read_against_the_feed_address():
    """The feed's address was passed but never used: relative links were kept as they were,
    then taken for clips already stored (an address that is not one is "known")."""
    feed = _rss(
        [
            b"<item><title>A</title><link>/articles/a.html</link>"
            b'<enclosure url="audio/a.mp3" type="audio/mpeg"/></item>',
            b"<item><title>B</title><link>javascript:alert(1)</link></item>",
        ]
    )
    first, second = parse_feed(feed, "application/rss+xml", FEED_URL).entries
    assert first.url == f"{BASE}/articles/a.html"
    assert first.enclosure_url == f"{BASE}/site/press/audio/a.mp3"
    assert second.url is None  # not a web address: dropped, the entry kept


def test_a_feed_with_a_lone_surrogate_and_nul_is_read_with_a_warning():
    """A reference to U+D800 made feedparser raise; NUL reached the database, which refused it."""
    feed = _rss([_item(1, b"Terrils&#xD800; &#0;jumeaux"), _item(2)])
    result = parse_feed(feed, "application/rss+xml", FEED_URL)
    assert result.ok and result.warning
    assert [e.url for e in result.entries] == ["https://example.fr/1", "https://example.fr/2"]
    assert result.entries[0].title == "Terrils\ufffd \ufffdjumeaux"


def test_impossible_durations_and_names_are_left_out():
    feed = _rss(
        [
            b"<item><title>A</title><link>https://example.fr/a</link>"
            b"<itunes:duration>nan</itunes:duration><author>" + b"x" * 400 + b"</author></item>",
        ]
    ).replace(b"<rss ", b'<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" ')
    (entry,) = parse_feed(feed, "application/rss+xml", FEED_URL).entries
    assert entry.duration_s is None and entry.author is None
