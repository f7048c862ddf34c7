"""Campaign monitoring queries (first version: alternatives of keywords and phrases).

A query lists terms separated by ``OR``/``OU``, commas or new lines; a term may be quoted.
Matching ignores case, accents, hyphens and French elision, and respects word boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import fold

_SEPARATORS = re.compile(r"\s+(?:OR|OU)\s+|[,\n;]")


class QueryError(ValueError):
    """A monitoring query that cannot be used."""


@dataclass(frozen=True)
class Query:
    source: str
    terms: tuple[str, ...]  # as written
    _folded: tuple[str, ...]

    def hits(self, text: str) -> list[str]:
        """Return the terms (as written) found in ``text``, in query order."""
        haystack = f" {fold(text)} "
        return [
            term for term, f in zip(self.terms, self._folded, strict=True) if f" {f} " in haystack
        ]


def parse_query(source: str) -> Query:
    """Parse a query.

    :raises QueryError: when it holds no term.
    """
    terms = []
    for raw in _SEPARATORS.split(source or ""):
        term = raw.strip().strip('"“”«»').strip()
        if term and fold(term):
            terms.append(term)
    if not terms:
        raise QueryError("The query holds no term to look for.")
    return Query(source, tuple(terms), tuple(fold(t) for t in terms))
