"""The history of a clip: who changed what, and when (review decisions, corrections, edits)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .coverage import Coverage
    from .user import User


class CoverageEvent(Base):
    """One change to one clip. ``details`` holds what changed, e.g. ``{"status": [old, new]}``."""

    __tablename__ = "coverage_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    coverage_id: Mapped[int] = mapped_column(
        ForeignKey("coverage.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(default=dict)

    coverage: Mapped[Coverage] = relationship()
    user: Mapped[User | None] = relationship()


def record(session: Session, coverage: Coverage, action: str, details: dict, user=None):
    """Add an event to a clip's history; the caller commits."""
    event = CoverageEvent(coverage=coverage, action=action, details=details, user=user)
    session.add(event)
    return event


def history(session: Session, coverage_id: int) -> list[CoverageEvent]:
    """A clip's events, newest first."""
    return list(
        session.scalars(
            select(CoverageEvent)
            .where(CoverageEvent.coverage_id == coverage_id)
            .order_by(CoverageEvent.at.desc(), CoverageEvent.id.desc())
        )
    )
