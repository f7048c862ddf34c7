"""What GDPR asks of the press file for one person: a copy of everything held about them
(right of access and portability) and erasure on request (right to erasure).

Erasure empties every personal field of the contact and what was written about the person in
follow-ups and press requests, but keeps the facts of the press relations: the contact stays,
anonymous, among the recipients and attendees of press actions, and the clips attributed to
those actions stay (they are press content, not data held about the person), so the counts of
a press trip or a release do not change.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy.orm import Session

from .base import utcnow
from .contact import Contact
from .contact_history import action_parts, follow_ups_of, requests_of

ERASED_LABEL = "Erased contact"  # the webapp passes it in the user's language
REDACTED = "[…]"


class ContactErasedError(ValueError):
    """The contact was erased on request: there is nothing left to change."""


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(value):
    return getattr(value, "value", value)  # enumerations as their stored value


def personal_data(session: Session, contact: Contact, now: datetime | None = None) -> dict:
    """Everything held about the contact, as JSON-ready data (fields, outlets, press actions,
    follow-ups, press requests)."""
    fields = {
        "id": contact.id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "role": contact.role,
        "beat": contact.beat,
        "freelance": contact.freelance,
        "segments": list(contact.segments or []),
        "language": contact.language,
        "notes": contact.notes,
        "legal_basis": _value(contact.legal_basis),
        "data_source": contact.data_source,
        "created_at": _iso(contact.created_at),
        "updated_at": _iso(contact.updated_at),
        "erased_at": _iso(contact.erased_at),
    }
    return {
        "exported_at": _iso(now or utcnow()),
        "contact": fields,
        "outlets": [
            {"outlet": link.outlet.name, "position": link.position} for link in contact.outlet_links
        ],
        "press_actions": [
            {
                "title": part.action.title,
                "kind": _value(part.action.kind),
                "day": _iso(part.action.day),
                "end_day": _iso(part.action.end_day),
                "campaign": part.action.campaign.name if part.action.campaign else None,
                "recipient": part.recipient,
                "invited": part.invited,
                "attended": part.attended,
            }
            for part in action_parts(session, contact)
        ],
        "follow_ups": [
            {
                "at": _iso(f.at),
                "channel": f.channel,
                "outcome": _value(f.outcome),
                "notes": f.notes,
                "action": f.action.title if f.action else None,
            }
            for f in follow_ups_of(session, contact)
        ],
        "press_requests": [
            {
                "received_at": _iso(r.received_at),
                "subject": r.subject,
                "details": r.details,
                "deadline": _iso(r.deadline),
                "status": _value(r.status),
                "answer": r.answer,
                "answered_at": _iso(r.answered_at),
                "outlet": r.outlet.name if r.outlet else None,
                "requester": r.requester,
            }
            for r in requests_of(session, contact)
        ],
    }


def _redactor(contact: Contact):
    """Replace the contact's e-mail, phone and full name in a free text."""
    names = [contact.name, " ".join(p for p in (contact.last_name, contact.first_name) if p)]
    values = [v for v in (contact.email, contact.phone, *names) if v and len(v.strip()) >= 3]
    if not values:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(v.strip()) for v in values), re.IGNORECASE)
    return lambda text: pattern.sub(REDACTED, text) if text else text


def erase_contact(
    session: Session, contact: Contact, *, label: str = ERASED_LABEL, now: datetime | None = None
) -> None:
    """Erase the contact's personal data on the person's request; the caller commits.

    The fields become an anonymous placeholder ("Erased contact 12"); follow-up notes are
    removed; the person's e-mail, phone and name are struck out of the press requests they
    made; positions at outlets are removed (the outlet stays, so that an action's outlets still
    add up). Press actions and the clips attributed to them are kept.

    :raises ContactErasedError: when the contact was already erased.
    """
    if contact.erased_at is not None:
        raise ContactErasedError(f"contact {contact.id} was erased on request")
    now = now or utcnow()
    redact = _redactor(contact)
    for follow_up in follow_ups_of(session, contact):
        follow_up.notes = None
    for request in requests_of(session, contact):
        request.requester = None
        request.subject = redact(request.subject)
        request.details = redact(request.details)
        request.answer = redact(request.answer)
    for link in contact.outlet_links:
        link.position = None
    contact.first_name = label
    contact.last_name = str(contact.id)
    contact.email = contact.phone = contact.role = contact.beat = contact.notes = None
    contact.freelance = False
    contact.segments = []
    contact.data_source = f"erased on request {now.date().isoformat()}"
    contact.erased_at = now
    session.flush()
