"""Adding a source in the interface: addresses of the server itself or its network are refused,
with a sentence saying which address and how an administrator can allow it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Source, SourceHealth, SourceKind, utcnow
from tests.conftest import add_user, csrf_token, login, make_settings

ADVICE = "an administrator can allow it with RETOMBEES_ALLOWED_NETWORKS."


@pytest.fixture
def guarded(tmp_path):
    """The interface with its default: no private or local address allowed."""
    from webapp import create_app

    app = create_app({"TESTING": True}, settings=make_settings(tmp_path, allowed_networks=""))
    client = app.test_client()
    add_user(app, "claire", "officer")
    login(client, "claire")
    yield app, client
    app.extensions["retombees_engine"].dispose()


def _find(client, url: str):
    token = csrf_token(client, "/sources/new?lang=en")
    return client.post("/sources/new", data={"url": url, "csrf_token": token})


def _sources(app) -> list[Source]:
    with app.extensions["retombees_sessions"]() as session:
        return list(session.scalars(select(Source)))


def test_a_loopback_address_is_refused_with_its_reason(guarded, fixture_server):
    app, client = guarded
    url = fixture_server.url("site/press/rss.xml")
    before = fixture_server.hits["/site/press/rss.xml"]
    response = _find(client, url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"127.0.0.1 is a loopback address; {ADVICE}" in page
    assert 'role="alert"' in page and url in page  # kept to correct it
    assert fixture_server.hits["/site/press/rss.xml"] == before  # nothing was fetched
    assert _sources(app) == []


def test_the_metadata_address_is_refused(guarded):
    _app, client = guarded
    response = _find(client, "http://169.254.169.254/latest/meta-data/")
    assert response.status_code == 422
    assert f"169.254.169.254 is a cloud metadata address; {ADVICE}" in response.get_data(
        as_text=True
    )


def test_saving_a_forged_candidate_is_refused_too(guarded):
    """Step 2 posts the addresses back: one changed by hand is checked again."""
    app, client = guarded
    token = csrf_token(client, "/sources/new?lang=en")
    response = client.post(
        "/sources/add",
        data={
            "csrf_token": token,
            "count": "1",
            "url-0": "http://10.0.0.5/rss.xml",
            "name-0": "Intranet",
            "kind-0": "feed",
            "pick": ["0"],
            "outlet": "0",
        },
    )
    assert response.status_code == 400
    assert f"10.0.0.5 is a private address; {ADVICE}" in response.get_data(as_text=True)
    assert _sources(app) == []


def test_an_allowed_range_lets_the_address_be_added(app, officer_client, fixture_server):
    # The test settings allow 127.0.0.0/8, as RETOMBEES_ALLOWED_NETWORKS would.
    response = _find(officer_client, fixture_server.url("site/press/rss.xml"))
    assert response.status_code == 200
    assert "loopback" not in response.get_data(as_text=True)


def test_a_source_refused_by_the_crawler_shows_the_reason(app, officer_client):
    with app.extensions["retombees_sessions"].begin() as session:
        source = Source(name="Intranet", kind=SourceKind.FEED, url="http://intranet.test/rss")
        session.add(source)
        source.record_failure(
            utcnow(),
            error="intranet.test resolves to 10.1.2.3, a private address; an administrator "
            "can allow it with RETOMBEES_ALLOWED_NETWORKS",
            status=None,
        )
        assert source.health == SourceHealth.FAILING
    page = officer_client.get("/sources/?lang=en").get_data(as_text=True)
    assert f"intranet.test resolves to 10.1.2.3, a private address; {ADVICE}" in page
