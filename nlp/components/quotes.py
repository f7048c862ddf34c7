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

from spacy.language import Language
from spacy.tokens import Doc

from .quote_attribution import _Attribution
from .quote_lexicon import (
    DATA_DIR,
    QuoteLexicon,
    SpeechVerbs,
    _fold,
    _norm,
    count_words,
    inflect,
    load_quote_lexicon,
    load_speech_verbs,
)
from .quote_structure import Speaker, _Quote, find_quote_marks

__all__ = [
    "DATA_DIR",
    "REQUIRES",
    "QuoteExtractor",
    "QuoteLexicon",
    "Speaker",
    "SpeechVerbs",
    "count_words",
    "find_quote_marks",
    "inflect",
    "load_quote_lexicon",
    "load_speech_verbs",
    "make_quotes",
]

REQUIRES = ("tok2vec", "morphologizer", "ner")

if not Doc.has_extension("retombees_quotes"):
    Doc.set_extension("retombees_quotes", default=None)


# -- Analysis of one document --------------------------------------------------------------


class _Analysis(_Attribution):
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
