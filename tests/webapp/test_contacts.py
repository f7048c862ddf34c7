"""The press file as the agency uses it: list and search, a contact's page, the form, GDPR
export and erasure, the CSV import with its preview, the exports, and who may see it."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import vobject
from sqlalchemy import event, func, select, text

from models import (
    ActionContact,
    ActionKind,
    AttributionState,
    Contact,
    ContactOutlet,
    Coverage,
    CoverageAction,
    CoverageStatus,
    FollowUp,
    FollowUpOutcome,
    LegalBasis,
    Medium,
    Outlet,
    PressAction,
    PressRequest,
)
from tests.conftest import csrf_token

FIXTURES = Path(__file__).parents[1] / "fixtures" / "contacts"
EMAIL = "helene.dupre@lavoixdunord.fr"
PHONE = "03 20 78 40 01"
CONTACT_TABLES = (
    "contact",
    "contact_outlet",
    "action_contact",
    "follow_up",
    "press_request",
    "request_coverage",
)


def seed(app) -> dict[str, int]:
    """A press trip that Hélène Dupré (La Voix du Nord) attended, with a follow-up, a request
    and three clips attributed to the trip: one from her outlet, one signed by her elsewhere,
    one neither."""
    with app.extensions["retombees_sessions"].begin() as session:
        voix = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        france3 = Outlet(name="France 3 Hauts-de-France", medium=Medium.TV)
        monde = Outlet(name="Le Monde", medium=Medium.PRESS)
        helene = Contact(
            first_name="Hélène",
            last_name="Dupré",
            email=EMAIL,
            phone=PHONE,
            role="rédactrice en chef adjointe",
            beat="culture, patrimoine",
            segments=["regional"],
            notes="Préfère être appelée le matin",
            legal_basis=LegalBasis.LEGITIMATE_INTEREST,
            data_source="Annuaire des journalistes 2025",
            outlet_links=[ContactOutlet(outlet=voix, position="Rédactrice en chef adjointe")],
        )
        karim = Contact(
            first_name="Karim",
            last_name="Benali",
            email="karim@france3.fr",
            segments=["national"],
            data_source="Salon",
            outlet_links=[ContactOutlet(outlet=france3)],
        )
        trip = PressAction(
            kind=ActionKind.PRESS_TRIP, title="Voyage de presse", day=date(2026, 2, 1)
        )
        trip.people = [
            ActionContact(contact=helene, invited=True, attended=True),
            ActionContact(contact=karim, invited=True),
        ]
        clips = [
            Coverage(url="https://lavoixdunord.fr/a", title="Les terrils à l'honneur", outlet=voix),
            Coverage(
                url="https://lemonde.fr/b",
                title="Tribune signée",
                outlet=monde,
                author="DUPRE Hélène",
            ),
            Coverage(url="https://lemonde.fr/c", title="Autre article", outlet=monde, author="X"),
        ]
        for clip in clips:
            clip.status, clip.medium = CoverageStatus.CONFIRMED, Medium.PRESS
            clip.published_at = datetime(2026, 2, 5, tzinfo=UTC)
        trip.attributions = [
            CoverageAction(coverage=c, state=AttributionState.CONFIRMED) for c in clips
        ]
        session.add_all([helene, karim, trip])
        session.add(
            FollowUp(
                contact=helene,
                action=trip,
                at=datetime(2026, 3, 10, 9, tzinfo=UTC),
                channel="phone",
                outcome=FollowUpOutcome.WILL_COVER,
                notes=f"Rappeler au {PHONE} ou {EMAIL}",
            )
        )
        session.add(
            PressRequest(
                contact=helene,
                subject="Photos du 4-Sud",
                details=f"Envoyer à {EMAIL}",
                received_at=datetime(2026, 3, 15, 8, tzinfo=UTC),
                requester="Hélène Dupré",
            )
        )
        session.flush()
        return {"helene": helene.id, "karim": karim.id, "voix": voix.id, "trip": trip.id}


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# -- List --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the English interface texts (the French catalogue has its own test)."""
    client.get("/login?lang=en")


def test_list_searches_filters_and_shows_the_last_interaction(app, agency_client):
    ids = seed(app)
    html = page(agency_client, "/contacts/")
    assert "Hélène Dupré" in html and "Karim Benali" in html
    assert "Rédactrice en chef adjointe" in html and EMAIL in html
    assert "Mar 15, 2026" in html  # the request, later than the follow-up and the trip
    assert "Karim Benali" in page(agency_client, "/contacts/?q=france+3")
    found = page(agency_client, "/contacts/?q=dupre")  # no accent, lower case
    assert "Hélène Dupré" in found and "Karim Benali" not in found
    national = page(agency_client, "/contacts/?segment=national")
    assert "Karim Benali" in national and "Hélène Dupré" not in national
    by_outlet = page(agency_client, f"/contacts/?outlet={ids['voix']}")
    assert "Hélène Dupré" in by_outlet and "Karim Benali" not in by_outlet
    assert f'href="/contacts/{ids["helene"]}"' in html


def test_the_list_costs_the_same_queries_for_many_contacts(app, agency_client):
    seed(app)
    engine = app.extensions["retombees_engine"]
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        page(agency_client, "/contacts/")
        few = len(statements)
        with app.extensions["retombees_sessions"].begin() as session:
            for n in range(30):
                contact = Contact(first_name="P", last_name=f"N{n}", data_source="test")
                session.add(contact)
                session.add(FollowUp(contact=contact))
        statements.clear()
        page(agency_client, "/contacts/")
        assert len(statements) == few
    finally:
        event.remove(engine, "before_cursor_execute", count)


# -- One contact -------------------------------------------------------------------------------


def test_contact_page_shows_actions_follow_ups_requests_and_their_clips(app, agency_client):
    ids = seed(app)
    html = page(agency_client, f"/contacts/{ids['helene']}")
    assert "Voyage de presse" in html and "Present" in html and "Invited" in html
    assert "Rappeler au" in html and "Photos du 4-Sud" in html
    assert "Les terrils à l&#39;honneur" in html  # her outlet's clip
    assert "Tribune signée" in html  # signed with her name, elsewhere
    assert "Autre article" not in html
    assert "Annuaire des journalistes 2025" in html


def _form(client, path: str, **values) -> dict:
    data = {
        "csrf_token": csrf_token(client, path),
        "first_name": "Zoé",
        "last_name": "Lambert",
        "email": "zoe@exemple.fr",
        "language": "fr",
        "legal_basis": "consent",
        "data_source": "Formulaire du site",
        "segments": ["national", "freelance"],
        "outlets-0-outlet": "0",
        "outlets-0-position": "",
    }
    data.update(values)
    return data


def test_adding_a_contact_checks_email_legal_basis_and_source(app, agency_client):
    ids = seed(app)
    bad = agency_client.post(
        "/contacts/new",
        data=_form(agency_client, "/contacts/new", email="zoe@", legal_basis="", data_source=""),
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Type one e-mail address" in html and "Choose the legal basis." in html
    assert "Say where the data came from." in html
    taken = agency_client.post(
        "/contacts/new", data=_form(agency_client, "/contacts/new", email=EMAIL.upper())
    )
    assert "Hélène Dupré already has this e-mail address." in taken.get_data(as_text=True)

    done = agency_client.post(
        "/contacts/new",
        data=_form(
            agency_client,
            "/contacts/new",
            **{"outlets-0-outlet": str(ids["voix"]), "outlets-0-position": "Pigiste"},
        ),
    )
    assert done.status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        zoe = session.scalar(select(Contact).where(Contact.last_name == "Lambert"))
        assert zoe.segments == ["national", "freelance"] and zoe.legal_basis == LegalBasis.CONSENT
        assert [(link.outlet.name, link.position) for link in zoe.outlet_links] == [
            ("La Voix du Nord", "Pigiste")
        ]
    assert done.headers["Location"].endswith(f"/contacts/{zoe.id}")


def test_editing_a_contact_changes_its_outlets(app, agency_client):
    ids = seed(app)
    path = f"/contacts/{ids['helene']}/edit"
    html = page(agency_client, path)
    assert 'value="Rédactrice en chef adjointe"' in html and 'name="outlets-2-outlet"' in html
    france3 = str(ids["voix"] + 1)
    response = agency_client.post(
        path,
        data=_form(
            agency_client,
            path,
            first_name="Hélène",
            last_name="Dupré",
            email=EMAIL,
            legal_basis="legitimate",
            **{
                "outlets-0-outlet": "0",
                "outlets-1-outlet": france3,
                "outlets-1-position": "Chroniqueuse",
            },
        ),
    )
    assert response.status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        helene = session.get(Contact, ids["helene"])
        assert [(o.outlet.name, o.position) for o in helene.outlet_links] == [
            ("France 3 Hauts-de-France", "Chroniqueuse")
        ]


# -- GDPR --------------------------------------------------------------------------------------


def test_personal_data_export_holds_everything(app, agency_client):
    ids = seed(app)
    response = agency_client.get(f"/contacts/{ids['helene']}/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["contact"]["email"] == EMAIL and data["contact"]["data_source"]
    assert data["outlets"] == [
        {"outlet": "La Voix du Nord", "position": "Rédactrice en chef adjointe"}
    ]
    (trip,) = data["press_actions"]
    assert trip["title"] == "Voyage de presse" and trip["attended"] and trip["invited"]
    (follow_up,) = data["follow_ups"]
    assert follow_up["outcome"] == "will_cover" and EMAIL in follow_up["notes"]
    assert data["press_requests"][0]["subject"] == "Photos du 4-Sud"


def _dump(app) -> str:
    with app.extensions["retombees_engine"].connect() as connection:
        return "\n".join(
            repr(row)
            for table in CONTACT_TABLES
            for row in connection.execute(text(f"SELECT * FROM {table}"))
        )


def _counts(app, trip_id: int) -> tuple[int, int, int]:
    with app.extensions["retombees_sessions"]() as session:
        people = session.scalar(
            select(func.count())
            .select_from(ActionContact)
            .where(ActionContact.action_id == trip_id)
        )
        clips = session.scalar(
            select(func.count())
            .select_from(CoverageAction)
            .where(CoverageAction.action_id == trip_id)
        )
        return people, clips, session.scalar(select(func.count()).select_from(Coverage))


def test_erasure_removes_personal_data_and_keeps_the_press_relations(app, agency_client):
    ids = seed(app)
    helene = ids["helene"]
    before = _counts(app, ids["trip"])
    assert EMAIL in _dump(app)
    confirm = page(agency_client, f"/contacts/{helene}/erase")
    assert "I confirm that Hélène Dupré asked to be erased." in confirm
    token = csrf_token(agency_client, f"/contacts/{helene}/erase")
    unconfirmed = agency_client.post(f"/contacts/{helene}/erase", data={"csrf_token": token})
    assert unconfirmed.status_code == 302 and EMAIL in _dump(app)  # the box was not ticked

    response = agency_client.post(
        f"/contacts/{helene}/erase", data={"csrf_token": token, "confirm": "yes"}
    )
    assert response.status_code == 302
    dump = _dump(app)
    for personal in (EMAIL, PHONE, "Dupré", "Hélène", "Rédactrice", "Préfère", "Annuaire"):
        assert personal not in dump, personal
    assert _counts(app, ids["trip"]) == before  # still among the trip's people; clips kept
    with app.extensions["retombees_sessions"]() as session:
        erased = session.get(Contact, helene)
        assert erased.name == f"Erased contact {helene}" and erased.segments == []
        assert erased.data_source.startswith("erased on request ") and erased.erased_at
        assert session.scalar(select(FollowUp.notes)) is None
        request = session.scalar(select(PressRequest))
        assert request.subject == "Photos du 4-Sud" and request.details == "Envoyer à […]"

    assert "Erased contact" not in page(agency_client, "/contacts/")  # hidden from the list
    assert f"Erased contact {helene}" in page(agency_client, f"/contacts/{helene}")
    assert agency_client.get(f"/contacts/{helene}/edit").status_code == 409
    again = agency_client.post(
        f"/contacts/{helene}/erase", data={"csrf_token": token, "confirm": "yes"}
    )
    assert again.status_code == 409


# -- Import and exports ------------------------------------------------------------------------


def _upload(client, name: str, data: bytes):
    token = csrf_token(client, "/contacts/import")
    return client.post(
        "/contacts/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _contact_count(app) -> int:
    with app.extensions["retombees_sessions"]() as session:
        return session.scalar(select(func.count()).select_from(Contact))


def test_import_shows_a_preview_then_imports_on_confirmation(app, agency_client):
    seed(app)
    data = (FIXTURES / "fichier-presse-excel.csv").read_bytes()
    preview = _upload(agency_client, "fichier-presse-excel.csv", data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "nothing is stored yet" in html
    assert "Windows-1252" in html
    assert "no name: first_name and last_name are empty" in html
    assert "is not in the registry: imported without it" in html
    assert "same email as contact #1 Hélène Dupré" in html  # already in the press file
    assert _contact_count(app) == 2
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)

    forged = agency_client.post(
        "/contacts/import/confirm",
        data={"csrf_token": csrf_token(agency_client, "/contacts/import"), "token": "guess"},
    )
    assert forged.status_code == 302 and _contact_count(app) == 2

    done = agency_client.post(
        "/contacts/import/confirm",
        data={"csrf_token": csrf_token(agency_client, "/contacts/import"), "token": token},
    )
    assert done.status_code == 200 and "was imported" in done.get_data(as_text=True)
    assert _contact_count(app) == 5  # François, Amélie, Chloé; Hélène updated
    reused = agency_client.post(
        "/contacts/import/confirm",
        data={"csrf_token": csrf_token(agency_client, "/contacts/import"), "token": token},
    )
    assert reused.status_code == 302 and _contact_count(app) == 5

    again = _upload(agency_client, "fichier-presse-excel.csv", data).get_data(as_text=True)
    assert re.search(r'<button type="submit" class="confirm"\s+disabled', again)


def test_unreadable_upload_is_refused_with_the_reason(app, agency_client):
    response = _upload(agency_client, "classeur.csv", b"PK\x03\x04 a workbook")
    assert response.status_code == 302
    assert "not CSV text: save it from the spreadsheet" in page(agency_client, "/contacts/import")
    agency_client.get("/contacts/import?lang=fr")  # the reason follows the user's language
    assert _upload(agency_client, "vide.csv", b"  \n").status_code == 302
    assert "vide.csv est vide." in page(agency_client, "/contacts/import")


def test_exports_follow_the_filters_and_read_back(app, agency_client):
    ids = seed(app)
    exported = agency_client.get("/contacts/export.csv?segment=regional")
    assert exported.status_code == 200 and exported.data.startswith(b"\xef\xbb\xbf")
    lines = exported.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("first_name;last_name;email;phone;outlet;position")
    assert len(lines) == 2 and lines[1].startswith("Hélène;Dupré;" + EMAIL)

    cards = agency_client.get("/contacts/export.vcf")
    assert cards.mimetype == "text/vcard"
    parsed = {c.fn.value: c for c in vobject.readComponents(cards.get_data(as_text=True))}
    assert set(parsed) == {"Hélène Dupré", "Karim Benali"}
    assert parsed["Hélène Dupré"].org.value == ["La Voix du Nord"]
    assert parsed["Hélène Dupré"].note.value == "Préfère être appelée le matin"
    one = agency_client.get(f"/contacts/{ids['karim']}.vcf?version=4.0").get_data(as_text=True)
    card = vobject.readOne(one)
    assert card.version.value == "4.0" and card.email.value == "karim@france3.fr"
    assert agency_client.get("/contacts/export.vcf?version=2.1").status_code == 400


# -- Who may see it ----------------------------------------------------------------------------


def _routes(app, contact_id: int):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("contacts."):
            path = rule.rule.replace("<int:contact_id>", str(contact_id))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


@pytest.mark.parametrize("role_client", ["officer_client", "management_client"])
def test_only_the_agency_and_administrators_see_the_press_file(app, request, role_client):
    ids = seed(app)
    client = request.getfixturevalue(role_client)
    routes = list(_routes(app, ids["helene"]))
    assert len(routes) >= 14
    token = csrf_token(client, "/account/")
    for method, path in routes:
        response = client.open(path, method=method, data={"csrf_token": token, "confirm": "yes"})
        assert response.status_code == 403, (method, path)
    assert _dump(app).count(EMAIL) >= 1  # nothing was erased


def test_administrators_see_the_press_file(app, admin_client):
    seed(app)
    assert "Hélène Dupré" in page(admin_client, "/contacts/")


def test_forms_without_the_csrf_token_are_refused(app, agency_client):
    ids = seed(app)
    posts = [path for method, path in _routes(app, ids["helene"]) if method == "POST"]
    assert len(posts) == 5
    for path in posts:
        response = agency_client.post(path, data={"confirm": "yes", "first_name": "X"})
        assert response.status_code == 400, path
    assert EMAIL in _dump(app) and _contact_count(app) == 2
