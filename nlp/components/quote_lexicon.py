"""Lexicons of ``retombees_quotes``: speech verbs and noun lists, with their registered loaders.

``retombees.speech_verbs.v1`` reads ``speech_verbs.txt`` and generates the inflected forms of its
infinitives; ``retombees.quote_lexicon.v1`` reads the noun lists (roles, institutions, sources,
titles) of ``nlp/data/quotes``. Also the text normalisation shared by the component.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from spacy.util import registry

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "quotes"
LISTS = ("institutions", "source_nouns", "title_nouns")


def _norm(text: str) -> str:
    return text.lower().replace("’", "'")


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", _norm(text))
    return "".join(c for c in plain if not unicodedata.combining(c))


def count_words(text: str) -> int:
    """Count the words of a quotation: a compound ("contre-bilan") is one, an elision none."""
    return len(re.findall(r"\w+(?:-\w+)*", re.sub(r"\b\w['’]", " ", text)))


# -- Lexicons ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechVerbs:
    forms: frozenset[str]  # single-word inflected forms, lower case
    phrases: dict[str, frozenset[tuple[str, ...]]]  # "fait" -> {("savoir",), ("valoir",)}

    def match(self, words: list[str], i: int) -> int:
        """Return how many tokens from ``i`` form a speech verb (0 when none)."""
        word = words[i]
        for rest in self.phrases.get(word, ()):
            if tuple(words[i + 1 : i + 1 + len(rest)]) == rest:
                return 1 + len(rest)
        return 1 if word in self.forms else 0


def inflect(verb: str) -> set[str]:
    """Generate the forms of a regular -er or -ir verb a journalist uses for speech.

    :raises ValueError: for another verb, whose forms the data file must list.
    """
    stem = verb[:-2]
    if verb.endswith("er"):
        present = stem
        if stem.endswith(("el", "et")):
            present = stem + stem[-1]  # rappelle
        else:
            present = re.sub(r"[ée]([^aeiouyéèêë]+)$", r"è\1", stem)  # révèle, relève
        soft = stem[:-1] + "ç" if stem.endswith("c") else stem + "e" if stem.endswith("g") else stem
        forms = {present + e for e in ("e", "es", "ent", "era", "eront")}
        forms |= {stem + e for e in ("é", "ée", "és", "ées", "èrent", "era")}
        return forms | {soft + e for e in ("ait", "aient", "ant", "a")} | {verb}
    if verb.endswith("ir"):
        endings = ("it", "issent", "i", "ie", "is", "ies", "issait", "issaient", "issant", "ira")
        return {verb} | {stem + e for e in endings}
    raise ValueError(f"{verb!r} is not a regular -er/-ir verb: list its forms after a colon")


def _lines(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@registry.misc("retombees.speech_verbs.v1")
def load_speech_verbs(path: str | None = None) -> SpeechVerbs:
    """Load the speech verbs (default: the bundled ``speech_verbs.txt``) with their forms."""
    forms: set[str] = set()
    phrases: dict[str, set[tuple[str, ...]]] = {}
    for line in _lines(Path(path) if path else DATA_DIR / "speech_verbs.txt"):
        verb, _, listed = (part.strip() for part in _norm(line).partition(":"))
        verb = re.sub(r"^(se |s')", "", verb)
        first, *rest = verb.split()
        inflected = set(listed.split()) | {first} if listed else inflect(first)
        if rest:
            for form in inflected:
                phrases.setdefault(form, set()).add(tuple(rest))
        else:
            forms |= inflected
    return SpeechVerbs(frozenset(forms), {k: frozenset(v) for k, v in phrases.items()})


@dataclass(frozen=True)
class QuoteLexicon:
    roles: dict[str, str | None]  # person noun -> "Masc", "Fem" or None: "maire", "directrice"
    institutions: frozenset[str]  # "préfecture", "ministère", "agence"
    sources: frozenset[str]  # "informations", "bilan": what a claim comes from
    titles: frozenset[str]  # "opération", "intitulé": a name follows in quote marks


@registry.misc("retombees.quote_lexicon.v1")
def load_quote_lexicon(path: str | None = None) -> QuoteLexicon:
    """Load the noun lists of a folder (default: the bundled ``nlp/data/quotes``)."""
    folder = Path(path) if path else DATA_DIR
    roles: dict[str, str | None] = {}
    for line in _lines(folder / "roles.txt"):
        forms = _norm(line).split()
        if len(forms) == 1:
            roles[forms[0]] = None
        else:
            roles[forms[0]], roles[forms[1]] = "Masc", "Fem"
    words = (frozenset(map(_norm, _lines(folder / f"{f}.txt"))) for f in LISTS)
    return QuoteLexicon(roles, *words)
