"""Time monitoring queries the way the crawler runs them: one query against many articles.

Run from the repository root: ``.venv/bin/python bench/query.py``. It prints documents per
second (median of 5 runs) for a 10-term query with a phrase, a wildcard and a NEAR over 2,000
generated French articles of about 5 kB. Every run folds every article again: the documents
outnumber the per-document cache, as in a crawl.
"""

from __future__ import annotations

import random
import statistics
import time

from models.query import QueryDocument, parse_query

QUERY = (
    '("bassin minier" OR terril* OR "Louvre-Lens" NEAR/5 anniversaire OR "cité minière" '
    "OR chevalement OR Liévin OR Loos-en-Gohelle) SAUF (Lorraine OR Moselle)"
)
DOCUMENTS = 2_000
TEXT_SIZE = 5_000
RUNS = 5

WORDS = (
    "le la les un une des du de au aux et ou mais donc dans sur pour avec sans par ce cette "
    "qui que dont il elle ils elles on nous vous est sont était ont avait fait faire dit "
    "ville région commune habitants maire conseil projet travaux école santé emploi économie "
    "transport gare route rue quartier place marché fête festival musée exposition concert "
    "été hiver année semaine mois jour soir matin après avant depuis pendant encore déjà "
    "très plus moins bien aussi comme tout tous toute toutes autre autres premier dernier "
    "nouveau nouvelle grand grande petit petite jeune vieux histoire patrimoine culture "
    "mémoire ouvrier ouvrière mineur mineurs fosse puits charbon houille compagnie église"
).split()
ELIDED = ["l'usine", "d'abord", "qu'il", "l'école", "d'été", "n'est", "s'est", "l'UNESCO"]
DOMAIN = [
    "bassin minier",
    "terrils",
    "terril",
    "Louvre-Lens",
    "anniversaire",
    "cité minière",
    "chevalement",
    "Liévin",
    "Loos-en-Gohelle",
    "Lorraine",
]


def article(rng: random.Random) -> QueryDocument:
    """Build one article of about TEXT_SIZE characters, sometimes about the mining basin."""
    words: list[str] = []
    size = 0
    while size < TEXT_SIZE:
        roll = rng.random()
        word = rng.choice(DOMAIN) if roll < 0.01 else rng.choice(ELIDED) if roll < 0.05 else None
        word = word or rng.choice(WORDS)
        if rng.random() < 0.06:
            word += rng.choice([",", ".", " :", " ;"])
        words.append(word)
        size += len(word) + 1
    text = " ".join(words)
    title = " ".join(rng.choice(WORDS + DOMAIN) for _ in range(9)).capitalize()
    return QueryDocument(title=title, text=text, outlet="La Voix du Nord", url="https://x.fr/a")


def main() -> None:
    """Print the throughput of ``matches`` and ``hits`` over the generated articles."""
    rng = random.Random(2026)
    documents = [article(rng) for _ in range(DOCUMENTS)]
    query = parse_query(QUERY)
    print(f"query: {QUERY}")
    for name in ("matches", "hits"):
        method = getattr(query, name)
        rates = []
        for _ in range(RUNS):
            started = time.perf_counter()
            kept = sum(1 for doc in documents if method(doc))
            rates.append(DOCUMENTS / (time.perf_counter() - started))
        print(
            f"{name}: {statistics.median(rates):,.0f} documents/s "
            f"(median of {RUNS} runs, {DOCUMENTS} documents of ~{TEXT_SIZE // 1000} kB, "
            f"{kept} matching)"
        )


main()
