"""Press actions: releases, press kits, invitations, conferences, trips, interviews and
follow-ups, with the contacts each one reached and the clips attributed to it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, str_enum, utcnow

if TYPE_CHECKING:
    from .campaign import Campaign
    from .contact import Contact
    from .coverage import Coverage
    from .user import User

# Clips published this many days after an action (or its last day) may be attributed to it.
DEFAULT_WINDOW_DAYS = 30


class ActionKind(enum.StrEnum):
    RELEASE = "release"  # communiqué
    PRESS_KIT = "press_kit"  # dossier de presse
    INVITATION = "invitation"
    PRESS_CONFERENCE = "press_conference"
    PRESS_TRIP = "press_trip"  # voyage de presse
    INTERVIEW = "interview"
    FOLLOW_UP = "follow_up"  # relance


SENDINGS = (ActionKind.RELEASE, ActionKind.PRESS_KIT, ActionKind.INVITATION)
EVENTS = (ActionKind.PRESS_CONFERENCE, ActionKind.PRESS_TRIP, ActionKind.INTERVIEW)


class PressAction(Base):
    __tablename__ = "press_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActionKind] = mapped_column(str_enum(ActionKind, "action_kind"))
    title: Mapped[str] = mapped_column(String(300))
    day: Mapped[date]  # the sending, or the first day of the event
    end_day: Mapped[date | None]  # last day of an event over several days
    window_days: Mapped[int] = mapped_column(default=DEFAULT_WINDOW_DAYS)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    # The attached document (a release's text is kept to recognise clips that take it up).
    document_name: Mapped[str | None] = mapped_column(String(300))
    document_text: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    cost_eur: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    campaign: Mapped[Campaign | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    people: Mapped[list[ActionContact]] = relationship(
        back_populates="action", cascade="all, delete-orphan"
    )
    attributions: Mapped[list[CoverageAction]] = relationship(
        back_populates="action", cascade="all, delete-orphan"
    )

    @property
    def recipients(self) -> list[Contact]:
        return [p.contact for p in self.people if p.recipient]

    @property
    def invitees(self) -> list[Contact]:
        return [p.contact for p in self.people if p.invited]

    @property
    def attendees(self) -> list[Contact]:
        return [p.contact for p in self.people if p.attended]

    def __repr__(self) -> str:
        return f"<PressAction {self.id} {self.kind} {self.title!r}>"


class ActionContact(Base):
    """A contact an action reached: sent to, invited, present."""

    __tablename__ = "action_contact"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("press_action.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    recipient: Mapped[bool] = mapped_column(default=False)
    invited: Mapped[bool] = mapped_column(default=False)
    attended: Mapped[bool] = mapped_column(default=False)

    action: Mapped[PressAction] = relationship(back_populates="people")
    contact: Mapped[Contact] = relationship()


class FollowUpOutcome(enum.StrEnum):
    NO_ANSWER = "no_answer"
    DECLINED = "declined"
    INTERESTED = "interested"
    WILL_COVER = "will_cover"
    COVERED = "covered"


class FollowUp(Base):
    """A follow-up (relance) of a contact about an action, and what came of it."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("press_action.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str | None] = mapped_column(String(40))  # email, phone, meeting…
    outcome: Mapped[FollowUpOutcome] = mapped_column(
        str_enum(FollowUpOutcome, "follow_up_outcome"), default=FollowUpOutcome.NO_ANSWER
    )
    notes: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    contact: Mapped[Contact] = relationship()
    action: Mapped[PressAction | None] = relationship()
    user: Mapped[User | None] = relationship()


class AttributionState(enum.StrEnum):
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class CoverageAction(Base):
    """A clip attributed (or suggested) to the action that produced it, with the evidence:
    the reasons (recipient, window, text), the share of the release's sentences it takes up
    and its near-duplicate similarity; a clip that reprints the release is a reprise."""

    __tablename__ = "coverage_action"

    coverage_id: Mapped[int] = mapped_column(
        ForeignKey("coverage.id", ondelete="CASCADE"), primary_key=True
    )
    action_id: Mapped[int] = mapped_column(
        ForeignKey("press_action.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    state: Mapped[AttributionState] = mapped_column(
        str_enum(AttributionState, "attribution_state"), default=AttributionState.SUGGESTED
    )
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list] = mapped_column(default=list)  # [{"kind": ..., "detail": ...}]
    reuse_share: Mapped[float | None]  # share of the release's sentences taken up
    similarity: Mapped[float | None]  # estimated Jaccard similarity of word shingles
    reprise: Mapped[bool] = mapped_column(default=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coverage: Mapped[Coverage] = relationship()
    action: Mapped[PressAction] = relationship(back_populates="attributions")


def actions_by_date(session: Session) -> list[PressAction]:
    """Every press action, latest first."""
    return list(
        session.scalars(select(PressAction).order_by(PressAction.day.desc(), PressAction.id.desc()))
    )
