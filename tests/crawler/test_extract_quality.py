"""Extraction quality on recorded French news pages, scored as ``bench/extraction.py`` does.

The pages and their expected extractions are copied from the shared development corpus into
``tests/fixtures/pages/recorded`` (``kind`` full, snippets or meta, see the corpus README).
"""

from datetime import UTC, datetime
from functools import cache

import pytest

from bench.extraction import (
    Output,
    Page,
    corpus_folder,
    load_pages,
    main,
    run_ours,
    run_trafilatura,
    score,
)
from crawler.extract import extract_page
from tests.conftest import FIXTURES

RECORDED = FIXTURES / "pages" / "recorded"
PAGES = {page.name: page for page in load_pages(RECORDED)}

# Per page, what ours reaches (text F1 1.0 on every full page, all snippets but one of gala's
# "without"), asserted with some margin for the text and exactly for the metadata.
EXPECTED = {
    "fundus__fr__EuronewsFR_2024_04_30": {
        "f1": 0.95,
        "title": "Le merlu de l'Atlantique Nord sauvé de l'extinction ?",
        "author": "Denis Loctier",
        "published": datetime(2024, 4, 30, 14, 0, 34, tzinfo=UTC),
    },
    "fundus__fr__LeMonde_2023_09_01": {
        "f1": 0.95,
        "title": "Sophie Binet met en garde Emmanuel Macron sur la « gravité de la situation "
        "dans le pays »",
        # The expected byline says "Le Monde"; the article's JSON-LD names its journalist.
        "author": "Bertrand Bissuel",
        "published": datetime(2023, 8, 30, 12, 52, 8, tzinfo=UTC),
    },
    "readability__lemonde-1": {
        "f1": 0.95,
        "title": "Le projet de loi sur le renseignement massivement approuvé à l'Assemblée",
        "author": "Martin Untersinger",
        # Only a day is known: midnight in Paris.
        "published": datetime(2015, 5, 3, 22, 0, tzinfo=UTC),
    },
    "trafilatura-fr__bondyblog.fr.paris-8": {
        "with": 3,
        "without": 3,
        "title": "A Paris-8, un peu de tension, beaucoup d’actions",
        "author": "Kab Niang",
        "published": datetime(2020, 2, 17, 12, 31, 49, tzinfo=UTC),
    },
    "trafilatura-fr__francais.radio.cz-ministre": {
        "with": 3,
        "without": 3,
        "title": "Le ministre de la Santé sommé de démissionner",
        "author": "Anna Kubišta",
        "published": datetime(2020, 10, 23, 8, 3, 19, tzinfo=UTC),
    },
    "trafilatura-fr__gala.fr.surnom": {
        "with": 3,
        "without": 2,
        "title": "Jean-Paul Delevoye, monsieur retraites du gouvernement : Jacques Chirac lui "
        "donnait un surnom peu flatteur",
        "author": "Marie Merlet",
        "published": datetime(2019, 12, 9, 8, 8, 21, tzinfo=UTC),
    },
    "htmldate-fr__1808011241": {
        # A time without zone, read as Paris time.
        "published": datetime(2020, 12, 26, 20, 0, 38, tzinfo=UTC),
    },
    "htmldate-fr__mediapart.fr.violences": {
        "published": datetime(2019, 6, 26, 22, 0, tzinfo=UTC),
    },
}


@cache
def ours(name: str) -> Output:
    return run_ours(PAGES[name])


@cache
def theirs(name: str) -> Output:
    return run_trafilatura(PAGES[name])


def test_every_recorded_page_has_expectations():
    assert set(PAGES) == set(EXPECTED)
    assert {page.kind for page in PAGES.values()} == {"full", "snippets", "meta"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_page_quality(name):
    page: Page = PAGES[name]
    expected = EXPECTED[name]
    output = ours(name)
    scores = score(page, output)
    if page.kind == "full":
        assert scores.f1 >= expected["f1"]
    if page.kind == "snippets":
        assert scores.with_found >= expected["with"]
        assert scores.without_absent >= expected["without"]
    if page.gold.get("date"):
        assert scores.date, f"{output.date} is not on {page.gold['date']}"
    assert output.date == expected["published"]
    for key in ("title", "author"):
        if key in expected:
            assert getattr(output, key) == expected[key]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_ours_is_at_least_as_good_as_trafilatura_alone(name):
    page = PAGES[name]
    mine, other = score(page, ours(name)), score(page, theirs(name))
    for metric in ("precision", "recall", "f1", "with_found", "without_absent"):
        if getattr(other, metric) is not None:
            assert getattr(mine, metric) >= getattr(other, metric) - 1e-9, metric
    for metric in ("title", "author", "date"):
        if getattr(other, metric):
            assert getattr(mine, metric), metric


def test_the_standfirst_trafilatura_leaves_out_is_kept_and_the_paywall_notice_dropped():
    page = PAGES["fundus__fr__LeMonde_2023_09_01"]
    result = extract_page(page.html, page.gold["url"])
    assert result.text.startswith("Reçue mardi 29 août à l’Elysée")
    assert "réservée aux abonnés" not in result.text
    assert result.encoding == "utf-8" and result.language == "fr"
    assert result.medium_hints["section"] == "Politique"
    assert result.medium_hints["image"].startswith("https://")


def test_a_malformed_json_ld_block_hides_nothing_else():
    # L'Express's page holds two JSON-LD blocks, the first of which is not valid JSON.
    page = PAGES["htmldate-fr__1808011241"]
    result = extract_page(page.html, page.gold["url"])
    assert "NewsArticle" in result.medium_hints["jsonld_types"]


def test_the_bench_compares_both_extractors(capsys, monkeypatch):
    monkeypatch.setenv("RETOMBEES_CORPUS", str(RECORDED))
    assert corpus_folder() == RECORDED
    assert main(["--repeat", "1", "--check"]) == 0
    table = capsys.readouterr().out
    assert "| total | ours | trafilatura alone |" in table
    assert "full: text f1 (mean)" in table and "⚠" not in table
