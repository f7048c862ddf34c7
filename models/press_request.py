"""Press requests: what journalists ask for, by when, what was answered and what came of it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow

if TYPE_CHECKING:
    from .campaign import Campaign
    from .contact import Contact
    from .coverage import Coverage
    from .outlet import Outlet


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    DECLINED = "declined"
    CLOSED = "closed"


request_coverage = Table(
    "request_coverage",
    Base.metadata,
    Column("request_id", ForeignKey("press_request.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "coverage_id",
        ForeignKey("coverage.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class PressRequest(Base):
    __tablename__ = "press_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    requester: Mapped[str | None] = mapped_column(String(200))  # when not in the press file
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    details: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(index=True)
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "request_status"), default=RequestStatus.OPEN, index=True
    )
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact | None] = relationship()
    outlet: Mapped[Outlet | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    coverage: Mapped[list[Coverage]] = relationship(secondary=request_coverage)

    def overdue(self, now: datetime | None = None) -> bool:
        """An open request past its deadline."""
        return (
            self.status == RequestStatus.OPEN
            and self.deadline is not None
            and self.deadline < (now or utcnow())
        )
