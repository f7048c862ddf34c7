"""Browser sessions: a login starts a new session, and logging out (or a new password, or a
deactivation) ends it for good, even for a copy of the cookie.

The session cookie is signed, not stored: before ``models.login_session`` a copy taken before
logging out went on opening every page for up to 12 hours. A session planted before the login
(a cookie set by a neighbouring site) must carry nothing into the logged-in session, not even
its CSRF token. Runs on SQLite and PostgreSQL: the logins are rows of the database.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from models import LoginSession, Role, utcnow
from models.user import user_by_name
from tests.conftest import add_user, csrf_token, login, make_settings

COOKIE = "session"


@pytest.fixture
def settings(any_settings):
    return any_settings


def cookie(client) -> str | None:
    found = client.get_cookie(COOKIE)
    return found.value if found else None


def opens_pages(client) -> bool:
    response = client.get("/review/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def replay(app, value: str):
    """Another browser holding a copy of a session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def logout(client) -> None:
    token = csrf_token(client, "/account/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


@pytest.fixture
def claire(app):
    add_user(app, "claire", Role.OFFICER)
    return "claire"


# -- Fixation ------------------------------------------------------------------------------


def test_the_login_replaces_the_session_it_was_given(app, client, claire):
    client.get("/login")
    before = cookie(client)
    assert before
    assert login(client, claire).status_code == 302
    after = cookie(client)
    assert after and after != before
    assert opens_pages(client)
    # The cookie from before the login is still an anonymous one.
    assert not opens_pages(replay(app, before))


def test_a_planted_session_gives_its_csrf_token_nothing_after_the_login(app, claire):
    """An attacker gets a session and its CSRF token, plants the cookie in the victim's browser
    (a neighbouring subdomain can set it); the victim logs in; a form forged with the attacker's
    token is refused."""
    attacker = app.test_client()
    planted_token = csrf_token(attacker, "/login")
    victim = replay(app, cookie(attacker))
    assert login(victim, claire).status_code == 302  # the login form works with it
    forged = victim.post("/account/tokens", data={"csrf_token": planted_token, "name": "x"})
    assert forged.status_code == 400
    # The victim's own pages carry a new token that works.
    assert csrf_token(victim, "/account/") != planted_token
    logout(victim)


def test_the_language_chosen_before_the_login_is_kept(app, client, claire):
    client.get("/login?lang=en")
    assert login(client, claire).status_code == 302
    assert "Coverage to review" in client.get("/review/").get_data(as_text=True)


# -- Logging out ---------------------------------------------------------------------------


def test_a_cookie_copied_before_logging_out_no_longer_opens_pages(app, client, claire):
    assert login(client, claire).status_code == 302
    stolen = cookie(client)
    assert opens_pages(replay(app, stolen))  # a copy works while the user is logged in
    logout(client)
    assert not opens_pages(client)
    response = replay(app, stolen).get("/review/")
    assert response.status_code == 302 and response.location.startswith("/login")
    # The API is not opened by it either (it never reads the cookie).
    assert replay(app, stolen).get("/api/v1/coverage").status_code == 401


def test_logging_out_ends_only_that_browser(app, claire):
    office, phone = app.test_client(), app.test_client()
    assert login(office, claire).status_code == 302
    assert login(phone, claire).status_code == 302
    logout(office)
    assert not opens_pages(office)
    assert opens_pages(phone)


def test_a_new_password_logs_out_every_browser_of_the_account(app, admin_client, claire):
    browser = app.test_client()
    assert login(browser, claire).status_code == 302
    stolen = cookie(browser)
    with app.extensions["retombees_sessions"]() as session:
        user_id = user_by_name(session, claire).id
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/users/{user_id}/password",
        data={"csrf_token": token, "password": "un tout nouveau mot de passe"},
    )
    assert response.status_code == 302
    assert not opens_pages(browser)
    assert not opens_pages(replay(app, stolen))
    assert opens_pages(admin_client)  # the administrator's own session goes on
    assert login(browser, claire, "un tout nouveau mot de passe").status_code == 302
    assert opens_pages(browser)


def test_an_administrator_changing_their_own_password_stays_logged_in_here_only(app, admin_client):
    other = app.test_client()
    assert login(other, "root").status_code == 302
    with app.extensions["retombees_sessions"]() as session:
        root_id = user_by_name(session, "root").id
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(
        f"/admin/users/{root_id}/password",
        data={"csrf_token": token, "password": "un tout nouveau mot de passe"},
    )
    assert opens_pages(admin_client)
    assert not opens_pages(other)


def test_a_deactivated_then_reactivated_account_does_not_revive_old_cookies(
    app, admin_client, claire
):
    browser = app.test_client()
    assert login(browser, claire).status_code == 302
    stolen = cookie(browser)
    with app.extensions["retombees_sessions"]() as session:
        user_id = user_by_name(session, claire).id
    for action in ("deactivate", "reactivate"):
        token = csrf_token(admin_client, "/admin/")
        response = admin_client.post(f"/admin/users/{user_id}/{action}", data={"csrf_token": token})
        assert response.status_code == 302
        if action == "deactivate":
            assert not opens_pages(replay(app, stolen))
    assert not opens_pages(replay(app, stolen))


# -- What the server keeps -----------------------------------------------------------------


def session_token(client) -> str:
    """The login token inside the signed cookie (readable by whoever holds the cookie)."""
    with client.session_transaction() as session:
        return session["login"]


def test_logins_are_kept_as_hashes_and_end_after_thirty_days(app, client, claire):
    assert login(client, claire).status_code == 302
    token = session_token(client)
    sessions = app.extensions["retombees_sessions"]
    with sessions() as session:
        (row,) = session.scalars(select(LoginSession)).all()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        dump = " ".join(
            str(v) for r in session.execute(text("SELECT * FROM login_session")) for v in r
        )
        assert token not in dump
    with sessions.begin() as session:
        session.execute(update(LoginSession).values(created_at=utcnow() - timedelta(days=31)))
    assert not opens_pages(client)
    # The next login forgets the stale rows.
    assert login(client, claire).status_code == 302
    with sessions() as session:
        assert len(session.scalars(select(LoginSession)).all()) == 1


def test_the_session_cookie_is_http_only_and_same_site(app, client, claire):
    response = login(client, claire)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header  # served over plain HTTP in this test


def test_behind_https_the_cookie_is_secure(tmp_path):
    from webapp import create_app

    app = create_app({"TESTING": True}, settings=make_settings(tmp_path, secure_cookies=True))
    try:
        response = app.test_client().get("/login", base_url="https://localhost")
        header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
        assert "Secure" in header and "HttpOnly" in header
    finally:
        app.extensions["retombees_engine"].dispose()
