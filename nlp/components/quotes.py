"""``retombees_quotes``: verbatims (direct quotations, reported speech) with speaker and role.

Needs from the pipeline (``REQUIRES``): ``ner`` for PER/ORG mentions and ``morphologizer`` (with
the ``tok2vec`` it listens to) for parts of speech. No parser: sentences are cut here, around
the quote marks, because the statistical boundaries split « … » apart; no lemmas: speech verbs
are matched on inflected forms generated from the infinitives of ``speech_verbs.txt``.

Direct quotations are the words between « », “ ” or " " (nested marks kept, an attribution
incise inside the marks taken out). Under ``min_words`` words it is a scare quote; after
"l'opération", "intitulé"… it is a name. A quotation inside a sentence needs an attribution;
one that opens a sentence inherits the speaker around it. Reported speech, in sentences without
a quotation: "selon X, …", "pour X, …", "X <verb> que …", "…, <verb> X", "comme l'a <verb> X, …".
Speakers: a PER entity (named by its longest mention), a pronoun or a description ("l'élu",
"la toxicologue") resolved to a person named before, an organisation, or an anonymous source
("un proche du ministre"). The role is the apposition at a mention of the person.

Output: ``doc._.retombees_quotes = [{"text", "speaker", "role", "kind"}]`` in the order of the
text; ``speaker`` and ``role`` are None when unknown, ``kind`` is "direct" (the words between the
marks) or "reported" (the reported clause, to show without quote marks).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right, insort
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

REQUIRES = ("tok2vec", "morphologizer", "ner")
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "quotes"

if not Doc.has_extension("retombees_quotes"):
    Doc.set_extension("retombees_quotes", default=None)

OPENERS, CLOSERS = "«“„‹", "»”›"
ENDS = {".", "!", "?", "…", "..."}
STOPS = ENDS | {",", ";", ":", "(", ")", "[", "]", "–", "—", "-", "«", "»", "“", "”", '"', "/"}
DETS = {"le", "la", "l'", "les", "un", "une", "des", "d'", "du", "ce", "cet", "cette", "ces"}
DETS |= {"son", "sa", "ses", "leur", "leurs", "notre", "nos"}
DEFINITE = {"le", "la", "l'", "les", "ce", "cet", "cette"}
LINKS = {"de", "d'", "du", "des", "en"}  # inside a noun phrase: "le juge en chef de la Cour"
RELATIVES = {"qui", "que", "qu'", "dont", "lequel", "laquelle", "où"}
CLITIC_SUBJECTS = {"-il", "-elle", "-on", "-ils", "-elles"}
SINGULAR_PRONOUNS = {"il", "elle", "-il", "-elle", "lui", "celui-ci", "celle-ci"}
SKIP_LEFT = {"se", "s'", "ne", "n'", "lui", "leur", "y", "en", "-t", "lui-même", "elle-même"}
WEEKDAYS = {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "hier"}
ADJUNCT_PREPS = {"à", "au", "aux", "sur", "dans", "lors", "devant", "en", "pour", "via", "chez"}
HONORIFICS = {"m.", "mme", "mlle", "me", "dr", "pr", "monsieur", "madame", "mm."}
PARTICLES = {"de", "du", "des", "la", "le", "van", "von", "der", "ben", "el", "al", "-"}
PRONOUN_GENDER = {"il": "Masc", "-il": "Masc", "lui": "Masc", "celui-ci": "Masc"}
PRONOUN_GENDER |= {"elle": "Fem", "-elle": "Fem", "celle-ci": "Fem"}
ANTECEDENT_PARAGRAPHS = 2  # how far back "il" or "l'élu" may refer
ARTICLES = {"le", "la", "l'", "les", "du", "des", "au", "aux", "un", "une"}
NAMES = ("PROPN", "X")  # parts of speech a first name gets
LISTS = ("institutions", "source_nouns", "title_nouns")
LEADS = {"mais", "et", "or", "donc", "cependant", "toutefois", "pourtant", "ainsi", "-", "•"}


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


# -- Quote marks ---------------------------------------------------------------------------


def find_quote_marks(text: str) -> list[tuple[int, int]]:
    """Return (opening, closing) character offsets of the outermost quotations of a text.

    Marks nest; a closing mark closes the innermost open one (writers mix “ and "); a
    quotation left open ends with its paragraph, as French style reopens one per paragraph.
    """
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []

    def close(at: int) -> None:
        _, start = stack.pop()
        if not stack:
            spans.append((start, at))

    for i, ch in enumerate(text):
        if ch == "\n" and stack:
            spans.append((stack[0][1], i))
            stack.clear()
        elif ch in OPENERS:
            stack.append((ch, i))
        elif ch in CLOSERS:
            while stack and ch == "»" and stack[-1][0] != "«" and len(stack) > 1:
                stack.pop()
            if stack:
                close(i)
        elif ch == '"':
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            if stack and (stack[-1][0] == '"' or not after.isalnum() or before.isalnum()):
                close(i)
            elif after.strip() and not before.isalnum():
                stack.append((ch, i))
    return spans


# -- Analysis of one document --------------------------------------------------------------


@dataclass
class Speaker:
    name: str
    person: bool = False  # a person named in the text: their role applies
    strong: bool = True  # named or resolved; weak: an anonymous description ("un proche")


@dataclass
class _Quote:
    open: int  # token of the opening mark
    close: int  # token of the closing mark
    start: int  # character offset of the quoted words
    text: str
    cut: tuple[int, int] | None = None  # tokens of an attribution incise inside the marks


class _Analysis:
    """Quotations, speakers and roles of one document (state for a single ``__call__``)."""

    def __init__(self, doc: Doc, verbs: SpeechVerbs, lex: QuoteLexicon, min_words: int):
        self.doc, self.lex, self.min_words = doc, lex, min_words
        self.n = n = len(doc)
        pad = [""] * 4  # look-ahead past the end stays in range
        self.low = [_norm(t.text) for t in doc] + pad
        self.pos = [t.pos_ for t in doc] + pad
        self.finite = [t.pos_ in ("VERB", "AUX") and "Fin" in t.morph.get("VerbForm") for t in doc]
        self.finite += [False] * 4
        self.verb = [verbs.match(self.low, i) if t.is_alpha else 0 for i, t in enumerate(doc)]
        self.verb += [0] * 4
        self.ent_span = {i: e for e in doc.ents for i in range(e.start, e.end)}
        self._find_people()
        self.quotes = self._quotes()
        self.qid = [-1] * (n + 4)
        for k, q in enumerate(self.quotes):
            for i in range(q.open, q.close + 1):
                self.qid[i] = k
            for i in range(*q.cut) if q.cut else ():
                self.qid[i] = -1
        self._sentences()
        self._mentions()

    # ---- people
    def _caps(self, i: int) -> bool:
        return i < self.n and self.doc[i].text[:1].isupper()

    def _name_part(self, j: int) -> bool:
        """Tell whether token ``j`` goes on with a name ("Artem", the "-" of "Parent-Massin")."""
        if self.low[j] == "-":
            return self._caps(j + 1)
        return self.pos[j] == "PROPN" and self._caps(j)

    def _find_people(self) -> None:
        """Find person names: PER entities cleaned up, and "le maire Artem Kobzar" it missed."""
        spans: list[tuple[int, int]] = []
        for ent in self.doc.ents:
            span = self._name_in(ent.start, ent.end, ent.label_ == "PER")
            if span:
                spans.append(span)
        taken = {i for a, b in spans for i in range(a, b)}
        for i in range(self.n - 1):
            cue = self.low[i] in self.lex.roles or self.low[i] in HONORIFICS
            nxt = i + 1
            if not cue or nxt in taken or self.low[nxt] in HONORIFICS:
                continue
            j = nxt
            while j < self.n and j not in taken and self._name_part(j):
                j += 1
            if j > nxt and j not in taken:
                spans.append((nxt, j))
        taken = {i for a, b in spans for i in range(a, b)}
        for k, (a, b) in enumerate(spans):  # a first name the recogniser left out
            while a and a - 1 not in taken and self._caps(a - 1) and self.pos[a - 1] in NAMES:
                a -= 1
                taken.add(a)
            spans[k] = (a, b)
        # a surname the recogniser found once is a mention everywhere ("Rémy Buisine qui …")
        surnames = {_fold(self.doc[b - 1].text) for a, b in spans if b - a > 1}
        for i in range(self.n):
            if i not in taken and self._caps(i) and _fold(self.doc[i].text) in surnames:
                a = i
                while a and a - 1 not in taken and self._caps(a - 1) and self.pos[a - 1] in NAMES:
                    a -= 1
                spans.append((a, i + 1))
                taken.update(range(a, i + 1))
        self.person_at: dict[int, tuple[int, int]] = {}
        for a, b in spans:
            for i in range(a, b):
                self.person_at[i] = (a, b)
        self.gender: dict[str, str] = {}
        self.longest: dict[str, str] = {}
        for a, b in spans:
            name = self.doc[a:b].text
            key = _fold(self.doc[b - 1].text)
            if len(name) > len(self.longest.get(key, "")):
                self.longest[key] = name
        for a, _ in spans:
            before = self.low[a - 1] if a else ""
            if before in HONORIFICS:
                self.gender[self.name(a)] = "Masc" if before in ("m.", "monsieur", "mm.") else "Fem"

    def _name_in(self, start: int, end: int, per: bool) -> tuple[int, int] | None:
        """Trim an entity to the person name in it (None when there is none)."""
        low = self.low
        end = next((i for i in range(start, end) if self.doc[i].is_space), end)
        roles = [i for i in range(start, end) if low[i] in self.lex.roles]
        if roles:
            start = roles[-1] + 1  # "Premier ministre Andrej Babiš" (tagged MISC)
            if low[start] in LINKS | DETS:
                return None  # "ministre de la Défense": a complement, not a name
        elif not per:
            return None
        while start < end and (not self._caps(start) or low[start] in HONORIFICS | DETS):
            start += 1
        while end > start and not (self._caps(end - 1) and self.doc[end - 1].is_alpha):
            end -= 1
        if end <= start or low[start] in WEEKDAYS or low[start - 1] in ARTICLES:
            return None  # "l'Elysée", "du Monde": places and titles take an article
        if any(not (self._caps(i) or low[i] in PARTICLES) for i in range(start, end)):
            return None
        first = start == 0 or low[start - 1] in ENDS or self.doc[start - 1].is_space
        if end - start == 1 and first and self.pos[start] != "PROPN":
            return None  # "Absurde." opening a sentence
        return start, end

    def name(self, i: int) -> str:
        """Return the full name of the person mentioned at token ``i`` ("Peskov" → "Dmitri …")."""
        a, b = self.person_at[i]
        while self.low[a] in HONORIFICS and a + 1 < b:
            a += 1
        return self.longest.get(_fold(self.doc[b - 1].text), self.doc[a:b].text)

    def _mentions(self) -> None:
        """List the people mentioned outside quotations (antecedents) and find their roles."""
        self.roles: dict[str, str] = {}
        # (token, name, a named person, named in a complement)
        self.events: list[tuple[int, str, bool, bool]] = []
        seen: set[int] = set()
        for a, b in sorted(set(self.person_at.values())):
            if a in seen or self.qid[a] != -1:
                continue
            seen.add(a)
            name = self.name(a)
            if name not in self.roles and (role := self._role(a, b)):
                self.roles[name] = role
                gender = self._role_gender(a, b, role)
                if gender and name not in self.gender:
                    self.gender[name] = gender
            # "l'invitation de M. Macron": a complement, the last choice for "il" or "elle"
            self.events.append((a, name, True, bool(a) and self.low[a - 1] in LINKS))
        self.orgs = [(e.start, e.text) for e in self.doc.ents if e.label_ == "ORG"]
        self.orgs = [(p, text) for p, text in self.orgs if self.qid[p] == -1]

    def _role_gender(self, a: int, b: int, role: str) -> str | None:
        words = _norm(role).split()
        gender = next((self.lex.roles[w] for w in words if self.lex.roles.get(w)), None)
        if gender is None:
            for i in (a - 1, a - 2, b + 1):  # "la toxicologue Dominique …", ", la secrétaire"
                if self.low[i] in ("la", "une", "cette"):
                    return "Fem"
        return gender

    # ---- roles
    def _role(self, start: int, end: int) -> str | None:
        low = self.low
        end += low[end] == "*"  # "Antoine*, 32 ans" (a changed first name)
        if low[end] == ",":
            j = end + 1
            if self.doc[min(j, self.n - 1)].like_num and low[j + 1] == "ans" and low[j + 2] == ",":
                j += 3  # "Antoine, 32 ans, chargé de cours"
            if role := self._role_after(j):
                return role
        if start >= 2 and low[start - 1] == ",":
            if role := self._role_before(start - 1):
                return role
        return self._role_before(start)

    def _is_role_start(self, j: int) -> bool:
        roles = self.lex.roles
        if self.low[j] in DETS:
            j += 1
        return self.low[j] in roles or (self.pos[j] == "ADJ" and self.low[j + 1] in roles)

    def _role_after(self, j: int) -> str | None:
        """Read "directrice de la Mission Bassin Minier" (and ", ancien de l'Anses") at ``j``."""
        if not self._is_role_start(j):
            return None
        start = end = j + (self.low[j] in DETS)
        while end < self.n and end - start < 16:
            w = self.low[end]
            if w == "-" and not self.doc[end - 1].whitespace_ and not self.doc[end].whitespace_:
                end += 1  # "maire de Lège-Cap-Ferret"
                continue
            if w in STOPS or w in RELATIVES or self.doc[end].is_space or self.pos[end] == "AUX":
                if w == "," and self._is_role_start(end + 1) and self.low[end + 1] not in DETS:
                    end += 1
                    continue
                break
            if end > start and (self.finite[end] or self.verb[end]):
                break
            end += 1
        while end > start and self.low[end - 1] in LINKS | DETS:
            end -= 1
        return self.doc[start:end].text if end > start else None

    def _role_before(self, k: int) -> str | None:
        """Read "le maire de Lens" just before token ``k`` (a comma or the name)."""
        j = k - 1
        while j >= 0 and k - j <= 12:
            w = self.low[j]
            if w in self.lex.roles:
                first = j
                if self.low[j - 1] not in ARTICLES | LINKS and (
                    self.pos[j - 1] == "ADJ" or self._caps(j - 1)
                ):
                    first = j - 1  # "Premier ministre", "vice-Premier ministre"
                if first and self.low[first - 1] in ARTICLES | LINKS:
                    return self.doc[first:k].text  # not the verb of ", juge Mme Binet"
            elif w in HONORIFICS or (
                self.pos[j] not in ("NOUN", "PROPN", "ADJ", "DET", "NUM")
                and w not in LINKS | {"et"}
            ):
                return None
            j -= 1
        return None

    # ---- structure
    def _quotes(self) -> list[_Quote]:
        starts = [t.idx for t in self.doc]
        text = self.doc.text  # built anew at each access
        quotes = []
        for a, b in find_quote_marks(text):
            o, c = bisect_right(starts, a) - 1, bisect_right(starts, b) - 1
            if c > o:
                quotes.append(_Quote(o, c, a + 1, text[a + 1 : b]))
        for q in quotes:
            self._incise(q)
        return quotes

    def _incise(self, q: _Quote) -> None:
        """Take "…, explique X, role. …" out of the words inside the marks."""
        low = self.low
        for i in range(q.open + 2, q.close - 1):
            if low[i - 1] != "," or not (self.verb[i] or low[i + 1] in CLITIC_SUBJECTS):
                continue
            j = i + (self.verb[i] or 1)
            j += low[j] == "-t"
            if low[j] in CLITIC_SUBJECTS:
                end = j + 1
            elif j in self.person_at or low[j] in DETS or self.pos[j] == "PROPN":
                end = self._np_end(j, q.close)
                while low[end] == "," and self._is_role_start(end + 1):
                    end += 1
                    while end < q.close and low[end] not in (",", ".", "!", "?"):
                        end += 1
            else:
                continue
            while end < q.close and low[end] not in (",", ".", "!", "?"):
                end += 1  # "glisse-t-il lorsqu'on le croise devant la bibliothèque."
            q.cut = (i, end)
            head = q.text[: self.doc[i - 1].idx - q.start].rstrip()
            if end >= q.close:
                q.text = head
            else:
                tail = q.text[self.doc[end].idx + len(self.doc[end]) - q.start :].lstrip()
                q.text = f"{head}{self.doc[end].text} {tail}"
            return

    def _sentences(self) -> None:
        """Cut sentences at end marks outside quotations (and at a quotation's own end)."""
        self.sent = [(0, 0)] * (self.n + 4)
        self.para = [0] * (self.n + 4)
        start, para = 0, 0
        for i, tok in enumerate(self.doc):
            self.para[i] = para
            if tok.is_space and "\n" in tok.text:
                self._close(start, i)
                start, para = i + 1, para + 1
            elif (self.qid[i] == -1 and self.low[i] in ENDS) or self._ends_in_quote(i):
                self._close(start, i + 1)
                start = i + 1
        self._close(start, self.n)

    def _ends_in_quote(self, i: int) -> bool:
        k = self.qid[i]
        if k == -1 or self.quotes[k].close != i or self.low[i - 1] not in ENDS:
            return False
        return self._caps(i + 1) and not self.verb[i + 1]

    def _close(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.sent[i] = (start, end)

    # ---- noun phrases and speakers
    def _np_end(self, j: int, end: int) -> int:
        """Return the end of the noun phrase starting at ``j`` ("la préfecture des Landes")."""
        k = j
        if j in self.person_at:
            k = self.person_at[j][1]
        elif j in self.ent_span and self.ent_span[j].start == j:
            k = self.ent_span[j].end
        while k < end:
            w, p = self.low[k], self.pos[k]
            if w in STOPS or w in RELATIVES or w in WEEKDAYS or self.doc[k].is_space:
                break
            verb = p == "AUX" or (p == "VERB" and w not in self.lex.roles)  # "chargée de"
            if verb or (p == "ADP" and w not in LINKS):
                break
            if k > j and p == "DET" and self.low[k - 1] not in LINKS:
                break  # "les autorités locales | ce vendredi"
            k += 1
        return k

    def _skip_adjuncts(self, j: int, end: int) -> int:
        """Skip what may sit between an inverted verb and its subject ("mercredi", "sur X")."""
        while j < end:
            if self.pos[j] == "ADV" or self.low[j] in WEEKDAYS:
                j += 1
                continue
            if self.low[j] in ADJUNCT_PREPS:
                k = j + 1 + (self.low[j + 1] in DETS)
                while k < end and self.pos[k] in ("NOUN", "PROPN", "ADJ", "NUM"):
                    k += 1
                if k > j + 1 and (self.low[k] in DETS or k in self.person_at):
                    j = k
                    continue
            break
        return j

    def _speaker_np(self, j: int, k: int, at: int, person_only: bool = False) -> Speaker | None:
        """Make a speaker of the noun phrase ``j:k``, resolving pronouns and descriptions."""
        if k <= j:
            return None
        low = self.low
        words = low[j:k]
        if k - j == 1 and words[0] in SINGULAR_PRONOUNS:
            return self._antecedent(at, PRONOUN_GENDER.get(words[0]))
        if words[-1] in ("dernier", "dernière") and words[0] in ("ce", "cette"):
            return self._antecedent(at, "Fem" if words[0] == "cette" else "Masc")
        for i in range(j, k):
            if self.person_at.get(i, (-1,))[0] == i and (i == j or low[i - 1] not in LINKS):
                return Speaker(self.name(i), person=True)  # not "un proche de Pierre Moscovici"
        head = next((i for i in range(j, k) if low[i] not in DETS and self.pos[i] != "ADJ"), j)
        definite = words[0] in DEFINITE
        role = low[head] in self.lex.roles
        if role and definite and self._apposed_name(k):
            return Speaker(self.name(k + 1), person=True)  # "le porte-parole du Kremlin, X,"
        text = self.doc[j:k].text
        if role:
            found = self._describe(j, k, at) if definite else None
            return found or Speaker(text, strong=False)
        ent = self.ent_span.get(j + (low[j] in DETS))
        if ent is not None and ent.label_ in ("ORG", "LOC", "MISC"):
            return Speaker(ent.text)
        if person_only:
            return None
        if low[head] in self.lex.institutions:
            bare = all(self.pos[i] in ("DET", "ADJ") for i in range(j, k) if i != head)
            if bare and words[0] in DEFINITE - {"les"} and (org := self._closest_org(at)):
                return Speaker(org)
            return Speaker(text, strong=definite)
        if low[head] in self.lex.sources:
            for i in range(head + 1, k):
                ent = self.ent_span.get(i)
                if ent is not None and ent.label_ in ("ORG", "PER", "MISC"):
                    return Speaker(ent.text)
                if low[i] in self.lex.institutions and low[i - 1] in DETS:
                    return Speaker(self.doc[i - 1 : k].text)
            return None
        if any(self.pos[i] == "PROPN" for i in range(j, k)):
            return Speaker(text)
        return Speaker(text, strong=False)

    def _apposed_name(self, k: int) -> bool:
        """Tell ", Dmitri Peskov," (a name set off by commas) at ``k`` from a new clause."""
        start, end = self.person_at.get(k + 1, (-1, -1))
        return self.low[k] == "," and start == k + 1 and self.low[end] in ENDS | {",", ""}

    def _describe(self, j: int, k: int, at: int) -> Speaker | None:
        """Resolve "la toxicologue", "le ministre de la Santé" to a person named in the text."""
        wanted = {_fold(w) for w in self.low[j:k] if w not in DETS | LINKS}
        fits = {
            name
            for name, role in self.roles.items()
            if wanted <= {_fold(w) for w in re.findall(r"[\w'-]+", role)}
        }
        if fits:
            before = [(p, name) for p, name, *_ in self.events if name in fits and p < at]
            return Speaker(max(before)[1] if before else sorted(fits)[0], person=True)
        gender = {"la": "Fem", "cette": "Fem", "le": "Masc", "ce": "Masc", "cet": "Masc"}
        wanted_gender = gender.get(self.low[j]) or next(
            (self.lex.roles[w] for w in self.low[j:k] if self.lex.roles.get(w)), None
        )
        # someone given a role is likelier than a name in passing ("explique l'élu")
        found = self.closest_person(at, wanted_gender, with_role=True)
        return found or self._antecedent(at, wanted_gender)

    def closest_person(
        self, at: int, gender: str | None = None, with_role: bool = False
    ) -> Speaker | None:
        """Return the person mentioned or quoted last before ``at``, within a few paragraphs."""
        window = [
            e
            for e in self.events[: bisect_right(self.events, (at,))]
            if e[0] < at and self.para[at] - self.para[e[0]] <= ANTECEDENT_PARAGRAPHS
        ]
        for complements in (False, True):
            for _, name, person, complement in reversed(window):
                if complement and not complements:
                    continue
                if gender and self.gender.get(name, gender) != gender:
                    continue
                if with_role and name not in self.roles:
                    continue
                return Speaker(name, person=person)
        return None

    def _next_person(self, at: int, gender: str | None = None) -> Speaker | None:
        """Return the first person named after ``at`` (a lead names its speaker later)."""
        for i in sorted(a for a, _ in set(self.person_at.values()) if a > at):
            name = self.name(i)
            if self.qid[i] == -1 and (not gender or self.gender.get(name, gender) == gender):
                return Speaker(name, person=True)
        return None

    def _antecedent(self, at: int, gender: str | None) -> Speaker | None:
        """Resolve "il", "elle", "ce dernier": the last person, or the next one in a lead."""
        if any(p < at for p, *_ in self.events):
            return self.closest_person(at, gender)
        return self._next_person(at, gender)

    def _closest_org(self, at: int) -> str | None:
        close = [name for p, name in self.orgs if p < at and self.para[at] - self.para[p] <= 1]
        return close[-1] if close else None

    def add_event(self, at: int, speaker: Speaker) -> None:
        """Record that ``speaker`` spoke at ``at``: an antecedent for the next "il" or "elle"."""
        insort(self.events, (at, speaker.name, speaker.person, False))

    # ---- attribution around a verb
    def after_verb(
        self, j: int, end: int, at: int, quoted: bool = False
    ) -> tuple[bool, Speaker | None]:
        """Read an inverted attribution from ``j``: "a affirmé le ministre", "déclare-t-il".

        Right after a quotation (``quoted``) any verb followed by a name attributes it
        ("», analyse André Gunthert"), speech verb or not.
        """
        low = self.low
        if low[j] in ("s'", "se"):
            j += 1
        if self.pos[j] == "AUX" and not self.verb[j]:
            j += 1
        j += low[j] == "-t"
        clitic = low[j] if low[j] in CLITIC_SUBJECTS else None
        j += clitic is not None
        size = self.verb[j] or (1 if low[j + 1] in CLITIC_SUBJECTS | {"-t"} else 0)
        if not size and quoted and (j + 1) in self.person_at:
            # the model often tags the verb of "» critique David Dufresne" ADJ or NOUN
            word = self.doc[j]
            size = int(word.is_alpha and word.is_lower and self.pos[j] not in ("ADP", "DET"))
        if not size:
            return False, None
        j += size
        j += low[j] == "-t"
        if low[j] in CLITIC_SUBJECTS:
            clitic = low[j]
        if clitic:
            return True, self.closest_person(at, PRONOUN_GENDER.get(clitic))
        j = self._skip_adjuncts(j, end)
        k = self._np_end(j, end)
        return (True, self._speaker_np(j, k, at)) if k > j else (False, None)

    def inverted(self, v: int) -> bool:
        """Tell "…», a affirmé X" (subject after the verb) from "X a affirmé"."""
        k = v - 1
        while k > 0 and (self.pos[k] == "AUX" or self.low[k] in ("s'", "se", "-t")):
            k -= 1
        after_quote = self.low[k] in (",", "–", "—") and self.qid[k - 1] != -1
        return after_quote or self.qid[k] != -1 or self.low[v + 1] in CLITIC_SUBJECTS | {"-t"}

    def subject(self, v: int, start: int, at: int) -> Speaker | None:
        """Find who utters the speech verb at ``v`` from the words on its left."""
        if self.low[v - 1] in ("été", "être"):
            return None  # passive: "il a été observé que"
        found = self._left_subject(v, start, at)
        if found is None and self.low[v].endswith("ant"):
            finite = [i for i in range(start, v) if self.finite[i] and self.qid[i] == -1]
            if finite:
                found = self._left_subject(finite[-1], start, at)
        return found

    def _left_subject(self, v: int, start: int, at: int) -> Speaker | None:
        low, j = self.low, v - 1
        while j >= start:
            w = low[j]
            if w in ("lui", "elle", "eux") and low[j - 1] == "à" and low[j - 2] == "quant":
                j -= 3
            elif w in SKIP_LEFT or self.pos[j] in ("AUX", "ADV"):
                j -= 1
            elif w == ")":
                while j >= start and low[j] != "(":
                    j -= 1
                j -= 1
            elif w == ",":
                k = j - 1
                while k >= start and low[k] not in (",", ":", ";") and self.qid[k] == -1:
                    k -= 1
                if self.person_at.get(j - 1, (-1,))[0] == k + 1:
                    return Speaker(self.name(k + 1), person=True)  # "…, Josep Borrell, a dit"
                if k < start or low[k] != "," or not self._is_apposition(k + 1, j):
                    return None
                j = k - 1
            elif w == "et" and self.pos[j] == "CCONJ":
                k = j - 1
                while k >= start and not self.finite[k] and self.pos[k] != "VERB":
                    k -= 1
                j = k - 1
            else:
                break
        if j < start or self.qid[j] != -1:
            return None
        if low[j] == "qui":  # "détaille Mme Cardenal, qui développe"
            j -= 1 + (low[j - 1] == ",")
            return Speaker(self.name(j), person=True) if j in self.person_at else None
        if j in self.person_at:
            return Speaker(self.name(j), person=True)
        if low[j] in SINGULAR_PRONOUNS:
            return self._speaker_np(j, j + 1, at)
        if low[j] in ("dernier", "dernière") and low[j - 1] in ("ce", "cette"):
            return self._speaker_np(j - 1, j + 1, at)
        if self.pos[j] not in ("NOUN", "PROPN", "ADJ") and low[j] not in self.lex.roles:
            return None
        k = j
        while k > start and k > j - 10:
            p, w = self.pos[k - 1], low[k - 1]
            if p == "DET":
                k -= 1
                if low[k - 1] not in LINKS:
                    break
            elif p in ("NOUN", "PROPN", "ADJ", "NUM") or w in LINKS:
                k -= 1
            else:
                break
        found = self._speaker_np(k, j + 1, at)
        return found if found is None or found.strong or low[k] in DETS else None

    def _is_apposition(self, a: int, b: int) -> bool:
        """Tell whether tokens ``a:b`` read as an aside ("député socialiste qui a voté contre")."""
        if b <= a:
            return False
        if self.low[a] in RELATIVES or self._is_role_start(a):
            return True
        return not any(self.finite[i] for i in range(a, b))

    # ---- direct quotations
    def is_title(self, q: _Quote) -> bool:
        """Tell a name in quote marks ("l'opération « un tuba pour intuber »") from words."""
        j = q.open - 1
        j -= self.low[j] in LINKS
        return self.low[j] in self.lex.titles

    def attribute(self, q: _Quote) -> tuple[bool, Speaker | None]:
        """Find who said quotation ``q``: (an attribution was found, the speaker)."""
        start, end = self.sent[q.open]
        if q.cut:
            found = self.after_verb(q.cut[0], q.close, q.open, quoted=True)
            if found[0]:
                return found
        i = q.close + 1
        i += self.low[i] in (",", "–", "—")
        if self.low[i] == "selon" or self.low[i : i + 2] == ["d'", "après"]:
            j = i + 1 + (self.low[i] != "selon")
            return True, self._speaker_np(j, self._np_end(j, end), q.open)
        if self.low[i] == "par" and any(self.verb[k] for k in range(q.open - 3, q.open)):
            return True, self._speaker_np(i + 1, self._np_end(i + 1, end), q.open)
        found = self.after_verb(i, end, q.open, quoted=True)
        if found[0]:
            return found
        return self._before(q, start)

    def _before(self, q: _Quote, start: int) -> tuple[bool, Speaker | None]:
        low, at = self.low, q.open
        i = q.open - 1
        while i > start and low[i] == "'":
            i -= 1
        if low[i] == ":":
            clause = range(self._clause_start(i, start), i)
            for v in clause:
                if self.verb[v] and self.qid[v] == -1:
                    return True, self.subject(v, clause.start, at)
            speaker = self._intro(clause.start, i, at, anywhere=True)
            if speaker is None:
                first = self._skip_leads(clause.start)
                speaker = self._speaker_np(first, self._np_end(first, i), at, person_only=True)
            return speaker is not None, speaker
        if low[i] in ("que", "qu", "qu'"):
            for v in range(i - 1, max(start, i - 12) - 1, -1):
                if self.verb[v]:
                    return True, self.subject(v, start, at)
        for v in range(max(start, i - 2), i + 1):
            if self.verb[v] and v + self.verb[v] - 1 == i:
                return True, self.subject(v, start, at)
        if low[i] == "," and (speaker := self._intro(start, i, at)):
            return True, speaker
        return self._in_sentence(q, start)

    def _clause_start(self, i: int, start: int) -> int:
        while i > start and self.low[i - 1] not in (".", ";", "!", "?") and self.qid[i - 1] == -1:
            i -= 1
        return i

    def _intro(self, start: int, end: int, at: int, anywhere: bool = False) -> Speaker | None:
        """Read "pour X, …", "selon X, …", "à ses yeux, …" in tokens ``start:end``."""
        low = self.low
        for j in range(start, end):
            if low[j] == "selon" or low[j : j + 2] == ["d'", "après"]:
                k = j + 1 + (low[j] != "selon")
                return self._speaker_np(k, self._np_end(k, end), at)
            lead = all(low[i] in LEADS or low[i] == "," for i in range(start, j))
            if low[j] == "pour" and (lead or anywhere):
                k = self._np_end(j + 1, end)
                if k > j + 1 and (low[k] == "," or anywhere):
                    return self._speaker_np(j + 1, k, at, person_only=True)
            if [_fold(w) for w in low[j : j + 3]] in (["a", "ses", "yeux"], ["a", "son", "avis"]):
                return self.closest_person(at)
        return None

    def _in_sentence(self, q: _Quote, start: int) -> tuple[bool, Speaker | None]:
        """Find an attribution elsewhere in the sentence of an embedded quotation."""
        end = self.sent[q.open][1]
        verbs = [v for v in range(start, end) if self.verb[v] and self.qid[v] == -1]
        for v in sorted(verbs, key=lambda v: abs(v - q.open)):
            if self.inverted(v):
                found = self.after_verb(v, end, q.open)
            else:
                found = (True, self.subject(v, start, q.open))
            if found[1] is not None:
                return found
        if speaker := self._intro(start, q.open, q.open):
            return True, speaker
        first = self._skip_leads(start)
        if first in self.person_at and self.person_at[first][1] <= q.open:
            return True, Speaker(self.name(first), person=True)  # "Mme Binet est « arrivée… »"
        return bool(verbs), None

    def _skip_leads(self, i: int) -> int:
        while self.low[i] in LEADS or self.low[i] == ",":
            i += 1
        return i

    def opens_sentence(self, q: _Quote) -> bool:
        """Tell a quotation that stands as a sentence from one embedded in a sentence."""
        start = self._skip_leads(self.sent[q.open][0])
        if q.open <= start:
            return True
        # "…, cette affirmation n'a jamais été prise au sérieux : « … »"
        clause = range(self._clause_start(q.open - 1, start), q.open - 1)
        return self.low[q.open - 1] == ":" and any(self.finite[i] for i in clause)

    def inherit(self, q: _Quote) -> Speaker | None:
        """Give a lone quotation the speaker of its paragraph, the next sentence, or the last."""
        para = self.para[q.open]
        here = [e for e in self.events if e[0] < q.open and self.para[e[0]] == para]
        if here:
            return Speaker(here[-1][1], person=here[-1][2])  # the speaker of the paragraph
        end = self.sent[q.open][1]
        for i in range(end, self.sent[end][1] if end < self.n else end):
            if i in self.person_at and self.para[i] == para and self.qid[i] == -1:
                return Speaker(self.name(i), person=True)
        return self.closest_person(q.open)

    # ---- reported speech
    def reported(self, start: int, end: int) -> tuple[int, str, Speaker] | None:
        """Read reported speech in the sentence ``start:end`` (which has no quotation)."""
        low, first = self.low, self._skip_leads(start)
        for j in range(first, end):
            if low[j] == "selon" or low[j : j + 2] == ["d'", "après"]:
                k = j + 1 + (low[j] != "selon")
                stop = self._np_end(k, end)
                speaker = self._speaker_np(k, stop, j)
                if speaker is None or not speaker.strong:
                    continue
                if j == first:
                    clause = self._clause_after(stop, end)
                    return clause, self._span(clause, end), speaker
                cut = j - (low[j - 1] == ",") - (self.pos[j - 1] == "ADV")
                return first, self._span(first, cut, stop, end), speaker
        if low[first] == "pour" or low[first] == "comme" and low[first + 1] in ("l'", "le"):
            k = first + 1
            if low[first] == "comme":
                k = self._skip_adjuncts(k + 2 + (self.pos[k + 1] == "AUX"), end)
            stop = self._np_end(k, end)
            speaker = None
            if low[stop] in (",", "("):
                speaker = self._speaker_np(k, stop, first, person_only=low[first] == "pour")
            if speaker is not None and speaker.strong:
                clause = self._clause_after(stop, end)
                return clause, self._span(clause, end), speaker
        for v in range(first + 3, end):
            if low[v - 1] == "," and (self.verb[v] or self.pos[v] == "AUX" and self.verb[v + 1]):
                found, speaker = self.after_verb(v, end, v)
                if found and speaker is not None and speaker.strong:
                    return first, self._span(first, v - 1), speaker
        for v in range(first, end):
            if not self.verb[v]:
                continue
            for k in range(v + self.verb[v], min(end, v + 12)):
                if low[k] in ("que", "qu'", "qu"):
                    speaker = self.subject(v, start, v)
                    if speaker is not None and speaker.strong:
                        clause = k + 1 + (low[k + 1] == "'")
                        return clause, self._span(clause, end), speaker
                    break
                if self.finite[k] or low[k] in (".", ";", ":"):
                    break
        return None

    def _clause_after(self, k: int, end: int) -> int:
        """Skip the asides after a speaker ("Pour X, directeur de…, qui…, <clause>")."""
        while k < end and self.low[k] in (",", "("):
            if self.low[k] == "(":
                while k < end and self.low[k] != ")":
                    k += 1
                k += 1
                continue
            nxt = k + 1
            while nxt < end and self.low[nxt] not in (",", "("):
                nxt += 1
            if nxt >= end or not self._is_apposition(k + 1, nxt):
                return k + 1
            k = nxt
        return k

    def _span(self, a: int, b: int, c: int | None = None, d: int | None = None) -> str:
        """Return the text of tokens ``a:b`` (and ``c:d``), trimmed of edge punctuation."""
        parts = [self.doc[a:b].text]
        if c is not None and d is not None and d > c:
            parts.append(self.doc[c:d].text)
        text = " ".join(p.strip(" ,;:–—-") for p in parts)
        return re.sub(r"\s+", " ", text).strip(" ,;:.–—-")

    # ---- everything
    def run(self) -> list[dict]:
        """Return the verbatims of the document, sentence by sentence, in the order of the text."""
        items: list[tuple[int, str, Speaker | None, str]] = []
        pending: list[tuple[int, _Quote]] = []
        by_sentence: dict[tuple[int, int], list[_Quote]] = {}
        for q in self.quotes:
            by_sentence.setdefault(self.sent[q.open], []).append(q)
        for bounds in sorted(set(self.sent[: self.n])):
            if bounds[1] <= bounds[0]:
                continue
            kept = 0
            for q in by_sentence.get(bounds, ()):
                if count_words(q.text) < self.min_words or self.is_title(q):
                    continue
                found, speaker = self.attribute(q)
                if not found and not self.opens_sentence(q):
                    continue
                kept += 1
                items.append((q.open, q.text, speaker, "direct"))
                if speaker is not None:
                    self.add_event(q.open, speaker)
                elif not found:
                    pending.append((len(items) - 1, q))
            if not kept and (reported := self.reported(*bounds)):
                clause, text, speaker = reported
                if count_words(text) >= self.min_words:
                    items.append((bounds[0], text, speaker, "reported"))
                    # people named inside what is reported are not who "il" refers to next
                    self.events = [e for e in self.events if not clause <= e[0] < bounds[1]]
                    self.add_event(bounds[0], speaker)
        for index, q in pending:
            at, text, _, kind = items[index]
            items[index] = (at, text, self.inherit(q), kind)
        return [self._output(text, speaker, kind) for _, text, speaker, kind in _dedupe(items)]

    def _output(self, text: str, speaker: Speaker | None, kind: str) -> dict:
        text = re.sub(r"\s+", " ", text).strip(" ,;:–—")
        name = speaker.name if speaker else None
        role = self.roles.get(name) if speaker and speaker.person else None
        return {"text": text, "speaker": name, "role": role, "kind": kind}


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", _fold(text)))


def _dedupe(items: list) -> list:
    """Drop a quotation repeated (in a headline, a lead) or contained in a longer one."""
    keys = [_words(item[1]) for item in items]
    kept = []
    for i, item in enumerate(items):
        covers = [
            j
            for j, other in enumerate(keys)
            if j != i and f" {keys[i]} " in f" {other} " and (len(other) > len(keys[i]) or j < i)
        ]
        if covers and (item[2] is None or any(items[j][2] is not None for j in covers)):
            continue
        kept.append(item)
    return kept


class QuoteExtractor:
    """Annotate ``Doc._.retombees_quotes`` with the verbatims of a text."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        speech_verbs: SpeechVerbs,
        lexicon: QuoteLexicon,
        min_words: int,
    ):
        self.name = name
        self.speech_verbs = speech_verbs
        self.lexicon = lexicon
        self.min_words = min_words

    def __call__(self, doc: Doc) -> Doc:
        analysis = _Analysis(doc, self.speech_verbs, self.lexicon, self.min_words)
        doc._.retombees_quotes = analysis.run()
        return doc


@Language.factory(
    "retombees_quotes",
    default_config={
        "speech_verbs": {"@misc": "retombees.speech_verbs.v1", "path": None},
        "lexicon": {"@misc": "retombees.quote_lexicon.v1", "path": None},
        "min_words": 4,
    },
)
def make_quotes(
    nlp: Language, name: str, speech_verbs: SpeechVerbs, lexicon: QuoteLexicon, min_words: int
) -> QuoteExtractor:
    return QuoteExtractor(nlp, name, speech_verbs, lexicon, min_words)
