"""``retombees_territory``: is this text about the campaign's territory? Score, decision, evidence.

A territory is one JSON file in ``nlp/data/territories/`` (a campaign names it in ``territory``):
its places, sites, institutions and people by kind, each kind with a weight; the gazetteers of the
other basins it is confused with (``counter``, files under ``basins/``) as counter-evidence;
topic words (mining vocabulary); ambiguous names; blockers (phrases that contain a name without
meaning the place: "mer du Nord", "Google Lens"). Adding a territory is adding a file.

Matching is on normalised tokens (accents, ligatures, apostrophes, hyphens, slashes and spacing
folded; "Wallers‑Arenberg" with a non-breaking hyphen is "Wallers-Arenberg"), longest term first.
One-word names are case-sensitive ("Lens", not "lens"; "Avion", not "avion"); longer terms are not.
The score is a logistic function of the evidence; ``docs/nlp-territory-and-medium.md`` explains it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from .context import context

TERRITORIES_DIR = Path(__file__).resolve().parent.parent / "data" / "territories"

for _name in ("retombees_relevance", "retombees_relevant", "retombees_territory_evidence"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

_SEPARATORS = frozenset("-‐‑‒–—―−/\\_·")
_APOSTROPHES = frozenset("'’‘`´ʼ′")
_LIGATURES = {"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss"}
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")
_HYPHEN = "-‐‑‒"
_WORD_BEFORE_HYPHEN = re.compile(rf"(\w+)[{_HYPHEN}]$")
_WORD_AFTER_HYPHEN = re.compile(rf"[{_HYPHEN}](\w+)")
# Words that make an ambiguous name a place: "à Avion", "maire d'Avion", "entre Lens et Avion".
_LOCATIVE = frozenset({"a", "de", "depuis", "vers", "sur", "entre", "et", "pres"})
_DEPARTMENT_CODES = frozenset({"59", "62", "nord", "pas"})


@dataclass(frozen=True, slots=True)
class _Token:
    text: str  # folded (no accents), case kept
    lower: str
    start: int  # character offsets in the original text
    end: int


def _fold(text: str) -> tuple[str, list[int]]:
    """Normalise accents, ligatures, apostrophes and separators; map each character back."""
    out: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        if char in _APOSTROPHES:
            piece = "'"
        elif char in _SEPARATORS or char.isspace():
            piece = " "
        elif char in _LIGATURES:
            piece = _LIGATURES[char]
        elif char.isascii():
            piece = char
        else:
            decomposed = unicodedata.normalize("NFD", char)
            piece = "".join(c for c in decomposed if not unicodedata.combining(c)) or char
        out.append(piece)
        index.extend([i] * len(piece))
    return "".join(out), index


def tokens(text: str) -> list[_Token]:
    """Split ``text`` into normalised tokens: words, numbers and punctuation marks."""
    folded, index = _fold(text)
    return [
        _Token(m.group(), m.group().lower(), index[m.start()], index[m.end() - 1] + 1)
        for m in _TOKEN.finditer(folded)
    ]


def _key(term: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokens(term))


@dataclass(frozen=True)
class Entry:
    """What a matched term means: whose evidence it is, of which kind, with which weight."""

    term: str  # the canonical form, as reported in the evidence
    side: str  # "territory", "counter", "topic" or "block"
    kind: str  # commune, landmark, region… ("topic", "blocker" for the last two sides)
    weight: float
    source: str  # name of the gazetteer (the territory or the other basin)
    ambiguous: bool = False


@dataclass(frozen=True)
class Scoring:
    """The constants of the score (see docs/nlp-territory-and-medium.md)."""

    bias: float = 2.0
    topic_bonus: float = 0.75
    counter_factor: float = 1.0
    places_without_topic: float = 0.6  # place names alone say less than place names + mining
    repeat_bonus: float = 0.25  # per further mention of the same term
    repeat_cap: int = 5


class _Matcher:
    """Longest-first lookup of term token sequences, case-sensitive or not."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, ...], Entry] = {}
        self.folded: dict[tuple[str, ...], Entry] = {}
        self.longest = 1

    def add(self, variant: str, entry: Entry) -> None:
        forced = variant.startswith("=")
        key = _key(variant.lstrip("="))
        if not key:
            raise ValueError(f"empty term in {entry.source!r}")
        one_word = len(key) == 1 and key[0].isalpha()
        if forced or (one_word and entry.side in ("territory", "counter")):
            table = self.exact
            keys = {key, tuple(k.upper() for k in key)} if one_word else {key}
        else:
            table = self.folded
            keys = {tuple(k.lower() for k in key)}
        for k in keys:
            known = table.get(k)
            if known and (known.side, known.source, known.term) != (
                entry.side,
                entry.source,
                entry.term,
            ):
                raise ValueError(
                    f"{variant!r} ({entry.source}) is already {known.term!r} ({known.source})"
                )
            table[k] = entry
        self.longest = max(self.longest, len(key))

    def find(self, text: str, toks: list[_Token]) -> list[tuple[Entry, int, int]]:
        """Return (entry, first token, end token) of each match, leftmost then longest."""
        found: list[tuple[Entry, int, int]] = []
        i, n = 0, len(toks)
        while i < n:
            for length in range(min(self.longest, n - i), 0, -1):
                window = toks[i : i + length]
                entry = self.exact.get(tuple(t.text for t in window)) or self.folded.get(
                    tuple(t.lower for t in window)
                )
                if entry and not _inside_compound(text, window[0].start, window[-1].end):
                    found.append((entry, i, i + length))
                    i += length
                    break
            else:
                i += 1
        return found


def _inside_compound(text: str, start: int, end: int) -> bool:
    """Tell whether a match is part of a longer hyphenated name ("Condé-sur-Noireau")."""
    before = _WORD_BEFORE_HYPHEN.search(text[max(0, start - 40) : start])
    after = _WORD_AFTER_HYPHEN.match(text[end : end + 40])
    # A lower-case particle glued by a hyphen ("lès-Lens", "Condé-sur-…") makes another name;
    # a capitalised one does not ("Lens-Liévin").
    return bool((before and before.group(1).islower()) or (after and after.group(1)[0].islower()))


def _located(toks: list[_Token], first: int, end: int) -> bool:
    """Tell whether the words around a name make it a place ("à Avion", "Avion (62)")."""
    if first >= 1 and toks[first - 1].lower in _LOCATIVE:
        return True
    if first >= 2 and toks[first - 1].text == "'" and toks[first - 2].lower == "d":
        return True
    return (
        end + 1 < len(toks) and toks[end].text == "(" and toks[end + 1].lower in _DEPARTMENT_CODES
    )


@dataclass
class Assessment:
    """A text's relevance to a territory and the evidence behind it."""

    score: float
    evidence: list[dict] = field(default_factory=list)


@dataclass
class Territory:
    """One territory's gazetteer, its counter-evidence and how to weigh them."""

    key: str
    name: str
    scoring: Scoring
    places: frozenset[str]
    context_only: frozenset[str]
    topical: frozenset[str]  # kinds that are topic evidence too ("bassin minier du Nord")
    matcher: _Matcher
    sources: list[str] = field(default_factory=list)

    def assess(self, text: str) -> Assessment:
        """Score ``text``'s relevance to this territory and say why."""
        toks = tokens(text)
        occurrences: list[tuple[Entry, bool]] = [
            (entry, _located(toks, first, end))
            for entry, first, end in self.matcher.find(text, toks)
            if entry.side != "block"
        ]
        topics = _count(e for e, _ in occurrences if e.side == "topic")
        has_topic = bool(topics) or any(e.kind in self.topical for e, _ in occurrences)
        kept = [
            (e, located)
            for e, located in occurrences
            if e.side in ("territory", "counter") and (has_topic or e.kind not in self.context_only)
        ]
        # An ambiguous name counts when the words around it make it a place, or when another
        # name of the same gazetteer is in the text ("Avion" beside "Lens", not "Avion de…").
        supported = {e.source for e, _ in kept if not e.ambiguous and e.weight > 0}
        counted = _count(
            e for e, located in kept if located or not e.ambiguous or e.source in supported
        )
        s = self.scoring
        evidence: list[dict] = []
        total = {"territory": 0.0, "counter": 0.0}
        for (side, source, term, kind), (count, weight) in counted.items():
            factor = 1 + s.repeat_bonus * (min(count, s.repeat_cap) - 1)
            if kind in self.places and not has_topic:
                factor *= s.places_without_topic
            value = round(weight * factor, 2)
            total[side] += value
            item = {"term": term, "weight": value if side == "territory" else -value or 0.0}
            if value == 0:
                item["kind"] = "context"
            else:
                item["kind"] = "territory" if side == "territory" else "other basin"
            item.update(category=kind, count=count)
            if side == "counter":
                item["basin"] = source
            evidence.append(item)
        evidence.sort(key=lambda item: (item["kind"] != "territory", -abs(item["weight"])))
        evidence += [
            {"term": term, "weight": 0, "kind": "topic", "count": count}
            for (_, _, term, _), (count, _) in sorted(topics.items(), key=lambda kv: kv[0][2])
        ]
        z = total["territory"] - s.counter_factor * total["counter"] - s.bias
        z += s.topic_bonus if has_topic else 0.0
        return Assessment(1.0 / (1.0 + math.exp(-z)), evidence)


def _count(entries) -> dict[tuple[str, str, str, str], tuple[int, float]]:
    """Count mentions per term (variants together), keeping the term's weight."""
    counts: dict[tuple[str, str, str, str], list] = defaultdict(lambda: [0, 0.0])
    for entry in entries:
        slot = counts[(entry.side, entry.source, entry.term, entry.kind)]
        slot[0] += 1
        slot[1] = max(slot[1], entry.weight)
    return {key: (count, weight) for key, (count, weight) in counts.items()}


def _read_json(file: Path) -> dict:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read the gazetteer {file}: {exc}") from exc


def _add_gazetteer(matcher: _Matcher, data: dict, side: str, weights: dict, file: Path) -> None:
    source = data["name"]
    ambiguous = {_key(term) for term in data.get("ambiguous", [])}
    seen: set[tuple[str, ...]] = set()
    for kind, terms in data.get("evidence", {}).items():
        if kind not in weights:
            raise ValueError(f"{file.name}: unknown kind {kind!r}; known: {', '.join(weights)}")
        pairs = terms.items() if isinstance(terms, dict) else ((t, weights[kind]) for t in terms)
        for term, weight in pairs:
            variants = term.split("|")
            canonical = variants[0].lstrip("=")
            for variant in variants:
                key = _key(variant.lstrip("="))
                seen.add(key)
                entry = Entry(canonical, side, kind, float(weight), source, key in ambiguous)
                matcher.add(variant, entry)
    unknown = [" ".join(k) for k in ambiguous - seen]
    if unknown:
        raise ValueError(f"{file.name}: ambiguous names that are not terms: {', '.join(unknown)}")
    for term in data.get("blockers", []):
        for variant in term.split("|"):
            matcher.add(variant, Entry(term.split("|")[0], "block", "blocker", 0.0, source))


def read_territory(file: Path) -> Territory:
    """Read one territory file and the counter-evidence files it names.

    :raises ValueError: for an unreadable file, an unknown kind or a term claimed twice.
    """
    data = _read_json(file)
    for required in ("name", "weights", "evidence"):
        if required not in data:
            raise ValueError(f"{file.name}: missing {required!r}")
    weights = {kind: float(weight) for kind, weight in data["weights"].items()}
    matcher = _Matcher()
    _add_gazetteer(matcher, data, "territory", weights, file)
    sources = list(data.get("sources", []))
    for reference in data.get("counter", []):
        other_file = file.parent / reference
        other = _read_json(other_file)
        _add_gazetteer(matcher, other, "counter", weights, other_file)
        sources += other.get("sources", [])
    for term in data.get("topic", []):
        for variant in term.split("|"):
            matcher.add(variant, Entry(term.split("|")[0], "topic", "topic", 0.0, data["name"]))
    return Territory(
        key=file.stem,
        name=data["name"],
        scoring=Scoring(**data.get("scoring", {})),
        places=frozenset(data.get("places", [])),
        context_only=frozenset(data.get("context_only", [])),
        topical=frozenset(data.get("topical", [])),
        matcher=matcher,
        sources=sources,
    )


@registry.misc("retombees.territories.v1")
def load_territories(path: str | None = None) -> dict[str, Territory]:
    """Load every ``<name>.json`` territory of a folder (default: the bundled ones).

    :raises ValueError: when the folder has no territory or a file is invalid.
    """
    folder = Path(path) if path else TERRITORIES_DIR
    territories = {file.stem: read_territory(file) for file in sorted(folder.glob("*.json"))}
    if not territories:
        raise ValueError(f"no territory file (*.json) in {folder}")
    return territories


class TerritoryRelevance:
    """Score a text's relevance to the campaign's territory in [0, 1], with the evidence."""

    def __init__(self, nlp: Language, name: str, territories: dict, default: str, threshold: float):
        if default not in territories:
            raise ValueError(f"default territory {default!r} not in {', '.join(territories)}")
        self.name = name
        self.threshold = threshold
        self.default = default
        self.territories: dict[str, Territory] = territories

    def __call__(self, doc: Doc) -> Doc:
        key = context(doc).get("territory") or self.default
        if key not in self.territories:
            raise ValueError(f"unknown territory {key!r}; known: {', '.join(self.territories)}")
        result = self.territories[key].assess(doc.text)
        doc._.retombees_relevance = round(result.score, 4)
        doc._.retombees_relevant = result.score >= self.threshold
        doc._.retombees_territory_evidence = result.evidence
        return doc


@Language.factory(
    "retombees_territory",
    default_config={
        "territories": {"@misc": "retombees.territories.v1", "path": None},
        "default": "bassin-minier-npdc",
        "threshold": 0.5,
    },
)
def make_territory(
    nlp: Language, name: str, territories: dict, default: str, threshold: float
) -> TerritoryRelevance:
    return TerritoryRelevance(nlp, name, territories, default, threshold)
