"""The press file: journalists and other media contacts, with what GDPR asks of them.

A contact may work for several outlets (a freelance, a staff journalist who also writes for a
magazine). Each contact keeps the legal basis for holding the data and where it came from; a
contact erased on request loses every personal field but leaves the coverage and the history of
press actions intact (the attribution keeps an anonymous placeholder).
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from .base import Base, str_enum, utcnow

if TYPE_CHECKING:
    from .outlet import Outlet

# Press-file segments (the reference user's own split of its media, plus freelances).
SEGMENTS = ("local", "regional", "national", "specialised", "international", "freelance")


class LegalBasis(enum.StrEnum):
    """Why the data may be held (GDPR art. 6)."""

    LEGITIMATE_INTEREST = "legitimate"  # legitimate interest: a journalist's work details
    CONSENT = "consent"
    CONTRACT = "contract"


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(50))
    role: Mapped[str | None] = mapped_column(String(120))  # "rédactrice en chef", "pigiste"
    beat: Mapped[str | None] = mapped_column(String(200))  # "culture, patrimoine"
    freelance: Mapped[bool] = mapped_column(default=False)
    segments: Mapped[list] = mapped_column(default=list)  # values of SEGMENTS
    language: Mapped[str] = mapped_column(String(8), default="fr")
    notes: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[LegalBasis] = mapped_column(
        str_enum(LegalBasis, "legal_basis"), default=LegalBasis.LEGITIMATE_INTEREST
    )
    data_source: Mapped[str | None] = mapped_column(String(300))  # where the data came from
    erased_at: Mapped[datetime | None]  # erased on request: personal fields emptied
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    outlet_links: Mapped[list[ContactOutlet]] = relationship(
        back_populates="contact", cascade="all, delete-orphan"
    )

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p).strip()

    @property
    def outlets(self) -> list[Outlet]:
        return [link.outlet for link in self.outlet_links]

    def __repr__(self) -> str:
        return f"<Contact {self.id} {self.name!r}>"


class ContactOutlet(Base):
    """A contact's outlet, with the contact's position there."""

    __tablename__ = "contact_outlet"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("outlet.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[str | None] = mapped_column(String(120))

    contact: Mapped[Contact] = relationship(back_populates="outlet_links")
    outlet: Mapped[Outlet] = relationship()


def contacts_by_name(session: Session) -> list[Contact]:
    """Every contact not erased, by last then first name."""
    return list(
        session.scalars(
            select(Contact)
            .where(Contact.erased_at.is_(None))
            .order_by(func.lower(Contact.last_name), func.lower(Contact.first_name))
        )
    )


# An address as people type it: one "@", no spaces, a dot in the domain. Deliverability is
# the mail server's business; this catches typos and cells pasted in the wrong column.
_EMAIL = re.compile(r"[^@\s\"(),:;<>\[\]\\]+@[^@\s\"(),:;<>\[\]\\]+\.[^@\s\"(),:;<>\[\]\\.]{2,}")


def valid_email(text: str) -> bool:
    """Tell whether ``text`` looks like a single e-mail address."""
    return bool(_EMAIL.fullmatch(text)) and ".." not in text and len(text) <= 200


def contact_with_outlets(session: Session, contact_id: int) -> Contact | None:
    """Return a contact (erased or not) with its outlets loaded, or None."""
    return session.scalar(
        select(Contact)
        .where(Contact.id == contact_id)
        .options(selectinload(Contact.outlet_links).selectinload(ContactOutlet.outlet))
    )


def contact_by_email(session: Session, email: str, other_than: int | None = None) -> Contact | None:
    """The contact (not erased) with this e-mail address, in any case; ``other_than`` leaves
    one contact out (the one being edited)."""
    query = select(Contact).where(
        func.lower(Contact.email) == email.strip().lower(), Contact.erased_at.is_(None)
    )
    if other_than is not None:
        query = query.where(Contact.id != other_than)
    return session.scalars(query).first()
