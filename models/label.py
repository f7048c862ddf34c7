"""Labels: the press officer's corrections of the analysis, kept as training and test data."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .coverage import Coverage
    from .user import User

# task -> what ``value`` holds
TASKS = {
    "relevance": '{"relevant": bool}',
    "medium": '{"medium": "press|tv|radio|web|partner"}',
    "key_message": '{"label": str, "present": bool, "sentence": str | null}',
    "tone": '{"tone": "positive|neutral|negative"}',
}


class Label(Base):
    """One correction (or confirmation) of one analysis result for one clip."""

    __tablename__ = "label"

    id: Mapped[int] = mapped_column(primary_key=True)
    coverage_id: Mapped[int] = mapped_column(
        ForeignKey("coverage.id", ondelete="CASCADE"), index=True
    )
    task: Mapped[str] = mapped_column(String(30), index=True)
    value: Mapped[dict] = mapped_column(default=dict)
    predicted: Mapped[dict] = mapped_column(default=dict)  # what the analysis had said
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coverage: Mapped[Coverage] = relationship()
    user: Mapped[User | None] = relationship()


def add_label(
    session: Session, coverage: Coverage, task: str, value: dict, predicted: dict, user=None
) -> Label:
    """Record a correction; the caller commits.

    :raises ValueError: for an unknown task.
    """
    if task not in TASKS:
        raise ValueError(f"Unknown label task {task!r}; known: {', '.join(TASKS)}.")
    label = Label(coverage=coverage, task=task, value=value, predicted=predicted, user=user)
    session.add(label)
    return label


def labels(session: Session, task: str | None = None) -> list[Label]:
    """Every label (of one task), oldest first."""
    query = select(Label).order_by(Label.id)
    if task:
        query = query.where(Label.task == task)
    return list(session.scalars(query))
