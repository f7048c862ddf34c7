"""What the press file holds about one contact beyond its fields: the press actions the person
was part of, the follow-ups, the requests, and the clips of those actions that are theirs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .contact import Contact
from .coverage import Coverage
from .press_action import (
    ActionContact,
    AttributionState,
    CoverageAction,
    FollowUp,
    PressAction,
)
from .press_request import PressRequest
from .text import fold


@dataclass(frozen=True)
class ActionPart:
    """A press action the contact was part of, and how: sent to, invited, present."""

    action: PressAction
    recipient: bool
    invited: bool
    attended: bool

    @property
    def roles(self) -> list[str]:
        """``recipient``, ``invited``, ``attended``: the ones that apply."""
        flags = (("recipient", self.recipient), ("invited", self.invited))
        return [name for name, on in (*flags, ("attended", self.attended)) if on]


@dataclass
class ContactHistory:
    actions: list[ActionPart] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    requests: list[PressRequest] = field(default_factory=list)
    clips: list[CoverageAction] = field(default_factory=list)


def author_is(contact: Contact, author: str | None) -> bool:
    """Tell whether a clip's byline names the contact, first name first or last ("DUPRÉ
    Hélène"), alone or among several authors; case and accents do not matter. A contact known
    by one name only must be the whole byline."""
    byline = fold(author or "")
    if not (contact.first_name and contact.last_name):
        return bool(byline) and byline == fold(contact.name)
    names = (fold(contact.name), fold(f"{contact.last_name} {contact.first_name}"))
    return any(f" {name} " in f" {byline} " for name in names)


def action_parts(session: Session, contact: Contact) -> list[ActionPart]:
    """The press actions the contact was part of, latest first."""
    rows = session.scalars(
        select(ActionContact)
        .join(PressAction, PressAction.id == ActionContact.action_id)
        .where(ActionContact.contact_id == contact.id)
        .options(selectinload(ActionContact.action).selectinload(PressAction.campaign))
        .order_by(PressAction.day.desc(), PressAction.id.desc())
    )
    return [ActionPart(p.action, p.recipient, p.invited, p.attended) for p in rows]


def follow_ups_of(session: Session, contact: Contact) -> list[FollowUp]:
    """The contact's follow-ups, latest first."""
    return list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.contact_id == contact.id)
            .options(selectinload(FollowUp.action))
            .order_by(FollowUp.at.desc(), FollowUp.id.desc())
        )
    )


def requests_of(session: Session, contact: Contact) -> list[PressRequest]:
    """The press requests the contact made, latest first."""
    return list(
        session.scalars(
            select(PressRequest)
            .where(PressRequest.contact_id == contact.id)
            .options(selectinload(PressRequest.outlet))
            .order_by(PressRequest.received_at.desc(), PressRequest.id.desc())
        )
    )


def clips_of(session: Session, contact: Contact, action_ids: list[int]) -> list[CoverageAction]:
    """The clips attributed to these actions (not rejected) that are the contact's: published
    by one of the contact's outlets, or signed with the contact's name."""
    if not action_ids:
        return []
    outlet_ids = {link.outlet_id for link in contact.outlet_links}
    rows = session.scalars(
        select(CoverageAction)
        .join(Coverage, Coverage.id == CoverageAction.coverage_id)
        .where(
            CoverageAction.action_id.in_(action_ids),
            CoverageAction.state != AttributionState.REJECTED,
        )
        .options(
            selectinload(CoverageAction.coverage).selectinload(Coverage.outlet),
            selectinload(CoverageAction.action),
        )
        .order_by(Coverage.published_at.desc().nulls_last(), Coverage.id.desc())
    )
    return [
        row
        for row in rows
        if row.coverage.outlet_id in outlet_ids or author_is(contact, row.coverage.author)
    ]


def contact_history(session: Session, contact: Contact) -> ContactHistory:
    """Everything the contact page shows beside the contact's own fields."""
    actions = action_parts(session, contact)
    return ContactHistory(
        actions=actions,
        follow_ups=follow_ups_of(session, contact),
        requests=requests_of(session, contact),
        clips=clips_of(session, contact, [part.action.id for part in actions]),
    )
