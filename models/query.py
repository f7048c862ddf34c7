"""Campaign monitoring queries: a boolean language over the words of an article.

The syntax is described in ``docs/query-language.md``. In short: terms, "quoted phrases",
``AND``/``ET`` (or nothing), ``OR``/``OU`` (or a comma), ``NOT``/``SAUF``, parentheses,
``word*`` prefixes, ``A NEAR/n B`` and the field scopes ``title:``, ``text:``, ``outlet:`` and
``site:``. Matching works on folded words (see ``models.text.fold``): case, accents, hyphens,
punctuation and French elision are ignored and word boundaries are respected.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import chain
from urllib.parse import urlsplit

from .text import fold_words

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
_SNIPPET = 40


class QueryError(ValueError):
    """A monitoring query that cannot be used: says where (column) and why."""

    def __init__(self, position: int, reason: str):
        super().__init__(position, reason)  # both in args, so the error pickles
        self.position = position  # 0-based offset in the query
        self.reason = reason

    def __str__(self) -> str:
        return f"column {self.position + 1}: {self.reason}"


@dataclass(frozen=True)
class QueryDocument:
    """What a query is matched against: an article's title, text, outlet name and address."""

    title: str = ""
    text: str = ""
    outlet: str = ""
    url: str = ""


# Documents ------------------------------------------------------------------------------------


class _Field:
    """One folded field of a document: its words and where each word occurs."""

    __slots__ = ("tokens", "index", "_prefixes", "_starts")

    def __init__(self, text: str):
        self.tokens = fold_words(text) if text else []
        index: dict[str, list[int]] = {}
        for position, token in enumerate(self.tokens):
            positions = index.get(token)
            if positions is None:
                index[token] = [position]
            else:
                positions.append(position)
        self.index = index
        self._prefixes: dict[str, list[int]] = {}
        self._starts: dict[tuple, list[int]] = {}

    def prefixed(self, prefix: str) -> list[int]:
        """Return the sorted positions of the words that start with ``prefix``."""
        found = self._prefixes.get(prefix)
        if found is None:
            lists = [pos for token, pos in self.index.items() if token.startswith(prefix)]
            found = lists[0] if len(lists) == 1 else sorted(chain.from_iterable(lists))
            self._prefixes[prefix] = found
        return found

    def starts(self, pattern: tuple[tuple[str, bool], ...]) -> list[int]:
        """Return the sorted positions where the word sequence ``pattern`` begins."""
        found = self._starts.get(pattern)
        if found is not None:
            return found
        word, is_prefix = pattern[0]
        first = self.prefixed(word) if is_prefix else self.index.get(word, [])
        if len(pattern) == 1:
            found = first
        else:
            tokens, rest, found = self.tokens, pattern[1:], []
            last = len(tokens) - len(pattern)
            for start in first:
                if start > last:
                    break
                for offset, (word, is_prefix) in enumerate(rest, 1):
                    token = tokens[start + offset]
                    if not (token.startswith(word) if is_prefix else token == word):
                        break
                else:
                    found.append(start)
        self._starts[pattern] = found
        return found


class _Prepared:
    """A document folded once, field by field on first use, for every query that reads it."""

    __slots__ = ("doc", "_fields", "_host")

    def __init__(self, doc: QueryDocument):
        self.doc = doc
        self._fields: dict[str, _Field] = {}
        self._host: str | None = None

    def field(self, name: str) -> _Field:
        """Return the folded field ``name`` (title, text or outlet)."""
        folded = self._fields.get(name)
        if folded is None:
            folded = self._fields[name] = _Field(getattr(self.doc, name))
        return folded

    @property
    def host(self) -> str:
        """Return the URL's host name, lower case, without ``www.`` or port."""
        if self._host is None:
            self._host = _host_of(self.doc.url)
        return self._host


def _host_of(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:  # a malformed address (bad port, bracket) has no usable host
        return ""
    return host.rstrip(".")


# A crawled article is matched against every campaign in a row: fold it once for all of them.
@functools.lru_cache(maxsize=64)
def _prepare(doc: QueryDocument) -> _Prepared:
    return _Prepared(doc)


def _document(doc: QueryDocument | str) -> QueryDocument:
    return QueryDocument(text=doc) if isinstance(doc, str) else doc


# Query tree -----------------------------------------------------------------------------------

_Pattern = tuple[tuple[str, bool], ...]  # folded words, each with "is a prefix"


def _fields_of(scope: str | None) -> tuple[str, ...]:
    return ("title", "text") if scope is None else (scope,)


@dataclass(frozen=True)
class _Words:
    """A term or a phrase: a sequence of folded words (some of them prefixes) in one field."""

    scope: str | None  # None: title or text
    pattern: _Pattern
    written: str
    start: int
    end: int

    def matches(self, prep: _Prepared) -> bool:
        return any(prep.field(name).starts(self.pattern) for name in _fields_of(self.scope))

    def render(self) -> str:
        body = " ".join(word + "*" * is_prefix for word, is_prefix in self.pattern)
        if len(self.pattern) > 1:
            body = f'"{body}"'
        return f"{self.scope}:{body}" if self.scope else body


@dataclass(frozen=True)
class _Site:
    domain: str
    start: int
    end: int

    def matches(self, prep: _Prepared) -> bool:
        host = prep.host
        return host == self.domain or host.endswith("." + self.domain)

    def render(self) -> str:
        return f"site:{self.domain}"


@dataclass(frozen=True)
class _Near:
    left: _Words
    right: _Words
    distance: int  # most words allowed between the two sides
    start: int
    end: int

    def matches(self, prep: _Prepared) -> bool:
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
class _Not:
    child: _Node
    start: int
    end: int

    def matches(self, prep: _Prepared) -> bool:
        return not self.child.matches(prep)

    def render(self) -> str:
        return "NOT " + _wrap(self.child, isinstance(self.child, _And | _Or))


@dataclass(frozen=True)
class _And:
    children: tuple[_Node, ...]
    start: int
    end: int

    def matches(self, prep: _Prepared) -> bool:
        for child in self.children:
            if not child.matches(prep):
                return False
        return True

    def render(self) -> str:
        return " AND ".join(_wrap(c, isinstance(c, _Or)) for c in self.children)


@dataclass(frozen=True)
class _Or:
    children: tuple[_Node, ...]
    start: int
    end: int

    def matches(self, prep: _Prepared) -> bool:
        for child in self.children:
            if child.matches(prep):
                return True
        return False

    def render(self) -> str:
        return " OR ".join(c.render() for c in self.children)


_Node = _Words | _Site | _Near | _Not | _And | _Or


def _wrap(node: _Node, parenthesise: bool) -> str:
    return f"({node.render()})" if parenthesise else node.render()


def _negate(node: _Node, start: int) -> _Node:
    # NOT NOT x is x: one canonical tree for both spellings.
    return node.child if isinstance(node, _Not) else _Not(node, start, node.end)


def _join(kind: type[_And] | type[_Or], children: list[_Node]) -> _Node:
    flat: list[_Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, kind) else (child,))
    if len(flat) == 1:
        return flat[0]
    return kind(tuple(flat), flat[0].start, flat[-1].end)


# Parsing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", AND, OR, NOT, NEAR, FIELD, TERM, PHRASE
    text: str  # as written
    start: int
    end: int
    value: str | int = ""  # NEAR: distance; FIELD: name; PHRASE: the text between the quotes


def _tokenize(source: str) -> list[_Token]:
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


def _check_parentheses(tokens: list[_Token]) -> None:
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


class _Parser:
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

    def parse(self) -> _Node:
        node = self.parse_or(None)
        if (token := self.peek()) is not None:  # unreachable once parentheses balance
            raise QueryError(token.start, f'unexpected "{token.text}"')
        return node

    def parse_or(self, scope: str | None) -> _Node:
        children = [self.parse_and(scope)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            if not self.operand_follows():
                raise QueryError(token.start, f'"{token.text}" needs a term after it')
            children.append(self.parse_and(scope))
        return _join(_Or, children)

    def parse_and(self, scope: str | None) -> _Node:
        children = [self.parse_unary(scope)]
        while (token := self.peek()) is not None and token.kind not in (")", "OR"):
            if token.kind == "AND":
                self.take()
                if not self.operand_follows():
                    raise QueryError(token.start, f'"{token.text}" needs a term after it')
            children.append(self.parse_unary(scope))  # explicit or implicit AND
        return _join(_And, children)

    def parse_unary(self, scope: str | None) -> _Node:
        nots = []
        while (token := self.peek()) is not None and token.kind == "NOT":
            nots.append(self.take())
        if nots and not self.operand_follows(_OPERAND_STARTS - {"NOT"}):
            raise QueryError(nots[-1].start, f'"{nots[-1].text}" needs a term after it')
        node = self.parse_near(scope)
        for token in reversed(nots):
            node = _negate(node, token.start)
        return node

    def parse_near(self, scope: str | None) -> _Node:
        left = self.parse_primary(scope)
        token = self.peek()
        if token is None or token.kind != "NEAR":
            return left
        self.take()
        if not self.operand_follows(_OPERAND_STARTS - {"NOT"}):
            raise QueryError(token.start, f'"{token.text}" needs a term or phrase after it')
        right = self.parse_primary(scope)
        if not isinstance(left, _Words) or not isinstance(right, _Words):
            reason = f'"{token.text}" joins two terms or phrases (not a group, NOT or site:)'
            raise QueryError(token.start, reason)
        if left.scope != right.scope:
            raise QueryError(token.start, f'both sides of "{token.text}" must be in the same field')
        if (after := self.peek()) is not None and after.kind == "NEAR":
            raise QueryError(after.start, f'"{after.text}" joins two terms or phrases')
        return _Near(left, right, int(token.value), left.start, right.end)

    def parse_primary(self, scope: str | None) -> _Node:
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

    def leaf(self, token: _Token, scope: str | None, start: int) -> _Words | _Site:
        phrase = token.kind == "PHRASE"
        raw = str(token.value) if phrase else token.text
        offset = token.start + 1 if phrase else token.start
        if scope == "site":
            domain = _domain(raw)
            if domain is None:
                reason = '"site:" needs a domain name such as lavoixdunord.fr'
                raise QueryError(start, reason)
            return _Site(domain, start, token.end)
        pattern = _pattern(raw, offset)
        if not pattern:
            if phrase and not raw.strip():
                raise QueryError(token.start, "the phrase is empty")
            raise QueryError(token.start, f'"{raw.strip()}" holds no letter or digit to look for')
        return _Words(scope, pattern, raw.strip(), start, token.end)


def _pattern(raw: str, offset: int) -> _Pattern:
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


def _is_term(node: _Node) -> bool:
    # outlet: and site: only filter: an article is never retained because of its outlet alone.
    return isinstance(node, _Words | _Near) and _scope(node) != "outlet"


def _scope(node: _Words | _Near) -> str | None:
    return node.scope if isinstance(node, _Words) else node.left.scope


def _needs_term(node: _Node, negated: bool = False) -> bool:
    """Tell whether every document matching ``node`` (or its negation) contains a term."""
    if isinstance(node, _Not):
        return _needs_term(node.child, not negated)
    if isinstance(node, _And | _Or):
        every = isinstance(node, _Or) != negated  # De Morgan: NOT (a OR b) = NOT a AND NOT b
        check = all if every else any
        return check(_needs_term(child, negated) for child in node.children)
    return _is_term(node) and not negated


def _has_term(node: _Node, negated: bool = False) -> bool:
    if isinstance(node, _Not):
        return _has_term(node.child, not negated)
    if isinstance(node, _And | _Or):
        return any(_has_term(child, negated) for child in node.children)
    return _is_term(node) and not negated


def _without_term(node: _Node, negated: bool = False) -> _Node:
    """Find the smallest part of ``node`` that lets a document match without any term."""
    if isinstance(node, _Not):
        inner = _without_term(node.child, not negated)
        return node if inner is node.child else inner
    if isinstance(node, _And | _Or):
        if isinstance(node, _Or) != negated:  # alternatives: blame the first one without a term
            child = next(c for c in node.children if not _needs_term(c, negated))
            return _without_term(child, negated)
        for child in node.children:  # every part lacks a term: look for a bad alternative
            if isinstance(child, _Or if not negated else _And) and _has_term(child, negated):
                return _without_term(child, negated)
    return node


def _positive_words(node: _Node, negated: bool = False):
    """Yield the term leaves that count for a match (under an even number of NOTs)."""
    if isinstance(node, _Not):
        yield from _positive_words(node.child, not negated)
    elif isinstance(node, _And | _Or):
        for child in node.children:
            yield from _positive_words(child, negated)
    elif not negated and _is_term(node):
        yield from (node.left, node.right) if isinstance(node, _Near) else (node,)


# Queries --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Query:
    """A parsed monitoring query; build it with ``parse_query``."""

    source: str
    terms: tuple[str, ...]  # positive terms and phrases as written, in query order
    _root: _Node = field(repr=False)
    _term_leaves: tuple[tuple[_Words, ...], ...] = field(repr=False)

    def matches(self, doc: QueryDocument | str) -> bool:
        """Tell whether the document (or a plain text) satisfies the query."""
        return self._root.matches(_prepare(_document(doc)))

    def hits(self, doc: QueryDocument | str) -> list[str]:
        """Return the query's terms found in a matching document, as written; [] otherwise."""
        prep = _prepare(_document(doc))
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
    tokens = _tokenize(source)
    if not tokens:
        raise QueryError(0, "the query is empty")
    _check_parentheses(tokens)
    root = _Parser(tokens).parse()
    if not _has_term(root):
        raise QueryError(tokens[0].start, "the query needs at least one term to look for")
    if not _needs_term(root):
        part = _without_term(root)
        snippet = source[part.start : part.end]
        if len(snippet) > _SNIPPET:
            snippet = snippet[: _SNIPPET - 1] + "…"
        reason = f'"{snippet}" would keep articles without any term to look for; join it with AND'
        raise QueryError(part.start, reason)
    leaves: dict[_Pattern, tuple[str, list[_Words]]] = {}
    for leaf in _positive_words(root):
        leaves.setdefault(leaf.pattern, (leaf.written, []))[1].append(leaf)
    terms = tuple(written for written, _ in leaves.values())
    term_leaves = tuple(tuple(found) for _, found in leaves.values())
    return Query(source, terms, root, term_leaves)
