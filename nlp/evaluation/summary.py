"""Evaluation of ``retombees_summary`` on ``nlp/data/labelled/summaries.jsonl``.

The set: the real pages of the dev corpus (title, extracted text, source URL), each labelled by
hand with what a fair summary of it must do:

- ``must``: groups of sentences stating the news of the clip (usually the lead); a summary
  must keep at least one sentence of each group (several are given when the lead and its
  development say the same thing);
- ``must_not``: the lines of the page that must never be in a summary: bylines, dates,
  photo credits and captions, "Lire aussi", headings, share, newsletter and paywall lines,
  embedded posts, the title repeated in the text.

Scores: a satisfied group is a true positive, a missed one a false negative (recall is the share
of must-include groups kept); every must-not line found in a summary is a false positive. The
notes give the must-not violations, the summaries over ``max_chars`` and the misses.

The document is built as the analysis pipeline builds it: title, blank line, text, with the
title in ``doc._.retombees_context``.

Run: ``.venv/bin/python -m nlp.evaluation.summary``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

from spacy.language import Language

from ..components.summary import REQUIRES
from .report import Report, Scores

LABELLED = Path(__file__).resolve().parent.parent / "data" / "labelled" / "summaries.jsonl"
COMPONENT = "retombees_summary"
KEPT = 0.8  # share of a sentence's words a summary must hold for the sentence to count as kept


def load(path: Path = LABELLED) -> list[dict]:
    """Read the labelled pages."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return re.findall(r"\w+", "".join(c for c in plain if not unicodedata.combining(c)))


def kept(sentence: str, summary: str) -> bool:
    """Tell whether ``summary`` holds ``sentence`` (most of its words)."""
    wanted, have = Counter(_words(sentence)), Counter(_words(summary))
    total = sum(wanted.values())
    return bool(total) and sum((wanted & have).values()) / total >= KEPT


def contains(summary: str, line: str) -> bool:
    """Tell whether ``line`` appears word for word in ``summary``."""
    return f" {' '.join(_words(line))} " in f" {' '.join(_words(summary))} "


def evaluate(pipeline: Language, path: Path = LABELLED) -> Report:
    """Score the summaries: must-include groups kept, must-not lines let in, length."""
    examples = load(path)
    scores = Scores()
    limit = pipeline.get_pipe(COMPONENT).max_chars
    notes: list[str] = []
    lengths = []
    docs = []
    for example in examples:
        doc = pipeline.make_doc("\n\n".join(filter(None, (example["title"], example["text"]))))
        doc._.retombees_context = {"title": example["title"]}
        docs.append(doc)
    enabled = [name for name in (*REQUIRES, COMPONENT) if name in pipeline.pipe_names]
    with pipeline.select_pipes(enable=enabled):
        for example, doc in zip(examples, pipeline.pipe(docs), strict=True):
            summary, source = doc._.retombees_summary, example["source"]
            lengths.append(len(summary))
            for group in example["must"]:
                hit = any(kept(sentence, summary) for sentence in group)
                scores.add(hit, True)
                if not hit:
                    notes.append(f"missed {group[0][:60]!r}: {source}")
            for line in example["must_not"]:
                if contains(summary, line):
                    scores.fp += 1
                    notes.append(f"let in {line[:60]!r}: {source}")
            if len(summary) > limit:
                notes.append(f"{len(summary)} characters (over {limit}): {source}")
    over = sum(length > limit for length in lengths)
    notes[:0] = [
        f"must-include groups kept: {scores.tp}/{scores.tp + scores.fn}",
        f"must-not lines let in: {scores.fp} (of {sum(len(e['must_not']) for e in examples)})",
        f"summaries over {limit} characters: {over}; mean length {_mean(lengths):.0f}",
    ]
    return Report(COMPONENT, path.name, len(examples), scores=scores, notes=notes)


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


def _pipeline() -> Language:
    from ..pipeline import load_pipeline

    return load_pipeline()


if __name__ == "__main__":
    print(json.dumps(evaluate(_pipeline()).as_json(), ensure_ascii=False, indent=1))
