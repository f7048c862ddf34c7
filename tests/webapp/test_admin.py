"""Administration: accounts and roles, and the settings table with its secrets hidden."""

from __future__ import annotations

import pytest

from models import Role, User
from models.user import user_by_name
from tests.conftest import PASSWORD, add_user, csrf_token, login


def _user(app, name: str) -> User | None:
    with app.extensions["retombees_sessions"]() as session:
        return user_by_name(session, name)


def _post(client, path: str, **data):
    data["csrf_token"] = csrf_token(client, "/admin/?lang=en")
    return client.post(path, data=data)


def _id(app, name: str) -> int:
    return _user(app, name).id


@pytest.mark.parametrize("role_client", ["officer_client", "management_client", "agency_client"])
def test_only_administrators_get_in(request, app, role_client):
    client = request.getfixturevalue(role_client)
    add_user(app, "cible", Role.OFFICER)
    token = csrf_token(client, "/sources/")
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/settings").status_code == 403
    for path in ("/admin/users", "/admin/users/1/role", "/admin/users/1/deactivate"):
        assert client.post(path, data={"csrf_token": token, "role": "admin"}).status_code == 403
    assert _user(app, "cible").role == Role.OFFICER


def test_users_are_listed_with_role_state_and_last_login(app, admin_client):
    add_user(app, "claire", Role.OFFICER)
    page = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    mine = page[page.index(f'id="user-{_id(app, "root")}"') :]
    assert "(you)" in mine[: mine.index("</tr>")] and "Administrator" in mine
    claire = page[page.index(f'id="user-{_id(app, "claire")}"') :]
    claire = claire[: claire.index("</tr>")]
    assert "never" in claire and "Active" in claire and "Deactivate" in claire


def test_create_a_user_who_can_then_log_in(app, admin_client, client):
    response = _post(
        admin_client,
        "/admin/users",
        username="agence2",
        email="agence@example.org",
        role="agency",
        password="une phrase longue",
    )
    assert response.status_code == 302
    user = _user(app, "agence2")
    assert (user.role, user.email, user.active) == (Role.AGENCY, "agence@example.org", True)
    assert "Account agence2 created." in admin_client.get("/admin/?lang=en").get_data(as_text=True)
    admin_client.post("/logout", data={"csrf_token": csrf_token(admin_client, "/admin/")})
    assert login(client, "agence2", "une phrase longue").status_code == 302


def test_a_short_password_or_a_taken_name_is_refused(app, admin_client):
    response = _post(admin_client, "/admin/users", username="court", role="officer", password="x")
    assert response.status_code == 400 and _user(app, "court") is None
    assert "at least 10 characters" in response.get_data(as_text=True)
    response = _post(
        admin_client, "/admin/users", username="root", role="officer", password="assez long oui"
    )
    assert response.status_code == 409
    assert "This user name is taken." in response.get_data(as_text=True)
    assert _user(app, "root").role == Role.ADMIN


def test_change_role_deactivate_and_reactivate(app, admin_client, client):
    add_user(app, "claire", Role.OFFICER)
    claire = _id(app, "claire")
    assert _post(admin_client, f"/admin/users/{claire}/role", role="management").status_code == 302
    assert _user(app, "claire").role == Role.MANAGEMENT
    assert _post(admin_client, f"/admin/users/{claire}/deactivate").status_code == 302
    assert _user(app, "claire").active is False
    page = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "claire can no longer log in." in page and "Reactivate" in page
    other = type(client)(app)  # a second browser
    assert login(other, "claire").status_code == 200  # refused: the form again
    assert _post(admin_client, f"/admin/users/{claire}/reactivate").status_code == 302
    assert login(other, "claire").status_code == 302


def test_an_administrator_cannot_demote_or_deactivate_themself(app, admin_client):
    me = _id(app, "root")
    _post(admin_client, f"/admin/users/{me}/role", role="officer")
    page = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "You cannot remove your own administrator role." in page
    _post(admin_client, f"/admin/users/{me}/deactivate")
    page = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    root = _user(app, "root")
    assert (root.role, root.active) == (Role.ADMIN, True)


def test_reset_a_password(app, admin_client, client):
    add_user(app, "claire", Role.OFFICER)
    claire = _id(app, "claire")
    _post(admin_client, f"/admin/users/{claire}/password", password="court")
    assert "at least 10 characters" in admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert _user(app, "claire").check_password(PASSWORD)
    _post(admin_client, f"/admin/users/{claire}/password", password="nouveau mot de passe")
    assert login(client, "claire", PASSWORD).status_code == 200
    assert login(client, "claire", "nouveau mot de passe").status_code == 302


def test_settings_are_shown_with_secrets_masked(app, admin_client):
    from dataclasses import replace

    # As deployed: a secret key and passwords in the database and Redis addresses.
    settings = app.extensions["retombees_settings"]
    app.extensions["retombees_settings"] = replace(
        settings,
        secret_key="tres-secret-0123",
        database_url="postgresql+psycopg://retombees:motdepasse-pg@db:5432/retombees",
        redis_url="redis://:motdepasse-redis@cache.local:6379/0",
    )
    page = admin_client.get("/admin/settings?lang=en").get_data(as_text=True)
    for secret in ("tres-secret-0123", PASSWORD, "motdepasse-pg", "motdepasse-redis"):
        assert secret not in page
    assert "postgresql+psycopg://retombees:••••••@db:5432/retombees" in page
    assert "redis://:••••••@cache.local:6379/0" in page
    secret_row = page[page.index('id="setting-secret_key"') :]
    assert "RETOMBEES_SECRET_KEY" in secret_row and "set (hidden)" in secret_row
    row = page[page.index('id="setting-download_timeout"') :]
    assert "RETOMBEES_DOWNLOAD_TIMEOUT" in row and ">5<" in row[: row.index("</tr>")]
    assert "Seconds before a page or feed download is abandoned." in row


def test_database_url_password_is_masked():
    from webapp.admin import mask_url

    assert (
        mask_url("postgresql+psycopg://retombees:s3cret@db:5432/retombees")
        == "postgresql+psycopg://retombees:••••••@db:5432/retombees"
    )
    assert (
        mask_url("sqlite:////srv/instance/retombees.db") == "sqlite:////srv/instance/retombees.db"
    )
    assert "tok" not in mask_url("https://example.org/x?api_key=tok&page=2")
