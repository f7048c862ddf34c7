"""The outlet registry page, its CSV round trip, and the value set by hand on a clip."""

import io

from sqlalchemy import select

from models import Coverage, CoverageStatus, Medium, Outlet, RateCard, RateKind
from models.registry import seed_outlets
from tests.conftest import csrf_token


def test_registry_shows_estimated_figures_and_round_trips(app, client, officer_client):
    with app.extensions["retombees_sessions"].begin() as session:
        seed_outlets(session)
    page = officer_client.get("/outlets/").get_data(as_text=True)
    assert "La Voix du Nord" in page and "estimé" in page
    exported = officer_client.get("/outlets/registry.csv")
    assert exported.status_code == 200 and b"La Voix du Nord" in exported.data
    token = csrf_token(officer_client, "/outlets/")
    # An officer reads the registry; the agency and administrators edit it.
    refused = officer_client.post(
        "/outlets/registry.csv",
        data={"csrf_token": token, "file": (io.BytesIO(exported.data), "r.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403


def test_agency_uploads_an_edited_registry(app, client):
    from models import Role
    from tests.conftest import add_user, login

    with app.extensions["retombees_sessions"].begin() as session:
        seed_outlets(session)
    add_user(app, "agence", Role.AGENCY)
    login(client, "agence")
    csv = client.get("/outlets/registry.csv").data.decode()
    edited = (
        csv.rstrip("\n")
        + "\nLe Journal du Bassin,journal-du-bassin.fr,print_weekly,local,5000,copies,2025,test\n"
    )
    token = csrf_token(client, "/outlets/")
    response = client.post(
        "/outlets/registry.csv",
        data={"csrf_token": token, "file": (io.BytesIO(edited.encode()), "registre.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        added = session.scalar(select(Outlet).where(Outlet.name == "Le Journal du Bassin"))
        assert added is not None and added.audience == 5000


def test_value_set_by_hand_needs_a_reason(app, officer_client):
    with app.extensions["retombees_sessions"].begin() as session:
        outlet = Outlet(
            name="La Voix du Nord",
            medium=Medium.PRESS,
            rate_cards=[RateCard(kind=RateKind.PAGE, price_eur=18000)],
        )
        session.add(
            Coverage(
                url="https://lavoixdunord.fr/a",
                title="A",
                outlet=outlet,
                medium=Medium.PRESS,
                status=CoverageStatus.CONFIRMED,
            )
        )
    token = csrf_token(officer_client, "/coverage/1")
    officer_client.post("/coverage/1/value", data={"csrf_token": token, "amount": "1 200"})
    with app.extensions["retombees_sessions"]() as session:
        assert session.get(Coverage, 1).ave_override_eur is None  # no reason: refused
    officer_client.post(
        "/coverage/1/value",
        data={"csrf_token": token, "amount": "1 200,50", "reason": "Tarif négocié connu"},
    )
    with app.extensions["retombees_sessions"]() as session:
        clip = session.get(Coverage, 1)
        assert clip.ave_override_eur == 1200.5 and clip.ave_override_reason == "Tarif négocié connu"
    page = officer_client.get("/coverage/1").get_data(as_text=True)
    assert "Tarif négocié connu" in page


def test_clip_page_marks_a_value_resting_on_estimated_figures(app, officer_client):
    from models.valuation import apply_valuation

    with app.extensions["retombees_sessions"].begin() as session:
        seed_outlets(session)
        outlet = session.scalar(select(Outlet).where(Outlet.name == "La Voix du Nord"))
        clip = Coverage(
            url="https://lavoixdunord.fr/b",
            title="B",
            outlet=outlet,
            medium=Medium.PRESS,
            page_fraction=0.5,
            status=CoverageStatus.CONFIRMED,
        )
        session.add(clip)
        session.flush()
        apply_valuation(session, clip)
        assert clip.ave_eur == 9000  # half of the ESTIMATED 18 000 € page
    page = officer_client.get("/coverage/1").get_data(as_text=True)
    assert "Équivalence publicitaire" in page and "estimé" in page


def test_size_entered_in_the_review_values_the_clip_line_by_line(app, officer_client):
    with app.extensions["retombees_sessions"].begin() as session:
        seed_outlets(session)
        outlet = session.scalar(select(Outlet).where(Outlet.name == "La Voix du Nord"))
        session.add(
            Coverage(
                url="https://lavoixdunord.fr/c",
                title="C",
                outlet=outlet,
                medium=Medium.PRESS,
                status=CoverageStatus.NEW,
            )
        )
    token = csrf_token(officer_client, "/coverage/1")
    bad = officer_client.post("/coverage/1/size", data={"csrf_token": token, "page_fraction": "3"})
    assert bad.status_code == 302
    officer_client.post("/coverage/1/size", data={"csrf_token": token, "page_fraction": "0,25"})
    with app.extensions["retombees_sessions"]() as session:
        clip = session.get(Coverage, 1)
        assert clip.page_fraction == 0.25 and clip.ave_eur == 4500  # 0.25 × 18 000 €
    page = officer_client.get("/coverage/1").get_data(as_text=True)
    assert "0.25 page × 18 000 €" in page and "page price" in page and "wikiwand" in page
