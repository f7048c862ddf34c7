"""The review inbox: which clips await a decision, and what each card shows about them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, load_only, selectinload

from .base import CoverageStatus, utcnow
from .coverage import Coverage, CoverageCampaign, Story, linked_to
from .user import User

DUPLICATE = "duplicate"  # review_reason of a clip rejected as a copy of another
NOT_RELEVANT = "not_relevant"  # review_reason of a clip rejected as a false positive
EXCERPT_CHARS = 400  # of the text, read only for clips without any summary
TERRITORY_KINDS = ("territory", "other basin")

# What a card shows: everything but the text, the page snapshot and the valuation breakdowns,
# which can be large and are read on the clip's own page.
CARD_COLUMNS = (
    Coverage.id,
    Coverage.url,
    Coverage.title,
    Coverage.summary,
    Coverage.summary_generated,
    Coverage.published_at,
    Coverage.created_at,
    Coverage.outlet_id,
    Coverage.story_id,
    Coverage.status,
    Coverage.medium,
    Coverage.medium_reason,
    Coverage.relevance,
    Coverage.relevant,
    Coverage.relevance_evidence,
    Coverage.key_messages,
    Coverage.quotes,
    Coverage.tone,
    Coverage.reach,
    Coverage.ave_eur,
    Coverage.ave_override_eur,
    Coverage.note,
    Coverage.review_reason,
    Coverage.duplicate_of_id,
)
COPY_COLUMNS = (
    Coverage.id,
    Coverage.title,
    Coverage.outlet_id,
    Coverage.story_id,
    Coverage.status,
    Coverage.review_reason,
    Coverage.published_at,
)


@dataclass(frozen=True)
class InboxFilter:
    """Which clips awaiting review to show: of one campaign, only those new since a visit."""

    campaign_id: int | None = None
    since: datetime | None = None  # the user's previous visit; None: there was none
    only_new: bool = False

    def conditions(self) -> list:
        where = [Coverage.status == CoverageStatus.NEW]
        if self.campaign_id is not None:
            where.append(linked_to([self.campaign_id]))
        if self.only_new and self.since is not None:
            where.append(Coverage.created_at > self.since)
        return where


@dataclass
class InboxCard:
    """One clip as its review card shows it, with the values worked out for the template."""

    clip: Coverage
    excerpt: str
    is_new: bool
    territory_terms: list[str] = field(default_factory=list)
    other_copies: list[Coverage] = field(default_factory=list)
    default_original: Coverage | None = None

    @property
    def ave_eur(self) -> float | None:
        """The AVE totals use: a person's override when there is one."""
        if self.clip.ave_override_eur is not None:
            return self.clip.ave_override_eur
        return self.clip.ave_eur

    @property
    def linked_campaign_ids(self) -> set[int]:
        return {link.campaign_id for link in self.clip.campaign_links}


def default_original(clip: Coverage) -> Coverage | None:
    """The copy a clip most likely duplicates: the earliest other copy of its story.

    Copies already rejected as duplicates are passed over when another copy exists.
    """
    copies = [c for c in (clip.story.copies if clip.story else []) if c.id != clip.id]
    originals = [c for c in copies if c.review_reason != DUPLICATE] or copies
    if not originals:
        return None
    return min(originals, key=lambda c: (c.published_at is None, c.published_at or 0, c.id))


def _excerpt_head():
    """The start of the text, read from the database only when a clip has no summary."""
    no_summary = func.coalesce(Coverage.summary, Coverage.summary_generated, "") == ""
    return case((no_summary, func.substr(Coverage.text, 1, EXCERPT_CHARS)), else_=None)


def _card_statement(where: Iterable):
    return (
        select(Coverage, _excerpt_head().label("head"))
        .where(*where)
        .options(
            load_only(*CARD_COLUMNS),
            selectinload(Coverage.outlet),
            selectinload(Coverage.campaign_links).selectinload(CoverageCampaign.campaign),
            selectinload(Coverage.story)
            .selectinload(Story.copies)
            .load_only(*COPY_COLUMNS)
            .selectinload(Coverage.outlet),
        )
    )


def _card(clip: Coverage, head: str | None, since: datetime | None) -> InboxCard:
    evidence = clip.relevance_evidence or []
    terms = [e.get("term") for e in evidence if e.get("kind") in TERRITORY_KINDS]
    copies = [c for c in (clip.story.copies if clip.story else []) if c.id != clip.id]
    return InboxCard(
        clip=clip,
        excerpt=clip.summary or clip.summary_generated or head or "",
        is_new=since is None or (clip.created_at is not None and clip.created_at > since),
        territory_terms=list(dict.fromkeys(t for t in terms if t)),
        other_copies=sorted(copies, key=lambda c: c.id),
        default_original=default_original(clip),
    )


def inbox_cards(
    session: Session, inbox: InboxFilter | None = None, limit: int = 50, offset: int = 0
) -> list[InboxCard]:
    """One page of the inbox: clips awaiting review, newest first, with what their cards show.

    One query for the page (and one per related table), without reading the clips' texts.
    """
    inbox = inbox or InboxFilter()
    statement = (
        _card_statement(inbox.conditions())
        .order_by(Coverage.published_at.desc().nulls_last(), Coverage.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_card(clip, head, inbox.since) for clip, head in session.execute(statement)]


def review_queue(
    session: Session, limit: int = 50, offset: int = 0, inbox: InboxFilter | None = None
) -> list[Coverage]:
    """Clips awaiting review, newest first (by publication, then collection time)."""
    return [card.clip for card in inbox_cards(session, inbox, limit, offset)]


def review_count(session: Session, inbox: InboxFilter | None = None) -> int:
    """How many clips await review (in the filter's selection)."""
    inbox = inbox or InboxFilter()
    return session.scalar(select(func.count()).select_from(Coverage).where(*inbox.conditions()))


def cards_of(
    session: Session, coverage_ids: Iterable[int], since: datetime | None = None
) -> list[InboxCard]:
    """The cards of these clips whatever their status, in the order of ``coverage_ids``."""
    ids = list(dict.fromkeys(coverage_ids))
    if not ids:
        return []
    rows = session.execute(_card_statement([Coverage.id.in_(ids)]))
    found = {clip.id: _card(clip, head, since) for clip, head in rows}
    return [found[i] for i in ids if i in found]


def open_inbox(session: Session, user: User) -> datetime | None:
    """Note that ``user`` opens the inbox now; return their previous visit (None: the first)."""
    previous = user.last_review_at
    user.last_review_at = utcnow()
    return previous
