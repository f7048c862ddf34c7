"""The data of ``bench/web.py``: a large, realistic coverage database, generated.

About 300 outlets (press, TV, radio, web, partner relays; local to international), 20 campaigns
(a standing watch of the territory, three umbrellas with sub-campaigns, standalone ones), 2 to 4
key messages each, and N clips over the three years up to the day of generation: mostly
confirmed or rejected, about 3,000 awaiting review, each in one or two campaigns, with French
text for the full-text index, reach and AVE with breakdowns shaped like the valuation's, key
messages, tone and prominence. :mod:`bench.webdb` loads them into SQLite or PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.base import Role
from models.campaign import Campaign, KeyMessage
from models.outlet import Outlet
from models.user import create_user

# Bump when the generated data changes: cached databases of another version are generated again.
VERSION = 1
USERNAME, PASSWORD = "bench", "bench password 1234"
PARIS = ZoneInfo("Europe/Paris")
# Three years of clips up to the day of generation, so that the dashboard's default period (the
# current year) has coverage too; the bench measures the last full calendar year.
END = datetime.combine(date.today(), datetime.min.time(), tzinfo=PARIS).astimezone(UTC)
START = END - timedelta(days=3 * 365)
NEW_CLIPS = 3_000
SEED = 20_260_101

# The campaigns: (slug, name, parent slug, weight). A weight is the share of clips whose first
# campaign it is; sub-campaign clips are often also linked to their umbrella. As in a real
# deployment, a standing watch of the territory collects the most; projects get less.
CAMPAIGNS = [
    ("veille-bassin-minier", "Veille Bassin minier", None, 40),
    ("patrimoine-mondial", "Patrimoine mondial", None, 4),
    ("j-ai-10-ans", "J'ai 10 ans", "patrimoine-mondial", 6),
    ("voyage-de-presse", "Voyage de presse", "patrimoine-mondial", 1),
    ("journees-du-patrimoine", "Journées du patrimoine", "patrimoine-mondial", 3),
    ("cites-minieres", "Cités minières", "patrimoine-mondial", 2),
    ("destination-bassin-minier", "Destination Bassin minier", None, 3),
    ("terrils-randonnee", "Terrils et randonnée", "destination-bassin-minier", 3),
    ("route-du-louvre", "Route du Louvre", "destination-bassin-minier", 2),
    ("ete-bassin-minier", "Un été dans le Bassin minier", "destination-bassin-minier", 1),
    ("transition", "Transition du territoire", None, 2),
    ("renovation-energetique", "Rénovation énergétique", "transition", 1.5),
    ("emploi-formation", "Emploi et formation", "transition", 1),
    ("mobilites", "Mobilités", "transition", 0.5),
    ("louvre-lens", "Louvre-Lens", None, 8),
    ("festival-9-9bis", "Festival du 9-9bis", None, 4),
    ("arenberg-creative-mine", "Arenberg Creative Mine", None, 2),
    ("memoire-des-mineurs", "Mémoire des mineurs", None, 4),
    ("centre-historique-minier", "Centre historique minier", None, 3),
    ("sante-territoire", "Santé et territoire", None, 2),
]
# The dashboard is measured on a mid-sized umbrella, the largest one (the worst case) and a
# small sub-campaign.
DASHBOARD_CAMPAIGNS = ("destination-bassin-minier", "patrimoine-mondial", "mobilites")
MESSAGES = [
    "Un patrimoine mondial vivant",
    "Dix ans d'inscription à l'Unesco",
    "Un territoire qui se transforme",
    "Une destination de week-end",
    "La mémoire ouvrière transmise",
    "Des paysages remarquables",
    "Un territoire engagé dans la transition",
    "Des habitants fiers de leur histoire",
    "La culture pour tous",
    "Un réseau de sites ouverts au public",
    "Des emplois qui reviennent",
    "Des logements rénovés",
]
WORDS = (
    "le la les un une des du de au aux et ou mais donc dans sur pour avec sans par ce cette "
    "qui que dont il elle ils elles on nous vous est sont était ont avait fait faire dit "
    "ville région commune habitants maire conseil projet travaux école santé emploi économie "
    "transport gare route rue quartier place marché fête festival musée exposition concert "
    "été hiver année semaine mois jour soir matin après avant depuis pendant encore déjà "
    "très plus moins bien aussi comme tout tous toute toutes autre autres premier dernier "
    "nouveau nouvelle grand grande petit petite jeune vieux histoire patrimoine culture "
    "mémoire ouvrier ouvrière mineur mineurs fosse puits charbon houille compagnie église "
    "visite visiteurs touristes randonnée paysage sommet vue panorama chantier rénovation "
    "logement cité cités jardin corons brique association bénévoles famille enfants élèves "
    "spectacle scène artiste artistes théâtre cinéma livre auteur photographe images archives "
    "département agglomération communauté président présidente élus budget millions euros "
    "inauguration ouverture saison programme journée journées rencontre rencontres débat"
).split()
PLACES = (
    "Lens Liévin Loos-en-Gohelle Oignies Lewarde Douai Valenciennes Béthune Bruay-la-Buissière "
    "Hénin-Beaumont Wallers-Arenberg Denain Avion Harnes Carvin Courrières Méricourt "
    "Noeux-les-Mines"
).split()
TOPICS = [
    "bassin minier",
    "terrils",
    "terril",
    "Louvre-Lens",
    "Unesco",
    "patrimoine mondial",
    "cité minière",
    "chevalement",
    "chevalets",
    "base 11/19",
    "9-9bis",
]
AUTHORS = [
    f"{f} {n}"
    for f in ("Marie", "Paul", "Julie", "Karim", "Sophie", "Luc", "Inès")
    for n in ("Lefebvre", "Dupont", "Martin", "Bernard", "Petit", "Leroy", "Roux")
]

# Outlets: (medium, count, scope weights, audience range).
OUTLET_MIX = [
    ("press", 130, (0.45, 0.3, 0.12, 0.1, 0.03), (3_000, 1_200_000)),
    ("web", 80, (0.3, 0.3, 0.25, 0.1, 0.05), (20_000, 120_000_000)),
    ("tv", 25, (0.2, 0.4, 0.3, 0.05, 0.05), (10_000, 6_000_000)),
    ("radio", 30, (0.25, 0.35, 0.3, 0.05, 0.05), (10_000, 7_500_000)),
    ("partner", 35, (0.6, 0.3, 0.05, 0.05, 0.0), (1_000, 200_000)),
]
SCOPES = ("local", "regional", "national", "specialised", "international")

COLUMNS = (
    "id url origin outlet_id title summary text author published_at language medium_hints "
    "programme duration_s page_fraction surface_cm2 status processed_at medium medium_reason "
    "relevance relevant relevance_evidence key_messages quotes tone tone_score prominence reach "
    "reach_breakdown ave_eur ave_breakdown ave_override_eur ave_override_reason valued_at "
    "stale_analysis reviewed_at review_reason created_at updated_at"
).split()


# -- Reference rows -------------------------------------------------------------------------


def _outlets(rng: random.Random) -> list[dict]:
    outlets = []
    for medium, count, scope_weights, (low, high) in OUTLET_MIX:
        for n in range(count):
            scope = rng.choices(SCOPES, scope_weights)[0]
            # audiences are log-uniform: many small titles, a few very large ones
            audience = int(low * (high / low) ** rng.random())
            name = f"{medium.capitalize()} {rng.choice(PLACES)} {scope} {n + 1}"
            outlets.append(
                {
                    "name": name,
                    "medium": medium,
                    "scope": scope,
                    "domains": [f"{medium}{n + 1}-{scope}.example.fr"],
                    "is_partner": medium == "partner",
                    "audience": audience,
                    "audience_unit": "readers" if medium == "press" else "daily reach",
                    "audience_year": rng.choice((2021, 2022, 2023, 2024)),
                    "audience_source": "ACPM" if medium == "press" else "Médiamétrie",
                    "audience_estimated": rng.random() < 0.35,
                }
            )
    return outlets


def reference_rows(sessions, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Insert outlets, campaigns, key messages and the bench user; return outlets, campaigns."""
    with sessions.begin() as session:
        create_user(session, USERNAME, PASSWORD, Role.ADMIN)
        outlets = _outlets(rng)
        rows = [Outlet(**o) for o in outlets]
        session.add_all(rows)
        by_slug: dict[str, Campaign] = {}
        for slug, name, parent, _weight in CAMPAIGNS:
            labels = rng.sample(MESSAGES, rng.randint(2, 4))
            campaign = Campaign(
                slug=slug,
                name=name,
                query=f'"{name.lower()}" OR "bassin minier"',
                start_date=START.date(),
                parent=by_slug.get(parent) if parent else None,
                key_messages=[
                    KeyMessage(label=label, phrasings=[label.lower()]) for label in labels
                ],
            )
            by_slug[slug] = campaign
            session.add(campaign)
        session.flush()
        for outlet, row in zip(outlets, rows, strict=True):
            outlet["id"] = row.id
        campaigns = [
            {
                "id": by_slug[slug].id,
                "slug": slug,
                "parent": by_slug[parent].id if parent else None,
                "weight": weight,
                "labels": [m.label for m in by_slug[slug].key_messages],
            }
            for slug, _name, parent, weight in CAMPAIGNS
        ]
    return outlets, campaigns


# -- Clips ----------------------------------------------------------------------------------


def _sentence(rng: random.Random, words: int) -> str:
    chosen = rng.choices(WORDS, k=words)
    if rng.random() < 0.7:
        chosen[rng.randrange(words)] = rng.choice(TOPICS)
    if rng.random() < 0.5:
        chosen[rng.randrange(words)] = rng.choice(PLACES)
    return " ".join(chosen).capitalize() + "."


def _breakdowns(rng, outlet, medium, reach, ave, day) -> tuple[dict, dict]:
    """Reach and AVE breakdowns shaped like ``models.valuation``'s (inputs, flags, rate fit)."""
    audience_input = {
        "name": "audience",
        "value": outlet["audience"],
        "unit": outlet["audience_unit"],
        "source": f"{outlet['audience_source']} ({outlet['audience_year']})",
        "estimated": outlet["audience_estimated"],
    }
    reach_b = {
        "rule": medium,
        "value": reach,
        "definition": "potential contacts of the clip from its outlet's audience",
        "formula": f"{reach} contacts" if reach is not None else "",
        "inputs": [audience_input] if reach is not None else [],
        "warnings": [],
        "missing": [] if reach is not None else [f"an audience figure of {outlet['name']}"],
        "estimated": bool(reach is not None and outlet["audience_estimated"]),
        "medium": medium,
    }
    rate_year = rng.choice((2019, 2021, 2022, 2023, 2024, 2025))
    fit = rng.choices(("exact", "later", "earlier", None), (0.8, 0.05, 0.1, 0.05))[0]
    rate_estimated = rng.random() < 0.4
    ave_b = {
        "rule": {"press": "print", "web": "web"}.get(medium, "broadcast"),
        "value": ave,
        "definition": "gross rate-card price of the same space or airtime",
        "formula": f"size × rate = {ave} €" if ave is not None else "",
        "inputs": [
            {
                "name": "page price",
                "value": rng.randint(500, 100_000),
                "unit": "EUR/page",
                "source": "tarifs publicitaires",
                "estimated": rate_estimated,
                "year": rate_year,
                "valid_from": f"{rate_year}-01-01",
                "valid_to": None,
                "note": None,
            }
        ]
        if ave is not None
        else [],
        "warnings": [],
        "missing": [] if ave is not None else ["the clip's size"],
        "estimated": bool(ave is not None and (rate_estimated or outlet["audience_estimated"])),
        "rate_fit": fit if ave is not None else None,
        "rate_old": bool(ave is not None and day.year - rate_year >= 5),
        "rate_year": rate_year,
        "size": None,
        "multiplier": 1.0,
        "medium": medium,
    }
    return reach_b, ave_b


def _campaign_picker(rng: random.Random, campaigns: list[dict]):
    weights = [c["weight"] for c in campaigns]
    by_id = {c["id"]: c for c in campaigns}

    def pick() -> list[dict]:
        first = rng.choices(campaigns, weights)[0]
        chosen = [first]
        roll = rng.random()
        if first["parent"] and roll < 0.3:
            chosen.append(by_id[first["parent"]])  # in the sub-campaign and its umbrella
        elif roll < 0.45:
            other = rng.choices(campaigns, weights)[0]
            if other is not first:
                chosen.append(other)
        return chosen

    return pick


def generate(clips: int, outlets: list[dict], campaigns: list[dict], rng: random.Random):
    """Yield batches of (clip rows, link rows); clips come in publication order."""
    pick = _campaign_picker(rng, campaigns)
    outlet_weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(outlets))]
    rng.shuffle(outlet_weights)
    span = (END - START).total_seconds()
    # publication moments: sorted uniform draws (ids then grow with time, as in a crawl)
    moments = sorted(rng.random() * span for _ in range(clips))
    batch: list[tuple] = []
    links: list[tuple] = []
    for index, offset in enumerate(moments):
        clip_id = index + 1
        published = START + timedelta(seconds=offset)
        outlet = rng.choices(outlets, outlet_weights)[0]
        medium = outlet["medium"]
        if clips - index <= NEW_CLIPS:
            status = "new"
        else:
            status = "confirmed" if rng.random() < 0.55 else "rejected"
        chosen = pick()
        labels = sorted({label for c in chosen for label in c["labels"]})
        title = _sentence(rng, rng.randint(7, 13))
        summary = _sentence(rng, rng.randint(20, 35))
        body = " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(4, 8)))
        messages = []
        if status != "rejected" and rng.random() < 0.6:
            for label in rng.sample(labels, min(len(labels), rng.choice((1, 1, 2)))):
                messages.append(
                    {"label": label, "sentence": title, "score": 0.8, "method": "phrasing"}
                )
        reach = None if rng.random() < 0.05 else int(outlet["audience"] * rng.uniform(0.05, 1))
        ave = None if rng.random() < 0.08 else round(rng.uniform(5, 20_000), 2)
        override = round(ave * 0.8, 2) if ave is not None and rng.random() < 0.003 else None
        reach_b, ave_b = _breakdowns(rng, outlet, medium, reach, ave, published)
        dated = rng.random() > 0.002
        created = published + timedelta(minutes=rng.randint(5, 600))
        reviewed = created + timedelta(hours=rng.randint(1, 72)) if status != "new" else None
        row = {
            "id": clip_id,
            "url": f"https://{outlet['domains'][0]}/{published:%Y/%m}/{clip_id}",
            "origin": "crawl",
            "outlet_id": outlet["id"],
            "title": title,
            "summary": summary,
            "text": body,
            "author": rng.choice(AUTHORS) if rng.random() < 0.7 else None,
            "published_at": published if dated else None,
            "language": "fr",
            "medium_hints": {},
            "programme": None,
            "duration_s": rng.randint(30, 300) if medium in ("tv", "radio") else None,
            "page_fraction": rng.choice((0.25, 0.5, 1.0)) if medium == "press" else None,
            "surface_cm2": None,
            "status": status,
            "processed_at": created,
            "medium": medium,
            "medium_reason": f"outlet {outlet['name']}",
            "relevance": round(rng.random(), 3),
            "relevant": status != "rejected",
            "relevance_evidence": [{"term": rng.choice(TOPICS), "weight": 1.0}],
            "key_messages": messages,
            "quotes": [],
            "tone": rng.choices(
                ("positive", "neutral", "negative", None), (0.55, 0.35, 0.07, 0.03)
            )[0],
            "tone_score": round(rng.uniform(-1, 1), 3),
            "prominence": rng.choices(("title", "lead", "body", None), (0.3, 0.3, 0.35, 0.05))[0],
            "reach": reach,
            "reach_breakdown": reach_b,
            "ave_eur": ave,
            "ave_breakdown": ave_b,
            "ave_override_eur": override,
            "ave_override_reason": "négocié avec la régie" if override is not None else None,
            "valued_at": created if rng.random() > 0.01 else None,
            "stale_analysis": False,
            "reviewed_at": reviewed,
            "review_reason": "not_relevant" if status == "rejected" else None,
            "created_at": created,
            "updated_at": reviewed or created,
        }
        batch.append(row)
        links.extend((clip_id, c["id"]) for c in chosen)
        if len(batch) >= 20_000:
            yield batch, links
            batch, links = [], []
    if batch:
        yield batch, links
