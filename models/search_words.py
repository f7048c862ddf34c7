"""A user's search words: the syntax (words, "phrases", -excluded, or), and their FTS5 form.

Every term reaches FTS5 quoted, so the user's words never act as ``MATCH`` syntax. FTS5 has no
French stemmer: a word also finds its plural and feminine forms, spelled out as exact terms
(:func:`word_forms`); a word typed with a final ``*`` finds every word it begins (slower: FTS5
reads every such word's postings before the first match). Shorter words stay exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX_MIN_LENGTH = 3


class SearchError(ValueError):
    """A search that cannot be run; the message tells the user why, in one sentence."""


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    excluded: bool = False


# A quoted phrase (possibly excluded with a leading "-"), or a run of non-space characters.
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD_CHARACTER = re.compile(r"\w")


def parse_words(q: str) -> list[list[Term]]:
    """Split a search into groups of terms: a clip matches every term of one group.

    The syntax is that of PostgreSQL's ``websearch_to_tsquery``: words, ``"exact phrases"``,
    ``-excluded`` words and ``or`` between alternatives. Anything else is read as words.

    :raises SearchError: when there is no word to look for.
    """
    groups: list[list[Term]] = [[]]
    for match in _TOKEN.finditer(q or ""):
        minus, phrase, word = match.groups()
        if word is not None:
            if word.lower() == "or":
                if groups[-1]:
                    groups.append([])
                continue
            minus, word = ("-", word[1:]) if word.startswith("-") else ("", word)
            term = Term(word.replace('"', " ").strip(), excluded=bool(minus))
        else:
            term = Term(" ".join(phrase.split()), phrase=True, excluded=bool(minus))
        if _WORD_CHARACTER.search(term.text):
            groups[-1].append(term)
    groups = [group for group in groups if group]
    if not groups:
        raise SearchError("Type at least one word to search for.")
    if any(all(term.excluded for term in group) for group in groups):
        raise SearchError("Give at least one word to find beside the words to leave out.")
    return groups


_ONE_WORD = re.compile(r"\w+")


def word_forms(word: str) -> list[str]:
    """The forms of a French word that a search for it finds: the word, its singular, plural
    and feminine forms by the regular rules (-s, -x, -e, -es, a doubled last consonant,
    -al/-aux). ``"terrils"`` gives terril, terrils, terrile…; ``"régional"`` régionaux."""
    word = word.lower()
    if len(word) < PREFIX_MIN_LENGTH:
        return [word]
    stem = word[:-1] if word[-1] in "sx" else word
    if stem.endswith("e") and len(stem) > PREFIX_MIN_LENGTH:  # habitante(s) → habitant
        stem = stem[:-1]
    if word.endswith("aux"):
        stem = word[:-3] + "al"
    forms = [word] + [stem + ending for ending in ("", "s", "x", "e", "es")]
    if stem.endswith("al"):
        forms.append(stem[:-2] + "aux")
    if stem[-1] in "lnst":  # culturelle, européenne, basse, nette
        forms += [stem + stem[-1] + "e", stem + stem[-1] + "es"]
    return list(dict.fromkeys(forms))


def _fts_string(term: Term) -> str:
    text = term.text
    prefix = not term.phrase and text.endswith("*") and len(text.rstrip("*")) >= 1
    text = text.rstrip("*") if prefix else text
    quoted = '"' + text.replace('"', '""') + '"'
    if prefix:
        return quoted + "*"
    if term.phrase or not _ONE_WORD.fullmatch(text):
        return quoted
    forms = word_forms(text)
    if len(forms) == 1:
        return quoted
    return "(" + " OR ".join(f'"{form}"' for form in forms) + ")"


def fts5_query(q: str) -> str:
    """Turn a user's search into a safe FTS5 ``MATCH`` expression (every term quoted).

    :raises SearchError: when there is no word to look for.
    """
    parts = []
    for group in parse_words(q):
        wanted = " AND ".join(_fts_string(t) for t in group if not t.excluded)
        unwanted = "".join(f" NOT {_fts_string(t)}" for t in group if t.excluded)
        parts.append(f"({wanted}{unwanted})")
    return " OR ".join(parts)
