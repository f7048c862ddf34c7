"""Text normalisation shared by matching and deduplication: case, accents, elision."""

from __future__ import annotations

import re
import unicodedata

_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and French elisions, turn punctuation into single spaces.

    ``"L'UNESCO a classé le Bassin-Minier"`` becomes ``"unesco a classe le bassin minier"``.
    """
    text = _ELISION.sub(" ", text)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text).strip()
