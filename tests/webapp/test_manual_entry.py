"""Adding a clip by hand or by address from the interface."""

from datetime import UTC, datetime

from sqlalchemy import select

from crawler.runner import crawl_in_child
from models import Campaign, Coverage, CoverageOrigin, CoverageStatus, Medium, Outlet, Role
from models.snapshots import snapshot_of
from tests.conftest import add_user, csrf_token, login


def seed(app):
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(Campaign(slug="bassin-minier", name="Bassin minier", query='"bassin minier"'))
        session.add(Outlet(name="La Voix du Nord", medium=Medium.PRESS))
        session.add(Outlet(name="France 3 Hauts-de-France", medium=Medium.TV))


def test_print_clip_entered_by_hand_is_confirmed_and_counted(app, officer_client):
    seed(app)
    token = csrf_token(officer_client, "/coverage/new")
    form = {
        "mode": "hand",
        "hand-csrf_token": token,
        "hand-outlet": "1",
        "hand-day": "2022-03-16",
        "hand-title": "Le Bassin minier, dix ans après l'Unesco",
        "hand-programme": "page 4",
        "hand-page_fraction": "0.5",
        "hand-campaign": "1",
        "hand-summary": "Voyage de presse.",
    }
    response = officer_client.post("/coverage/new", data=form)
    assert response.status_code == 302
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Le Bassin minier, dix ans après l&#39;Unesco" in page and "page 4" in page
    with app.extensions["retombees_sessions"]() as session:
        clip = session.scalar(select(Coverage))
        assert clip.status == CoverageStatus.CONFIRMED and clip.origin == CoverageOrigin.MANUAL
        assert clip.medium == Medium.PRESS and clip.page_fraction == 0.5
        assert clip.published_at.astimezone(UTC).date().isoformat() == "2022-03-15"  # Paris 00:00
    campaign = officer_client.get("/campaigns/bassin-minier").get_data(as_text=True)
    assert 'id="tally-press"' in campaign
    again = officer_client.post("/coverage/new", data=form)
    assert again.status_code == 400 and "déjà été saisie" in again.get_data(as_text=True)


def test_invalid_entries_are_refused_with_the_reason(app, officer_client):
    seed(app)
    token = csrf_token(officer_client, "/coverage/new")
    response = officer_client.post(
        "/coverage/new",
        data={
            "mode": "hand",
            "hand-csrf_token": token,
            "hand-outlet": "2",
            "hand-day": "2022-13-45",
            "hand-title": "JT",
            "hand-campaign": "0",
        },
    )
    assert response.status_code == 400
    response = officer_client.post(
        "/coverage/new",
        data={
            "mode": "address",
            "address-csrf_token": token,
            "address-url": "pas une adresse",
            "address-campaign": "0",
        },
    )
    assert response.status_code == 400
    with app.extensions["retombees_sessions"]() as session:
        assert session.scalar(select(Coverage)) is None


def test_management_cannot_add_clips(app, management_client):
    assert management_client.get("/coverage/new").status_code == 403


def test_clip_added_by_address_is_fetched_by_the_next_crawl(app, settings, fixture_server):
    seed(app)
    add_user(app, "agence", Role.AGENCY)
    client = app.test_client()
    login(client, "agence")
    token = csrf_token(client, "/coverage/new")
    url = fixture_server.url("site/press/articles/npdc-2.html") + "?utm_source=newsletter"
    response = client.post(
        "/coverage/new",
        data={
            "mode": "address",
            "address-csrf_token": token,
            "address-url": url,
            "address-campaign": "1",
        },
    )
    assert response.status_code == 302
    sessions = app.extensions["retombees_sessions"]
    with sessions() as session:
        clip = session.scalar(select(Coverage))
        assert clip.status == CoverageStatus.FETCH and "utm_source" not in clip.url
    stats = crawl_in_child(settings, [], sources=False)
    assert stats.sources == 0
    with sessions() as session:
        clip = session.scalar(select(Coverage))
        assert clip.status == CoverageStatus.PENDING  # now awaiting analysis like any clip
        assert clip.title.startswith("Lens : une navette") and "navette" in clip.text
        assert clip.published_at <= datetime.now(UTC)
        assert [link.campaign.slug for link in clip.campaign_links] == ["bassin-minier"]
        assert snapshot_of(session, clip.id) is not None
    duplicate = client.post(
        "/coverage/new",
        data={
            "mode": "address",
            "address-csrf_token": token,
            "address-url": url,
            "address-campaign": "1",
        },
    )
    assert duplicate.status_code == 400 and "déjà enregistrée" in duplicate.get_data(as_text=True)
