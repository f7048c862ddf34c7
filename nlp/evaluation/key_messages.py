"""Evaluate ``retombees_key_messages`` on ``nlp/data/labelled/key_messages.jsonl``.

Every labelled sentence is analysed as a clip of its own, with the bundled bassin-minier messages
in its context. A decision is "this sentence carries message X"; it is scored for every
(sentence, message) pair, so precision, recall and F1 are micro-averaged over the messages. The
notes give the same scores on the dev and test halves and per message, then the errors.

``calibrate`` picks the similarity threshold that maximises F1 on the dev half; the factory's
default is the value it printed (see docs/nlp-key-messages-and-tone.md).

Run: ``python -m nlp.evaluation.key_messages [--calibrate]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spacy.language import Language

from ..components.key_messages import REQUIRES, load_message_set
from .data import LABELLED_DIR, best_plateau, component_pipeline, middle_of_best, read_jsonl
from .report import Report, Scores

LABELLED = LABELLED_DIR / "key_messages.jsonl"
COMPONENT = "retombees_key_messages"


def load_examples(path: Path = LABELLED, split: str | None = None) -> list[dict]:
    """Read the labelled sentences, optionally one split ("dev" or "test")."""
    return read_jsonl(path, split)


def detect(pipeline: Language, examples: list[dict], messages: list[dict]) -> list[list[dict]]:
    """Run the pipeline on each example with ``messages`` in its context."""
    docs = []
    for example in examples:
        doc = pipeline.make_doc(example["text"])
        doc._.retombees_context = {"key_messages": messages}
        docs.append(doc)
    return [doc._.retombees_key_messages or [] for doc in pipeline.pipe(docs)]


def score(
    examples: list[dict], found: list[list[dict]], labels: list[str], threshold: float | None = None
) -> tuple[Scores, dict[str, Scores]]:
    """Score (sentence, message) decisions overall and per message.

    With ``threshold``, similarity matches below it count as not found (for calibration).
    """
    overall, per_label = Scores(), {label: Scores() for label in labels}
    for example, hits in zip(examples, found, strict=True):
        predicted = {
            h["label"]
            for h in hits
            if threshold is None or h["method"] == "phrase" or h["score"] >= threshold
        }
        for label in labels:
            expected = label in example["labels"]
            overall.add(label in predicted, expected)
            per_label[label].add(label in predicted, expected)
    return overall, per_label


def _line(name: str, scores: Scores) -> str:
    return (
        f"{name}: P {scores.precision:.2f} R {scores.recall:.2f} F1 {scores.f1:.2f} "
        f"(tp {scores.tp}, fp {scores.fp}, fn {scores.fn})"
    )


def evaluate(pipeline: Language, split: str | None = None, path: Path = LABELLED) -> Report:
    """Score the pipeline's key-message detection on the labelled sentences."""
    messages = load_message_set()
    labels = [m["label"] for m in messages]
    examples = load_examples(path, split)
    found = detect(pipeline, examples, messages)
    overall, per_label = score(examples, found, labels)
    notes = []
    for name in ("dev", "test"):
        part = [i for i, e in enumerate(examples) if e["split"] == name]
        if part and split is None:
            sub, _ = score([examples[i] for i in part], [found[i] for i in part], labels)
            notes.append(_line(name, sub))
    notes += [_line(label, s) for label, s in per_label.items()]
    for example, hits in zip(examples, found, strict=True):
        predicted = {h["label"]: h for h in hits}
        for label in labels:
            if (label in predicted) != (label in example["labels"]):
                kind = "false positive" if label in predicted else "missed"
                how = (
                    f" ({predicted[label]['method']} {predicted[label]['score']})"
                    if (label in predicted)
                    else ""
                )
                notes.append(f"{example['id']} [{example['split']}] {kind} {label!r}{how}")
    return Report(
        component=COMPONENT,
        dataset=path.name if split is None else f"{path.name}[{split}]",
        examples=len(examples),
        scores=overall,
        notes=notes,
    )


def calibrate(pipeline: Language, split: str = "dev", path: Path = LABELLED) -> dict:
    """Sweep the similarity threshold on one split and return the F1-best one with its scores."""
    component = pipeline.get_pipe(COMPONENT)
    messages = load_message_set()
    labels = [m["label"] for m in messages]
    examples = load_examples(path, split)
    saved = component.similarity_threshold
    component.similarity_threshold = -1.0  # keep every score; thresholds are applied below
    try:
        found = detect(pipeline, examples, messages)
    finally:
        component.similarity_threshold = saved
    thresholds = [step / 100 for step in range(50, 100)]
    f1s = [score(examples, found, labels, t)[0].f1 for t in thresholds]
    plateau = best_plateau(thresholds, f1s)
    threshold = middle_of_best(thresholds, f1s)
    scores, _ = score(examples, found, labels, threshold)
    return {
        "split": split,
        "threshold": threshold,
        "plateau": list(plateau),
        "scores": scores.as_json(),
    }


def build_pipeline() -> Language:
    """Return fr_core_news_sm with only what the component needs, plus the component."""
    return component_pipeline(COMPONENT, REQUIRES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="sweep the threshold on dev")
    args = parser.parse_args()
    pipeline = build_pipeline()
    if args.calibrate:
        print(json.dumps(calibrate(pipeline), indent=1))
    for split in (None, "dev", "test"):
        print(json.dumps(evaluate(pipeline, split).as_json(), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
