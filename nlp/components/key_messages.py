"""``retombees_key_messages``: which of the campaign's key messages a clip carries, and where.

Messages change per campaign, so they come with each clip in
``doc._.retombees_context["key_messages"]`` (``[{"label": str, "phrasings": [str, ...]}]``),
not from the config. Each sentence is compared with each phrasing (the label is one more):

1. ``phrase``: every content concept of the phrasing (two at least) occurs in the sentence,
   none of them negated. Concepts are lemmas from fr_core_news_sm's lookup table (no tagger has
   to run), grouped into families of synonyms and derivations
   (``data/key_messages/synonyms.txt``: "fierté" ~ "fiers", "reconnaissance" ~ "hommage").
2. ``similarity``: each word of the phrasing counts 1 when its concept is in the sentence, else
   the cosine of its closest sentence word in fr_core_news_md's static vectors; the mean,
   weighted by how specific each concept is to one message, must reach a threshold calibrated
   on labelled sentences (``nlp/evaluation/key_messages.py``).

``doc._.retombees_key_messages`` lists, per message carried, the best supporting sentence:
``{"label", "sentence", "score", "method"}`` (score 1.0 for a phrase match), in the order of the
campaign's messages. ``retombees_tone`` reuses the lemma table and the sentence splitter.
"""

from __future__ import annotations

import json
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.strings import hash_string
from spacy.tokens import Doc, Span
from spacy.util import get_package_path, registry
from spacy.vectors import Vectors

from .context import context

# Nothing but the tokenizer: sentences come from a punctuation rule (or the parser when it ran),
# lemmas from a lookup table, so neither the tagger nor the lemmatizer has to run.
REQUIRES: tuple[str, ...] = ()

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "key_messages"
SENTENCE_END = {".", "!", "?", "…", "!?", "?!", "..."}
CLOSING = {"»", '"', "”", ")", "]", "’"}
OPENING = {"«", '"', "“", "-", "–", "—", "(", "[", "•", "*"}
NEGATION_WINDOW = 3  # tokens before a word that can negate it ("pas de fierté")
# Endings the lemma table leaves alone, longest first: -er participles, feminine adjectives.
INFLECTIONS = (
    ("ières", "ier"),
    ("ière", "ier"),
    ("elles", "el"),
    ("elle", "el"),
    ("euses", "eux"),
    ("euse", "eux"),
    ("ives", "if"),
    ("ive", "if"),
    ("ées", "er"),
    ("ée", "er"),
    ("és", "er"),
    ("é", "er"),
    ("es", ""),
    ("e", ""),
)

if not Doc.has_extension("retombees_key_messages"):
    Doc.set_extension("retombees_key_messages", default=None)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normal_form(text: str) -> str:
    """Return the lower-case form looked up in tables: typographic apostrophes, no elision mark."""
    form = unicodedata.normalize("NFC", text).lower().replace("’", "'").replace("^", "")
    return form[:-1] if form.endswith("'") and len(form) > 1 else form


def model_dir(model: str) -> Path:
    """Return the data folder of an installed spaCy package, or ``model`` if it is a folder."""
    path = Path(model)
    if path.is_dir():
        return path
    package = get_package_path(model)
    inner = sorted(package.glob(f"{model}-*"))
    return inner[-1] if inner else package


def _opens_sentence(token) -> bool:
    first = token.text[:1]
    return token.is_space or first.isupper() or first.isdigit() or first in OPENING


def sentence_spans(doc: Doc) -> list[Span]:
    """Return the doc's sentences: the parser's when it ran, else punctuation and line breaks.

    The small model's senter cuts inside proper names ("Nord- | Pas de Calais", "Bouc | Bel
    Air"), so it is not used; a sentence ends at . ! ? … before a capital, a digit, a quote or
    a line break, and at every line break (titles, captions, list items).
    """
    if doc.has_annotation("DEP"):
        return [s for s in doc.sents if not all(t.is_space for t in s)]
    spans, start, n = [], 0, len(doc)
    i = 0
    while i < n:
        token = doc[i]
        end = None
        if (token.is_space and "\n" in token.text) or "\n" in token.whitespace_:
            end = i + 1
        elif token.text in SENTENCE_END:
            end = i + 1
            # A closing quote or bracket belongs to the sentence it closes.
            while end < n and doc[end].text in CLOSING:
                end += 1
            if end < n and not _opens_sentence(doc[end]):
                end = None
        if end is not None:
            if any(not t.is_space for t in doc[start:end]):
                spans.append(doc[start:end])
            start, i = end, end
        else:
            i += 1
    if any(not t.is_space for t in doc[start:n]):
        spans.append(doc[start:n])
    return spans


class LemmaTable:
    """Lemmas from a spaCy package's lookup table, so no tagger or lemmatizer has to run."""

    def __init__(self, table: dict | object, lemmas: set[str]):
        self.table = table
        self.lemmas = lemmas
        self.cache: dict[str, str] = {}

    def lemma(self, form: str) -> str:
        """Return the lemma of a normal (lower-case) form, the form itself when unknown."""
        cached = self.cache.get(form)
        if cached is not None:
            return cached
        found = self.table.get(form)
        lemma = found[0] if isinstance(found, list) and found else (found or form)
        if lemma == form:
            # The table leaves many participles and feminine adjectives as they are
            # ("évoluée", "minière", "universelle"): map them to a lemma it knows.
            for ending, replacement in INFLECTIONS:
                stem = form[: -len(ending)]
                if form.endswith(ending) and len(stem) > 2 and stem + replacement in self.lemmas:
                    lemma = stem + replacement
                    break
        if len(self.cache) < 200_000:
            self.cache[form] = lemma
        return lemma


_LEMMA_TABLES: dict[str, LemmaTable] = {}
_WORD_VECTORS: dict[str, WordVectors] = {}


@registry.misc("retombees.lemma_lookup.v1")
def load_lemma_table(model: str = "fr_core_news_sm") -> LemmaTable:
    """Load the lemma lookup table shipped with a spaCy package (default: fr_core_news_sm)."""
    # Shared per process: tests and workers build several pipelines from the same table.
    if model not in _LEMMA_TABLES:
        lookups = Lookups().from_disk(model_dir(model) / "lemmatizer" / "lookups")
        table = lookups.get_table("lemma_lookup")
        lemmas = {lemma for values in table.values() for lemma in values}
        _LEMMA_TABLES[model] = LemmaTable(table, lemmas)
    return _LEMMA_TABLES[model]


class WordVectors:
    """Unit-length static word vectors, looked up by the hash of a lower-case form."""

    def __init__(self, vectors: Vectors):
        data = np.asarray(vectors.data, dtype=np.float32)
        norms = np.linalg.norm(data, axis=1, keepdims=True)
        self.unit = data / np.where(norms == 0, 1, norms)
        self.vectors = vectors

    def matrix(self, keys: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Return the unit vectors of the known keys and a mask of which keys were known."""
        if not keys:
            return np.zeros((0, self.unit.shape[1]), dtype=np.float32), np.zeros(0, dtype=bool)
        rows = self.vectors.find(keys=np.asarray(keys, dtype="uint64"))
        known = rows >= 0
        return self.unit[rows[known]], known


@registry.misc("retombees.word_vectors.v1")
def load_word_vectors(model: str | None = "fr_core_news_md") -> WordVectors | None:
    """Load only the static vectors of a spaCy package (no pipeline); ``None`` disables them."""
    if model is None:
        return None
    if model not in _WORD_VECTORS:
        vectors = Vectors()
        vectors.from_disk(model_dir(model) / "vocab")
        _WORD_VECTORS[model] = WordVectors(vectors)
    return _WORD_VECTORS[model]


@dataclass
class MessageLexicon:
    """Word knowledge the matcher needs: concept families, stop lemmas, negators."""

    families: dict[str, str]  # lemma -> concept (the family's first word), as written
    stop: set[str]  # lemmas that carry no message
    negators: set[str]  # lemmas that negate the next few words


def _words(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


@registry.misc("retombees.key_message_lexicon.v1")
def load_message_lexicon(path: str | None = None) -> MessageLexicon:
    """Load ``synonyms.txt``, ``stop_lemmas.txt`` and ``negators.txt`` from a folder.

    :raises ValueError: when a lemma belongs to two synonym families.
    """
    folder = Path(path) if path else DATA_DIR
    families: dict[str, str] = {}
    for line in _words(folder / "synonyms.txt"):
        members = line.split()
        for member in members:
            if families.get(member, members[0]) != members[0]:
                raise ValueError(f"{member!r} is in two families of {folder / 'synonyms.txt'}")
            families[member] = members[0]
    stop = {w for line in _words(folder / "stop_lemmas.txt") for w in line.split()}
    negators = {w for line in _words(folder / "negators.txt") for w in line.split()}
    return MessageLexicon(families, stop, negators)


def load_message_set(name: str = "bassin-minier", folder: Path = DATA_DIR) -> list[dict]:
    """Return a bundled example message set (``<name>.json``) in the context's format."""
    data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return [{"label": m["label"], "phrasings": list(m["phrasings"])} for m in data["messages"]]


@dataclass
class CompiledMessages:
    """A message set prepared once: each phrasing's words, their concepts, weights and vectors."""

    labels: list[str]
    concepts: list[list[frozenset[str]]]  # per message, its phrasings' concept sets
    words: list[str]  # concept of every phrasing word, phrasing after phrasing
    weights: np.ndarray  # per word: how specific its concept is to one message
    vectors: np.ndarray  # per word: unit vector (zeros when unknown)
    offsets: np.ndarray  # start of each phrasing's words; one more entry for the end
    owner: np.ndarray  # phrasing -> message index


class KeyMessageDetector:
    """Find, per campaign message, the best sentence carrying it (phrase match, then similarity)."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        lexicon: MessageLexicon,
        lemmas: LemmaTable,
        vectors: WordVectors | None,
        similarity_threshold: float,
        min_concepts: int,
        cache_size: int,
    ):
        self.name = name
        self.tokenizer = nlp.tokenizer
        self.lemmas = lemmas
        self.vectors = vectors
        self.similarity_threshold = similarity_threshold
        self.min_concepts = min_concepts
        self.cache_size = cache_size
        self.compiled: OrderedDict[tuple, CompiledMessages] = OrderedDict()
        self.forms: dict[str, tuple[str, bool]] = {}
        # The data lists lemmas by hand; pass them through the same table as the text.
        self.families = {self.key(w): self.key(c) for w, c in lexicon.families.items()}
        self.stop = {self.key(w) for w in lexicon.stop} | {fold(w) for w in lexicon.stop}
        self.negators = {self.key(w) for w in lexicon.negators}

    # -- words ---------------------------------------------------------------------------------

    def key(self, text: str) -> str:
        """Return the folded lemma of a word."""
        return fold(self.lemmas.lemma(normal_form(text)))

    def concept(self, text: str) -> tuple[str, bool]:
        """Return a token's concept and whether it is a content word."""
        cached = self.forms.get(text)
        if cached is None:
            form = normal_form(text)
            lemma = fold(self.lemmas.lemma(form))
            content = (
                (form.isalpha() or any(c.isdigit() for c in form))
                and len(form) > 1
                and lemma not in self.stop
                and fold(form) not in self.stop
            )
            cached = (self.families.get(lemma, lemma), content)
            if len(self.forms) < 200_000:
                self.forms[text] = cached
        return cached

    def content_words(self, tokens) -> list[tuple[str, int]]:
        """Return (concept, vector key) of the content words that no negator governs."""
        words, negated_until = [], -1
        for i, token in enumerate(tokens):
            concept, content = self.concept(token.text)
            if concept in self.negators:
                negated_until = i + NEGATION_WINDOW
                continue
            if content and i > negated_until:
                words.append((concept, hash_string(normal_form(token.text))))
        return words

    def _vectors(self, keys: list[int]) -> np.ndarray:
        """Return one row per key: its unit vector, or zeros when it has none."""
        width = self.vectors.unit.shape[1] if self.vectors is not None else 1
        out = np.zeros((len(keys), width), dtype=np.float32)
        if self.vectors is not None and keys:
            matrix, known = self.vectors.matrix(keys)
            out[known] = matrix
        return out

    # -- messages ------------------------------------------------------------------------------

    def compile(self, messages: list[dict]) -> CompiledMessages:
        """Prepare a message set, or return it from the cache."""
        key = tuple((m["label"], tuple(m.get("phrasings") or ())) for m in messages)
        if key in self.compiled:
            self.compiled.move_to_end(key)
            return self.compiled[key]
        labels, concepts, phrasings = [], [], []
        for index, message in enumerate(messages):
            labels.append(message["label"])
            sets = []
            # The label is one more way to say the message ("Fierté des habitants").
            for text in [message["label"], *(message.get("phrasings") or [])]:
                words = self.content_words(self.tokenizer(text))
                # One content word ("Fierté") is too ambiguous to stand for a message.
                if len({c for c, _h in words}) >= max(1, self.min_concepts):
                    sets.append(frozenset(c for c, _h in words))
                    phrasings.append((index, words))
            concepts.append(sets)
        # A concept in every message's phrasings ("territoire") tells them apart less than one
        # in a single message's ("fierté"): weight words by inverse message frequency.
        spread: dict[str, int] = {}
        for sets in concepts:
            for concept in set().union(*sets):
                spread[concept] = spread.get(concept, 0) + 1
        total = len(messages) + 1
        words = [c for _i, ws in phrasings for c, _h in ws]
        offsets = np.cumsum([0] + [len(ws) for _i, ws in phrasings])
        compiled = CompiledMessages(
            labels=labels,
            concepts=concepts,
            words=words,
            weights=np.asarray([np.log(total / spread[c]) for c in words], dtype=np.float32),
            vectors=self._vectors([h for _i, ws in phrasings for _c, h in ws]),
            offsets=np.asarray(offsets, dtype=np.int64),
            owner=np.asarray([i for i, _ws in phrasings], dtype=np.int64),
        )
        self.compiled[key] = compiled
        if len(self.compiled) > self.cache_size:
            self.compiled.popitem(last=False)
        return compiled

    def similarities(
        self, compiled: CompiledMessages, concepts: set[str], closest: np.ndarray
    ) -> np.ndarray:
        """Return, per message, its best phrasing's weighted soft coverage by the sentence.

        A phrasing word counts 1 when its concept is in the sentence, else ``closest``: the
        cosine of its nearest sentence word.
        """
        best = np.zeros(len(compiled.labels), dtype=np.float32)
        if not compiled.words:
            return best
        exact = np.fromiter((c in concepts for c in compiled.words), dtype=bool)
        covered = np.where(exact, 1.0, closest) * compiled.weights
        starts = compiled.offsets[:-1]
        sums = np.add.reduceat(covered, starts)
        totals = np.add.reduceat(compiled.weights, starts)
        per_phrasing = np.divide(sums, totals, out=np.zeros_like(sums), where=totals > 0)
        np.maximum.at(best, compiled.owner, per_phrasing.astype(np.float32))
        return best

    # -- the component -------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        messages = context(doc).get("key_messages") or []
        if not messages:
            doc._.retombees_key_messages = []
            return doc
        compiled = self.compile(messages)
        sentences = [(span, self.content_words(span)) for span in sentence_spans(doc)]
        # One product for the whole clip: many small ones cost more than the arithmetic.
        cosines = compiled.vectors @ self._vectors([h for _s, ws in sentences for _c, h in ws]).T
        found: dict[int, dict] = {}
        start = 0
        for span, words in sentences:
            end = start + len(words)
            closest = np.zeros(len(compiled.words), dtype=np.float32)
            if end > start:
                closest = np.clip(cosines[:, start:end].max(axis=1), 0.0, 1.0)
            start = end
            concepts = {c for c, _h in words}
            similarity = self.similarities(compiled, concepts, closest)
            for index, phrasings in enumerate(compiled.concepts):
                if any(c <= concepts for c in phrasings):
                    hit = {"score": 1.0, "method": "phrase"}
                elif similarity[index] >= self.similarity_threshold:
                    hit = {"score": round(float(similarity[index]), 3), "method": "similarity"}
                else:
                    continue
                if index not in found or hit["score"] > found[index]["score"]:
                    hit["sentence"] = " ".join(span.text.split())
                    found[index] = hit
        doc._.retombees_key_messages = [
            {"label": compiled.labels[i], **found[i]} for i in sorted(found)
        ]
        return doc


@Language.factory(
    "retombees_key_messages",
    default_config={
        "lexicon": {"@misc": "retombees.key_message_lexicon.v1", "path": None},
        "lemmas": {"@misc": "retombees.lemma_lookup.v1", "model": "fr_core_news_sm"},
        "vectors": {"@misc": "retombees.word_vectors.v1", "model": "fr_core_news_md"},
        "similarity_threshold": 0.98,
        "min_concepts": 2,
        "cache_size": 64,
    },
)
def make_key_messages(
    nlp: Language,
    name: str,
    lexicon: MessageLexicon,
    lemmas: LemmaTable,
    vectors: WordVectors | None,
    similarity_threshold: float,
    min_concepts: int,
    cache_size: int,
) -> KeyMessageDetector:
    return KeyMessageDetector(
        nlp, name, lexicon, lemmas, vectors, similarity_threshold, min_concepts, cache_size
    )
