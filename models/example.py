"""The example configuration: the Bassin minier campaign with its real default sources.

Applied to a new database (``RETOMBEES_SEED_EXAMPLE``); every row is ordinary data that users
edit or delete in the interface. Feed addresses change: a failing one shows on the sources page.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .base import Medium, Scope, SourceKind
from .campaign import Campaign, KeyMessage
from .outlet import Outlet, outlet_by_name
from .registry import seed_outlets
from .source import Source

CAMPAIGN_SLUG = "bassin-minier"
CAMPAIGN_QUERY = (
    '"bassin minier" OR "Mission Bassin Minier" OR "patrimoine mondial" OR "Louvre-Lens" '
    'OR "9-9bis" OR terril OR terrils OR "cité minière" OR "cités minières"'
)
NEWS_SEARCH_URL = "https://news.google.com/rss/search?q=%22bassin+minier%22&hl=fr&gl=FR&ceid=FR:fr"

# (name, kind, url, outlet name in the registry or None)
DEFAULT_SOURCES = [
    (
        "France 3 Hauts-de-France",
        SourceKind.FEED,
        "https://france3-regions.francetvinfo.fr/hauts-de-france/rss",
        "France 3 Hauts-de-France (ICI) – 19/20 regional edition",
    ),
    (
        "France 3 Nord-Pas-de-Calais",
        SourceKind.FEED,
        "https://france3-regions.francetvinfo.fr/hauts-de-france/nord-pas-de-calais/rss",
        "France 3 Hauts-de-France (ICI) – 19/20 regional edition",
    ),
    (
        "La Voix du Nord",
        SourceKind.FEED,
        "https://www.lavoixdunord.fr/arc/outboundfeeds/rss/?outputType=xml",
        "La Voix du Nord",
    ),
    (
        "ICI Nord",
        SourceKind.FEED,
        "https://www.ici.fr/rss/nord/rubrique/infos.xml",
        "ICI Nord (ex-France Bleu Nord)",
    ),
    (
        "BFM Grand Lille",
        SourceKind.FEED,
        "https://www.bfmtv.com/rss/grand-lille/",
        "BFM Grand Lille",
    ),
    (
        "actu.fr Hauts-de-France",
        SourceKind.FEED,
        "https://actu.fr/hauts-de-france/rss.xml",
        "actu.fr (network)",
    ),
    (
        "La Gazette Nord-Pas-de-Calais",
        SourceKind.FEED,
        "https://www.gazettenpdc.fr/feed/",
        "La Gazette Nord-Pas-de-Calais",
    ),
    (
        "BFM Grand Littoral",
        SourceKind.FEED,
        "https://www.bfmtv.com/rss/grand-littoral/",
        "BFM Grand Littoral",
    ),
    ("Actualités « bassin minier » (recherche)", SourceKind.SEARCH, NEWS_SEARCH_URL, None),
    (
        "Actualités « Mission Bassin Minier » (recherche)",
        SourceKind.SEARCH,
        "https://news.google.com/rss/search?q=%22Mission+Bassin+Minier%22&hl=fr&gl=FR&ceid=FR:fr",
        None,
    ),
]

# Outlets the default sources need that the researched registry does not list.
EXTRA_OUTLETS = [
    {
        "name": "La Gazette Nord-Pas-de-Calais",
        "medium": Medium.PRESS,
        "scope": Scope.REGIONAL,
        "domains": ["gazettenpdc.fr"],
        "needs_review": True,
    },
]


def seed_example(
    session: Session, *, sources_enabled: bool = True, key_messages: list[dict] | None = None
) -> Campaign:
    """Add the outlet registry, the Bassin minier campaign and its default sources if missing."""
    seed_outlets(session)
    for fields in EXTRA_OUTLETS:
        if outlet_by_name(session, fields["name"]) is None:
            session.add(Outlet(**fields))
    session.flush()
    campaign = session.scalar(select(Campaign).where(Campaign.slug == CAMPAIGN_SLUG))
    if campaign is None:
        campaign = Campaign(
            slug=CAMPAIGN_SLUG,
            name="Bassin minier Patrimoine mondial",
            description=(
                "Retombées médiatiques du Bassin minier du Nord-Pas-de-Calais, "
                "inscrit au patrimoine mondial de l'UNESCO le 30 juin 2012."
            ),
            query=CAMPAIGN_QUERY,
            start_date=date(2026, 1, 1),
            key_messages=[
                KeyMessage(label=m["label"], phrasings=list(m["phrasings"]))
                for m in key_messages or []
            ],
        )
        session.add(campaign)
    known_urls = set(session.scalars(select(Source.url)))
    for name, kind, url, outlet_name in DEFAULT_SOURCES:
        if url in known_urls:
            continue
        outlet = outlet_by_name(session, outlet_name) if outlet_name else None
        session.add(
            Source(
                name=name,
                kind=kind,
                url=url,
                outlet=outlet,
                enabled=sources_enabled,
                interval_minutes=60,
            )
        )
    session.flush()
    return campaign
