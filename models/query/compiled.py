"""Parsed queries: ``Query`` and ``parse_query``."""

from __future__ import annotations

from dataclasses import dataclass, field

from .document import QueryDocument, document, prepare
from .errors import QueryError
from .nodes import Node, Pattern, Words
from .parser import (
    Parser,
    check_parentheses,
    has_term,
    needs_term,
    positive_words,
    tokenize,
    without_term,
)

_SNIPPET = 40


@dataclass(frozen=True, eq=False)
class Query:
    """A parsed monitoring query; build it with ``parse_query``."""

    source: str
    terms: tuple[str, ...]  # positive terms and phrases as written, in query order
    _root: Node = field(repr=False)
    _term_leaves: tuple[tuple[Words, ...], ...] = field(repr=False)

    def matches(self, doc: QueryDocument | str) -> bool:
        """Tell whether the document (or a plain text) satisfies the query."""
        return self._root.matches(prepare(document(doc)))

    def hits(self, doc: QueryDocument | str) -> list[str]:
        """Return the query's terms found in a matching document, as written; [] otherwise."""
        prep = prepare(document(doc))
        if not self._root.matches(prep):
            return []
        return [
            term
            for term, leaves in zip(self.terms, self._term_leaves, strict=True)
            if any(leaf.matches(prep) for leaf in leaves)
        ]

    def normalized(self) -> str:
        """Return a canonical spelling: equal for queries that parse to the same tree."""
        return self._root.render()


def parse_query(source: str) -> Query:
    """Parse a monitoring query; raise ``QueryError`` saying where and why it is wrong."""
    source = source or ""
    tokens = tokenize(source)
    if not tokens:
        raise QueryError(0, "the query is empty")
    check_parentheses(tokens)
    root = Parser(tokens).parse()
    if not has_term(root):
        raise QueryError(tokens[0].start, "the query needs at least one term to look for")
    if not needs_term(root):
        part = without_term(root)
        snippet = source[part.start : part.end]
        if len(snippet) > _SNIPPET:
            snippet = snippet[: _SNIPPET - 1] + "…"
        reason = f'"{snippet}" would keep articles without any term to look for; join it with AND'
        raise QueryError(part.start, reason)
    leaves: dict[Pattern, tuple[str, list[Words]]] = {}
    for leaf in positive_words(root):
        leaves.setdefault(leaf.pattern, (leaf.written, []))[1].append(leaf)
    terms = tuple(written for written, _ in leaves.values())
    term_leaves = tuple(tuple(found) for _, found in leaves.values())
    return Query(source, terms, root, term_leaves)
