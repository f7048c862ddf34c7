"""The press file as a spreadsheet and as vCards: import with duplicate detection, export, and
the round trips a user relies on (export, edit, import again)."""

from __future__ import annotations

from pathlib import Path

import pytest
import vobject
from sqlalchemy import delete, func, select

from models import Contact, ContactOutlet, LegalBasis, Medium, Outlet
from models.contact_io import COLUMNS, RowStatus, contact_csv_rows, import_contact_file
from models.contact_list import find_contacts
from models.contact_rows import ContactFileError, read_contact_file
from models.contact_vcard import contacts_vcard
from models.db import open_database
from webapp.exports import to_csv

FIXTURES = Path(__file__).parents[1] / "fixtures" / "contacts"
EXCEL = "fichier-presse-excel.csv"  # Windows-1252, ";", duplicates and bad rows
UTF8 = "presse-utf8-virgules.csv"  # UTF-8 with BOM, ",", French headers
OUTLETS = (
    "La Voix du Nord",
    "France 3 Hauts-de-France",
    "Pays Magazine",
    "Le Journal des Arts",
    "ICI Nord (ex-France Bleu Nord)",
)


@pytest.fixture
def sessions(any_settings):
    engine, factory = open_database(any_settings)
    with factory.begin() as session:
        session.add_all(Outlet(name=name, medium=Medium.PRESS) for name in OUTLETS)
    yield factory
    engine.dispose()


def load(sessions, name: str, data: bytes | None = None, *, dry_run: bool = False):
    with sessions.begin() as session:
        data = data if data is not None else (FIXTURES / name).read_bytes()
        return import_contact_file(session, name, data, dry_run=dry_run)


def snapshot(sessions) -> dict[str, tuple]:
    """Every contact's fields and outlets, by name."""
    with sessions() as session:
        return {
            c.name: (
                c.email,
                c.phone,
                c.role,
                c.beat,
                c.freelance,
                tuple(c.segments),
                c.language,
                c.notes,
                c.legal_basis,
                c.data_source,
                tuple(sorted((link.outlet.name, link.position or "") for link in c.outlet_links)),
            )
            for c in find_contacts(session)
        }


def export_csv(sessions) -> bytes:
    with sessions() as session:
        return to_csv(COLUMNS, contact_csv_rows(find_contacts(session)))


def test_excel_file_merges_duplicates_and_reports_bad_rows(sessions):
    report = load(sessions, EXCEL)
    assert report.encoding == "Windows-1252" and report.delimiter == ";"
    rows = {row.number: row for row in report.rows}
    assert [rows[n].status for n in range(2, 10)] == [
        RowStatus.CREATED,
        RowStatus.CREATED,
        RowStatus.CREATED,
        RowStatus.MERGED,  # same e-mail as row 2, in capitals
        RowStatus.MERGED,  # same name (without accents) and outlet as row 3
        RowStatus.ERROR,
        RowStatus.ERROR,
        RowStatus.CREATED,
    ]
    assert rows[5].match == "same email as row 2"
    assert rows[6].match == "same name and outlet as row 3"
    assert rows[7].errors == ["no name: first_name and last_name are empty"]
    assert [e.split(" ")[0] for e in rows[8].errors] == ["email", "segment", "legal_basis"]
    assert rows[9].warnings == [
        'outlet "Le Petit Média du Bassin" is not in the registry: imported without it'
    ]
    assert rows[5].contact_id == rows[2].contact_id is not None

    with sessions() as session:
        contacts = {c.name: c for c in find_contacts(session)}
        assert set(contacts) == {"Hélène Dupré", "François Lefèvre", "Amélie Nœud", "Chloé Martin"}
        helene = contacts["Hélène Dupré"]
        assert helene.email == "helene.dupre@lavoixdunord.fr"
        assert helene.segments == ["regional", "local"]
        assert helene.notes == "Préfère être appelée le matin\nConnaît bien le Louvre-Lens"
        assert [(o.outlet.name, o.position) for o in helene.outlet_links] == [
            ("La Voix du Nord", "Rédactrice en chef adjointe")
        ]
        francois = contacts["François Lefèvre"]  # the later row's e-mail and phone
        assert (francois.email, francois.phone) == (
            "francois.lefevre@example.org",
            "06 11 22 33 44",
        )
        amelie = contacts["Amélie Nœud"]
        assert amelie.freelance and amelie.legal_basis == LegalBasis.CONSENT
        assert amelie.segments == ["freelance", "specialised"]
        assert amelie.notes == "Tarifs : 300 € le feuillet;\nrelancer en septembre"
        assert sorted(o.name for o in amelie.outlets) == ["Le Journal des Arts", "Pays Magazine"]
        assert contacts["Chloé Martin"].outlets == []


def test_dry_run_stores_nothing_and_says_the_same(sessions):
    preview = load(sessions, EXCEL, dry_run=True)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
    done = load(sessions, EXCEL)
    assert [(r.number, r.status) for r in preview.rows] == [(r.number, r.status) for r in done.rows]


def test_importing_again_changes_nothing(sessions):
    load(sessions, EXCEL)
    before = snapshot(sessions)
    again = load(sessions, EXCEL)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 4, "merged": 2, "error": 2}
    assert snapshot(sessions) == before


def test_existing_contacts_are_updated_with_the_fields_that_changed(sessions):
    with sessions.begin() as session:
        france3 = session.scalar(select(Outlet).where(Outlet.name.like("France 3%")))
        session.add_all(
            [
                Contact(
                    first_name="Karim",
                    last_name="Benali",
                    email="KARIM.BENALI@icinord.fr",
                    segments=["regional"],
                    data_source="Annuaire",
                ),
                Contact(
                    first_name="Francois",
                    last_name="LEFEVRE",
                    outlet_links=[ContactOutlet(outlet=france3)],
                    data_source="Annuaire",
                ),
            ]
        )
    report = load(sessions, UTF8)
    assert report.encoding == "UTF-8" and report.delimiter == ","
    karim, zoe = report.rows
    assert karim.status == RowStatus.UPDATED
    assert karim.match == "same email as contact #1 Karim Benali"
    assert karim.changes == ["data_source", "outlet"]  # "ICI Nord" is "ICI Nord (ex-…)"
    assert zoe.status == RowStatus.CREATED

    report = load(sessions, EXCEL)
    francois = next(r for r in report.rows if r.number == 3)
    assert francois.status == RowStatus.UPDATED
    assert francois.match.startswith("same name and outlet as contact #2")
    assert "email" in francois.changes and "first_name" not in francois.changes
    with sessions() as session:
        stored = session.get(Contact, 2)
        assert stored.name == "Francois LEFEVRE"  # the accents a file lacks do not overwrite
        assert stored.email == "francois.lefevre@example.org"
        link = session.get(Contact, 1).outlet_links[0]
        assert (link.outlet.name, link.position) == (
            "ICI Nord (ex-France Bleu Nord)",
            "Présentateur",
        )


def test_a_new_contact_needs_a_legal_basis(sessions):
    data = b"first_name;last_name;email\nJeanne;Sansbase;jeanne@example.fr\n"
    (row,) = load(sessions, "x.csv", data).rows
    assert row.status == RowStatus.ERROR and row.errors[0].startswith("legal_basis is empty")
    assert snapshot(sessions) == {}


def test_namesakes_without_outlet_are_told_apart_by_their_email(sessions):
    data = (
        b"first_name;last_name;email;legal_basis;data_source\n"
        b"Marie;Martin;marie@pigiste.fr;consent;Salon\n"
        b"Marie;Martin;m.martin@autre.fr;consent;Salon\n"
        b"MARIE;MARTIN;;;\n"
    )
    statuses = [(r.status, r.match) for r in load(sessions, "homonymes.csv", data).rows]
    assert statuses == [
        (RowStatus.CREATED, None),
        (RowStatus.CREATED, None),
        (RowStatus.MERGED, "same name, no outlet, as row 2"),
    ]


def test_csv_export_imports_back_to_the_same_contacts(sessions):
    load(sessions, EXCEL)
    load(sessions, UTF8)
    before = snapshot(sessions)
    exported = export_csv(sessions)
    assert exported.startswith(b"\xef\xbb\xbf") and exported.split(b"\r\n")[0].count(b";") == 13
    assert b"'+33 6 12 34 56 78" in exported  # protected from spreadsheet formulas

    again = load(sessions, "export.csv", exported)
    assert {r.status for r in again.rows} == {RowStatus.UNCHANGED}
    with sessions.begin() as session:  # an empty press file gets the same contacts back
        session.execute(delete(ContactOutlet))
        session.execute(delete(Contact))
    restored = load(sessions, "export.csv", exported)
    assert {r.status for r in restored.rows} == {RowStatus.CREATED}
    assert snapshot(sessions) == before


def test_vcards_parse_back_with_awkward_characters(sessions):
    load(sessions, EXCEL)
    with sessions.begin() as session:
        outlet = Outlet(name="Nord; Éclair, le soir", medium=Medium.PRESS)
        session.add(
            Contact(
                first_name="Jean-Marc, dit JM",
                last_name="Du;pont",
                email="jm@example.fr",
                notes="Ligne 1; avec, ponctuation\nLigne 2 \\ fin",
                segments=["local", "national"],
                outlet_links=[ContactOutlet(outlet=outlet, position="Chef d'édition")],
            )
        )
    with sessions() as session:
        contacts = find_contacts(session)
        for version in ("3.0", "4.0"):
            text = contacts_vcard(contacts, version)
            cards = {c.fn.value: c for c in vobject.readComponents(text)}
            assert set(cards) == {c.name for c in contacts}
            assert all(c.version.value == version for c in cards.values())
            odd = cards["Jean-Marc, dit JM Du;pont"]
            assert (odd.n.value.given, odd.n.value.family) == ("Jean-Marc, dit JM", "Du;pont")
            assert odd.org.value == ["Nord; Éclair, le soir"]
            assert odd.note.value == "Ligne 1; avec, ponctuation\nLigne 2 \\ fin"
            assert odd.categories.value == ["local", "national"]
            amelie = cards["Amélie Nœud"]
            assert sorted(org.value[0] for org in amelie.org_list) == [
                "Le Journal des Arts",
                "Pays Magazine",
            ]
            assert cards["Hélène Dupré"].email.value == "helene.dupre@lavoixdunord.fr"
            assert "\r\n" in text and max(len(line.encode()) for line in text.split("\r\n")) <= 76


def test_unreadable_files_say_why():
    with pytest.raises(ContactFileError, match="empty"):
        read_contact_file("vide.csv", b"  \n")
    with pytest.raises(ContactFileError, match="first_name or last_name"):
        read_contact_file("autre.csv", b"date;title\n2025-01-01;x\n")
    with pytest.raises(ContactFileError, match="not CSV text"):
        read_contact_file("classeur.csv", b"PK\x03\x04rest of a workbook")
