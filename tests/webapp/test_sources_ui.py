"""The sources page: health at a glance, pausing, a dry run, adding a source from an address."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import Campaign, Coverage, Medium, Outlet, Source, SourceHealth, SourceKind
from models.urls import canonical_url
from tests.conftest import csrf_token


@pytest.fixture
def sessions_of(app):
    return app.extensions["retombees_sessions"]


def _sources(app) -> list[Source]:
    with app.extensions["retombees_sessions"]() as session:
        return list(session.scalars(select(Source).order_by(Source.id)))


def _find(client, url: str):
    token = csrf_token(client, "/sources/new?lang=en")
    return client.post("/sources/new", data={"url": url, "csrf_token": token})


def _save(client, page: str, picks: list[int], outlet: int | str = 0, **extra):
    """Post step 2 back as the browser would, from the fields of the candidates page."""
    fields = dict(
        re.findall(r'name="((?:url|name|count|page_url|page_title)[^"]*)" value="([^"]*)"', page)
    )
    fields.update(re.findall(r'<select id="(kind-\d+)"[^>]*>.*?value="(\w+)" selected', page, re.S))
    data = {k: v.replace("&#39;", "'").replace("&amp;", "&") for k, v in fields.items()}
    data.update(csrf_token=_token(page), pick=[str(i) for i in picks], outlet=str(outlet))
    data.update(extra)
    return client.post("/sources/add", data=data)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


# -- Health ---------------------------------------------------------------------------------


def test_failing_and_blocked_sources_come_first_with_their_reason(app, officer_client):
    now = datetime(2026, 11, 25, 8, tzinfo=UTC)
    with app.extensions["retombees_sessions"].begin() as session:
        good = Source(name="Flux en forme", kind=SourceKind.FEED, url="https://a.fr/rss")
        bad = Source(name="Flux en panne", kind=SourceKind.FEED, url="https://b.fr/rss")
        walled = Source(name="Flux derrière un mur", kind=SourceKind.FEED, url="https://c.fr/rss")
        paused = Source(name="Flux en pause", kind=SourceKind.FEED, url="https://d.fr/rss")
        session.add_all([good, bad, walled, paused])
        good.record_success(now, status=200, entries=12, warning="feed not well-formed")
        bad.record_failure(now, error="HTTP 500 (server error)", status=500)
        bad.record_failure(now, error="HTTP 500 (server error)", status=500)
        walled.record_failure(now, error="bot challenge (Cloudflare)", status=403, blocked=True)
        paused.enabled = False
    page = officer_client.get("/sources/?lang=en").get_data(as_text=True)
    order = [page.index(n) for n in ("Flux en panne", "Flux derrière", "Flux en forme", "en pause")]
    assert order == sorted(order)
    assert "HTTP 500 (server error) (2 failures in a row)" in page
    assert "bot challenge (Cloudflare)" in page
    assert "Warning: feed not well-formed" in page
    for health, count in (("failing", 1), ("blocked", 1), ("ok", 1), ("paused", 1)):
        assert re.search(rf'id="count-{health}">{count}<', page), health
    paused_row = page[page.index('id="source-4"') :]
    assert "Paused" in paused_row[: paused_row.index("</tr>")]


def test_thousands_of_sources_come_a_page_at_a_time_failing_first(app, officer_client):
    now = datetime(2026, 11, 25, 8, tzinfo=UTC)
    with app.extensions["retombees_sessions"].begin() as session:
        sources = [
            Source(name=f"Flux {i:03d}", kind=SourceKind.FEED, url=f"https://s{i}.fr/rss")
            for i in range(230)
        ]
        session.add_all(sources)
        for source in sources[::50]:  # 0, 50, 100, 150, 200: failing
            source.record_failure(now, error="HTTP 500 (server error)", status=500)
        for source in sources[1:200:2]:
            source.record_success(now, status=200, entries=3)

    def names(query: str) -> list[str]:
        page = officer_client.get(f"/sources/?lang=en&{query}").get_data(as_text=True)
        return re.findall(r"<strong>(Flux \d{3})</strong>", page)

    first = names("")
    assert len(first) == 100
    assert first[:5] == ["Flux 000", "Flux 050", "Flux 100", "Flux 150", "Flux 200"]
    assert len(names("page=2")) == 100 and len(names("page=3")) == 30
    assert names("page=99") == names("page=3")  # past the end: the last page
    page = officer_client.get("/sources/?lang=en").get_data(as_text=True)
    assert "Sources 1 to 100 of 230" in page and 'rel="next"' in page
    assert re.search(r'id="count-failing">5<', page) and re.search(r'id="count-ok">100<', page)
    # the summary filters the list
    assert names("health=failing") == ["Flux 000", "Flux 050", "Flux 100", "Flux 150", "Flux 200"]
    assert len(names("health=ok")) == 100 and names("health=nonsense") == first


def test_pause_and_resume(app, officer_client):
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(Source(name="Flux", kind=SourceKind.FEED, url="https://a.fr/rss"))
    token = csrf_token(officer_client, "/sources/")
    assert officer_client.post("/sources/1/pause", data={"csrf_token": token}).status_code == 302
    assert _sources(app)[0].enabled is False
    page = officer_client.get("/sources/?lang=en").get_data(as_text=True)
    assert 'action="/sources/1/resume"' in page and 'id="count-paused">1<' in page
    assert officer_client.post("/sources/1/resume", data={"csrf_token": token}).status_code == 302
    source = _sources(app)[0]
    assert source.enabled is True and source.next_attempt_at is not None


def test_management_sees_sources_but_cannot_change_them(app, management_client):
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(Source(name="Flux", kind=SourceKind.FEED, url="https://a.fr/rss"))
    page = management_client.get("/sources/").get_data(as_text=True)
    assert "Flux" in page and "/sources/1/pause" not in page and "/sources/new" not in page
    token = csrf_token(management_client, "/sources/")
    for path in ("/sources/1/pause", "/sources/1/test", "/sources/new", "/sources/add"):
        assert management_client.post(path, data={"csrf_token": token}).status_code == 403
    assert management_client.get("/sources/new").status_code == 403
    assert _sources(app)[0].enabled is True


# -- Adding a source ------------------------------------------------------------------------


def test_add_a_source_from_a_page_with_feed_links(app, officer_client, fixture_server):
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(
            Outlet(name="La Gazette de l'Artois", medium=Medium.PRESS, domains=["127.0.0.1"])
        )
        session.add(Outlet(name="Autre journal", medium=Medium.PRESS, domains=["autre.fr"]))
    response = _find(officer_client, fixture_server.url("sources_ui/home.html"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 feeds found on this page." in page
    feeds = re.findall(r'name="url-\d+" value="([^"]+)"', page)
    assert feeds == [
        fixture_server.url("site/press/rss.xml"),
        fixture_server.url("site/atom.xml"),
        fixture_server.url("site/radio/podcast.xml"),
    ]
    assert "La Gazette de l&#39;Artois — À la une" in page and "3 entries now" in page
    assert re.search(r'id="kind-2".*?value="podcast" selected', page, re.S)  # audio enclosures
    assert re.search(r'<option value="1" selected>La Gazette', page)  # outlet guessed
    assert "Guessed from the address: La Gazette de l&#39;Artois." in page

    response = _save(officer_client, page, picks=[0, 2], outlet=1)
    assert response.status_code == 302
    sources = _sources(app)
    assert [(s.url, s.kind, s.outlet_id) for s in sources] == [
        (fixture_server.url("site/press/rss.xml"), SourceKind.FEED, 1),
        (fixture_server.url("site/radio/podcast.xml"), SourceKind.PODCAST, 1),
    ]
    assert sources[0].name == "La Gazette de l'Artois — À la une"
    assert sources[0].enabled and sources[0].health == SourceHealth.UNKNOWN
    index = officer_client.get("/sources/?lang=en").get_data(as_text=True)
    assert "2 source(s) added" in index

    # The same page again: the feeds already added are marked and cannot be chosen twice.
    page = _find(officer_client, fixture_server.url("sources_ui/home.html")).get_data(as_text=True)
    assert page.count("Already a source:") == 2
    assert re.search(r'id="pick-0"[^>]*disabled', page)


def test_pasting_a_feed_address_takes_the_feed(app, officer_client, fixture_server):
    url = fixture_server.url("site/press/rss.xml")
    page = _find(officer_client, url).get_data(as_text=True)
    assert "This address is a feed." in page
    assert re.findall(r'name="url-\d+" value="([^"]+)"', page) == [url]
    assert 'value="La Gazette de l&#39;Artois"' in page and "3 entries now" in page
    assert "No outlet of the registry has this domain." in page
    assert _save(officer_client, page, picks=[0]).status_code == 302
    [source] = _sources(app)
    assert (source.url, source.kind, source.outlet_id) == (url, SourceKind.FEED, None)

    # Saving it again (another tab, an old page): a clear message, nothing added.
    response = _save(officer_client, page, picks=[0])
    assert response.status_code == 409
    assert f"{url} is already a source (La Gazette de l&#39;Artois): nothing was added." in (
        response.get_data(as_text=True)
    )
    assert len(_sources(app)) == 1


def test_page_without_feed_can_be_added_as_a_section(app, officer_client, fixture_server):
    url = fixture_server.url("broken/not-a-feed.html")
    page = _find(officer_client, url).get_data(as_text=True)
    assert "No feed found on this page." in page
    assert re.search(r'id="kind-0".*?value="section" selected', page, re.S)
    assert _save(officer_client, page, picks=[0]).status_code == 302
    [source] = _sources(app)
    assert (source.url, source.kind) == (url, SourceKind.SECTION)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("status/404", "The site answered with an error: HTTP 404 (page not found)."),
        ("imports/voyage-presse-34.csv", "This address serves neither a web page nor a feed"),
    ],
)
def test_unusable_addresses_are_explained(app, officer_client, fixture_server, path, message):
    response = _find(officer_client, fixture_server.url(path))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'role="alert"' in page and fixture_server.url(path) in page  # kept to correct it
    assert _sources(app) == []


def test_an_address_that_is_not_web_is_refused(app, officer_client):
    response = _find(officer_client, "ftp://example.org/feed.xml")
    assert response.status_code == 422
    assert "This is not a web address" in response.get_data(as_text=True)


def test_a_site_that_does_not_answer_in_time(tmp_path, fixture_server):
    from tests.conftest import add_user, login, make_settings
    from webapp import create_app

    app = create_app({"TESTING": True}, settings=make_settings(tmp_path, download_timeout=1))
    try:
        client = app.test_client()
        add_user(app, "claire", "officer")
        login(client, "claire")
        response = _find(client, fixture_server.url("slow/feed.xml"))
        assert response.status_code == 422
        assert "The site did not answer within 1 seconds." in response.get_data(as_text=True)
    finally:
        app.extensions["retombees_engine"].dispose()


# -- Dry run --------------------------------------------------------------------------------


def test_dry_run_lists_what_would_be_collected_and_stores_nothing(
    app, officer_client, fixture_server, inline_tasks
):
    feed = fixture_server.url("site/press/rss.xml")
    stored = fixture_server.url("site/press/articles/npdc-1.html")
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(Campaign(slug="navette", name="Navette", query="navette OR Oignies"))
        session.add(Source(name="Gazette", kind=SourceKind.FEED, url=feed))
        session.add(Coverage(url=canonical_url(stored), title="Oignies (déjà là)"))
    before = _count_coverage(app)
    token = csrf_token(officer_client, "/sources/")
    response = officer_client.post("/sources/1/test", data={"csrf_token": token})
    assert response.status_code == 302
    task_page = officer_client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "3 entries; 2 would match a campaign (1 not stored yet); 1 already stored." in task_page
    link = re.search(r'href="(/sources/1/test/\d+)"', task_page).group(1)
    page = officer_client.get(link).get_data(as_text=True)
    assert re.search(r'id="dry-entries">3<', page) and re.search(r'id="dry-new">1<', page)
    for title in ("Forbach", "Lens : une navette", "Oignies : au 9-9bis"):
        assert title in page
    rows = page[page.index("<tbody>") :]
    navette = rows[rows.index("Lens : une navette") :]
    assert (
        "Navette" in navette[: navette.index("</tr>")]
        and "new" in navette[: navette.index("</tr>")]
    )
    oignies = rows[rows.index("Oignies") :]
    assert "already stored" in oignies[: oignies.index("</tr>")]
    assert _count_coverage(app) == before
    [source] = _sources(app)
    assert source.health == SourceHealth.UNKNOWN and source.last_success_at is None


def test_dry_run_reports_an_unreadable_source(app, officer_client, fixture_server, inline_tasks):
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(
            Source(name="Disparu", kind=SourceKind.FEED, url=fixture_server.url("status/404"))
        )
        session.add(
            Source(name="Rubrique", kind=SourceKind.SECTION, url=fixture_server.url("site/"))
        )
    token = csrf_token(officer_client, "/sources/")
    response = officer_client.post("/sources/1/test", data={"csrf_token": token})
    task_page = officer_client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "The source could not be read: HTTP 404 (page not found)." in task_page
    response = officer_client.post("/sources/2/test", data={"csrf_token": token})
    task_page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dry run available for feeds only." in task_page


def test_dry_run_result_belongs_to_its_owner(app, officer_client, fixture_server, inline_tasks):
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(
            Source(name="Gazette", kind=SourceKind.FEED, url=fixture_server.url("site/atom.xml"))
        )
    token = csrf_token(officer_client, "/sources/")
    location = officer_client.post("/sources/1/test", data={"csrf_token": token}).headers[
        "Location"
    ]
    task_id = location.rstrip("/").rsplit("/", 1)[1]
    assert officer_client.get(f"/sources/1/test/{task_id}").status_code == 200
    assert officer_client.get(f"/sources/2/test/{task_id}").status_code == 404
    officer_client.post("/logout", data={"csrf_token": token})
    from tests.conftest import add_user, login

    add_user(app, "autre", "officer")
    login(officer_client, "autre")
    assert officer_client.get(f"/sources/1/test/{task_id}").status_code == 404


def _count_coverage(app) -> int:
    with app.extensions["retombees_sessions"]() as session:
        return session.scalar(select(func.count(Coverage.id)))


def test_the_web_app_reads_feeds_without_loading_scrapy():
    import subprocess
    import sys

    code = (
        "import sys, webapp.sources, webapp.admin, crawler.feeds, crawler.search;"
        "sys.exit('scrapy' in sys.modules or 'twisted' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
