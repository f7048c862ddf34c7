"""Coverage ("retombées"): one clip in one outlet, from collection to review."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    and_,
    case,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import (
    Base,
    CoverageOrigin,
    CoverageStatus,
    Medium,
    Prominence,
    Tone,
    str_enum,
    utcnow,
)

if TYPE_CHECKING:
    from .campaign import Campaign
    from .outlet import Outlet
    from .source import Source
    from .user import User


class Coverage(Base):
    __tablename__ = "coverage"
    __table_args__ = (
        Index("ix_coverage_status_created", "status", "created_at"),
        Index("ix_coverage_status_published", "status", "published_at"),
        # The review inbox's order on PostgreSQL, which reads an index backwards only with its
        # own NULLS order (SQLite serves it from the index above).
        Index(
            "ix_coverage_status_latest",
            "status",
            text("published_at DESC NULLS LAST"),
            text("id DESC"),
        ).ddl_if(dialect="postgresql"),
        # Covering index of the campaign figures (models.reports, models.metrics, the
        # dashboard): the clips of a status and period with the columns they sum and group by,
        # read without visiting the rows (see docs/performance.md).
        Index(
            "ix_coverage_figures",
            "status",
            "published_at",
            "medium",
            "tone",
            "prominence",
            "outlet_id",
            "reach",
            "ave_eur",
            "ave_override_eur",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Canonical URL: the identity of a web clip. Empty for print or broadcast clips entered by hand.
    url: Mapped[str | None] = mapped_column(String(2000), unique=True)
    # Identity of a clip without URL (manual entry, import): a hash of date, outlet and title.
    manual_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    origin: Mapped[CoverageOrigin] = mapped_column(
        str_enum(CoverageOrigin, "coverage_origin"), default=CoverageOrigin.CRAWL
    )
    fetched_url: Mapped[str | None] = mapped_column(String(2000))  # after redirects
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(8))
    # What the page and feed said about the medium (audio enclosure, og:video…), for the NLP.
    medium_hints: Mapped[dict] = mapped_column(default=dict)
    programme: Mapped[str | None] = mapped_column(String(300))  # page or programme
    duration_s: Mapped[int | None]  # broadcast clips
    page_fraction: Mapped[float | None]  # print clips
    surface_cm2: Mapped[float | None]  # print clips
    note: Mapped[str | None] = mapped_column(Text)  # e.g. why the page text is missing
    # Syndication: the same story in several outlets or editions.
    story_id: Mapped[int | None] = mapped_column(ForeignKey("story.id"), index=True)
    title_key: Mapped[str | None] = mapped_column(String(64), index=True)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)

    status: Mapped[CoverageStatus] = mapped_column(
        str_enum(CoverageStatus, "coverage_status"), default=CoverageStatus.PENDING
    )
    claim_token: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    # NLP results.
    medium: Mapped[Medium | None] = mapped_column(str_enum(Medium, "coverage_medium"))
    medium_reason: Mapped[str | None] = mapped_column(String(300))
    relevance: Mapped[float | None]
    relevant: Mapped[bool | None]
    relevance_evidence: Mapped[list] = mapped_column(default=list)
    # [{"label", "sentence", "score", "method"}], [{"text", "speaker", "role"}]
    key_messages: Mapped[list] = mapped_column(default=list)
    quotes: Mapped[list] = mapped_column(default=list)
    tone: Mapped[Tone | None] = mapped_column(str_enum(Tone, "coverage_tone"))
    tone_score: Mapped[float | None]
    tone_reason: Mapped[str | None] = mapped_column(String(300))
    summary_generated: Mapped[str | None] = mapped_column(Text)
    # Value: reach ("contacts potentiels") and advertising value equivalence, each with the
    # breakdown of how it was computed (formula, inputs, their sources); an override wins.
    prominence: Mapped[Prominence | None] = mapped_column(str_enum(Prominence, "prominence"))
    reach: Mapped[int | None]
    reach_breakdown: Mapped[dict] = mapped_column(default=dict)
    ave_eur: Mapped[float | None]
    ave_breakdown: Mapped[dict] = mapped_column(default=dict)
    ave_override_eur: Mapped[float | None]
    ave_override_reason: Mapped[str | None] = mapped_column(Text)
    valued_at: Mapped[datetime | None]
    # Set when the campaign's messages or territory change: analysed again in the background.
    stale_analysis: Mapped[bool] = mapped_column(default=False, index=True)
    # Review. A rejection says why: not relevant, or a duplicate of another clip.
    reviewed_at: Mapped[datetime | None]
    review_reason: Mapped[str | None] = mapped_column(String(40))
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("coverage.id", ondelete="SET NULL")
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    outlet: Mapped[Outlet | None] = relationship(back_populates="coverage")
    source: Mapped[Source | None] = relationship(back_populates="coverage")
    reviewed_by: Mapped[User | None] = relationship()
    duplicate_of: Mapped[Coverage | None] = relationship(remote_side="Coverage.id")
    campaign_links: Mapped[list[CoverageCampaign]] = relationship(
        back_populates="coverage", cascade="all, delete-orphan"
    )
    story: Mapped[Story | None] = relationship(back_populates="copies")
    snapshot: Mapped[Snapshot | None] = relationship(
        back_populates="coverage", cascade="all, delete-orphan", uselist=False
    )

    @property
    def campaigns(self) -> list[Campaign]:
        return [link.campaign for link in self.campaign_links]

    def __repr__(self) -> str:
        return f"<Coverage {self.id} {self.status} {self.url or self.title!r}>"


class Story(Base):
    """A story taken up by several outlets (wire dispatch, regional editions): its copies."""

    __tablename__ = "story"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    copies: Mapped[list[Coverage]] = relationship(back_populates="story")


class Snapshot(Base):
    """Evidence: the compressed HTML of a web clip as fetched."""

    __tablename__ = "snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    coverage_id: Mapped[int] = mapped_column(
        ForeignKey("coverage.id", ondelete="CASCADE"), unique=True
    )
    fetched_at: Mapped[datetime]
    final_url: Mapped[str] = mapped_column(String(2000))
    status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(200))
    encoding: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int]  # bytes before compression
    html_gz: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed

    coverage: Mapped[Coverage] = relationship(back_populates="snapshot")


class CoverageCampaign(Base):
    """A clip counted in a campaign, with the query terms that put it there."""

    __tablename__ = "coverage_campaign"
    # A campaign's clips without visiting the link rows (the primary key starts with the clip).
    __table_args__ = (
        Index("ix_coverage_campaign_campaign_coverage", "campaign_id", "coverage_id"),
    )

    coverage_id: Mapped[int] = mapped_column(
        ForeignKey("coverage.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    hits: Mapped[list] = mapped_column(default=list)

    coverage: Mapped[Coverage] = relationship(back_populates="campaign_links")
    campaign: Mapped[Campaign] = relationship(back_populates="coverage_links")


def coverage_url_exists(session: Session, canonical: str) -> bool:
    """Tell whether a clip with this canonical URL is already stored."""
    return session.scalar(select(Coverage.id).where(Coverage.url == canonical)) is not None


def _claim(session: Session, claimable, limit: int, values: dict) -> list[int]:
    """Set ``values`` on up to ``limit`` claimable clips in one statement; return their ids.

    One statement, so that concurrent workers never claim the same clip: PostgreSQL skips rows
    another worker has locked (``FOR UPDATE SKIP LOCKED``), SQLite serialises writers.
    """
    candidates = (
        select(Coverage.id)
        .where(claimable)
        .order_by(Coverage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")  # chosen once: as ``IN (subquery)`` PostgreSQL may run it per row
    )
    statement = (
        update(Coverage)
        .where(Coverage.id == candidates.c.id, claimable)
        .values(**values)
        .returning(Coverage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(statement))


def claim_pending(
    session: Session, limit: int, token: str, stale_after: timedelta = timedelta(minutes=15)
) -> list[int]:
    """Claim up to ``limit`` clips awaiting analysis for the worker ``token``; return their ids.

    Clips claimed longer than ``stale_after`` ago (a worker that died) are claimed again.
    """
    now = utcnow()
    claimable = or_(
        Coverage.status == CoverageStatus.PENDING,
        and_(Coverage.status == CoverageStatus.PROCESSING, Coverage.claimed_at < now - stale_after),
    )
    values = {"status": CoverageStatus.PROCESSING, "claim_token": token, "claimed_at": now}
    return _claim(session, claimable, limit, values)


def claim_stale(
    session: Session, limit: int, token: str, stale_after: timedelta = timedelta(minutes=15)
) -> list[int]:
    """Claim up to ``limit`` analysed clips marked for a new analysis; their status is kept."""
    now = utcnow()
    claimable = and_(
        Coverage.stale_analysis.is_(True),
        or_(Coverage.claim_token.is_(None), Coverage.claimed_at < now - stale_after),
    )
    return _claim(session, claimable, limit, {"claim_token": token, "claimed_at": now})


def release_claims(session: Session, token: str) -> int:
    """Give back the clips the worker ``token`` claimed and did not write (a batch cut short
    by a lost database connection): awaiting analysis again, or their analysis kept."""
    statement = (
        update(Coverage)
        .where(Coverage.claim_token == token)
        .values(
            claim_token=None,
            claimed_at=None,
            status=case(
                (Coverage.status == CoverageStatus.PROCESSING, CoverageStatus.PENDING),
                else_=Coverage.status,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount


def mark_campaign_stale(session: Session, campaign_id: int) -> int:
    """Ask for a new analysis of a campaign's analysed clips (its messages or territory changed)."""
    linked = select(CoverageCampaign.coverage_id).where(CoverageCampaign.campaign_id == campaign_id)
    result = session.execute(
        update(Coverage)
        .where(
            Coverage.id.in_(linked),
            Coverage.status.in_(
                [CoverageStatus.NEW, CoverageStatus.CONFIRMED, CoverageStatus.REJECTED]
            ),
        )
        .values(stale_analysis=True)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def stale_count(session: Session, campaign_id: int) -> int:
    """How many clips of a campaign (and its sub-campaigns) still await a new analysis."""
    from .metrics import campaign_clips

    return session.scalar(
        select(func.count())
        .select_from(Coverage)
        .where(
            Coverage.stale_analysis.is_(True), Coverage.id.in_(campaign_clips(session, campaign_id))
        )
    )


def linked_to(campaign_ids: list[int], clip_id=None):
    """The condition "the clip is in one of these campaigns", checked clip by clip.

    For a query that already has few clips to check (awaiting review, matching some words):
    each is looked up in the link table's primary key. ``LIMIT 1`` keeps PostgreSQL from
    turning the test into a join, which would read all of an umbrella campaign's links (150,000
    for a large one) to check a few thousand clips. ``clip_id``: the column holding the clip's
    id, when it is not ``Coverage.id``.
    """
    linked = (
        select(CoverageCampaign.coverage_id)
        .where(
            CoverageCampaign.coverage_id == (Coverage.id if clip_id is None else clip_id),
            CoverageCampaign.campaign_id.in_(campaign_ids),
        )
        .limit(1)
        .correlate_except(CoverageCampaign)
        .scalar_subquery()
    )
    return linked.is_not(None)
