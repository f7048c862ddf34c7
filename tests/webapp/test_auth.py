"""Login is required everywhere; forms carry CSRF tokens; the interface speaks French."""

import pytest

from models import Role
from tests.conftest import add_user, csrf_token, login


@pytest.mark.parametrize("path", ["/review/", "/sources/", "/campaigns/", "/campaigns/x"])
def test_pages_require_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_then_logout(app, client):
    add_user(app, "claire", Role.OFFICER)
    response = login(client, "claire")
    assert response.status_code == 302 and response.headers["Location"] == "/review/"
    page = client.get("/review/").get_data(as_text=True)
    assert "claire" in page and "Retombées à valider" in page
    token = csrf_token(client, "/review/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/review/").status_code == 302


def test_wrong_password_is_refused_in_french(app, client):
    add_user(app, "claire", Role.OFFICER)
    response = login(client, "claire", "not the password")
    assert response.status_code == 200
    assert "mot de passe erroné" in response.get_data(as_text=True)
    assert client.get("/review/").status_code == 302


def test_login_without_csrf_token_is_refused(app, client):
    add_user(app, "claire", Role.OFFICER)
    response = client.post("/login", data={"username": "claire", "password": "x" * 12})
    assert response.status_code == 400


def test_next_parameter_cannot_redirect_elsewhere(app, client):
    add_user(app, "claire", Role.OFFICER)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "claire", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.headers["Location"] == "/review/"


def test_english_is_available(officer_client):
    page = officer_client.get("/review/?lang=en").get_data(as_text=True)
    assert "Coverage to review" in page
    # The choice is kept for the next pages.
    assert "Last success" in officer_client.get("/sources/").get_data(as_text=True)


def test_security_headers(officer_client):
    response = officer_client.get("/review/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
