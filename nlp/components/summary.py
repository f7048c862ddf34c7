"""``retombees_summary``: two or three sentences of a clip, for the press book and the digest.

Extractive and lead-biased: each sentence is scored on its position, its overlap with the title,
the territory or campaign terms it names (``doc._.retombees_context`` keys ``title`` and
``key_terms``), how central its words are to the text, and its length; questions are played
down. Bylines, photo credits, "Lire aussi", newsletter, cookie, share and paywall lines,
headings, captions, tweets and sentences under ``min_words`` words are never picked. The best
sentences that fit in ``max_chars`` are kept in their original order.

Needs nothing from the statistical pipeline (``REQUIRES`` is empty): sentences are cut here on
end marks outside quotation marks and at line breaks (one paragraph a line, as the extractor
writes them), because the parser and the senter of fr_core_news_sm split « … » apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from .context import context

REQUIRES: tuple[str, ...] = ()

if not Doc.has_extension("retombees_summary"):
    Doc.set_extension("retombees_summary", default=None)

# Sentences a reader of the press book must never see as the gist of a clip.
NOISE = re.compile(
    r"\bphotos? ?:|^\s*(par|un texte de|propos recueillis par)\s|^\s*source\s*:"
    r"|^\s*(publi[ée]|mis à jour|modifi[ée]) le\b|^\s*(à )?lire (aussi|également|:)|^\s*lire\s*:"
    r"|^\s*voir aussi|^\s*revivez|réécouter|mots-clés|^\s*accueil\s*>|ci-dessous|ci-contre"
    r"|@\w|https?://|www\.",
    re.IGNORECASE,
)
# Page furniture: a line with one of these (a credit, a form, a paywall) is left out whole.
# Page furniture. "inscription" alone is not furniture here: the UNESCO listing is an
# "inscription au patrimoine mondial", so only the sign-up phrasings count.
FURNITURE = re.compile(
    r"©|\bcr[ée]dits? ?photos?\b|newsletter|abonnez|abonné|inscrivez"
    r"|inscription (?:à|a) (?:la|notre)|cookie|partager|cliquez|désabonner|courriels?\b"
    r"|formulaire|tous droits réservés|pour lire la suite|offre découverte|connectez-vous"
    r"|créez votre compte",
    re.IGNORECASE,
)
MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
CAPTION_END = re.compile(rf"[-–|]\s*(\d{{1,2}}(er)?\s+)?({MONTHS})\s+\d{{4}}\W*$", re.IGNORECASE)
ABBREVIATIONS = {
    "m",
    "mm",
    "mme",
    "mlle",
    "me",
    "dr",
    "pr",
    "st",
    "ste",
    "etc",
    "av",
    "apr",
    "j.-c",
}
STOPWORDS = set(
    "le la les l de des du d un une et à a au aux en pour par sur dans que qui qu ne n pas est"
    " ont ce cet cette ces c il elle ils elles on se s sa son ses leur leurs plus avec sans mais"
    " ou où y été être avoir fait comme tout tous toute aussi très dont nous vous je j me m lui"
    " même si son été sont était avait entre après avant depuis".split()
)
OPEN_MARKS, CLOSE_MARKS = "«“", "»”"


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in plain if not unicodedata.combining(c))


def _stems(text: str) -> list[str]:
    """Content words, folded and stripped of a plural mark, for overlaps."""
    words = re.findall(r"\w+", _fold(text))
    return [w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words if w not in STOPWORDS]


def _overlap(a: list[str], b: list[str]) -> float:
    """Share of the words of the shorter list found in the other one."""
    if not a or not b:
        return 0.0
    small, large = (a, set(b)) if len(a) <= len(b) else (b, set(a))
    return sum(w in large for w in small) / len(small)


def split_sentences(text: str) -> list[tuple[int, int, int]]:
    """Cut ``text`` into (start, end, line) sentences: at end marks outside quotes, at lines."""
    spans: list[tuple[int, int, int]] = []
    offset = 0
    for line_number, line in enumerate(text.split("\n")):
        start, depth, straight = 0, 0, False
        for i, ch in enumerate(line):
            if ch in OPEN_MARKS:
                depth += 1
            elif ch in CLOSE_MARKS:
                depth = max(0, depth - 1)
            elif ch == '"':
                straight = not straight
            elif ch in ".!?…" and not depth and not straight and _ends_sentence(line, i):
                end = i + 1
                while end < len(line) and line[end] in ".!?…»”\"'":
                    end += 1
                spans.append((offset + start, offset + end, line_number))
                start = end
        if line[start:].strip():
            spans.append((offset + start, offset + len(line), line_number))
        offset += len(line) + 1
    return [(a, b, n) for a, b, n in spans if text[a:b].strip()]


def _ends_sentence(line: str, i: int) -> bool:
    """Tell an end mark from the dot of "M. Macron" or a mark inside a sentence."""
    rest = line[i + 1 :].lstrip(".!?…»”\"' ")
    if not rest:
        return True
    if not (rest[0].isupper() or rest[0] in OPEN_MARKS or rest[0].isdigit()):
        return False
    word = re.search(r"([\w.-]+)$", line[:i])
    before = word.group(1).lower() if word else ""
    return before not in ABBREVIATIONS and not (len(before) == 1 and before.isalpha())


def _finished(text: str) -> bool:
    return bool(re.search(r"[.!?…»”\"]\s*$", text.strip()))


@dataclass
class _Candidate:
    index: int
    text: str
    line: int
    stems: list[str]
    score: float = 0.0


class Summarizer:
    """Annotate ``Doc._.retombees_summary`` with the gist of a clip."""

    def __init__(
        self, nlp: Language, name: str, max_chars: int, max_sentences: int, min_words: int
    ):
        self.name = name
        self.max_chars = max_chars
        self.max_sentences = max_sentences
        self.min_words = min_words

    def __call__(self, doc: Doc) -> Doc:
        doc._.retombees_summary = self.summarize(doc.text, context(doc))
        return doc

    def summarize(self, text: str, ctx: dict) -> str:
        """Return the summary of ``text`` given what is known of the clip."""
        title = _stems(ctx.get("title") or "")
        terms = [_fold(t) for t in ctx.get("key_terms") or [] if t.strip()]
        lines = text.split("\n")
        usable: dict[int, bool] = {}
        candidates = []
        for a, b, line in split_sentences(text):
            if line not in usable:
                usable[line] = self._usable_line(lines[line], title)
            sentence = re.sub(r"\s+", " ", text[a:b]).strip(" -–—•")
            if usable[line] and self._keep(sentence):
                candidates.append(_Candidate(len(candidates), sentence, line, _stems(sentence)))
        if not candidates:
            return ""
        frequency: dict[str, int] = {}
        for candidate in candidates:
            for stem in set(candidate.stems):
                frequency[stem] = frequency.get(stem, 0) + 1
        top = max(frequency.values())
        for c in candidates:
            c.score = self._score(c, title, terms, frequency, top)
        return self._select(candidates)

    @staticmethod
    def _usable_line(line: str, title: list[str]) -> bool:
        """Tell a paragraph of the text from page furniture, a caption, a heading, the title."""
        if FURNITURE.search(line):
            return False
        size = len(line.split())
        if CAPTION_END.search(line) and size < 40:
            return False  # a photo caption: "… Paris - 2 février 2019"
        if not _finished(line) and size < 20:
            return False  # a heading, a form label: a short line without an end mark
        stems = _stems(line)
        # the title repeated as a line of the text ("La fin des trottinettes…")
        return not (title and _overlap(stems, title) >= 0.8 and len(stems) <= len(title) + 4)

    def _keep(self, sentence: str) -> bool:
        words = re.findall(r"\w+", _fold(sentence))
        if len(words) < self.min_words or NOISE.search(sentence):
            return False
        letters = [c for c in sentence if c.isalpha()]
        if sum(c.isupper() for c in letters) > 0.6 * len(letters):
            return False  # "DONNEZ, PARTAGEZ…", a heading in capitals
        if not sentence[0].isupper() and not sentence[0].isdigit() and sentence[0] not in '«“"':
            return False  # a list item or a fragment: "appel à la grève le 24 septembre"
        # an embedded post in another language, a list of names
        return sum(w in STOPWORDS for w in words) >= 0.15 * len(words)

    def _score(
        self, c: _Candidate, title: list[str], terms: list[str], frequency: dict, top: int
    ) -> float:
        position = 1.0 / (1.0 + 0.35 * c.index)
        on_title = _overlap(title, c.stems) if title else 0.0
        folded = _fold(c.text)
        named = min(1.0, sum(t in folded for t in terms) / 2) if terms else 0.0
        central = sum(frequency[s] for s in set(c.stems)) / (top * max(1, len(set(c.stems))))
        words = len(c.text.split())
        length = 1.0 if 10 <= words <= 45 else 0.7
        question = 0.3 if c.text.rstrip(' »”"').endswith("?") else 1.0
        finished = 1.0 if _finished(c.text) else 0.5
        score = 0.5 * position + 0.2 * on_title + 0.15 * named + 0.15 * central
        return score * length * question * finished

    def _select(self, candidates: list[_Candidate]) -> str:
        chosen: list[_Candidate] = []
        size = -1
        for c in sorted(candidates, key=lambda c: -c.score):
            if len(chosen) == self.max_sentences:
                break
            if size + 1 + len(c.text) > self.max_chars:
                continue
            if any(_overlap(c.stems, other.stems) >= 0.6 for other in chosen):
                continue  # the same fact twice (a lead repeated below)
            chosen.append(c)
            size += 1 + len(c.text)
        if not chosen:
            best = max(candidates, key=lambda c: c.score).text
            cut = best[: self.max_chars - 1].rsplit(" ", 1)[0]
            return cut.rstrip(" ,;:") + "…"
        return " ".join(c.text for c in sorted(chosen, key=lambda c: c.index))


@Language.factory(
    "retombees_summary",
    default_config={"max_chars": 400, "max_sentences": 3, "min_words": 6},
)
def make_summary(
    nlp: Language, name: str, max_chars: int, max_sentences: int, min_words: int
) -> Summarizer:
    return Summarizer(nlp, name, max_chars, max_sentences, min_words)
