"""Outlets: the media that publish coverage (La Voix du Nord, France 3 Hauts-de-France…)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from .base import Base, Medium, RateKind, Scope, str_enum, utcnow

if TYPE_CHECKING:
    from .coverage import Coverage
    from .source import Source


class Outlet(Base):
    __tablename__ = "outlet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    medium: Mapped[Medium] = mapped_column(str_enum(Medium, "outlet_medium"))
    scope: Mapped[Scope | None] = mapped_column(str_enum(Scope, "outlet_scope"))
    # Domains (optionally with a path prefix, "bfmtv.com/grand-lille") that identify its pages.
    domains: Mapped[list] = mapped_column(default=list)
    is_partner: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[int | None]
    audience_unit: Mapped[str | None] = mapped_column(String(200))
    audience_year: Mapped[int | None]
    audience_source: Mapped[str | None] = mapped_column(String(500))
    # "audience=FOUND(2020);rate=ESTIMATED": how sure the registry figures are.
    confidence: Mapped[str | None] = mapped_column(String(120))
    audience_estimated: Mapped[bool] = mapped_column(default=False)
    # Print: readers per copy, when readership is derived from circulation (said so in reports).
    readers_per_copy: Mapped[float | None]
    needs_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sources: Mapped[list[Source]] = relationship(back_populates="outlet")
    rate_cards: Mapped[list[RateCard]] = relationship(
        back_populates="outlet", cascade="all, delete-orphan", order_by="RateCard.valid_from"
    )
    coverage: Mapped[list[Coverage]] = relationship(back_populates="outlet")

    def __repr__(self) -> str:
        return f"<Outlet {self.name!r} {self.medium}>"


class RateCard(Base):
    """One dated price of an outlet's advertising, with its source: the base of the AVE."""

    __tablename__ = "rate_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RateKind] = mapped_column(str_enum(RateKind, "rate_kind"))
    price_eur: Mapped[float]
    unit_note: Mapped[str | None] = mapped_column(String(300))  # as the source words it
    valid_from: Mapped[date | None]  # None: since always
    valid_to: Mapped[date | None]  # None: still valid
    year: Mapped[int | None]
    source: Mapped[str | None] = mapped_column(String(500))
    estimated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    outlet: Mapped[Outlet] = relationship(back_populates="rate_cards")


def outlet_by_name(session: Session, name: str) -> Outlet | None:
    """Return the outlet with this exact name, if any."""
    return session.scalar(select(Outlet).where(Outlet.name == name))


def outlet_choices(session: Session) -> list[tuple[int, str]]:
    """Every outlet's id and name, in alphabetical order: the lists of the forms, without
    loading whole outlets."""
    return [
        tuple(row) for row in session.execute(select(Outlet.id, Outlet.name).order_by(Outlet.name))
    ]


def outlets_by_name(session: Session, with_rates: bool = False) -> list[Outlet]:
    """Every outlet, in alphabetical order (with its rate cards loaded, if asked)."""
    query = select(Outlet).order_by(Outlet.name)
    if with_rates:
        query = query.options(selectinload(Outlet.rate_cards))
    return list(session.scalars(query))
