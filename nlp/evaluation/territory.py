"""Evaluate ``retombees_territory`` on labelled real text, beside a keyword baseline.

Examples are the ``task = "basin"`` lines of ``nlp/data/labelled/mentions-dev.jsonl`` (the
development set) and ``territory_extra.jsonl`` (held-out text). ``npdc`` is the positive class;
``other`` (another basin) and ``none`` (not about a mining basin) are negatives; ``unsure`` is
not scored but reported apart in the notes. The baseline is the keyword alert the product
replaces: relevant when the text contains "bassin minier".

Run: ``python -m nlp.evaluation.runner --only territory``
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language

from .data import read_jsonl
from .report import Report, Scores

LABELLED = Path(__file__).resolve().parent.parent / "data" / "labelled"
DEV = LABELLED / "mentions-dev.jsonl"
EXTRA = LABELLED / "territory_extra.jsonl"
COMPONENT = "retombees_territory"
BASELINE = "keyword 'bassin minier'"
POSITIVE = "npdc"
NEGATIVE = ("other", "none")
UNSURE = "unsure"


def load_examples(path: Path = DEV) -> list[dict]:
    """Read the ``basin`` examples of a labelled JSON-lines file.

    :raises ValueError: for a label other than npdc, other, none or unsure.
    """
    examples = [row for row in read_jsonl(path) if row.get("task") == "basin"]
    for row in examples:
        if row["label"] not in (POSITIVE, UNSURE, *NEGATIVE):
            raise ValueError(f"{path.name}: unknown basin label {row['label']!r}")
    return examples


def predict(pipeline: Language, examples: list[dict]) -> list[tuple[bool, float, list]]:
    """Run the territory component alone; return (relevant, relevance, evidence) per example."""
    docs = []
    for example in examples:
        doc = pipeline.make_doc(example["excerpt"])
        doc._.retombees_context = {"url": example.get("url")}
        docs.append(doc)
    with pipeline.select_pipes(enable=[COMPONENT]):
        done = list(pipeline.pipe(docs))
    return [
        (bool(d._.retombees_relevant), d._.retombees_relevance, d._.retombees_territory_evidence)
        for d in done
    ]


def _terms(evidence: list) -> str:
    return ", ".join(e["term"] for e in evidence if e["kind"] != "topic") or "no evidence"


def _report(name: str, path: Path, examples: list[dict], decisions: list[tuple]) -> Report:
    scores = Scores()
    unsure = []
    errors = []
    for example, (relevant, relevance, evidence) in zip(examples, decisions, strict=True):
        if example["label"] == UNSURE:
            unsure.append(relevant)
            continue
        expected = example["label"] == POSITIVE
        scores.add(relevant, expected)
        if relevant != expected:
            kind = "false positive" if relevant else "false negative"
            why = f" ({relevance}) [{_terms(evidence)}]" if relevance is not None else ""
            errors.append(f"{kind}: {example['url']}{why}")
    notes = [f"unsure (not scored): {len(unsure)}, {sum(unsure)} of them predicted relevant"]
    scored = scores.tp + scores.fp + scores.fn + scores.tn
    return Report(name, path.name, scored, scores=scores, notes=notes + errors)


def evaluate(pipeline: Language, path: Path = DEV) -> Report:
    """Score the territory decisions on one labelled file (default: the development set)."""
    examples = load_examples(path)
    return _report(COMPONENT, path, examples, predict(pipeline, examples))


def keyword_baseline(path: Path = DEV, keyword: str = "bassin minier") -> Report:
    """Score the plain keyword alert on the same examples."""
    examples = load_examples(path)
    decisions = [(keyword in e["excerpt"].lower(), None, []) for e in examples]
    return _report(BASELINE, path, examples, decisions)


def reports(pipeline: Language) -> list[Report]:
    """Evaluate on the development set and the held-out text, each beside the baseline."""
    return [
        evaluate(pipeline, DEV),
        keyword_baseline(DEV),
        evaluate(pipeline, EXTRA),
        keyword_baseline(EXTRA),
    ]
