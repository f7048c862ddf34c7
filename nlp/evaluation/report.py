"""What an evaluation reports: counts, precision / recall / F1, accuracy, a confusion matrix."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Scores:
    """Binary decision scores (the positive class is the one the component looks for)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, expected: bool) -> None:
        if predicted and expected:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_json(self) -> dict:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class Confusion:
    """Multi-class decisions: accuracy and the confusion matrix (expected → predicted)."""

    pairs: Counter = field(default_factory=Counter)

    def add(self, predicted: str, expected: str) -> None:
        self.pairs[(expected, predicted)] += 1

    @property
    def total(self) -> int:
        return sum(self.pairs.values())

    @property
    def accuracy(self) -> float:
        right = sum(n for (e, p), n in self.pairs.items() if e == p)
        return right / self.total if self.total else 0.0

    def labels(self) -> list[str]:
        return sorted({label for pair in self.pairs for label in pair})

    def as_json(self) -> dict:
        labels = self.labels()
        return {
            "accuracy": round(self.accuracy, 3),
            "total": self.total,
            "labels": labels,
            "matrix": [[self.pairs[(e, p)] for p in labels] for e in labels],
        }


@dataclass
class Report:
    """One component's evaluation on one labelled set."""

    component: str
    dataset: str  # file name under nlp/data/labelled/ (or "labels" for the press officer's)
    examples: int
    scores: Scores | None = None
    confusion: Confusion | None = None
    notes: list[str] = field(default_factory=list)  # e.g. the errors, for the README

    def as_json(self) -> dict:
        data = {"component": self.component, "dataset": self.dataset, "examples": self.examples}
        if self.scores:
            data["scores"] = self.scores.as_json()
        if self.confusion:
            data["confusion"] = self.confusion.as_json()
        if self.notes:
            data["notes"] = self.notes
        return data
