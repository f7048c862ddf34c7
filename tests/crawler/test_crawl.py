"""Crawling sources from the local fixture server into the database (in a child process)."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from crawler.runner import crawl_in_child
from models import (
    Campaign,
    Coverage,
    CoverageStatus,
    Medium,
    Outlet,
    Source,
    SourceHealth,
    SourceKind,
)
from models.db import open_database

QUERY = '"bassin minier" OR terrils OR "Louvre-Lens"'


def setup_sources(sessions, server, feeds: dict[str, tuple[str, SourceKind]]) -> dict[str, int]:
    """A campaign and one source per feed path; returns source ids by name."""
    ids = {}
    with sessions.begin() as session:
        session.add(Campaign(slug="bassin-minier", name="Bassin minier", query=QUERY))
        outlet = Outlet(name="La Gazette de l'Artois", medium=Medium.PRESS)
        for name, (path, kind) in feeds.items():
            source = Source(name=name, kind=kind, url=server.url(path), outlet=outlet)
            session.add(source)
            session.flush()
            ids[name] = source.id
    return ids


def test_feeds_are_crawled_into_pending_coverage(settings, fixture_server):
    _engine, sessions = open_database(settings)
    setup_sources(
        sessions,
        fixture_server,
        {
            "press": ("site/press/rss.xml", SourceKind.FEED),
            "radio": ("site/radio/podcast.xml", SourceKind.PODCAST),
            "tv": ("site/tv/videos.xml", SourceKind.VIDEO),
            "partner": ("site/partner/feed.xml", SourceKind.FEED),
        },
    )
    stats = crawl_in_child(settings)
    assert (stats.sources, stats.failing_sources, stats.stored) == (4, 0, 6)
    with sessions() as session:
        clips = {c.url.rsplit("/", 1)[1]: c for c in session.scalars(select(Coverage))}
        assert set(clips) == {
            "npdc-1.html",
            "npdc-2.html",
            "lorraine.html",
            "louvre-lens.html",
            "lewarde.html",
            "terrils.html",
        }
        assert {c.status for c in clips.values()} == {CoverageStatus.PENDING}
        article = clips["npdc-1.html"]
        assert "femmes de mineurs" in article.text and article.author == "Aurélie Descamps"
        assert article.published_at.tzinfo is not None
        assert [link.hits for link in article.campaign_links] == [["bassin minier"]]
        assert clips["lewarde.html"].duration_s == 245
        assert clips["lewarde.html"].medium_hints["source_kind"] == "podcast"
        assert clips["louvre-lens.html"].medium_hints["video"] is True
        assert clips["louvre-lens.html"].duration_s == 118
        sources = list(session.scalars(select(Source)))
        assert {s.health for s in sources} == {SourceHealth.OK}
        assert {s.name: s.last_entry_count for s in sources}["press"] == 3

    # A second crawl stores nothing new and does not fetch known articles again.
    again = crawl_in_child(settings)
    assert again.stored == 0
    with sessions() as session:
        assert session.query(Coverage).count() == 6


def test_failing_sources_are_marked_and_the_rest_is_crawled(tmp_path, fixture_server):
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, download_timeout=2, max_page_bytes=1_000_000)
    _engine, sessions = open_database(settings)
    ids = setup_sources(
        sessions,
        fixture_server,
        {
            "good": ("site/atom.xml", SourceKind.FEED),
            "missing": ("status/404", SourceKind.FEED),
            "broken server": ("status/500", SourceKind.FEED),
            "html": ("broken/not-a-feed.html", SourceKind.FEED),
            "slow": ("slow/feed.xml", SourceKind.FEED),
            "malformed": ("broken/malformed.xml", SourceKind.FEED),
            "empty": ("broken/empty.xml", SourceKind.FEED),
            "challenge": ("blocked/feed.xml", SourceKind.FEED),
            "robots": ("private/feed.xml", SourceKind.FEED),
            "loop": ("loop/a", SourceKind.FEED),
            "huge": ("huge/feed.xml", SourceKind.FEED),
        },
    )
    with sessions.begin() as session:  # nothing stored before is lost
        session.add(Coverage(url="https://example.fr/old", title="Ancienne retombée"))
        unreachable = Source(
            name="unreachable", kind=SourceKind.FEED, url="http://127.0.0.1:9/feed.xml"
        )
        session.add(unreachable)
    stats = crawl_in_child(settings)
    assert stats.failing_sources == 9
    with sessions() as session:
        sources = {s.name: s for s in session.scalars(select(Source))}
        assert sources["good"].health == SourceHealth.OK
        assert sources["empty"].health == SourceHealth.OK
        assert sources["empty"].last_entry_count == 0
        assert sources["malformed"].health == SourceHealth.OK
        assert "not well-formed" in sources["malformed"].warning
        expectations = {
            "missing": "HTTP 404",
            "broken server": "HTTP 500",
            "html": "HTML page, not a feed",
            "slow": "no answer in time",
            "unreachable": "connection refused",
            "loop": "redirect",
            "huge": "larger than allowed",
            "challenge": "bot challenge (Cloudflare)",
            "robots": "forbidden by robots.txt",
        }
        for name, reason in expectations.items():
            source = sources[name]
            blocked = name in ("challenge", "robots")
            assert source.health == (SourceHealth.BLOCKED if blocked else SourceHealth.FAILING), (
                name
            )
            assert reason in source.last_error, (name, source.last_error)
            assert source.consecutive_failures == 1 and source.next_attempt_at
        urls = set(session.scalars(select(Coverage.url)))
        assert "https://example.fr/old" in urls
        assert fixture_server.url("site/press/articles/npdc-1.html") in urls
    assert ids  # sources were set up


def test_conditional_get_sends_validators_and_accepts_304(settings, fixture_server):
    _engine, sessions = open_database(settings)
    setup_sources(sessions, fixture_server, {"cond": ("conditional/feed.xml", SourceKind.FEED)})
    crawl_in_child(settings)
    with sessions() as session:
        source = session.scalar(select(Source))
        assert source.etag == '"v1"' and source.last_status == 200
        stored = session.query(Coverage).count()
    assert stored == 3
    crawl_in_child(settings)
    with sessions() as session:
        source = session.scalar(select(Source))
        assert source.last_status == 304 and source.health == SourceHealth.OK
        assert source.last_entry_count == 3  # kept from the last full fetch
        assert session.query(Coverage).count() == stored


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Forbach", {"lorraine.html"}),
        ('"bassin minier" SAUF (Forbach OR Moselle)', {"npdc-1.html", "npdc-2.html"}),
        ('title:navette AND outlet:"Gazette de l\'Artois"', {"npdc-2.html"}),
        ("site:example.org AND terrils", set()),
    ],
)
def test_only_clips_matching_a_campaign_are_stored(settings, fixture_server, query, expected):
    _engine, sessions = open_database(settings)
    setup_sources(sessions, fixture_server, {"press": ("site/press/rss.xml", SourceKind.FEED)})
    with sessions.begin() as session:
        session.scalar(select(Campaign)).query = query
    assert crawl_in_child(settings).stored == len(expected)
    with sessions() as session:
        assert {c.url.rsplit("/", 1)[1] for c in session.scalars(select(Coverage))} == expected


def test_crawl_child_failure_is_reported(settings):
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    with pytest.raises(RuntimeError, match="crawl process failed.*Cannot open the database"):
        crawl_in_child(replace(settings, database_url=unreachable))
