"""Evaluate ``retombees_tone`` on ``nlp/data/labelled/tone.jsonl``.

Each labelled excerpt is analysed as a clip with its subject's terms as ``territory_terms``;
the report gives the accuracy and the confusion matrix (expected → predicted), with the dev
and test halves and the errors in the notes.

``calibrate`` picks the neutral band (``positive_threshold``, ``negative_threshold``) that
maximises accuracy on the dev half; the factory's defaults are the values it printed (see
docs/nlp-key-messages-and-tone.md).

Run: ``python -m nlp.evaluation.tone [--calibrate]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spacy.language import Language

from ..components.tone import REQUIRES
from .data import LABELLED_DIR, component_pipeline, middle_of_best, read_jsonl
from .report import Confusion, Report

LABELLED = LABELLED_DIR / "tone.jsonl"
COMPONENT = "retombees_tone"


def load_examples(path: Path = LABELLED, split: str | None = None) -> list[dict]:
    """Read the labelled excerpts, optionally one split ("dev" or "test")."""
    return read_jsonl(path, split)


def analyse(pipeline: Language, examples: list[dict]) -> list[tuple[str, float, str]]:
    """Return (tone, score, reason) for each example, its subject terms in the context."""
    docs = []
    for example in examples:
        doc = pipeline.make_doc(example["text"])
        doc._.retombees_context = {"territory_terms": example.get("subject_terms") or []}
        docs.append(doc)
    return [
        (doc._.retombees_tone, doc._.retombees_tone_score, doc._.retombees_tone_reason)
        for doc in pipeline.pipe(docs)
    ]


def decide(score: float, positive: float, negative: float) -> str:
    """Apply a neutral band to a score."""
    if score >= positive:
        return "positive"
    if score <= -negative:
        return "negative"
    return "neutral"


def evaluate(pipeline: Language, split: str | None = None, path: Path = LABELLED) -> Report:
    """Score the pipeline's tone decisions on the labelled excerpts."""
    examples = load_examples(path, split)
    results = analyse(pipeline, examples)
    confusion = Confusion()
    parts = {"dev": Confusion(), "test": Confusion()}
    errors = []
    for example, (tone, score, reason) in zip(examples, results, strict=True):
        confusion.add(tone, example["label"])
        parts[example["split"]].add(tone, example["label"])
        if tone != example["label"]:
            errors.append(
                f"{example['id']} [{example['split']}] expected {example['label']}, "
                f"got {tone} ({score:+.2f}) about {example['subject']}: {reason}"
            )
    notes = [
        f"{name}: accuracy {part.accuracy:.2f} on {part.total}"
        for name, part in parts.items()
        if part.total and split is None
    ]
    return Report(
        component=COMPONENT,
        dataset=path.name if split is None else f"{path.name}[{split}]",
        examples=len(examples),
        confusion=confusion,
        notes=notes + errors,
    )


def calibrate(pipeline: Language, split: str = "dev", path: Path = LABELLED) -> dict:
    """Place each edge of the neutral band on one split, independently, and report accuracy.

    Each edge is a binary decision ("positive or not", "negative or not"); it goes to the
    middle of the widest range of values that makes the most right decisions, as far as the
    labelled scores allow from both the neutral excerpts and the polar ones.
    """
    examples = load_examples(path, split)
    scores = [score for _tone, score, _reason in analyse(pipeline, examples)]
    labels = [example["label"] for example in examples]
    grid = [step / 100 for step in range(1, 100)]
    pairs = list(zip(scores, labels, strict=True))
    positive = middle_of_best(
        grid, [sum((s >= t) == (lab == "positive") for s, lab in pairs) for t in grid]
    )
    negative = middle_of_best(
        grid, [sum((s <= -t) == (lab == "negative") for s, lab in pairs) for t in grid]
    )
    right = sum(decide(s, positive, negative) == lab for s, lab in pairs)
    return {
        "split": split,
        "positive_threshold": positive,
        "negative_threshold": negative,
        "accuracy": round(right / len(examples), 3),
        "examples": len(examples),
    }


def build_pipeline() -> Language:
    """Return fr_core_news_sm with only what the component needs, plus the component."""
    return component_pipeline(COMPONENT, REQUIRES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="search the neutral band on dev")
    args = parser.parse_args()
    pipeline = build_pipeline()
    if args.calibrate:
        print(json.dumps(calibrate(pipeline), indent=1))
    for split in (None, "dev", "test"):
        print(json.dumps(evaluate(pipeline, split).as_json(), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
