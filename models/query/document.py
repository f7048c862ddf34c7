"""Documents a query is matched against, folded once field by field for every query."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import chain
from urllib.parse import urlsplit

from ..text import fold_words


@dataclass(frozen=True)
class QueryDocument:
    """What a query is matched against: an article's title, text, outlet name and address."""

    title: str = ""
    text: str = ""
    outlet: str = ""
    url: str = ""


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


class Prepared:
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
def prepare(doc: QueryDocument) -> Prepared:
    return Prepared(doc)


def document(doc: QueryDocument | str) -> QueryDocument:
    return QueryDocument(text=doc) if isinstance(doc, str) else doc
