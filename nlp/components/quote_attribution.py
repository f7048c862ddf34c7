"""Attribution for ``retombees_quotes``: who said a quotation, and who a mention refers to.

``_Attribution`` is the part of the analysis of one document that resolves speakers: noun
phrases, pronouns and descriptions ("l'élu") to the person named before, the subject of a speech
verb, incises ("…, a déclaré X"), introductions ("selon X", "pour X") and lone quotations that
inherit the speaker of their paragraph.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort

from .quote_lexicon import _fold
from .quote_structure import (
    ADJUNCT_PREPS,
    ANTECEDENT_PARAGRAPHS,
    CLITIC_SUBJECTS,
    DEFINITE,
    DETS,
    ENDS,
    LEADS,
    LINKS,
    PRONOUN_GENDER,
    RELATIVES,
    SINGULAR_PRONOUNS,
    SKIP_LEFT,
    STOPS,
    WEEKDAYS,
    Speaker,
    _Quote,
    _Structure,
)


class _Attribution(_Structure):
    """Speakers of the quotations of one document (see ``quotes._Analysis``)."""

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
