"""The query tree: term, phrase, site and NEAR leaves, NOT, AND and OR, and their rendering."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from .document import Prepared

Pattern = tuple[tuple[str, bool], ...]  # folded words, each with "is a prefix"


def _fields_of(scope: str | None) -> tuple[str, ...]:
    return ("title", "text") if scope is None else (scope,)


@dataclass(frozen=True)
class Words:
    """A term or a phrase: a sequence of folded words (some of them prefixes) in one field."""

    scope: str | None  # None: title or text
    pattern: Pattern
    written: str
    start: int
    end: int

    def matches(self, prep: Prepared) -> bool:
        return any(prep.field(name).starts(self.pattern) for name in _fields_of(self.scope))

    def render(self) -> str:
        body = " ".join(word + "*" * is_prefix for word, is_prefix in self.pattern)
        if len(self.pattern) > 1:
            body = f'"{body}"'
        return f"{self.scope}:{body}" if self.scope else body


@dataclass(frozen=True)
class Site:
    domain: str
    start: int
    end: int

    def matches(self, prep: Prepared) -> bool:
        host = prep.host
        return host == self.domain or host.endswith("." + self.domain)

    def render(self) -> str:
        return f"site:{self.domain}"


@dataclass(frozen=True)
class Near:
    left: Words
    right: Words
    distance: int  # most words allowed between the two sides
    start: int
    end: int

    def matches(self, prep: Prepared) -> bool:
        left, right = self.left.pattern, self.right.pattern
        for name in _fields_of(self.left.scope):
            folded = prep.field(name)
            lefts = folded.starts(left)
            rights = lefts and folded.starts(right)
            if rights and _close(lefts, len(left), rights, len(right), self.distance):
                return True
        return False

    def render(self) -> str:
        left, right = sorted((self.left.render(), self.right.render()))
        return f"{left} NEAR/{self.distance} {right}"


def _close(lefts: list[int], left_len: int, rights: list[int], right_len: int, n: int) -> bool:
    """Tell whether an occurrence of each side lies at most ``n`` words from the other."""
    for start in lefts:
        after = start + left_len  # right side after the left one
        i = bisect_left(rights, after)
        if i < len(rights) and rights[i] <= after + n:
            return True
        before = start - right_len  # right side ending before the left one starts
        i = bisect_left(rights, before - n)
        if i < len(rights) and rights[i] <= before:
            return True
    return False


@dataclass(frozen=True)
class Not:
    child: Node
    start: int
    end: int

    def matches(self, prep: Prepared) -> bool:
        return not self.child.matches(prep)

    def render(self) -> str:
        return "NOT " + _wrap(self.child, isinstance(self.child, And | Or))


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    start: int
    end: int

    def matches(self, prep: Prepared) -> bool:
        for child in self.children:
            if not child.matches(prep):
                return False
        return True

    def render(self) -> str:
        return " AND ".join(_wrap(c, isinstance(c, Or)) for c in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    start: int
    end: int

    def matches(self, prep: Prepared) -> bool:
        for child in self.children:
            if child.matches(prep):
                return True
        return False

    def render(self) -> str:
        return " OR ".join(c.render() for c in self.children)


Node = Words | Site | Near | Not | And | Or


def _wrap(node: Node, parenthesise: bool) -> str:
    return f"({node.render()})" if parenthesise else node.render()


def negate(node: Node, start: int) -> Node:
    # NOT NOT x is x: one canonical tree for both spellings.
    return node.child if isinstance(node, Not) else Not(node, start, node.end)


def join(kind: type[And] | type[Or], children: list[Node]) -> Node:
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, kind) else (child,))
    if len(flat) == 1:
        return flat[0]
    return kind(tuple(flat), flat[0].start, flat[-1].end)
