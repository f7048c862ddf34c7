"""The press file as a list: search and filters, and when each contact was last in touch.

The press file holds hundreds to a few thousand people: the contacts are read once with their
outlets and filtered here, so that a search ignores case and accents ("dupre" finds Dupré) the
same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from .contact import Contact, ContactOutlet
from .press_action import ActionContact, FollowUp, PressAction
from .press_request import PressRequest
from .text import fold

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class ContactFilters:
    """What the list is narrowed to: words (name, e-mail, outlet), a segment, an outlet."""

    text: str = ""
    segment: str = ""
    outlet_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.text.strip() or self.segment or self.outlet_id)

    def matches(self, contact: Contact) -> bool:
        if self.segment and self.segment not in (contact.segments or []):
            return False
        if self.outlet_id and self.outlet_id not in {
            link.outlet_id for link in contact.outlet_links
        }:
            return False
        words = fold(self.text)
        if not words:
            return True
        haystacks = [fold(contact.name), fold(contact.email or "")]
        haystacks += [fold(link.outlet.name) for link in contact.outlet_links]
        return any(words in haystack for haystack in haystacks)


class InteractionKind(enum.StrEnum):
    FOLLOW_UP = "follow_up"
    ACTION = "action"  # sent to, invited to or present at a press action
    REQUEST = "request"  # a press request from the contact


@dataclass(frozen=True)
class Interaction:
    """The day of a contact's latest interaction, and what it was."""

    day: date
    kind: InteractionKind


@dataclass(frozen=True)
class ContactLine:
    contact: Contact
    last: Interaction | None


def _day(moment: datetime | date | None) -> date | None:
    if isinstance(moment, datetime):
        return moment.astimezone(PARIS).date()
    return moment


def last_interactions(session: Session) -> dict[int, Interaction]:
    """The latest follow-up, press action or request of every contact, by contact id.

    One grouped query per kind of interaction, whatever the number of contacts.
    """
    queries = (
        (
            InteractionKind.FOLLOW_UP,
            select(FollowUp.contact_id, func.max(FollowUp.at)).group_by(FollowUp.contact_id),
        ),
        (
            InteractionKind.ACTION,
            select(ActionContact.contact_id, func.max(PressAction.day))
            .join(PressAction, PressAction.id == ActionContact.action_id)
            .where(or_(ActionContact.recipient, ActionContact.invited, ActionContact.attended))
            .group_by(ActionContact.contact_id),
        ),
        (
            InteractionKind.REQUEST,
            select(PressRequest.contact_id, func.max(PressRequest.received_at))
            .where(PressRequest.contact_id.is_not(None))
            .group_by(PressRequest.contact_id),
        ),
    )
    latest: dict[int, Interaction] = {}
    for kind, query in queries:
        for contact_id, moment in session.execute(query):
            day = _day(moment)
            if day is None:
                continue
            known = latest.get(contact_id)
            if known is None or day > known.day:
                latest[contact_id] = Interaction(day, kind)
    return latest


def find_contacts(session: Session, filters: ContactFilters = ContactFilters()) -> list[Contact]:
    """The contacts not erased that match ``filters``, by last then first name, outlets loaded."""
    contacts = session.scalars(
        select(Contact)
        .where(Contact.erased_at.is_(None))
        .options(selectinload(Contact.outlet_links).selectinload(ContactOutlet.outlet))
        .order_by(func.lower(Contact.last_name), func.lower(Contact.first_name), Contact.id)
    )
    return [c for c in contacts if filters.matches(c)]


def contact_lines(
    session: Session, filters: ContactFilters = ContactFilters()
) -> list[ContactLine]:
    """The list page: matching contacts with their latest interaction."""
    latest = last_interactions(session)
    return [ContactLine(c, latest.get(c.id)) for c in find_contacts(session, filters)]
