"""Every kind of source, crawled from the local fixture server."""

from sqlalchemy import select

from crawler.runner import crawl_in_child
from crawler.search import split_title_source, unwrap_link
from models import (
    Campaign,
    Coverage,
    Medium,
    Outlet,
    Snapshot,
    Source,
    SourceHealth,
    SourceKind,
)
from models.db import open_database
from models.snapshots import decompress

QUERY = '"bassin minier" OR terrils OR "Louvre-Lens" OR Forbach'


def prepare(settings, server, sources):
    _engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.add(Campaign(slug="c", name="Bassin minier", query=QUERY))
        session.add(
            Outlet(name="La Voix du Nord", medium=Medium.PRESS, domains=["lavoixdunord.fr"])
        )
        for name, kind, path, config in sources:
            session.add(Source(name=name, kind=kind, url=server.url(path), config=config))
    return sessions


def stored(sessions) -> dict[str, Coverage]:
    with sessions() as session:
        clips = session.scalars(select(Coverage)).all()
        for clip in clips:
            _ = clip.outlet, clip.snapshot
        return {c.url.rsplit("/", 1)[1]: c for c in clips}


def test_news_sitemap_index_follows_recent_entries(settings, fixture_server):
    sessions = prepare(
        settings,
        fixture_server,
        [("sitemap", SourceKind.SITEMAP, "site/sitemap/index.xml", {"max_age_days": 36500})],
    )
    crawl_in_child(settings)
    clips = stored(sessions)
    # Both child sitemaps are read: news.xml (three entries) and archive.xml (one).
    assert set(clips) == {"npdc-1.html", "npdc-2.html", "lorraine.html", "terrils.html"}
    assert clips["npdc-1.html"].title.startswith("Oignies : au 9-9bis")  # news:title
    with sessions() as session:
        source = session.scalar(select(Source))
        assert source.health == SourceHealth.OK and source.last_entry_count == 2


def test_sitemap_skips_entries_older_than_the_limit(settings, fixture_server):
    sessions = prepare(
        settings,
        fixture_server,
        [("sitemap", SourceKind.SITEMAP, "site/sitemap/news.xml", {"max_age_days": 2000})],
    )
    crawl_in_child(settings)
    assert set(stored(sessions)) == {"npdc-1.html", "npdc-2.html"}  # not the 2019 one


def test_gzipped_sitemap(settings, fixture_server):
    sessions = prepare(
        settings,
        fixture_server,
        [("gz", SourceKind.SITEMAP, "gz/sitemap.xml.gz", {"max_age_days": 2000})],
    )
    crawl_in_child(settings)
    assert set(stored(sessions)) == {"npdc-1.html", "npdc-2.html"}


def test_site_section_with_link_patterns_and_depth(settings, fixture_server):
    config = {"allow": [r"/articles/"], "follow": [r"/section/page-\d+"], "depth": 2}
    sessions = prepare(
        settings, fixture_server, [("section", SourceKind.SECTION, "site/section/", config)]
    )
    crawl_in_child(settings)
    clips = stored(sessions)
    assert set(clips) == {"npdc-1.html", "npdc-2.html", "lorraine.html"}  # page 2 reached
    # The page's own title, not the teaser's "Lire la suite".
    assert clips["npdc-2.html"].title.startswith("Lens : une navette")


def test_section_depth_limit(settings, fixture_server):
    config = {"allow": [r"/articles/"], "follow": [r"/section/page-\d+"], "depth": 1}
    sessions = prepare(
        settings, fixture_server, [("section", SourceKind.SECTION, "site/section/", config)]
    )
    crawl_in_child(settings)
    assert set(stored(sessions)) == {"npdc-1.html", "npdc-2.html"}


def test_search_feed_unwraps_links_and_attributes_outlets(settings, fixture_server):
    sessions = prepare(
        settings, fixture_server, [("search", SourceKind.SEARCH, "site/search/news.xml", {})]
    )
    crawl_in_child(settings)
    clips = stored(sessions)
    assert set(clips) == {"npdc-1.html", "npdc-2.html"}
    assert clips["npdc-1.html"].outlet.name == "La Voix du Nord"  # by the item's <source>
    assert clips["npdc-1.html"].title == (
        "Oignies : au 9-9bis, une exposition rend hommage aux femmes de mineurs"
    )
    unknown = clips["npdc-2.html"].outlet
    assert unknown.name == "Le Courrier du Bassin"  # named in the title, not in the registry
    assert unknown.medium == Medium.WEB and unknown.needs_review


def test_links_are_unwrapped_without_a_request():
    real = "https://www.lavoixdunord.fr/123/article/2026-11-07/oignies"
    assert unwrap_link(f"https://www.google.com/url?rct=j&sa=t&url={real}&ct=ga") == real
    assert unwrap_link(f"http://www.bing.com/news/apiclick.aspx?url={real}&c=1") == real
    assert unwrap_link(real) == real
    assert split_title_source("Le terril 74 reverdit - La Voix du Nord") == (
        "Le terril 74 reverdit",
        "La Voix du Nord",
    )


def test_snapshots_keep_the_page_as_fetched(settings, fixture_server):
    sessions = prepare(
        settings, fixture_server, [("press", SourceKind.FEED, "site/press/rss.xml", {})]
    )
    crawl_in_child(settings)
    with sessions() as session:
        snapshot = session.scalar(
            select(Snapshot).join(Coverage).where(Coverage.url.like("%npdc-1.html"))
        )
        html = decompress(snapshot.html_gz)
        assert b"femmes de mineurs" in html and len(html) == snapshot.size
        assert snapshot.final_url.endswith("npdc-1.html") and snapshot.status == 200
        assert snapshot.fetched_at.tzinfo is not None
        assert len(snapshot.html_gz) < snapshot.size


def test_challenge_page_and_mislabelled_encoding_of_articles(settings, fixture_server):
    """An article behind a bot challenge keeps its feed text and says why; a windows-1252 page
    served as UTF-8 is read with its real encoding."""
    sessions = prepare(
        settings, fixture_server, [("pages", SourceKind.FEED, "site/pages-feed.xml", {})]
    )
    crawl_in_child(settings)
    with sessions() as session:
        clips = {c.url.split("/")[-2]: c for c in session.scalars(select(Coverage))}
        for clip in clips.values():
            _ = clip.snapshot
    blocked = clips["blocked"]
    assert "bot challenge (Cloudflare)" in blocked.note and blocked.snapshot is None
    assert blocked.text is None and "terrils" in blocked.summary
    mislabelled = clips["mislabelled"]
    assert "Liévin" in mislabelled.text and "œuvre" in mislabelled.text
    assert mislabelled.snapshot.encoding == "cp1252"
