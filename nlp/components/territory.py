"""``retombees_territory``: is this text about the campaign's territory? Score, decision, evidence.

First version: a weighted gazetteer of the territory's places and institutions, with the other
basins' places as counter-evidence and mining vocabulary as topic evidence.
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import registry

from .context import context

TERRITORIES_DIR = Path(__file__).resolve().parent.parent / "data" / "territories"

for _name in ("retombees_relevance", "retombees_relevant", "retombees_territory_evidence"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@dataclass
class Gazetteer:
    name: str
    evidence: dict[str, float]  # term -> weight
    counter: dict[str, float]
    topic: list[str]


@registry.misc("retombees.territories.v1")
def load_territories(path: str | None = None) -> dict[str, Gazetteer]:
    """Load every ``<name>.json`` territory gazetteer of a folder (default: the bundled ones)."""
    folder = Path(path) if path else TERRITORIES_DIR
    result = {}
    for file in sorted(folder.glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        result[file.stem] = Gazetteer(
            name=data["name"],
            evidence={t: float(w) for w, terms in data["evidence"].items() for t in terms},
            counter={t: float(w) for w, terms in data["counter"].items() for t in terms},
            topic=list(data["topic"]),
        )
    return result


def _variants(term: str) -> set[str]:
    plain = "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))
    out = {term, plain}
    out |= {v.replace("-", " ") for v in list(out)}
    out |= {v.replace("'", "’") for v in list(out)}
    return out


class TerritoryRelevance:
    """Score a text's relevance to one territory in [0, 1] from gazetteer matches."""

    def __init__(self, nlp: Language, name: str, territories: dict, default: str, threshold: float):
        self.name = name
        self.threshold = threshold
        self.default = default
        self.territories = territories
        self.matchers: dict[str, tuple[PhraseMatcher, PhraseMatcher]] = {}
        for key, gazetteer in territories.items():
            names = PhraseMatcher(nlp.vocab, attr="ORTH")
            for label, terms in (("E", gazetteer.evidence), ("C", gazetteer.counter)):
                for term in terms:
                    patterns = [nlp.make_doc(v) for v in _variants(term)]
                    names.add(f"{label}|{term}", patterns)
            topic = PhraseMatcher(nlp.vocab, attr="LOWER")
            for term in gazetteer.topic:
                topic.add(term, [nlp.make_doc(v.lower()) for v in _variants(term)])
            self.matchers[key] = (names, topic)

    def __call__(self, doc: Doc) -> Doc:
        key = context(doc).get("territory") or self.default
        if key not in self.matchers:
            raise ValueError(f"unknown territory {key!r}; known: {', '.join(self.matchers)}")
        gazetteer = self.territories[key]
        names, topic = self.matchers[key]
        evidence, counter = {}, {}
        for match_id, _start, _end in names(doc):
            label, term = doc.vocab.strings[match_id].split("|", 1)
            if label == "E":
                evidence[term] = gazetteer.evidence[term]
            else:
                counter[term] = gazetteer.counter[term]
        topic_terms = sorted({doc.vocab.strings[m] for m, _s, _e in topic(doc)})
        positive = sum(evidence.values())
        negative = sum(counter.values())
        # Logistic score: territory names push up, other basins push down, mining talk helps a bit.
        z = 1.1 * positive - 1.2 * negative + (0.6 if topic_terms else 0.0) - 2.0
        score = 1.0 / (1.0 + math.exp(-z))
        doc._.retombees_relevance = round(score, 4)
        doc._.retombees_relevant = score >= self.threshold
        doc._.retombees_territory_evidence = (
            [{"term": t, "weight": w, "kind": "territory"} for t, w in sorted(evidence.items())]
            + [{"term": t, "weight": -w, "kind": "other basin"} for t, w in sorted(counter.items())]
            + [{"term": t, "weight": 0, "kind": "topic"} for t in topic_terms]
        )
        return doc


@Language.factory(
    "retombees_territory",
    default_config={
        "territories": {"@misc": "retombees.territories.v1", "path": None},
        "default": "bassin-minier-npdc",
        "threshold": 0.5,
    },
)
def make_territory(nlp: Language, name: str, territories: dict, default: str, threshold: float):
    return TerritoryRelevance(nlp, name, territories, default, threshold)
