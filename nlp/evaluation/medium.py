"""Evaluate ``retombees_medium`` on labelled real text: accuracy and confusion matrix.

Examples are the ``task = "medium"`` lines of ``nlp/data/labelled/mentions-dev.jsonl`` and
``medium_extra.jsonl`` (held-out text): the page's address and an excerpt, as a clip without a
registered outlet would reach the component. Examples whose note says "ambiguous" (a written
article on a broadcaster's site, a newspaper's podcast, a relayed dispatch) are scored with the
others, as labelled; the notes give the accuracy without them too.

Run: ``python -m nlp.evaluation.runner --only medium``
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language

from .data import read_jsonl
from .report import Confusion, Report

LABELLED = Path(__file__).resolve().parent.parent / "data" / "labelled"
DEV = LABELLED / "mentions-dev.jsonl"
EXTRA = LABELLED / "medium_extra.jsonl"
COMPONENT = "retombees_medium"
MEDIA = ("press", "tv", "radio", "web", "partner")


def load_examples(path: Path = DEV) -> list[dict]:
    """Read the ``medium`` examples of a labelled JSON-lines file.

    :raises ValueError: for a label that is not a medium.
    """
    examples = [row for row in read_jsonl(path) if row.get("task") == "medium"]
    for row in examples:
        if row["label"] not in MEDIA:
            raise ValueError(f"{path.name}: unknown medium {row['label']!r}")
    return examples


def predict(pipeline: Language, examples: list[dict]) -> list[tuple[str, str]]:
    """Run the medium component alone; return (medium, reason) per example."""
    docs = []
    for example in examples:
        doc = pipeline.make_doc(example["excerpt"])
        doc._.retombees_context = {"url": example.get("url")}
        docs.append(doc)
    with pipeline.select_pipes(enable=[COMPONENT]):
        done = list(pipeline.pipe(docs))
    return [(d._.retombees_medium, d._.retombees_medium_reason) for d in done]


def evaluate(pipeline: Language, path: Path = DEV) -> Report:
    """Score the medium decisions on one labelled file (default: the development set)."""
    examples = load_examples(path)
    confusion = Confusion()
    clear = Confusion()
    errors = []
    for example, (medium, reason) in zip(examples, predict(pipeline, examples), strict=True):
        confusion.add(medium, example["label"])
        if "ambiguous" not in example.get("note", ""):
            clear.add(medium, example["label"])
        if medium != example["label"]:
            errors.append(f"expected {example['label']}, got {medium}: {example['url']} ({reason})")
    notes = [f"without the 'ambiguous' examples: accuracy {clear.accuracy:.3f} on {clear.total}"]
    return Report(COMPONENT, path.name, confusion.total, None, confusion, notes + errors)


def reports(pipeline: Language) -> list[Report]:
    """Evaluate on the development set and on the held-out text."""
    return [evaluate(pipeline, DEV), evaluate(pipeline, EXTRA)]
