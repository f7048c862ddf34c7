"""The press file as vCards (``.vcf``), for address books and mailing tools.

Written with vobject, which escapes commas, semicolons, backslashes and line breaks in values
and folds long lines as RFC 2426 (vCard 3.0) and RFC 6350 (vCard 4.0) ask. vCard 3.0 is the
default: every address book reads it (Outlook, Apple Contacts, Google, Thunderbird).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

import vobject

from .contact import Contact

VERSIONS = ("3.0", "4.0")


def _card(contact: Contact, version: str):
    card = vobject.vCard()
    card.add("version").value = version
    card.add("uid").value = f"urn:retombees:contact:{contact.id}"
    card.add("n").value = vobject.vcard.Name(
        family=contact.last_name or "", given=contact.first_name or ""
    )
    card.add("fn").value = contact.name or contact.email or f"#{contact.id}"
    v4 = version == "4.0"
    if contact.email:
        email = card.add("email")
        email.value = contact.email
        email.type_param = "work" if v4 else ["INTERNET", "WORK"]
    if contact.phone:
        phone = card.add("tel")
        phone.value = contact.phone
        phone.type_param = "work" if v4 else ["WORK", "VOICE"]
    for link in contact.outlet_links:
        card.add("org").value = [link.outlet.name]
    title = contact.role or next(
        (link.position for link in contact.outlet_links if link.position), None
    )
    if title:
        card.add("title").value = title
    if contact.beat:
        card.add("role").value = contact.beat
    if contact.segments:
        card.add("categories").value = list(contact.segments)
    if contact.notes:
        card.add("note").value = contact.notes
    if v4 and contact.language:
        card.add("lang").value = contact.language
    if contact.updated_at:
        card.add("rev").value = contact.updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return card


def contacts_vcard(contacts: Iterable[Contact], version: str = "3.0") -> str:
    """Write the contacts (outlets loaded) as one vCard file of the given version.

    :raises ValueError: for a version other than 3.0 and 4.0.
    """
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version!r} is not one of {', '.join(VERSIONS)}")
    return "".join(_card(contact, version).serialize() for contact in contacts)
