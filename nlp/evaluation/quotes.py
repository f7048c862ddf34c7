"""Evaluation of ``retombees_quotes`` on ``nlp/data/labelled/quotes.jsonl``.

The set: real French news and institutional pages (the dev corpus), one line per text with its
source URL and every verbatim a press officer would put on the clipping's card, labelled by
hand. Labelling policy:

- a direct quotation is the words between quote marks, at least 4 words, said or written by
  someone; an attribution incise inside the marks is left out; a quotation repeated (headline,
  lead) is listed once; names of operations, programmes, works, slogans, quoted legal text and
  scare quotes are not verbatims;
- reported speech is labelled only in sentences without such a quotation: "selon / d'après X,
  …", a sentence opening "pour X, …", "X <speech verb> que …" and "…, <speech verb> X", when X
  is a person, an organisation, or a definite description of one ("la ministre", "les autorités
  locales"); its text is the reported clause;
- the speaker is who the text says speaks, by full name when the text gives it anywhere
  ("M. Peskov" is "Dmitri Peskov"), else the description ("un proche du ministre"), else null;
  the role is the function the text gives them (apposition or title), else null.

Matching: a found quotation matches a labelled one of the same text when they share at least
half of the words of the longer (word multisets, accents and case folded), one to one. Speaker
accuracy is measured among matched quotations (names compared without articles and titles, one
contained in the other); role accuracy among matched quotations with a labelled role.

Lines marked ``"split": "held-out"`` were labelled after the component was tuned on the others;
their scores are reported apart, as the honest estimate.

Run: ``.venv/bin/python -m nlp.evaluation.quotes``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

from spacy.language import Language

from ..components.quotes import REQUIRES
from .report import Report, Scores

LABELLED = Path(__file__).resolve().parent.parent / "data" / "labelled" / "quotes.jsonl"
COMPONENT = "retombees_quotes"
THRESHOLD = 0.5
FILLER = {"le", "la", "l", "les", "un", "une", "des", "d", "de", "du", "m", "mme", "dr", "et"}


def load(path: Path = LABELLED) -> list[dict]:
    """Read the labelled texts."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _words(text: str | None) -> list[str]:
    plain = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"\w+", plain)


def overlap(expected: str, found: str) -> float:
    """Share of the words of the longer text that the two texts have in common."""
    a, b = Counter(_words(expected)), Counter(_words(found))
    longer = max(sum(a.values()), sum(b.values()))
    return sum((a & b).values()) / longer if longer else 0.0


def same_name(expected: str | None, found: str | None) -> bool:
    """Tell whether two speaker (or role) names designate the same one."""
    a = set(_words(expected)) - FILLER
    b = set(_words(found)) - FILLER
    if not a or not b:
        return not a and not b
    return a <= b or b <= a or len(a & b) / len(a | b) >= 0.5


def pair(expected: list[dict], found: list[dict]) -> list[tuple[int, int]]:
    """Match labelled and found quotations one to one, best overlaps first."""
    scored = [
        (overlap(e["text"], f["text"]), i, j)
        for i, e in enumerate(expected)
        for j, f in enumerate(found)
    ]
    pairs, used_e, used_f = [], set(), set()
    for score, i, j in sorted(scored, reverse=True):
        if score >= THRESHOLD and i not in used_e and j not in used_f:
            pairs.append((i, j))
            used_e.add(i)
            used_f.add(j)
    return pairs


def evaluate(pipeline: Language, path: Path = LABELLED) -> Report:
    """Score quote detection (P/R/F1) and speaker/role accuracy on the labelled set."""
    examples = load(path)
    totals, held_out = _Tally(), _Tally()
    enabled = [name for name in (*REQUIRES, COMPONENT) if name in pipeline.pipe_names]
    with pipeline.select_pipes(enable=enabled):
        docs = pipeline.pipe(example["text"] for example in examples)
        for example, doc in zip(examples, docs, strict=True):
            totals.add(example, doc._.retombees_quotes)
            if example.get("split") == "held-out":
                held_out.add(example, doc._.retombees_quotes)
    notes = [
        f"speaker accuracy among found quotes: {_ratio(totals.speakers, totals.scores.tp)}",
        f"role accuracy among found quotes with a labelled role: "
        f"{_ratio(totals.roles, totals.roles_total)}",
        f"held out ({held_out.texts} texts labelled after tuning): "
        f"{json.dumps(held_out.scores.as_json())}, speaker accuracy "
        f"{_ratio(held_out.speakers, held_out.scores.tp)}",
        f"tn counts texts without any verbatim where none was found ({totals.scores.tn})",
        *totals.errors,
    ]
    return Report(COMPONENT, path.name, len(examples), scores=totals.scores, notes=notes)


class _Tally:
    """Counts over some labelled texts."""

    def __init__(self) -> None:
        self.scores = Scores()
        self.texts = self.speakers = self.roles = self.roles_total = 0
        self.errors: list[str] = []

    def add(self, example: dict, found: list[dict]) -> None:
        expected, source = example["quotes"], example["source"]
        pairs = pair(expected, found)
        self.texts += 1
        self.scores.tp += len(pairs)
        self.scores.fp += len(found) - len(pairs)
        self.scores.fn += len(expected) - len(pairs)
        self.scores.tn += not expected and not found
        for i, j in pairs:
            e, f = expected[i], found[j]
            if same_name(e["speaker"], f["speaker"]):
                self.speakers += 1
            else:
                self.errors.append(f"speaker {f['speaker']!r} for {e['speaker']!r}: {source}")
            if e.get("role"):
                self.roles_total += 1
                self.roles += same_name(e["role"], f["role"])
        matched_e, matched_f = {i for i, _ in pairs}, {j for _, j in pairs}
        self.errors += [
            f"missed {e['text'][:60]!r}: {source}"
            for i, e in enumerate(expected)
            if i not in matched_e
        ]
        self.errors += [
            f"extra {f['text'][:60]!r}: {source}" for j, f in enumerate(found) if j not in matched_f
        ]


def _ratio(right: int, total: int) -> str:
    return f"{right / total:.3f} ({right}/{total})" if total else "n/a (0)"


def _pipeline() -> Language:
    from ..pipeline import load_pipeline

    return load_pipeline()


if __name__ == "__main__":
    print(json.dumps(evaluate(_pipeline()).as_json(), ensure_ascii=False, indent=1))
