"""Which press action produced a clip: suggestions, with their evidence, and decisions.

A clip published in an action's window (from its day to ``window_days`` after its last day) is
suggested for it when

- its outlet is the outlet of a contact the action reached (recipient, invitee or attendee),
- its author is such a contact, or
- its text takes up the action's document (a release): the share of the release's sentences it
  repeats, and the near-duplicate similarity of the two texts (MinHash of word 5-shingles, as
  for syndicated copies in ``models.dedup``).

A clip taking up at least half of the release's sentences, or nearly all its text, is a
*reprise*. Suggestions are confirmed or rejected by a person (``set_attribution``); a later
search refreshes the evidence but never undoes a decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from .base import CoverageStatus, utcnow
from .contact import ContactOutlet
from .coverage import Coverage
from .dedup import SHINGLE_WORDS, signature, similarity
from .metrics import PARIS, campaign_clips, paris_start
from .press_action import AttributionState, CoverageAction, PressAction
from .text import fold, fold_words

MIN_SENTENCE_WORDS = 8  # shorter release sentences ("Contact presse.") prove nothing
SENTENCE_TAKEN = 0.6  # share of a sentence's word 5-shingles found in the clip
SUGGEST_REUSE = 0.15  # share of the release's sentences that makes a clip a candidate
REPRISE_REUSE = 0.5  # … that makes it a reprise
REPRISE_SIMILARITY = 0.8  # near-duplicate similarity that makes it a reprise
SUGGEST_SIMILARITY = 0.3

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n\s*\n")  # hard-wrapped lines stay one sentence


@dataclass(frozen=True)
class TextReuse:
    """How much of a release a clip takes up."""

    sentences: int  # release sentences long enough to count
    taken: int  # of those, the ones the clip repeats
    similarity: float | None  # near-duplicate similarity; None when a text is too short

    @property
    def share(self) -> float | None:
        return round(self.taken / self.sentences, 4) if self.sentences else None

    @property
    def reprise(self) -> bool:
        return (self.share or 0) >= REPRISE_REUSE or (self.similarity or 0) >= REPRISE_SIMILARITY


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def release_sentences(text: str) -> list[list[str]]:
    """The release's sentences long enough to recognise, as folded words."""
    sentences = (fold_words(part) for part in _SENTENCE_END.split(text or ""))
    return [words for words in sentences if len(words) >= MIN_SENTENCE_WORDS]


def text_reuse(release: str, clip_text: str, release_signature: bytes | None = None) -> TextReuse:
    """Measure how much of ``release`` the clip's text takes up."""
    sentences = release_sentences(release)
    clip_shingles = _shingles(fold_words(clip_text or ""))
    taken = 0
    for words in sentences:
        own = _shingles(words)
        if own and len(own & clip_shingles) / len(own) >= SENTENCE_TAKEN:
            taken += 1
    release_sig = release_signature if release_signature is not None else signature(release or "")
    clip_sig = signature(clip_text or "")
    near = similarity(release_sig, clip_sig) if release_sig and clip_sig else None
    return TextReuse(len(sentences), taken, near)


def window(action: PressAction) -> tuple[date, date]:
    """The first and last publication days (Paris) of the clips the action may have produced."""
    last = (action.end_day or action.day) + timedelta(days=action.window_days)
    return action.day, last


def _people(session: Session, action: PressAction):
    """The contacts the action reached: by outlet id and by folded name."""
    reached = [p.contact for p in action.people if p.recipient or p.invited or p.attended]
    reached = [c for c in reached if c.erased_at is None]
    by_outlet: dict[int, list[int]] = {}
    if reached:
        links = session.scalars(
            select(ContactOutlet).where(ContactOutlet.contact_id.in_([c.id for c in reached]))
        )
        for link in links:
            by_outlet.setdefault(link.outlet_id, []).append(link.contact_id)
    by_name = {fold(c.name): c.id for c in reached if fold(c.name)}
    return by_outlet, by_name


def _author_contacts(author: str | None, by_name: dict[str, int]) -> list[int]:
    """Contacts whose name is the clip's author (or one of its authors)."""
    folded = f" {fold(author or '')} "
    return [cid for name, cid in by_name.items() if f" {name} " in folded]


def _candidates(session: Session, action: PressAction, outlet_ids, has_text: bool):
    first, last = window(action)
    query = (
        select(Coverage)
        .where(
            Coverage.status.in_((CoverageStatus.NEW, CoverageStatus.CONFIRMED)),
            Coverage.published_at >= paris_start(first),
            Coverage.published_at < paris_start(last + timedelta(days=1)),
        )
        .options(selectinload(Coverage.outlet))
    )
    if action.campaign_id is not None:
        query = query.where(Coverage.id.in_(campaign_clips(session, action.campaign_id)))
    if not has_text:  # without a document, only the people can point at a clip
        query = query.where(or_(Coverage.outlet_id.in_(outlet_ids), Coverage.author.is_not(None)))
    return session.scalars(query)


def suggest_for_action(session: Session, action: PressAction) -> list[CoverageAction]:
    """Find the clips the action may have produced and record them as suggestions (or refresh
    the evidence of existing attributions); return the action's attributions found this time.
    The caller commits."""
    by_outlet, by_name = _people(session, action)
    release = action.document_text or ""
    release_sig = signature(release) if release else None
    existing = {a.coverage_id: a for a in action.attributions}
    found = []
    for clip in _candidates(session, action, list(by_outlet), bool(release_sentences(release))):
        reasons: list[dict] = []
        if clip.outlet_id in by_outlet:
            reasons.append(
                {
                    "kind": "outlet",
                    "detail": clip.outlet.name,
                    "contacts": by_outlet[clip.outlet_id],
                }
            )
        authors = _author_contacts(clip.author, by_name)
        if authors:
            reasons.append({"kind": "author", "detail": clip.author, "contacts": authors})
        reuse = (
            text_reuse(release, clip.text or clip.summary or "", release_sig) if release else None
        )
        if reuse and (
            (reuse.share or 0) >= SUGGEST_REUSE or (reuse.similarity or 0) >= SUGGEST_SIMILARITY
        ):
            reasons.append({"kind": "text", "detail": f"{reuse.taken}/{reuse.sentences}"})
        if not reasons:
            continue
        published = clip.published_at.astimezone(PARIS).date()
        reasons.insert(0, {"kind": "window", "detail": (published - action.day).days})
        people = 0.5 if authors else 0.4 if clip.outlet_id in by_outlet else 0.0
        text = max(reuse.share or 0, reuse.similarity or 0) if reuse else 0.0
        attribution = existing.get(clip.id)
        if attribution is None:
            attribution = CoverageAction(
                coverage=clip, action=action, state=AttributionState.SUGGESTED
            )
            session.add(attribution)
        attribution.reasons = reasons
        attribution.score = round(min(1.0, people + text), 4)
        attribution.reuse_share = reuse.share if reuse else None
        attribution.similarity = reuse.similarity if reuse else None
        attribution.reprise = bool(reuse and reuse.reprise)
        found.append(attribution)
    session.flush()
    return found


def suggest_for_open_actions(session: Session, today: date | None = None) -> int:
    """Look for clips for every action whose window is still open; return suggestions made.
    The scheduler runs it after each analysis batch. The caller commits."""
    today = today or utcnow().date()
    actions = session.scalars(
        select(PressAction)
        .where(PressAction.day <= today)
        .options(selectinload(PressAction.people), selectinload(PressAction.attributions))
    )
    return sum(
        len(suggest_for_action(session, action)) for action in actions if window(action)[1] >= today
    )


class AttributionError(ValueError):
    """An attribution decision that cannot be applied."""


def set_attribution(
    session: Session, coverage_id: int, action_id: int, state: str, user
) -> CoverageAction:
    """Confirm or reject that a clip came from an action (a person may also attribute a clip
    that was not suggested). The caller commits.

    :raises AttributionError: for an unknown clip, action or state.
    """
    try:
        chosen = AttributionState(state)
    except ValueError:
        raise AttributionError(f"Unknown attribution state {state!r}.") from None
    attribution = session.get(CoverageAction, (coverage_id, action_id))
    if attribution is None:
        if (
            session.get(Coverage, coverage_id) is None
            or session.get(PressAction, action_id) is None
        ):
            raise AttributionError(f"No clip {coverage_id} or no action {action_id}.")
        attribution = CoverageAction(
            coverage_id=coverage_id, action_id=action_id, reasons=[{"kind": "person"}]
        )
        session.add(attribution)
    attribution.state = chosen
    attribution.decided_by_id = user.id if user is not None else None
    attribution.decided_at = utcnow()
    return attribution
