"""Campaigns: what is monitored (a query) over a period, possibly under an umbrella campaign."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .coverage import CoverageCampaign

DEFAULT_TERRITORY = "bassin-minier-npdc"


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text, default="")
    # Name of the territory gazetteer the relevance model uses for this campaign.
    territory: Mapped[str] = mapped_column(String(100), default=DEFAULT_TERRITORY)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    needs_review: Mapped[bool] = mapped_column(default=False)  # created by an import
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Campaign | None] = relationship(
        back_populates="children", remote_side="Campaign.id"
    )
    children: Mapped[list[Campaign]] = relationship(back_populates="parent")
    coverage_links: Mapped[list[CoverageCampaign]] = relationship(back_populates="campaign")
    key_messages: Mapped[list[KeyMessage]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="KeyMessage.id"
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.slug}>"


class KeyMessage(Base):
    """A message the campaign wants the media to carry: a label and a few ways to say it."""

    __tablename__ = "key_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    phrasings: Mapped[list] = mapped_column(default=list)  # short French sentences or phrases
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="key_messages")


def campaign_by_slug(session: Session, slug: str) -> Campaign | None:
    if "\x00" in slug:  # no slug holds one, and PostgreSQL refuses it in a query
        return None
    return session.scalar(select(Campaign).where(Campaign.slug == slug))


def active_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.active).order_by(Campaign.id)))


def campaigns_by_name(session: Session) -> list[Campaign]:
    """Every campaign, in alphabetical order."""
    return list(session.scalars(select(Campaign).order_by(Campaign.name)))


def campaign_tree(session: Session) -> list[tuple[Campaign, int]]:
    """Every campaign with its depth: umbrellas by name, each followed by its sub-campaigns."""
    campaigns = campaigns_by_name(session)
    known = {c.id for c in campaigns}
    children: dict[int | None, list[Campaign]] = {}
    for campaign in campaigns:
        parent = campaign.parent_id if campaign.parent_id in known else None
        children.setdefault(parent, []).append(campaign)
    ordered: list[tuple[Campaign, int]] = []
    seen: set[int] = set()

    def visit(parent_id: int | None, depth: int) -> None:
        for child in children.get(parent_id, []):
            if child.id not in seen:
                seen.add(child.id)
                ordered.append((child, depth))
                visit(child.id, depth + 1)

    visit(None, 0)
    for campaign in campaigns:  # caught in a loop of parents (older data): shown at the top
        if campaign.id not in seen:
            seen.add(campaign.id)
            ordered.append((campaign, 0))
            visit(campaign.id, 1)
    return ordered


def descendant_ids(session: Session, campaign_id: int) -> set[int]:
    """Return the ids of the campaign's sub-campaigns, their sub-campaigns and so on."""
    parents = dict(session.execute(select(Campaign.id, Campaign.parent_id)).all())
    found: set[int] = set()
    frontier = {campaign_id}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier and c not in found}
        found |= frontier
    found.discard(campaign_id)
    return found


def campaign_slugs(session: Session) -> dict[str, int]:
    """Return every campaign's slug with its id."""
    return dict(session.execute(select(Campaign.slug, Campaign.id)).all())
