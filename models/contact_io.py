"""The press file as a spreadsheet: import a contact CSV (with duplicate detection), export one.

A row is the same person as a stored contact (or an earlier row of the file) when it has the
same e-mail address, ignoring case, or the same first and last name, ignoring case and accents,
and an outlet in common (or, when neither has an outlet, no other e-mail address). Such a row
updates that contact rather than adding one: filled cells replace the stored value, empty cells
leave it; segments and outlets are added to the contact's, never removed; notes are added below
the stored ones unless already there. Importing the same file again changes nothing, and so
does importing this tool's export.

An outlet the registry does not know is reported ("outlet not in the registry") and the row is
imported without it: add the outlet to the registry, then import the file again to link it.
Every row gets an outcome in the report; a bad row is reported with its number and the reasons
and nothing else of the file is held back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .contact import Contact, ContactOutlet, LegalBasis
from .contact_rows import (
    COLUMNS,
    SEPARATOR,
    ContactRow,
    ContactTable,
    check_row,
    read_contact_file,
)
from .outlet import Outlet
from .registry import OutletNames
from .text import fold

__all__ = [
    "COLUMNS",
    "ContactImportReport",
    "RowStatus",
    "contact_csv_rows",
    "import_contact_file",
    "import_contacts",
]

# Fields a row sets when its cell is filled, in the order of the report.
SCALARS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "role",
    "beat",
    "freelance",
    "language",
    "legal_basis",
    "data_source",
)


class RowStatus(enum.StrEnum):
    """What the import did (or, in a dry run, would do) with a row."""

    CREATED = "created"
    UPDATED = "updated"  # an existing contact, with the fields changed
    UNCHANGED = "unchanged"  # an existing contact that the row does not change
    MERGED = "merged"  # the same person as an earlier row of the file
    ERROR = "error"  # not imported; the reasons say why


@dataclass
class RowOutcome:
    number: int
    name: str
    status: RowStatus
    changes: list[str] = field(default_factory=list)  # columns whose value changed
    match: str | None = None  # why the row is an existing contact or an earlier row
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    contact_id: int | None = None

    def as_json(self) -> dict:
        return {
            "row": self.number,
            "name": self.name,
            "status": self.status.value,
            "changes": self.changes,
            "match": self.match,
            "warnings": self.warnings,
            "errors": self.errors,
            "contact_id": self.contact_id,
        }


@dataclass
class ContactImportReport:
    source: str
    encoding: str
    delimiter: str
    dry_run: bool
    ignored_columns: list[str] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status.value: self.count(status) for status in RowStatus}

    @property
    def changed(self) -> bool:
        return bool(self.count(RowStatus.CREATED) or self.count(RowStatus.UPDATED))

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "encoding": self.encoding,
            "dry_run": self.dry_run,
            "ignored_columns": self.ignored_columns,
            "counts": self.counts,
            "rows": [row.as_json() for row in self.rows],
        }


# -- Matching -------------------------------------------------------------------------------


@dataclass
class _Person:
    """A contact of the database or a new one from the file, as the rows that follow see it."""

    contact: Contact | None
    first_row: int | None  # for a new contact: the row that brings it
    emails: set[str]
    name: str  # folded
    outlets: set[int]
    rows: list[tuple[ContactRow, list[tuple[int, str]], str | None]] = field(default_factory=list)

    def label(self) -> str:
        if self.contact is not None:
            return f"contact #{self.contact.id} {self.contact.name}"
        return f"row {self.first_row}"


class _People:
    def __init__(self, contacts: list[Contact]) -> None:
        self.by_email: dict[str, _Person] = {}
        self.by_name: dict[str, list[_Person]] = {}
        self.all: list[_Person] = []
        for contact in contacts:
            emails = {contact.email.lower()} if contact.email else set()
            outlets = {link.outlet_id for link in contact.outlet_links}
            self._add(_Person(contact, None, emails, fold(contact.name), outlets))

    def _add(self, person: _Person) -> None:
        self.all.append(person)
        for email in person.emails:
            self.by_email.setdefault(email, person)
        self.by_name.setdefault(person.name, []).append(person)

    def find(self, row: ContactRow, outlets: set[int]) -> tuple[_Person | None, str | None]:
        if row.email and (person := self.by_email.get(row.email.lower())):
            return person, f"same email as {person.label()}"
        for person in self.by_name.get(fold(row.name), []):
            if outlets & person.outlets:
                return person, f"same name and outlet as {person.label()}"
            # Without outlets, only the name says who it is: not when the e-mails differ.
            if not outlets and not person.outlets and not (row.email and person.emails):
                return person, f"same name, no outlet, as {person.label()}"
        return None, None

    def place(self, row: ContactRow, outlets: list[tuple[int, str]]) -> _Person:
        """File the row under the person it is (a new one if none); return that person."""
        ids = {outlet_id for outlet_id, _ in outlets}
        person, match = self.find(row, ids)
        if person is None:
            emails = {row.email.lower()} if row.email else set()
            person = _Person(None, row.number, emails, fold(row.name), set(ids))
            self._add(person)
        else:  # later rows also find the person by this row's e-mail and outlets
            if row.email and row.email.lower() not in person.emails:
                person.emails.add(row.email.lower())
                self.by_email.setdefault(row.email.lower(), person)
            person.outlets |= ids
        person.rows.append((row, outlets, match))
        return person


def _outlet_finder(session: Session):
    """Find an outlet by name as the coverage import does."""
    return OutletNames(session.scalars(select(Outlet).order_by(Outlet.id))).find


# -- Merging --------------------------------------------------------------------------------


def _state(contact: Contact | None) -> dict:
    if contact is None:
        return {
            "first_name": "",
            "last_name": "",
            "email": None,
            "phone": None,
            "role": None,
            "beat": None,
            "freelance": False,
            "language": "fr",
            "legal_basis": None,
            "data_source": None,
            "notes": None,
            "segments": [],
            "outlets": {},
        }
    state = {name: getattr(contact, name) for name in SCALARS}
    state["notes"] = contact.notes
    state["segments"] = list(contact.segments or [])
    state["outlets"] = {link.outlet_id: link.position for link in contact.outlet_links}
    return state


def _merge(state: dict, row: ContactRow, outlet_ids: list[int]) -> None:
    for name in SCALARS:
        value = getattr(row, name)
        if value is None:
            continue
        if name in ("first_name", "last_name") and fold(value) == fold(state[name] or ""):
            continue  # "DUPRE" does not replace "Dupré"
        if name == "email" and (state["email"] or "").lower() == value.lower():
            continue
        state[name] = value
    if row.notes and row.notes not in (state["notes"] or ""):
        state["notes"] = f"{state['notes']}\n{row.notes}" if state["notes"] else row.notes
    state["segments"] = list(dict.fromkeys([*state["segments"], *row.segments]))
    positions = dict(zip(row.outlets, row.positions, strict=True))
    for outlet_id, outlet_name in outlet_ids:
        position = positions.get(outlet_name)
        if outlet_id not in state["outlets"] or position is not None:
            state["outlets"][outlet_id] = position


def _changes(before: dict, after: dict) -> list[str]:
    changed = [name for name in (*SCALARS, "notes", "segments") if before[name] != after[name]]
    if set(before["outlets"]) != set(after["outlets"]):
        changed.append("outlet")
    if any(before["outlets"].get(k, v) != v for k, v in after["outlets"].items()):
        changed.append("position")
    return changed


def _write(session: Session, contact: Contact | None, state: dict) -> Contact:
    if contact is None:
        contact = Contact()
        session.add(contact)
    for name in (*SCALARS, "notes"):
        if getattr(contact, name) != state[name]:
            setattr(contact, name, state[name])
    if list(contact.segments or []) != state["segments"]:
        contact.segments = list(state["segments"])
    links = {link.outlet_id: link for link in contact.outlet_links}
    for outlet_id, position in state["outlets"].items():
        link = links.get(outlet_id)
        if link is None:
            contact.outlet_links.append(ContactOutlet(outlet_id=outlet_id, position=position))
        elif link.position != position:
            link.position = position
    return contact


# -- Import ---------------------------------------------------------------------------------


def import_contacts(
    session: Session, table: ContactTable, *, dry_run: bool = False, today: date | None = None
) -> ContactImportReport:
    """Add or update contacts from the rows of a contact file; the caller commits.

    In a dry run nothing is added to the session: the report says what the import would do.
    """
    report = ContactImportReport(
        table.name, table.encoding, table.delimiter, dry_run, list(table.ignored)
    )
    stored = session.scalars(
        select(Contact)
        .where(Contact.erased_at.is_(None))
        .options(selectinload(Contact.outlet_links))
        .order_by(Contact.id)
    )
    people = _People(list(stored))
    find_outlet = _outlet_finder(session)
    outcomes: dict[int, RowOutcome] = {}
    for number, cells in table.rows:
        row, errors = check_row(number, cells)
        name = " ".join(
            " ".join((cells.get(c) or "").split()) for c in ("first_name", "last_name")
        ).strip()
        outcome = RowOutcome(number, name, RowStatus.ERROR, errors=errors)
        report.rows.append(outcome)
        if row is None:
            continue
        outlets: list[tuple[int, str]] = []
        for outlet_name in row.outlets:
            outlet = find_outlet(outlet_name)
            if outlet is None:
                outcome.warnings.append(
                    f'outlet "{outlet_name}" is not in the registry: imported without it'
                )
            elif outlet.id not in (i for i, _ in outlets):
                outlets.append((outlet.id, outlet_name))
        outcomes[number] = outcome
        people.place(row, outlets)
    source = f"CSV import {table.name}, {(today or date.today()).isoformat()}"
    for person in people.all:
        if person.rows:
            _settle(session, person, outcomes, source, dry_run)
    if not dry_run:
        session.flush()
        for person in people.all:
            for row, _, _ in person.rows:
                if person.contact is not None:
                    outcomes[row.number].contact_id = person.contact.id
    return report


def _settle(session, person: _Person, outcomes, source: str, dry_run: bool) -> None:
    """Merge the person's rows, report each row's outcome and (unless a dry run) write."""
    before = _state(person.contact)
    after = _state(person.contact)
    for row, outlets, _ in person.rows:
        _merge(after, row, outlets)
    first, *later = person.rows
    head = outcomes[first[0].number]
    if person.contact is None and after["legal_basis"] is None:
        for row, _, _ in person.rows:
            outcomes[row.number].errors.append(
                "legal_basis is empty: a new contact needs one (legitimate, consent or contract)"
            )
        return
    if person.contact is None:
        after["data_source"] = after["data_source"] or source
        head.status = RowStatus.CREATED
    else:
        head.changes = _changes(before, after)
        head.status = RowStatus.UPDATED if head.changes else RowStatus.UNCHANGED
        head.contact_id = person.contact.id
    head.match = first[2]
    for row, _, match in later:
        outcome = outcomes[row.number]
        outcome.status = RowStatus.MERGED
        outcome.match = match
        outcome.contact_id = head.contact_id
    if not dry_run and head.status != RowStatus.UNCHANGED:
        person.contact = _write(session, person.contact, after)


def import_contact_file(
    session: Session, name: str, data: bytes, *, dry_run: bool = False
) -> ContactImportReport:
    """Read a contact CSV file and import it (see :func:`import_contacts`).

    :raises ContactFileError: when the file cannot be read.
    """
    return import_contacts(session, read_contact_file(name, data), dry_run=dry_run)


# -- Export ---------------------------------------------------------------------------------


def _positions(contact: Contact) -> str:
    positions = [link.position or "" for link in contact.outlet_links]
    if len(set(positions)) <= 1:
        return positions[0] if positions else ""
    return SEPARATOR.join(positions)


def contact_csv_rows(contacts: list[Contact]) -> list[list]:
    """The contacts as rows of the import's columns (``COLUMNS``), outlets loaded."""
    return [
        [
            contact.first_name,
            contact.last_name,
            contact.email,
            contact.phone,
            SEPARATOR.join(link.outlet.name for link in contact.outlet_links),
            _positions(contact),
            contact.role,
            contact.beat,
            SEPARATOR.join(contact.segments or []),
            contact.freelance,
            contact.language,
            contact.notes,
            LegalBasis(contact.legal_basis).value,
            contact.data_source,
        ]
        for contact in contacts
    ]
