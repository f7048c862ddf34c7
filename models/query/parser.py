"""Reading a query: tokenizer, recursive-descent parser and the checks on its terms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import fold_words
from .errors import QueryError
from .nodes import And, Near, Node, Not, Or, Pattern, Site, Words, join, negate

FIELDS = ("title", "text", "outlet", "site")
MAX_NESTING = 50  # parentheses; keeps parsing and evaluation far from Python's recursion limit
MIN_PREFIX = 2  # letters before "*": "a*" would match nearly every article
_OPERATORS = {"AND": "AND", "ET": "AND", "OR": "OR", "OU": "OR", "NOT": "NOT", "SAUF": "NOT"}
_QUOTES = '"“”«»'
_DELIMITERS = frozenset("(),;" + _QUOTES)
_FIELD = re.compile(r"([^\W\d_]+):")
_NEAR = re.compile(r"NEAR/([0-9]+)")
_WORD_IN_PHRASE = re.compile(r"\S+")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://")
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*")


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", AND, OR, NOT, NEAR, FIELD, TERM, PHRASE
    text: str  # as written
    start: int
    end: int
    value: str | int = ""  # NEAR: distance; FIELD: name; PHRASE: the text between the quotes


def tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, size = 0, len(source)
    while i < size:
        char = source[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, i, i + 1))
            i += 1
        elif char in ",;":  # the first query language separated alternatives with commas
            tokens.append(_Token("OR", char, i, i + 1))
            i += 1
        elif char in _QUOTES:
            close = next((j for j in range(i + 1, size) if source[j] in _QUOTES), -1)
            if close < 0:
                raise QueryError(i, "opening quote without a closing one")
            text = source[i : close + 1]
            tokens.append(_Token("PHRASE", text, i, close + 1, source[i + 1 : close]))
            i = close + 1
        else:
            end = i
            while end < size and not source[end].isspace() and source[end] not in _DELIMITERS:
                end += 1
            tokens.extend(_word_tokens(source[i:end], i))
            i = end
    return tokens


def _word_tokens(word: str, start: int) -> list[_Token]:
    """Read one bare word: an operator, field prefixes, then a term."""
    tokens = []
    # After "site:" comes a domain, possibly written as an address ("https://…").
    while (not tokens or tokens[-1].value != "site") and (match := _FIELD.match(word)):
        name = match[1].lower()
        if name not in FIELDS:
            raise QueryError(start, f'unknown field "{match[0]}" (fields: {", ".join(FIELDS)})')
        tokens.append(_Token("FIELD", match[0], start, start + match.end(), name))
        word, start = word[match.end() :], start + match.end()
    if not word:
        return tokens
    end = start + len(word)
    if word in _OPERATORS:
        tokens.append(_Token(_OPERATORS[word], word, start, end))
    elif near := _NEAR.fullmatch(word):
        tokens.append(_Token("NEAR", word, start, end, int(near[1])))
    elif word == "NEAR" or word.startswith("NEAR/"):
        raise QueryError(start, '"NEAR/" needs a number')
    else:
        tokens.append(_Token("TERM", word, start, end))
    return tokens


def check_parentheses(tokens: list[_Token]) -> None:
    opened: list[_Token] = []
    for token in tokens:
        if token.kind == "(":
            opened.append(token)
            if len(opened) > MAX_NESTING:
                raise QueryError(token.start, f"more than {MAX_NESTING} nested parentheses")
        elif token.kind == ")":
            if not opened:
                raise QueryError(token.start, "closing parenthesis without an opening one")
            opened.pop()
    if opened:
        raise QueryError(opened[-1].start, "opening parenthesis without a closing one")


_OPERAND_STARTS = frozenset({"TERM", "PHRASE", "(", "FIELD", "NOT"})


class Parser:
    """Recursive descent over the tokens; precedence NEAR > NOT > AND > OR."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def operand_follows(self, kinds: frozenset[str] = _OPERAND_STARTS) -> bool:
        token = self.peek()
        return token is not None and token.kind in kinds

    def parse(self) -> Node:
        node = self.parse_or(None)
        if (token := self.peek()) is not None:  # unreachable once parentheses balance
            raise QueryError(token.start, f'unexpected "{token.text}"')
        return node

    def parse_or(self, scope: str | None) -> Node:
        children = [self.parse_and(scope)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            if not self.operand_follows():
                raise QueryError(token.start, f'"{token.text}" needs a term after it')
            children.append(self.parse_and(scope))
        return join(Or, children)

    def parse_and(self, scope: str | None) -> Node:
        children = [self.parse_unary(scope)]
        while (token := self.peek()) is not None and token.kind not in (")", "OR"):
            if token.kind == "AND":
                self.take()
                if not self.operand_follows():
                    raise QueryError(token.start, f'"{token.text}" needs a term after it')
            children.append(self.parse_unary(scope))  # explicit or implicit AND
        return join(And, children)

    def parse_unary(self, scope: str | None) -> Node:
        nots = []
        while (token := self.peek()) is not None and token.kind == "NOT":
            nots.append(self.take())
        if nots and not self.operand_follows(_OPERAND_STARTS - {"NOT"}):
            raise QueryError(nots[-1].start, f'"{nots[-1].text}" needs a term after it')
        node = self.parse_near(scope)
        for token in reversed(nots):
            node = negate(node, token.start)
        return node

    def parse_near(self, scope: str | None) -> Node:
        left = self.parse_primary(scope)
        token = self.peek()
        if token is None or token.kind != "NEAR":
            return left
        self.take()
        if not self.operand_follows(_OPERAND_STARTS - {"NOT"}):
            raise QueryError(token.start, f'"{token.text}" needs a term or phrase after it')
        right = self.parse_primary(scope)
        if not isinstance(left, Words) or not isinstance(right, Words):
            reason = f'"{token.text}" joins two terms or phrases (not a group, NOT or site:)'
            raise QueryError(token.start, reason)
        if left.scope != right.scope:
            raise QueryError(token.start, f'both sides of "{token.text}" must be in the same field')
        if (after := self.peek()) is not None and after.kind == "NEAR":
            raise QueryError(after.start, f'"{after.text}" joins two terms or phrases')
        return Near(left, right, int(token.value), left.start, right.end)

    def parse_primary(self, scope: str | None) -> Node:
        token = self.take()
        start = token.start
        while token.kind == "FIELD":
            following = self.peek()
            if (
                following is None
                or following.start != token.end
                or following.kind not in ("TERM", "PHRASE", "(", "FIELD")
            ):
                reason = f'"{token.text}" needs a term, a phrase or a group right after it'
                raise QueryError(token.start, reason)
            scope = str(token.value)
            token = self.take()
        if token.kind == "(":
            if self.operand_follows(frozenset({")"})):
                raise QueryError(token.start, "the parentheses hold nothing")
            node = self.parse_or(scope)
            self.take()  # the closing parenthesis: they balance
            return node
        if token.kind in ("TERM", "PHRASE"):
            return self.leaf(token, scope, start)
        if token.kind == "NEAR":
            raise QueryError(token.start, f'"{token.text}" needs a term or phrase before it')
        raise QueryError(token.start, f'"{token.text}" needs a term before it')

    def leaf(self, token: _Token, scope: str | None, start: int) -> Words | Site:
        phrase = token.kind == "PHRASE"
        raw = str(token.value) if phrase else token.text
        offset = token.start + 1 if phrase else token.start
        if scope == "site":
            domain = _domain(raw)
            if domain is None:
                reason = '"site:" needs a domain name such as lavoixdunord.fr'
                raise QueryError(start, reason)
            return Site(domain, start, token.end)
        pattern = _pattern(raw, offset)
        if not pattern:
            if phrase and not raw.strip():
                raise QueryError(token.start, "the phrase is empty")
            raise QueryError(token.start, f'"{raw.strip()}" holds no letter or digit to look for')
        return Words(scope, pattern, raw.strip(), start, token.end)


def _pattern(raw: str, offset: int) -> Pattern:
    """Fold a term or phrase word by word, keeping the trailing ``*`` of each word."""
    pattern: list[tuple[str, bool]] = []
    for match in _WORD_IN_PHRASE.finditer(raw):
        word = match[0]
        stem = word.rstrip("*")
        if "*" in stem:
            raise QueryError(
                offset + match.start() + stem.index("*"), '"*" only goes at the end of a word'
            )
        words = fold_words(stem)
        is_prefix = stem != word
        if is_prefix and (not words or len(words[-1]) < MIN_PREFIX):
            reason = f'a wildcard needs at least {MIN_PREFIX} letters before "*"'
            raise QueryError(offset + match.start() + len(stem), reason)
        pattern.extend((w, False) for w in words[:-1])
        if words:
            pattern.append((words[-1], is_prefix))
    return tuple(pattern)


def _domain(raw: str) -> str | None:
    """Read the value of ``site:``: a host name, possibly written as an address."""
    value = _SCHEME.sub("", raw.strip().lower(), count=1).rstrip("/").strip(".")
    value = value.removeprefix("www.")
    return value if _DOMAIN.fullmatch(value) else None


# Checks and terms -----------------------------------------------------------------------------


def _is_term(node: Node) -> bool:
    # outlet: and site: only filter: an article is never retained because of its outlet alone.
    return isinstance(node, Words | Near) and _scope(node) != "outlet"


def _scope(node: Words | Near) -> str | None:
    return node.scope if isinstance(node, Words) else node.left.scope


def needs_term(node: Node, negated: bool = False) -> bool:
    """Tell whether every document matching ``node`` (or its negation) contains a term."""
    if isinstance(node, Not):
        return needs_term(node.child, not negated)
    if isinstance(node, And | Or):
        every = isinstance(node, Or) != negated  # De Morgan: NOT (a OR b) = NOT a AND NOT b
        check = all if every else any
        return check(needs_term(child, negated) for child in node.children)
    return _is_term(node) and not negated


def has_term(node: Node, negated: bool = False) -> bool:
    if isinstance(node, Not):
        return has_term(node.child, not negated)
    if isinstance(node, And | Or):
        return any(has_term(child, negated) for child in node.children)
    return _is_term(node) and not negated


def without_term(node: Node, negated: bool = False) -> Node:
    """Find the smallest part of ``node`` that lets a document match without any term."""
    if isinstance(node, Not):
        inner = without_term(node.child, not negated)
        return node if inner is node.child else inner
    if isinstance(node, And | Or):
        if isinstance(node, Or) != negated:  # alternatives: blame the first one without a term
            child = next(c for c in node.children if not needs_term(c, negated))
            return without_term(child, negated)
        for child in node.children:  # every part lacks a term: look for a bad alternative
            if isinstance(child, Or if not negated else And) and has_term(child, negated):
                return without_term(child, negated)
    return node


def positive_words(node: Node, negated: bool = False):
    """Yield the term leaves that count for a match (under an even number of NOTs)."""
    if isinstance(node, Not):
        yield from positive_words(node.child, not negated)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from positive_words(child, negated)
    elif not negated and _is_term(node):
        yield from (node.left, node.right) if isinstance(node, Near) else (node,)
