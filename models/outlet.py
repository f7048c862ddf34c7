"""Outlets: the media that publish coverage (La Voix du Nord, France 3 Hauts-de-France…)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, Medium, Scope, str_enum, utcnow

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
    needs_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sources: Mapped[list[Source]] = relationship(back_populates="outlet")
    coverage: Mapped[list[Coverage]] = relationship(back_populates="outlet")

    def __repr__(self) -> str:
        return f"<Outlet {self.name!r} {self.medium}>"


def outlet_by_name(session: Session, name: str) -> Outlet | None:
    """Return the outlet with this exact name, if any."""
    return session.scalar(select(Outlet).where(Outlet.name == name))


def outlets_by_name(session: Session) -> list[Outlet]:
    """Every outlet, in alphabetical order."""
    return list(session.scalars(select(Outlet).order_by(Outlet.name)))
