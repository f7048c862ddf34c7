"""The whole path: fixture site → crawl → analysis → confirm in the interface → campaign page."""

import re

from sqlalchemy import select

from crawler.runner import crawl_in_child
from models import Campaign, Coverage, Medium, Outlet, Role, Source, SourceKind
from models.db import open_database
from nlp.job import process_pending
from tests.conftest import add_user, csrf_token, login
from webapp import create_app

SOURCES = [
    # (outlet, medium, partner, feed, kind)
    ("La Gazette de l'Artois", Medium.PRESS, False, "site/press/rss.xml", SourceKind.FEED),
    ("Artois Vision", Medium.TV, False, "site/tv/videos.xml", SourceKind.VIDEO),
    ("Fréquence Ostrevent", Medium.RADIO, False, "site/radio/podcast.xml", SourceKind.PODCAST),
    ("Les Sentiers de la Gohelle", Medium.WEB, True, "site/partner/feed.xml", SourceKind.FEED),
]


def tally(html: str) -> dict[str, int]:
    rows = re.findall(r'id="tally-(\w+)".*?<td class="num">([^<]*)</td>', html, re.S)
    return {name: int(value.replace("\u202f", "").replace("\xa0", "")) for name, value in rows}


def test_fixture_site_to_campaign_tally(any_settings, fixture_server, nlp):
    settings = any_settings
    _engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.add(Campaign(slug="bassin-minier", name="Bassin minier", query='"bassin minier"'))
        for outlet_name, medium, partner, path, kind in SOURCES:
            outlet = Outlet(name=outlet_name, medium=medium, is_partner=partner)
            session.add(
                Source(name=outlet_name, kind=kind, url=fixture_server.url(path), outlet=outlet)
            )

    assert crawl_in_child(settings).stored == 6
    stats = process_pending(sessions, nlp)
    assert (stats.processed, stats.relevant) == (6, 5)  # the Lorraine article is not about us

    app = create_app({"TESTING": True}, settings=settings)
    client = app.test_client()
    add_user(app, "claire", Role.OFFICER)
    login(client, "claire")
    inbox = client.get("/review/").get_data(as_text=True)
    assert '<span class="count" id="remaining">6</span>' in inbox

    with sessions() as session:
        clips = list(session.scalars(select(Coverage).order_by(Coverage.id)))
        decisions = {c.id: ("confirm" if c.relevant else "reject") for c in clips}
        media = {c.url.rsplit("/", 1)[1]: c.medium for c in clips}
    assert media == {
        "npdc-1.html": Medium.PRESS,
        "npdc-2.html": Medium.PRESS,
        "lorraine.html": Medium.PRESS,
        "louvre-lens.html": Medium.TV,
        "lewarde.html": Medium.RADIO,
        "terrils.html": Medium.PARTNER,
    }

    token = csrf_token(client, "/review/")
    for clip_id, decision in decisions.items():
        response = client.post(f"/review/{clip_id}/{decision}", data={"csrf_token": token})
        assert response.status_code == 302

    page = client.get("/campaigns/bassin-minier").get_data(as_text=True)
    assert tally(page) == {"press": 2, "tv": 1, "radio": 1, "web": 0, "partner": 1, "total": 5}
    inbox = client.get("/review/").get_data(as_text=True)
    assert '<span class="count" id="remaining">0</span>' in inbox
    app.extensions["retombees_engine"].dispose()
