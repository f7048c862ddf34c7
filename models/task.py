"""Background tasks: long work started from the interface (a crawl, a re-score, an export),
with its progress, its outcome and, for exports, the file it produced.

The row is the truth: whichever process runs the task writes its progress here, and the page
that shows it reads it back. A running task whose heartbeat stops (its process died) is shown
as interrupted.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, LargeBinary, String, Text, and_, delete, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, str_enum, utcnow

if TYPE_CHECKING:
    from .user import User

# A running task updates its heartbeat at least this often; past it, it is taken for dead.
HEARTBEAT_TIMEOUT = timedelta(minutes=15)
# Finished (or long interrupted) tasks, and the export files they hold, are removed after this.
TASK_RETENTION = timedelta(days=30)


class TaskStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Task(Base):
    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    params: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[TaskStatus] = mapped_column(
        str_enum(TaskStatus, "task_status"), default=TaskStatus.QUEUED
    )
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]  # None while the amount of work is unknown
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # A file the task produced (an export), served for download to its owner.
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(120))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (TaskStatus.DONE, TaskStatus.FAILED)

    def interrupted(self, now: datetime | None = None) -> bool:
        """Tell whether the task stopped without finishing (its process died)."""
        if self.finished:
            return False
        beat = self.heartbeat_at or self.created_at
        return (now or utcnow()) - beat > HEARTBEAT_TIMEOUT

    @property
    def percent(self) -> int | None:
        if self.status == TaskStatus.DONE:
            return 100
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "status": "interrupted" if self.interrupted() else self.status.value,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "message": self.message,
            "error": self.error,
            "result": self.result,
            "has_file": self.file_data is not None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def recent_tasks(session: Session, user_id: int | None, limit: int = 50) -> list[Task]:
    """The latest tasks, newest first: of one user, or everyone's with ``user_id`` None."""
    query = select(Task).order_by(Task.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(Task.user_id == user_id)
    return list(session.scalars(query))


def purge_tasks(session: Session, now: datetime | None = None) -> int:
    """Delete tasks finished, or silent, more than ``TASK_RETENTION`` ago; return how many.

    The press books the scheduler built (no owner) are deliverables, not by-products: kept.
    """
    cutoff = (now or utcnow()) - TASK_RETENTION
    finished = Task.status.in_((TaskStatus.DONE, TaskStatus.FAILED))
    kept = and_(Task.kind == "pressbook", Task.user_id.is_(None), Task.status == TaskStatus.DONE)
    result = session.execute(
        delete(Task).where(
            ~kept,
            or_(
                and_(finished, func.coalesce(Task.finished_at, Task.created_at) < cutoff),
                and_(~finished, func.coalesce(Task.heartbeat_at, Task.created_at) < cutoff),
            ),
        ),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0
