"""``retombees demo``: the whole path against a bundled sample site, without internet."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Medium, Outlet, Scope, Settings, Source, SourceKind
from models.bootstrap import Bootstrap, bootstrap_database

from .common import example_messages
from .sitehost import SiteServer

SITE = Path(__file__).with_name("demo_site")

# (outlet, medium, scope, partner, source name, kind, feed path)
DEMO_SOURCES = [
    (
        "L'Écho du Bassin (démo)",
        Medium.PRESS,
        Scope.REGIONAL,
        False,
        "L'Écho du Bassin — à la une",
        SourceKind.FEED,
        "echo-du-bassin/rss.xml",
    ),
    (
        "Télé Hauts (démo)",
        Medium.TV,
        Scope.REGIONAL,
        False,
        "Télé Hauts — reportages",
        SourceKind.VIDEO,
        "tele-hauts/videos.xml",
    ),
    (
        "Radio Gohelle (démo)",
        Medium.RADIO,
        Scope.LOCAL,
        False,
        "Radio Gohelle — podcast",
        SourceKind.PODCAST,
        "radio-gohelle/podcast.xml",
    ),
    (
        "Office de tourisme Lens-Liévin (démo)",
        Medium.WEB,
        Scope.LOCAL,
        True,
        "Office de tourisme — actualités",
        SourceKind.FEED,
        "partenaire/feed.xml",
    ),
]


@dataclass
class DemoSetup:
    settings: Settings
    site: SiteServer
    source_ids: list[int]
    bootstrap: Bootstrap


def demo_settings(settings: Settings) -> Settings:
    """The demo's settings: its own SQLite database in the instance folder, started afresh."""
    database = settings.ensure_instance() / "demo.db"
    for leftover in database.parent.glob("demo.db*"):
        leftover.unlink()
    return replace(settings, database_url=f"sqlite:///{database}", seed_example=True)


def allow_site(settings: Settings, site: SiteServer) -> Settings:
    """Let the demo's crawl (and interface) reach the sample site, served on loopback."""
    host = site.httpd.server_address[0]
    allowed = [n.strip() for n in settings.allowed_networks.split(",") if n.strip()]
    return replace(settings, allowed_networks=", ".join([*allowed, f"{host}/32"]))


def add_demo_sources(session: Session, site: SiteServer) -> list[int]:
    """Add the sample site's outlets and sources; return the source ids."""
    ids = []
    for outlet_name, medium, scope, partner, name, kind, path in DEMO_SOURCES:
        outlet = session.scalar(select(Outlet).where(Outlet.name == outlet_name))
        if outlet is None:
            outlet = Outlet(name=outlet_name, medium=medium, scope=scope, is_partner=partner)
            session.add(outlet)
        source = Source(
            name=name, kind=kind, url=site.url(path), outlet=outlet, interval_minutes=15
        )
        session.add(source)
        session.flush()
        ids.append(source.id)
    return ids


def start_demo(settings: Settings, port: int = 0) -> DemoSetup:
    """Serve the sample site and prepare a fresh demo database pointing at it."""
    from models.db import open_database

    settings = demo_settings(settings)
    site = SiteServer(SITE, port=port).start()
    settings = allow_site(settings, site)
    engine, sessions = open_database(settings)
    # The real default sources stay configured, paused: the demo runs offline.
    done = bootstrap_database(
        engine, sessions, settings, sources_enabled=False, key_messages=example_messages()
    )
    with sessions.begin() as session:
        ids = add_demo_sources(session, site)
    return DemoSetup(settings, site, ids, done)
