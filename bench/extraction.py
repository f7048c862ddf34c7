"""Measure article extraction on recorded pages: ours (``extract_page``) against trafilatura alone.

Usage::

    .venv/bin/python bench/extraction.py [PAGES_FOLDER] [--repeat N] [--check]

The folder defaults to ``$RETOMBEES_CORPUS``, else ``../shared/corpus/dev/pages`` beside the
repository. Each page is ``NAME.html`` or ``NAME.html.gz`` with ``NAME.json`` holding what a
correct extraction gives; its ``kind`` says how it is scored:

- ``full``: token-level precision, recall and F1 of the text (lower-cased word tokens, multiset
  overlap), title exact match, author match, date match (same day);
- ``snippets``: share of the ``with`` passages found in the text, share of the ``without``
  passages absent from it;
- ``meta``: date match.

Titles, authors and dates given on ``snippets`` pages are scored too, in the "all pages" lines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

import trafilatura

from crawler.extract import ExtractionError, extract_page

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPOSITORY.parent / "shared" / "corpus" / "dev" / "pages"
PARIS = ZoneInfo("Europe/Paris")
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
# Words that join names in a byline: "Le Figaro et AFP" and "Le Figaro, AFP" name the same authors.
_NAME_JOINERS = {"et", "and", "avec", "with", "par", "by"}


@dataclass
class Page:
    name: str
    html: bytes
    gold: dict

    @property
    def kind(self) -> str:
        return self.gold["kind"]


@dataclass
class Output:
    """What one extractor read from one page, and how long it took."""

    text: str = ""
    title: str | None = None
    author: str | None = None
    date: datetime | str | None = None
    ms: float = 0.0


@dataclass
class Scores:
    """Scores of one extractor on one page; ``None`` where the page gives nothing to compare."""

    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    title: bool | None = None
    author: bool | None = None
    date: bool | None = None
    with_found: int = 0
    with_total: int = 0
    without_absent: int = 0
    without_total: int = 0
    ms: float = 0.0
    notes: list[str] = field(default_factory=list)


def corpus_folder(argument: str | None = None) -> Path:
    """Return the folder of recorded pages: the argument, ``$RETOMBEES_CORPUS`` or the default."""
    folder = Path(argument or os.environ.get("RETOMBEES_CORPUS") or DEFAULT_CORPUS)
    # Accept the corpus root as well as its pages folder.
    if not any(folder.glob("*.json")) and (folder / "dev" / "pages").is_dir():
        folder = folder / "dev" / "pages"
    return folder


def load_pages(folder: Path) -> list[Page]:
    """Read every recorded page of a folder with its expected extraction."""
    pages = []
    for expected in sorted(folder.glob("*.json")):
        plain = expected.with_suffix(".html")
        packed = expected.with_suffix(".html.gz")
        if plain.exists():
            html = plain.read_bytes()
        elif packed.exists():
            html = gzip.decompress(packed.read_bytes())
        else:
            continue
        gold = json.loads(expected.read_text(encoding="utf-8"))
        pages.append(Page(expected.stem, html, gold))
    return pages


def tokens(text: str | None) -> Counter:
    """Count the lower-cased word tokens of a text."""
    return Counter(_WORD.findall((text or "").lower()))


def text_scores(extracted: str | None, expected: str) -> tuple[float, float, float]:
    """Return token-level precision, recall and F1 of an extracted text (multiset overlap)."""
    got, want = tokens(extracted), tokens(expected)
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def normalise(text: str | None) -> str:
    """Compose accents and collapse white space, non-breaking ones included."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def same_title(extracted: str | None, expected: str) -> bool:
    """Tell whether a title is the expected one, white space aside."""
    return normalise(extracted) == normalise(expected)


def _name_words(names: str) -> set[str]:
    return {word for word in tokens(names) if word not in _NAME_JOINERS}


def same_authors(extracted: str | None, expected: list[str]) -> bool:
    """Tell whether a byline names the expected authors, whatever the order and separators."""
    return bool(extracted) and _name_words(extracted) == _name_words(" ".join(expected))


def gold_date(value: str) -> date | datetime:
    """Read an expected date: a day, or an aware moment."""
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value)


def same_day(extracted: datetime | str | None, expected: str) -> bool:
    """Tell whether a date falls on the expected day, read in the expected date's time zone.

    A day-only expectation is read in Europe/Paris; a day-only extraction (trafilatura gives
    ``YYYY-MM-DD``, ``extract_page`` midnight in Paris) is compared as a day.
    """
    if not extracted:
        return False
    want = gold_date(expected)
    if isinstance(want, datetime):
        zone, want_day = want.tzinfo, want.date()
    else:
        zone, want_day = PARIS, want
    if isinstance(extracted, str):
        return extracted[:10] == want_day.isoformat()
    paris = extracted.astimezone(PARIS)
    if paris.time() == time(0):
        # ``extract_page`` gives a day without time as midnight in Paris: compare the days.
        return paris.date() == want_day
    return extracted.astimezone(zone).date() == want_day


def snippet_counts(text: str | None, present: list[str], absent: list[str]) -> tuple[int, int]:
    """Count the ``present`` passages found in a text and the ``absent`` ones left out of it."""
    flat = normalise(text)
    found = sum(normalise(snippet) in flat for snippet in present)
    left_out = sum(normalise(snippet) not in flat for snippet in absent)
    return found, left_out


def run_ours(page: Page) -> Output:
    """Extract a page with ``extract_page``, from its bytes as the crawler receives them."""
    start = perf_counter()
    try:
        result = extract_page(page.html, page.gold.get("url"))
    except ExtractionError:
        return Output(ms=(perf_counter() - start) * 1000)
    ms = (perf_counter() - start) * 1000
    return Output(result.text or "", result.title, result.author, result.published, ms)


def run_trafilatura(page: Page) -> Output:
    """Extract a page with trafilatura's defaults, from its bytes."""
    start = perf_counter()
    raw = trafilatura.extract(
        page.html, url=page.gold.get("url"), with_metadata=True, output_format="json"
    )
    ms = (perf_counter() - start) * 1000
    if raw is None:
        return Output(ms=ms)
    data = json.loads(raw)
    return Output(
        data.get("text") or "", data.get("title"), data.get("author"), data.get("date"), ms
    )


def score(page: Page, output: Output) -> Scores:
    """Score one extraction of a page against what the page's ``.json`` expects."""
    gold = page.gold
    scores = Scores(ms=output.ms)
    if page.kind == "full":
        scores.precision, scores.recall, scores.f1 = text_scores(output.text, gold["text"])
    if page.kind == "snippets":
        present, absent = gold.get("with") or [], gold.get("without") or []
        scores.with_found, scores.without_absent = snippet_counts(output.text, present, absent)
        scores.with_total, scores.without_total = len(present), len(absent)
    if gold.get("title"):
        scores.title = same_title(output.title, gold["title"])
    if gold.get("authors"):
        scores.author = same_authors(output.author, gold["authors"])
    if gold.get("date"):
        scores.date = same_day(output.date, gold["date"])
    if scores.title is False:
        scores.notes.append(f"title {output.title!r}")
    if scores.author is False:
        scores.notes.append(f"author {output.author!r}")
    if scores.date is False:
        scores.notes.append(f"date {output.date!s}")
    return scores


def measure(page: Page, runs: list[Callable[[Page], Output]], repeat: int) -> list[Output]:
    """Run each extractor on a page, keeping its fastest of ``repeat`` runs (outputs are equal).

    The extractors take turns, so that a load peak on the machine hits them alike.
    """
    outputs: list[list[Output]] = [[] for _ in runs]
    for _ in range(max(1, repeat)):
        for done, run in zip(outputs, runs, strict=True):
            done.append(run(page))
    return [min(done, key=lambda output: output.ms) for done in outputs]


def _share(good: int, total: int) -> str:
    return f"{good}/{total} ({good / total:.0%})" if total else "-"


def _count(values: list[bool | None]) -> tuple[int, int]:
    known = [value for value in values if value is not None]
    return sum(known), len(known)


def _mean(values: list[float | None]) -> float:
    known = [value for value in values if value is not None]
    return statistics.fmean(known) if known else 0.0


def totals(pages: list[Page], scores: list[Scores]) -> dict[str, tuple[float, str]]:
    """Aggregate one extractor's scores: name → (value compared between extractors, display)."""
    by_kind = {
        kind: [s for p, s in zip(pages, scores, strict=True) if p.kind == kind]
        for kind in ("full", "snippets", "meta")
    }
    rows: dict[str, tuple[float, str]] = {}
    full = by_kind["full"]
    for name in ("precision", "recall", "f1"):
        value = _mean([getattr(s, name) for s in full])
        rows[f"full: text {name} (mean)"] = (value, f"{value:.3f}")
    for name in ("title", "author", "date"):
        good, total = _count([getattr(s, name) for s in full])
        rows[f"full: {name} match"] = (good / total if total else 1.0, _share(good, total))
    snippets = by_kind["snippets"]
    found = sum(s.with_found for s in snippets), sum(s.with_total for s in snippets)
    left_out = sum(s.without_absent for s in snippets), sum(s.without_total for s in snippets)
    rows["snippets: `with` found"] = (found[0] / max(found[1], 1), _share(*found))
    rows["snippets: `without` absent"] = (left_out[0] / max(left_out[1], 1), _share(*left_out))
    good, total = _count([s.date for s in by_kind["meta"]])
    rows["meta: date match"] = (good / total if total else 1.0, _share(good, total))
    for name in ("title", "author", "date"):
        good, total = _count([getattr(s, name) for s in scores])
        rows[f"all pages: {name} match"] = (good / total if total else 1.0, _share(good, total))
    ms = statistics.median(s.ms for s in scores)
    rows["ms per page (median)"] = (-ms, f"{ms:.1f}")
    typical = [
        s.ms for p, s in zip(pages, scores, strict=True) if 150_000 <= len(p.html) <= 300_000
    ]
    if typical:
        ms = statistics.median(typical)
        rows[f"ms per 150–300 kB page (median of {len(typical)})"] = (-ms, f"{ms:.1f}")
    return rows


def _page_cell(page: Page, scores: Scores) -> str:
    if page.kind == "full":
        main = f"F1 {scores.f1:.3f} P {scores.precision:.2f} R {scores.recall:.2f}"
    elif page.kind == "snippets":
        main = f"with {scores.with_found}/{scores.with_total} "
        main += f"without {scores.without_absent}/{scores.without_total}"
    else:
        main = ""
    marks = "".join(
        f" {label}{'✓' if value else '✗'}"
        for label, value in (("T", scores.title), ("A", scores.author), ("D", scores.date))
        if value is not None
    )
    return f"{main}{marks} {scores.ms:.0f}ms".strip()


def report(pages: list[Page], ours: list[Scores], theirs: list[Scores]) -> str:
    """Lay out the per-page table and the totals as Markdown."""
    lines = [
        "| page | kind | kB | ours | trafilatura alone |",
        "| --- | --- | --: | --- | --- |",
    ]
    for page, mine, other in zip(pages, ours, theirs, strict=True):
        lines.append(
            f"| {page.name} | {page.kind} | {len(page.html) // 1000} "
            f"| {_page_cell(page, mine)} | {_page_cell(page, other)} |"
        )
    lines += ["", "| total | ours | trafilatura alone |", "| --- | --: | --: |"]
    mine, other = totals(pages, ours), totals(pages, theirs)
    for name, (value, shown) in mine.items():
        below = not name.startswith("ms") and value < other[name][0] - 1e-9
        flag = " ⚠" if below else ""
        lines.append(f"| {name} | {shown}{flag} | {other[name][1]} |")
    return "\n".join(lines)


def worse_aggregates(pages: list[Page], ours: list[Scores], theirs: list[Scores]) -> list[str]:
    """Name the quality aggregates on which ours scores below trafilatura alone."""
    mine, other = totals(pages, ours), totals(pages, theirs)
    return [
        name
        for name, (value, _) in mine.items()
        if not name.startswith("ms") and value < other[name][0] - 1e-9
    ]


def main(argv: list[str] | None = None) -> int:
    """Run both extractors over the corpus and print the quality table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="folder of recorded pages")
    parser.add_argument("--repeat", type=int, default=5, help="runs per page, fastest kept")
    parser.add_argument("--details", action="store_true", help="list the metadata misses")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when ours is below trafilatura somewhere"
    )
    args = parser.parse_args(argv)
    folder = corpus_folder(args.folder)
    pages = load_pages(folder)
    if not pages:
        print(f"no recorded page in {folder}", file=sys.stderr)
        return 2
    # Warm both extractors up so that imports and model loading are not timed.
    run_ours(pages[0])
    run_trafilatura(pages[0])
    ours, theirs = [], []
    for page in pages:
        mine, other = measure(page, [run_ours, run_trafilatura], args.repeat)
        ours.append(score(page, mine))
        theirs.append(score(page, other))
    print(f"{len(pages)} pages from {folder}\n")
    print(report(pages, ours, theirs))
    if args.details:
        for page, mine, other in zip(pages, ours, theirs, strict=True):
            if mine.notes or other.notes:
                print(f"\n{page.name}\n  ours: {mine.notes}\n  trafilatura: {other.notes}")
    worse = worse_aggregates(pages, ours, theirs)
    if worse:
        print(f"\nours below trafilatura alone on: {', '.join(worse)}", file=sys.stderr)
    return 1 if args.check and worse else 0


if __name__ == "__main__":
    sys.exit(main())
