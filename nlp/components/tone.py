"""``retombees_tone``: is a clip positive, neutral or negative toward its subject, and why.

Method: a French polarity lexicon with the usual valence shifters, summed per sentence.

- Words: ``data/tone/domain-fr.tsv`` (hand-made, news and territorial register, lemmas and
  short expressions) first, then the adjectives of Pattern's French lexicon
  (``data/tone/pattern-fr-adjectives.tsv``, PDDL) at a lower weight. Lemmas come from
  fr_core_news_sm's lookup table, so no tagger has to run.
- Shifters: a negator reverses the next words ("n'a pas eu le succès escompté", "sans",
  "ne ... plus"); an intensifier scales the next word ("très", "peu flatteur"); after "mais",
  "néanmoins"… the words count more than before.
- Subject: sentences that name the subject (context keys ``territory_terms`` and
  ``campaign_terms``, or that carry a key message found by ``retombees_key_messages``) weigh
  ``subject_weight`` times more.
- Score: ``tanh(Σ weight · sentence polarity / (1 + √Σ weight))`` in [-1, 1]; the neutral band
  between ``negative_threshold`` and ``positive_threshold`` is calibrated on labelled excerpts
  (``nlp/evaluation/tone.py``).

Sets ``doc._.retombees_tone`` (positive|neutral|negative), ``doc._.retombees_tone_score`` and
``doc._.retombees_tone_reason`` (one English sentence naming the strongest cues).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

from .context import context
from .key_messages import LemmaTable, fold, normal_form, sentence_spans

# Nothing but the tokenizer: sentences come from a punctuation rule (or the parser when it ran)
# and lemmas from a lookup table.
REQUIRES: tuple[str, ...] = ()

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "tone"
NEGATION_WINDOW = 4  # words a negator reaches: "n'a pas eu le succès"
INTENSIFIER_WINDOW = 2  # words an intensifier can reach: "très bel hommage"
NEGATED = -0.8  # a negated word keeps most of its strength, reversed
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5

for _name in ("retombees_tone", "retombees_tone_score", "retombees_tone_reason"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@dataclass
class ToneLexicon:
    """Polarity words and valence shifters, as written in the data files."""

    words: dict[str, float]  # lemma or expression -> polarity
    adjectives: dict[str, float]  # inflected adjective -> polarity
    negators: set[str]
    intensifiers: dict[str, float]
    contrast: set[str]


def _lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _weights(path: Path) -> dict[str, float]:
    pairs = (line.rsplit("\t", 1) for line in _lines(path))
    return {word.strip(): float(value) for word, value in pairs}


@registry.misc("retombees.tone_lexicon.v1")
def load_tone_lexicon(path: str | None = None) -> ToneLexicon:
    """Load the tone lexicon files from a folder (default: the bundled ``data/tone``)."""
    folder = Path(path) if path else DATA_DIR
    return ToneLexicon(
        words=_weights(folder / "domain-fr.tsv"),
        adjectives=_weights(folder / "pattern-fr-adjectives.tsv"),
        negators=set(_lines(folder / "negators.txt")),
        intensifiers=_weights(folder / "intensifiers.tsv"),
        contrast=set(_lines(folder / "contrast.txt")),
    )


@dataclass
class Cue:
    """One polar word (with its shifters) found in a sentence."""

    text: str
    value: float
    position: int  # token index in the sentence


class ToneScorer:
    """Score a clip's tone from lexicon cues, weighting the sentences about its subject."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        lexicon: ToneLexicon,
        lemmas: LemmaTable,
        adjective_weight: float,
        subject_weight: float,
        positive_threshold: float,
        negative_threshold: float,
    ):
        self.name = name
        self.tokenizer = nlp.tokenizer
        self.lemmas = lemmas
        self.subject_weight = subject_weight
        self.positive_threshold = positive_threshold
        self.negative_threshold = negative_threshold
        self.forms: dict[str, tuple[str, str]] = {}
        # Hand-written entries go through the same normalisation as the text they must meet.
        self.words: dict[str, float] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
        for entry, value in lexicon.words.items():
            keys = tuple(self.keys(t.text)[0] for t in self.tokenizer(entry) if not t.is_space)
            if len(keys) == 1:
                self.words[keys[0]] = value
            else:
                self.phrases.setdefault(keys[0], []).append((keys, value))
        for candidates in self.phrases.values():
            candidates.sort(key=lambda item: -len(item[0]))
        self.adjectives = {
            fold(normal_form(form)): value * adjective_weight
            for form, value in lexicon.adjectives.items()
        }
        self.negators = {self.keys(w)[0] for w in lexicon.negators}
        self.intensifiers = {self.keys(w)[1]: f for w, f in lexicon.intensifiers.items()}
        self.contrast = {self.keys(w)[1] for w in lexicon.contrast}
        self.terms: OrderedDict[tuple[str, ...], dict[str, list[tuple[str, ...]]]] = OrderedDict()

    def keys(self, text: str) -> tuple[str, str]:
        """Return a token's folded lemma and folded form."""
        cached = self.forms.get(text)
        if cached is None:
            form = normal_form(text)
            cached = (fold(self.lemmas.lemma(form)), fold(form))
            if len(self.forms) < 200_000:
                self.forms[text] = cached
        return cached

    # -- cues ----------------------------------------------------------------------------------

    def cues(self, span: Span) -> list[Cue]:
        """Return the polar words of a sentence with negation and intensity applied."""
        tokens = [t for t in span if not t.is_space and not t.is_punct]
        keys = [self.keys(t.text) for t in tokens]
        found: list[Cue] = []
        negated_until, negator_at, ne_at = -1, 0, -10
        scale, scale_until, scale_at = 1.0, -1, 0
        i = 0
        while i < len(tokens):
            lemma, form = keys[i]
            if lemma in self.negators or (form == "plus" and i - ne_at <= 3):
                negated_until, negator_at = i + NEGATION_WINDOW, i
                i += 1
                continue
            if form in ("ne", "n"):
                ne_at = i
            if form in self.intensifiers:
                scale, scale_until, scale_at = self.intensifiers[form], i + INTENSIFIER_WINDOW, i
                i += 1
                continue
            value, length = self._polarity(keys, i)
            if value:
                start = i
                if i <= scale_until:
                    # "très belle visibilité": the intensifier goes to the first polar word only.
                    value *= scale
                    start, scale_until = scale_at, -1
                if i <= negated_until:
                    value *= NEGATED
                    start = min(start, negator_at)
                text = " ".join(t.text for t in tokens[start : i + length])
                found.append(Cue(text, value, i))
            i += length
        return found

    def _polarity(self, keys: list[tuple[str, str]], i: int) -> tuple[float, int]:
        """Return the polarity of the word or expression at ``i`` and how many words it spans."""
        lemma, form = keys[i]
        for phrase, value in self.phrases.get(lemma, ()):
            if tuple(k[0] for k in keys[i : i + len(phrase)]) == phrase:
                return value, len(phrase)
        if lemma in self.words:
            return self.words[lemma], 1
        return self.adjectives.get(form, self.adjectives.get(lemma, 0.0)), 1

    def sentence_polarity(self, span: Span) -> tuple[float, list[Cue]]:
        """Sum a sentence's cues; after a contrast word they count more, before it less."""
        cues = self.cues(span)
        forms = [self.keys(t.text)[1] for t in span if not t.is_space and not t.is_punct]
        pivot = next((i for i, f in enumerate(forms) if f in self.contrast and i > 0), None)
        total = 0.0
        for cue in cues:
            if pivot is not None:
                cue.value *= AFTER_CONTRAST if cue.position > pivot else BEFORE_CONTRAST
            total += cue.value
        return total, cues

    # -- subject -------------------------------------------------------------------------------

    def subject_terms(self, terms: list[str]) -> dict[str, list[tuple[str, ...]]]:
        """Return the subject terms as folded token sequences indexed by first token (cached)."""
        key = tuple(sorted(set(terms)))
        if key not in self.terms:
            index: dict[str, list[tuple[str, ...]]] = {}
            for term in key:
                forms = tuple(self.keys(t.text)[1] for t in self.tokenizer(term) if not t.is_space)
                if forms:
                    index.setdefault(forms[0], []).append(forms)
            self.terms[key] = index
            if len(self.terms) > 64:
                self.terms.popitem(last=False)
        return self.terms[key]

    def mentions(self, span: Span, index: dict[str, list[tuple[str, ...]]]) -> bool:
        """Tell whether a sentence names one of the subject terms (case and accents ignored)."""
        forms = [self.keys(t.text)[1] for t in span if not t.is_space]
        for i, form in enumerate(forms):
            for term in index.get(form, ()):
                if tuple(forms[i : i + len(term)]) == term:
                    return True
        return False

    # -- the component -------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        ctx = context(doc)
        index = self.subject_terms(
            list(ctx.get("territory_terms") or []) + list(ctx.get("campaign_terms") or [])
        )
        carried = {hit["sentence"] for hit in doc._.get("retombees_key_messages") or []}
        numerator = weights = 0.0
        about, sentences = 0, 0
        weighted: list[Cue] = []
        for span in sentence_spans(doc):
            sentences += 1
            subject = self.mentions(span, index) or " ".join(span.text.split()) in carried
            weight = self.subject_weight if subject else 1.0
            about += subject
            polarity, cues = self.sentence_polarity(span)
            numerator += weight * polarity
            weights += weight
            weighted += [Cue(c.text, c.value * weight, c.position) for c in cues]
        score = round(math.tanh(numerator / (1.0 + math.sqrt(weights))), 3) if weights else 0.0
        if score >= self.positive_threshold:
            tone = "positive"
        elif score <= -self.negative_threshold:
            tone = "negative"
        else:
            tone = "neutral"
        doc._.retombees_tone = tone
        doc._.retombees_tone_score = score
        doc._.retombees_tone_reason = self.reason(tone, score, weighted, about, sentences)
        return doc

    @staticmethod
    def reason(tone: str, score: float, cues: list[Cue], about: int, sentences: int) -> str:
        """Explain a decision in one English sentence with the strongest cues."""
        head = f"{tone.capitalize()} ({score:+.2f})"
        if tone == "positive":
            shown = sorted((c for c in cues if c.value > 0), key=lambda c: -c.value)
        elif tone == "negative":
            shown = sorted((c for c in cues if c.value < 0), key=lambda c: c.value)
        else:
            shown = sorted(cues, key=lambda c: -abs(c.value))
        listed = ", ".join(f"«{c.text}» {c.value:+.2f}" for c in shown[:3])
        if not cues:
            what = "no polar wording found"
        elif tone == "neutral":
            what = f"weak or balanced cues: {listed}"
        else:
            what = f"strongest cues {listed}"
        if about:
            what += f"; {about} of {sentences} sentences name the subject"
        return f"{head}: {what}."


@Language.factory(
    "retombees_tone",
    default_config={
        "lexicon": {"@misc": "retombees.tone_lexicon.v1", "path": None},
        "lemmas": {"@misc": "retombees.lemma_lookup.v1", "model": "fr_core_news_sm"},
        "adjective_weight": 0.6,
        "subject_weight": 2.0,
        "positive_threshold": 0.12,
        "negative_threshold": 0.2,
    },
)
def make_tone(
    nlp: Language,
    name: str,
    lexicon: ToneLexicon,
    lemmas: LemmaTable,
    adjective_weight: float,
    subject_weight: float,
    positive_threshold: float,
    negative_threshold: float,
) -> ToneScorer:
    return ToneScorer(
        nlp,
        name,
        lexicon,
        lemmas,
        adjective_weight,
        subject_weight,
        positive_threshold,
        negative_threshold,
    )
