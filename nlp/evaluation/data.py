"""What the evaluations share: the labelled files, and a small pipeline for one component."""

from __future__ import annotations

import json
from pathlib import Path

from spacy.language import Language

LABELLED_DIR = Path(__file__).resolve().parent.parent / "data" / "labelled"
SM_PIPES = ("tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer", "ner")


def read_jsonl(path: Path, split: str | None = None) -> list[dict]:
    """Read a labelled JSON-lines file, optionally one split ("dev" or "test")."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in rows if split is None or row.get("split") == split]


def component_pipeline(component: str, requires: tuple[str, ...]) -> Language:
    """Return fr_core_news_sm with only the pipes ``component`` requires, then the component."""
    import spacy

    from .. import components  # noqa: F401  (registers the factories)

    pipeline = spacy.load("fr_core_news_sm", exclude=[p for p in SM_PIPES if p not in requires])
    for name in pipeline.disabled:
        pipeline.enable_pipe(name)
    pipeline.add_pipe(component)
    return pipeline


def best_plateau(grid: list[float], right: list[int | float]) -> tuple[float, float]:
    """Return the first and last grid values of the longest run that reaches the best score."""
    best = max(right)
    runs, run = [], []
    for value, count in zip(grid, right, strict=True):
        if count == best:
            run.append(value)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    longest = max(runs, key=len)
    return longest[0], longest[-1]


def middle_of_best(grid: list[float], right: list[int | float]) -> float:
    """Return the middle of :func:`best_plateau`: as far as the data allows from both the last
    miss and the first false alarm."""
    first, last = best_plateau(grid, right)
    return round((first + last) / 2, 2)
