"""Press book: 600 clips to PDF (and DOCX) in under 60 s and 1 GB of memory.

Generates a campaign of 600 confirmed clips in a temporary SQLite database, of realistic sizes:
summaries of 300–600 characters, texts of 3,000–6,000, up to three quotes and key messages,
authors, pages and programmes, forty stories of two to four syndicated copies, web clips with
their archived copy. Then builds the book the way ``retombees pressbook`` does, each run in a
fresh process (so that its peak memory is its own), and prints the time, the peak RSS, the page
count and the file size of each run, and their medians.

    .venv/bin/python bench/pressbook.py                  # 3 runs, PDF and DOCX
    .venv/bin/python bench/pressbook.py --runs 1 --full-text --clips 600
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models import (  # noqa: E402
    Campaign,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    KeyMessage,
    Medium,
    Outlet,
    Scope,
    Settings,
    Snapshot,
    Story,
    Tone,
)
from models.db import open_database  # noqa: E402
from models.snapshots import compress  # noqa: E402

SEED = 20250101
SLUG = "bench-pressbook"
WORDS = (
    "bassin minier patrimoine mondial unesco terrils chevalements cités minières habitants "
    "mémoire paysage culturel évolutif Lens Loos-en-Gohelle Liévin Oignies Wallers Arenberg "
    "visite guidée festival exposition rénovation énergie transition emploi tourisme "
    "randonnée association élus région département mission inscription anniversaire "
    "public jeunes école musée Louvre-Lens site chantier projet été week-end découverte"
).split()
MESSAGES = (
    ("Patrimoine vivant", ["un patrimoine vivant", "les habitants font vivre le patrimoine"]),
    ("Destination touristique", ["une destination touristique", "attirer les visiteurs"]),
    ("Transition écologique", ["la transition écologique", "renaturation des terrils"]),
    ("Fierté des habitants", ["fierté retrouvée", "les habitants sont fiers"]),
)
PROGRAMMES = {
    Medium.TV: ("19/20 Nord-Pas-de-Calais", "JT 13h", "Vues sur la région", "Enquêtes de région"),
    Medium.RADIO: ("Le journal de 8h", "La matinale", "Ça vaut le détour", "Le 6/9"),
}
MEDIA = [Medium.PRESS] * 40 + [Medium.WEB] * 35 + [Medium.TV] * 10 + [Medium.RADIO] * 10
MEDIA += [Medium.PARTNER] * 5


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _paragraphs(rng: random.Random, characters: int) -> str:
    paragraphs, size = [], 0
    while size < characters:
        paragraph = " ".join(_sentence(rng, 8, 22) for _ in range(rng.randint(3, 6)))
        paragraphs.append(paragraph)
        size += len(paragraph)
    return "\n\n".join(paragraphs)


def _outlets(rng: random.Random) -> dict[Medium, list[Outlet]]:
    names = {
        Medium.PRESS: [
            "La Voix du Nord",
            "Nord Éclair",
            "L'Avenir de l'Artois",
            "Le Monde",
            "Le Figaro",
            "Libération",
            "Les Échos",
            "La Croix",
            "Le Parisien",
            "Courrier picard",
            "L'Écho de la Lys",
            "Horizons Nord-Pas-de-Calais",
        ],
        Medium.TV: ["France 3 Hauts-de-France", "BFM Grand Lille", "TF1", "France 2", "Wéo"],
        Medium.RADIO: ["France Bleu Nord", "ici Nord", "RCF Nord", "Radio PFM", "France Inter"],
        Medium.WEB: [
            "actu.fr",
            "lavoixdunord.fr",
            "francetvinfo.fr",
            "lemonde.fr",
            "20minutes.fr",
            "lefigaro.fr",
            "liberation.fr",
            "ouest-france.fr",
            "tourisme-hautsdefrance.com",
            "geo.fr",
            "connaissancedesarts.com",
        ],
        Medium.PARTNER: ["Pas-de-Calais Tourisme", "Région Hauts-de-France", "Louvre-Lens"],
    }
    scopes = list(Scope)
    return {
        medium: [
            Outlet(
                name=name,
                medium=medium,
                scope=rng.choice(scopes),
                audience=rng.randint(20_000, 2_000_000),
            )
            for name in outlet_names
        ]
        for medium, outlet_names in names.items()
    }


def generate(sessions, clips: int, seed: int = SEED) -> None:
    """Add the benchmark's campaign and ``clips`` confirmed clips to the database."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 6, 7, tzinfo=UTC)
    with sessions.begin() as session:
        outlets = _outlets(rng)
        for group in outlets.values():
            session.add_all(group)
        umbrella = Campaign(slug=SLUG, name="Bassin minier, Patrimoine mondial — 2025")
        children = [
            Campaign(slug=f"{SLUG}-{i}", name=name, parent=umbrella)
            for i, name in enumerate(("Anniversaire de l'inscription", "Été des terrils"))
        ]
        session.add_all([umbrella, *children])
        for label, phrasings in MESSAGES:
            umbrella.key_messages.append(KeyMessage(label=label, phrasings=phrasings))
        stories = [Story(title=_sentence(rng, 6, 10)) for _ in range(40)]
        session.add_all(stories)
        session.flush()
        story_slots = [s for s in stories for _ in range(rng.randint(2, 4))]
        for i in range(clips):
            medium = rng.choice(MEDIA)
            outlet = rng.choice(outlets[medium])
            published = start + timedelta(minutes=rng.randint(0, 340 * 24 * 60))
            story = story_slots[i] if i < len(story_slots) else None
            web = medium in (Medium.WEB, Medium.PARTNER)
            quotes = [
                {
                    "text": _sentence(rng, 15, 40),
                    "speaker": rng.choice(("Marie Dupont", "Jean Martin", "Sophie Leroy")),
                    "role": rng.choice(("maire", "directrice de la Mission", "habitant", "")),
                }
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))
            ]
            messages = [
                {"label": label, "sentence": _sentence(rng, 8, 16), "score": 0.8}
                for label, _phrasings in rng.sample(MESSAGES, rng.choice((0, 1, 1, 2, 3)))
            ]
            clip = Coverage(
                url=f"https://{outlet.name.lower().replace(' ', '-')}.example/{i}-article"
                if web or rng.random() < 0.3
                else None,
                manual_key=None if web else f"bench-{i}",
                outlet=outlet,
                title=_sentence(rng, 6, 14).rstrip("."),
                summary=_paragraphs(rng, rng.randint(300, 600))[: rng.randint(300, 600)],
                text=_paragraphs(rng, rng.randint(3000, 6000)),
                author=rng.choice(("Claire Petit", "Paul Durand", "Émilie Roux", None)),
                published_at=published,
                language="fr",
                programme=str(rng.randint(2, 40))
                if medium == Medium.PRESS
                else rng.choice(PROGRAMMES[medium])
                if medium in PROGRAMMES
                else None,
                duration_s=rng.randint(40, 300) if medium in PROGRAMMES else None,
                status=CoverageStatus.CONFIRMED,
                medium=medium,
                tone=rng.choice(list(Tone)),
                quotes=quotes,
                key_messages=messages,
                reach=rng.randint(1_000, 400_000),
                ave_eur=round(rng.uniform(100, 25_000), 2),
                story=story,
            )
            session.add(clip)
            session.add(CoverageCampaign(coverage=clip, campaign=rng.choice([umbrella, *children])))
            if web and rng.random() < 0.5:
                html = f"<html><body><h1>{clip.title}</h1><p>{clip.text}</p></body></html>"
                session.add(
                    Snapshot(
                        coverage=clip,
                        fetched_at=published,
                        final_url=clip.url,
                        status=200,
                        content_type="text/html",
                        encoding="utf-8",
                        size=len(html),
                        html_gz=compress(html.encode()),
                    )
                )


def _settings(folder: Path) -> Settings:
    return Settings.from_env(
        environ={},
        instance_path=str(folder),
        seed_example=False,
        secret_key="bench",
        admin_password="bench-password",
        log_level="WARNING",
    )


def one_run(folder: Path, fmt: str, full_text: bool, lang: str) -> dict:
    """Build the book once in this process; return its measures."""
    from models.campaign import campaign_by_slug
    from models.pressbook import BookOptions, build_press_book
    from models.valuation import ValuationRules
    from webapp.pressbook_render import Look, render

    settings = _settings(folder)
    started = time.perf_counter()
    _engine, sessions = open_database(settings)
    with sessions() as session:
        campaign = campaign_by_slug(session, SLUG)
        options = BookOptions(campaign_id=campaign.id, order="date", full_text=full_text)
        book = build_press_book(session, options, ValuationRules.from_settings(settings))
        selected = time.perf_counter() - started
        rendered = render(book, fmt, Look.from_settings(settings), lang)
    seconds = time.perf_counter() - started
    (folder / f"book.{fmt}").write_bytes(rendered.data)
    return {
        "format": fmt,
        "seconds": round(seconds, 2),
        "select_seconds": round(selected, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pages": rendered.pages,
        "bytes": len(rendered.data),
        "entries": len(book.entries),
        "clips": book.clips,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="pdf,docx")
    parser.add_argument("--full-text", action="store_true", help="Reproduce the texts too.")
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--keep", action="store_true", help="Keep the database and the files.")
    parser.add_argument("--child", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="pdf", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(Path(args.child), args.format, args.full_text, args.lang)))
        return

    folder = Path(tempfile.mkdtemp(prefix="retombees-pressbook-bench-"))
    _engine, sessions = open_database(_settings(folder))
    started = time.perf_counter()
    generate(sessions, args.clips)
    _engine.dispose()
    print(f"{args.clips} clips generated in {time.perf_counter() - started:.1f} s ({folder})")
    for fmt in args.formats.split(","):
        runs = []
        for run in range(args.runs):
            command = [sys.executable, __file__, "--child", str(folder), "--format", fmt]
            command += ["--lang", args.lang] + (["--full-text"] if args.full_text else [])
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            runs.append(result)
            print(
                f"{fmt} run {run + 1}: {result['seconds']} s (selection and figures "
                f"{result['select_seconds']} s), peak RSS {result['peak_rss_mb']} MB, "
                f"{result['pages'] or '-'} pages, {result['bytes'] / 1e6:.2f} MB, "
                f"{result['entries']} entries for {result['clips']} clips"
            )
        print(
            f"{fmt} median of {len(runs)}: "
            f"{statistics.median(r['seconds'] for r in runs)} s, "
            f"peak RSS {statistics.median(r['peak_rss_mb'] for r in runs)} MB"
        )
    if args.keep:
        print(f"Kept in {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
