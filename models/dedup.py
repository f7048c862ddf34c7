"""Duplicates and syndication: when two clips are one, and when they are copies of one story.

Two rules, both on top of the canonical URL (``models.urls``):

- *Title key*: the same title in the same outlet within a few days is the same clip, reached
  under another URL or republished. The key is the SHA-256 of the folded title.
- *Stories*: the same text in several outlets (a wire dispatch, regional editions) is one
  story with several copies. Texts are compared by MinHash signatures of their word 5-shingles;
  an LSH index finds the candidates, the signatures confirm them. Every copy stays its own
  clip, with its own outlet and reach; the ``Story`` only groups them.

A text shorter than ``MIN_WORDS`` words gets no signature: a feed summary or a broadcast
blurb has too few shingles for a Jaccard estimate to tell a copy from a clip on the same topic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .base import utcnow
from .coverage import Coverage, Story
from .text import fold

NUM_PERM = 128
SEED = 1  # fixed forever: stored signatures are only comparable under the same permutations
SHINGLE_WORDS = 5
MIN_WORDS = 40
# Jaccard similarity from which two texts are copies of one story, chosen on the test set of
# tests/models/test_dedup.py (figures in docs/duplicates.md): the copies of a dispatch in ten
# outlets score 0.42–0.92 pairwise, other articles on the same theme at most 0.20 (a follow-up
# that reuses two background paragraphs verbatim). At 0.7 a truncated copy is left out.
STORY_THRESHOLD = 0.4
# The LSH must find nearly every pair at the threshold: its candidates are only confirmed.
LSH_RECALL = 0.99
DUPLICATE_DAYS = 7
STORY_DAYS = 7

# datasketch's default scheme since 2.0: 32-bit hash values, stored little-endian.
_SCHEME = "affine32"
_DTYPE = np.dtype("<u4")
SIGNATURE_BYTES = NUM_PERM * _DTYPE.itemsize
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=_SCHEME).permutations


def title_key(title: str) -> str | None:
    """Return the per-outlet duplicate key of ``title``, or None when it has no words."""
    folded = fold(title)
    if not folded:
        return None
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def signature(text: str) -> bytes | None:
    """Return the MinHash signature of ``text``, or None when it has fewer than MIN_WORDS words.

    The signature is the 128 hash values of the word 5-shingles of the folded text, as
    little-endian uint32 (512 bytes).
    """
    words = fold(text).split()
    if len(words) < MIN_WORDS:
        return None
    shingles = {
        " ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8")
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }
    # Sharing the permutations saves drawing them again for every text.
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_PERMUTATIONS, scheme=_SCHEME)
    minhash.update_batch(shingles)
    return minhash.hashvalues.astype(_DTYPE).tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Return the estimated Jaccard similarity of the texts behind two signatures.

    :raises ValueError: when either is not a signature made by ``signature``.
    """
    return float(np.count_nonzero(_values(a) == _values(b))) / NUM_PERM


def _values(data: bytes) -> np.ndarray:
    if len(data) != SIGNATURE_BYTES:
        raise ValueError(f"not a text signature: {len(data)} bytes, {SIGNATURE_BYTES} expected")
    return np.frombuffer(data, dtype=_DTYPE)


def clip_text(text: str | None, summary: str | None) -> str:
    """Return the text a clip is compared by: its page text, else its feed summary."""
    return text or summary or ""


def distinct_texts(text_a: str, sig_a: bytes | None, text_b: str, sig_b: bytes | None) -> bool:
    """Tell whether two clips sharing a title clearly differ by their texts.

    A recurring title ("Le journal de 8h") names a new clip each time; a republication or a
    changed URL keeps its text. Without texts on both sides there is no evidence either way.
    """
    if sig_a is not None and sig_b is not None:
        return similarity(sig_a, sig_b) < STORY_THRESHOLD
    if sig_a is None and sig_b is None and fold(text_a) and fold(text_b):
        return fold(text_a) != fold(text_b)
    return False


def _clip_time():
    """The time of a clip: when it was published, else when it was collected."""
    return func.coalesce(Coverage.published_at, Coverage.created_at)


def _when(coverage: Coverage) -> datetime:
    return coverage.published_at or coverage.created_at


def find_same_title(
    session: Session, outlet_id: int, title_key: str, when: datetime, days: int = DUPLICATE_DAYS
) -> Coverage | None:
    """Return the clip of ``outlet_id`` with ``title_key`` closest to ``when`` within ``days``."""
    window = timedelta(days=days)
    clips = session.scalars(
        select(Coverage).where(
            Coverage.outlet_id == outlet_id,
            Coverage.title_key == title_key,
            _clip_time().between(when - window, when + window),
        )
    ).all()
    return min(clips, key=lambda c: (abs(_when(c) - when), c.id), default=None)


class StoryIndex:
    """The signatures of recent clips, to find the copies of a new one among them.

    Clips are keyed by coverage id; ``match`` confirms every LSH candidate with its signature.
    """

    def __init__(self, threshold: float = STORY_THRESHOLD) -> None:
        self.threshold = threshold
        self._signatures: dict[int, bytes] = {}
        self._lsh = self._new_lsh()
        # The highest coverage id when the database was last read; None before the first time.
        self._loaded_up_to: int | None = None

    def _new_lsh(self) -> MinHashLSH:
        return MinHashLSH(num_perm=NUM_PERM, params=lsh_params(self.threshold))

    @classmethod
    def load(
        cls, session: Session, since: datetime, threshold: float = STORY_THRESHOLD
    ) -> StoryIndex:
        """Return an index of the clips published (else collected) since ``since``."""
        index = cls(threshold)
        index.refresh(session, since)
        return index

    def refresh(self, session: Session, since: datetime) -> None:
        """Replace the indexed clips with those published (else collected) since ``since``."""
        self._signatures.clear()
        self._lsh = self._new_lsh()
        self._read(session, since)

    def update(self, session: Session) -> None:
        """Add the clips stored since the index last read the database, by any crawler.

        An index that never read it first reads the clips of the last ``STORY_DAYS`` days.
        """
        if self._loaded_up_to is None:
            self._read(session, utcnow() - timedelta(days=STORY_DAYS))
            return
        newest = session.scalar(select(func.max(Coverage.id))) or 0
        if newest > self._loaded_up_to:
            self._load(session, Coverage.id > self._loaded_up_to, Coverage.id <= newest)
            self._loaded_up_to = newest

    def _read(self, session: Session, since: datetime) -> None:
        self._loaded_up_to = session.scalar(select(func.max(Coverage.id))) or 0
        self._load(session, _clip_time() >= since, Coverage.id <= self._loaded_up_to)

    def _load(self, session: Session, *conditions) -> None:
        rows = session.execute(
            select(Coverage.id, Coverage.minhash).where(Coverage.minhash.is_not(None), *conditions)
        )
        for coverage_id, minhash in rows:
            if len(minhash) == SIGNATURE_BYTES:  # a signature of another format never matches
                self.add(coverage_id, minhash)

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, coverage_id: object) -> bool:
        return coverage_id in self._signatures

    def add(self, coverage_id: int, sig: bytes) -> None:
        """Index the clip ``coverage_id`` under its signature (replacing a previous one)."""
        if coverage_id in self._signatures:
            self._lsh.remove(coverage_id)
        self._lsh.insert(coverage_id, _lean(sig), check_duplication=False)
        self._signatures[coverage_id] = sig

    def match(self, sig: bytes) -> list[int]:
        """Return the ids of the indexed clips that copy the text signed ``sig``, closest first."""
        scored = []
        for coverage_id in self._lsh.query(_lean(sig)):
            score = similarity(sig, self._signatures[coverage_id])
            if score >= self.threshold:
                scored.append((-score, coverage_id))
        return [coverage_id for _score, coverage_id in sorted(scored)]


def lsh_params(threshold: float, recall: float = LSH_RECALL) -> tuple[int, int]:
    """Return the LSH bands and rows that make a pair at ``threshold`` a candidate at ``recall``.

    Among those, the one with the most rows per band, which brings the fewest extra candidates.
    datasketch's own optimum balances misses against extra candidates, but misses cost a story
    while an extra candidate costs one signature comparison: at 0.4 it would miss 44 % of the
    pairs at the threshold; 64 bands of 2 rows miss one in 70,000 ((1 − 0.4²)⁶⁴).
    """
    for rows in range(NUM_PERM // 2, 0, -1):
        bands = NUM_PERM // rows
        if 1 - (1 - threshold**rows) ** bands >= recall:
            return bands, rows
    raise ValueError(f"no LSH parameters reach a recall of {recall} at {threshold}")


def _lean(sig: bytes) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=_values(sig), scheme=_SCHEME)


def assign_story(session: Session, coverage: Coverage, index: StoryIndex) -> Story | None:
    """Attach ``coverage`` to the story of its closest copy among the indexed clips; return it.

    When the closest copy has no story yet, one is created for them. The other copies found
    without a story join it too: a truncated copy may have matched nothing alone and be linked
    through a fuller one. Copies already in another story stay there (stories are not merged).
    The story is titled after its earliest copy.

    The index first reads the clips stored since it last did (by other crawlers or processes);
    the clip is flushed if needed and added to it. Candidates are confirmed with their stored
    signatures, so an index entry left by a rolled-back insert never matches.
    """
    if coverage.minhash is None:
        return None
    if coverage.id is None:
        session.flush()
    index.update(session)
    candidates = [i for i in index.match(coverage.minhash) if i != coverage.id]
    index.add(coverage.id, coverage.minhash)
    copies = _confirmed_copies(session, coverage, candidates, index.threshold)
    if not copies:
        return None
    story = coverage.story or copies[0].story or Story()
    session.add(story)
    for copy in (coverage, *copies):
        if copy.story is None:
            copy.story = story
    session.flush()
    earliest = session.scalars(
        select(Coverage)
        .where(Coverage.story_id == story.id)
        .order_by(_clip_time(), Coverage.id)
        .limit(1)
    ).one()
    story.title = earliest.title
    session.flush()
    return story


def _confirmed_copies(
    session: Session, coverage: Coverage, candidates: Sequence[int], threshold: float
) -> list[Coverage]:
    """Return the candidates whose stored signature confirms a copy, closest first."""
    if not candidates:
        return []
    rows = session.scalars(select(Coverage).where(Coverage.id.in_(candidates))).all()
    scored = [
        (similarity(coverage.minhash, row.minhash), row)
        for row in rows
        if row.minhash is not None and len(row.minhash) == SIGNATURE_BYTES
    ]
    scored.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [row for score, row in scored if score >= threshold]
