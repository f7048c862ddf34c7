"""A user's search words: the syntax (words, "phrases", -excluded, or), and their FTS5 and
PostgreSQL ``tsquery`` forms, both built from the same parse so that a search finds the same
clips on both databases.

Every term reaches FTS5 quoted, so the user's words never act as ``MATCH`` syntax. FTS5 has no
French stemmer: a word also finds its plural and feminine forms, spelled out as exact terms
(:func:`word_forms`); a word typed with a final ``*`` finds every word it begins (slower: FTS5
reads every such word's postings before the first match). Shorter words stay exact.
PostgreSQL stems, and is given the same forms. Words as common as "le", "de" or "l'" are not
in PostgreSQL's index (its ``french`` dictionary's stop words): they are left out of the search
on both databases, except inside a quoted phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .text import fold

PREFIX_MIN_LENGTH = 3
# The stop words of PostgreSQL's 'french' dictionary (tsearch_data/french.stop) that a word can
# still be once unaccented: ``unaccent`` runs before the dictionary, so "où" is one ("ou"), but
# "à" and "été" are not ("a", "ete").
STOP_WORDS = frozenset(
    """au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me mes moi
    mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un
    une vos votre vous c d j l m n s t y suis es est sommes sont serai seras sera serons serez
    seront serais serait serions seriez seraient fus fut furent sois soit soyons soyez soient fusse
    fusses fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as avons avez
    ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient avais avait
    avions aviez avaient eut eurent aie aies ait ayons ayez aient eusse eusses eussions eussiez
    eussent""".split()
)


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
    ``-excluded`` words and ``or`` between alternatives. Anything else is read as words. Stop
    words are left out (:func:`_without_stop_words`).

    :raises SearchError: when there is no word to look for.
    """
    groups: list[list[Term]] = [[]]
    # NUL ends a string in FTS5 ("unterminated string") and PostgreSQL refuses it: a space.
    for match in _TOKEN.finditer((q or "").replace("\x00", " ")):
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
        term = _without_stop_words(term) if _WORD_CHARACTER.search(term.text) else None
        if term is not None:
            groups[-1].append(term)
    groups = [group for group in groups if group]
    if not groups:
        raise SearchError("Type at least one word to search for.")
    if any(all(term.excluded for term in group) for group in groups):
        raise SearchError("Give at least one word to find beside the words to leave out.")
    return groups


_ONE_WORD = re.compile(r"\w+")
# The words of a term as both databases split them: runs of letters and digits.
_TOKEN_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = "'’"


def is_stop_word(word: str) -> bool:
    return fold(word) in STOP_WORDS


def _without_stop_words(term: Term) -> Term | None:
    """The term without the stop words PostgreSQL leaves out of its index; None if nothing else.

    A word or hyphenated word loses them at either end ("le", "l'Artois" → "Artois",
    "Grand-Est" → "Grand"); a quoted phrase, exact, only an elided article before its first
    word ("l'Artois" in quotes finds "Artois", as "l'UNESCO" does in a campaign's query), and
    goes when it holds nothing else ("de la").
    """
    prefix = not term.phrase and term.text.endswith("*")
    text = term.text.rstrip("*") if prefix else term.text
    words = list(_TOKEN_WORD.finditer(text))
    first, last = 0, len(words)
    if term.phrase:
        if all(is_stop_word(word.group()) for word in words):
            return None  # nothing PostgreSQL could look for
        while _elided(words[first], text):
            first += 1
    else:
        while first < last and is_stop_word(words[first].group()):
            first += 1
        while first < last and is_stop_word(words[last - 1].group()):
            last -= 1
    if first == last:
        return None
    if (first, last) == (0, len(words)):
        return term
    kept = text[words[first].start() : words[last - 1].end()]
    return replace(term, text=kept + ("*" if prefix else ""))


def _elided(word: re.Match, text: str) -> bool:
    return text[word.end() : word.end() + 1] in tuple(_APOSTROPHES) and is_stop_word(word.group())


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


# -- PostgreSQL --------------------------------------------------------------------------------

# Hyphens between letters: "Louvre-Lens" is the phrase "Louvre Lens", as on SQLite (PostgreSQL's
# parser would also require the compound "louvre-lens", missing "Louvre Lens"). Between digits
# ("9-9bis") the parser's own reading matches the text's.
_LETTER_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def tsquery_term(term: Term) -> tuple[str, str]:
    """One term for PostgreSQL: ``("phrase", text)`` for ``phraseto_tsquery`` or ``("query",
    text)`` for ``to_tsquery``, whose syntax holds only letters and digits in quotes here."""
    text = term.text
    if not term.phrase and text.endswith("*") and len(text.rstrip("*")) >= 1:
        words = [f"'{w}'" for w in _TOKEN_WORD.findall(text.rstrip("*"))]
        return "query", " <-> ".join(words[:-1] + [words[-1] + ":*"])
    if term.phrase or not _ONE_WORD.fullmatch(text):
        return "phrase", _LETTER_HYPHEN.sub(" ", text)
    return "query", " | ".join(f"'{form}'" for form in word_forms(text))


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
