"""Structure of a document for ``retombees_quotes``: quote marks, sentences, people and roles.

``find_quote_marks`` scans the text for quotations; ``_Structure`` is the part of the analysis of
one document that finds person names, their mentions and roles, the quotations as token spans
and the sentences cut around them. The attribution (``quote_attribution``) builds on it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from .quote_lexicon import _fold, _norm

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
LEADS = {"mais", "et", "or", "donc", "cependant", "toutefois", "pourtant", "ainsi", "-", "•"}


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


class _Structure:
    """People, roles, quotations and sentences of one document (see ``quotes._Analysis``)."""

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
