"""The account page: who I am, what my role allows, my language, my API tokens."""

from __future__ import annotations

import re

from models import Role
from models.api_token import create_token
from models.user import user_by_name
from tests.conftest import add_user, csrf_token, login


def english(client) -> str:
    """Open the account page in English (the source language of the interface)."""
    response = client.get("/account/?lang=en")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def create(client, name: str):
    token = csrf_token(client, "/account/")
    return client.post("/account/tokens", data={"name": name, "csrf_token": token})


def secret_of(html: str) -> str:
    match = re.search(r'id="token-secret"[^>]*value="(rtb_[^"]+)"', html)
    assert match, "no token secret on the page"
    return match.group(1)


def api(client, secret: str):
    return client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {secret}"})


def test_the_page_says_who_i_am_and_what_my_role_allows(management_client):
    page = english(management_client)
    assert "direction" in page and "Management (read only)" in page
    allowed, denied = page.split("Not allowed", 1)
    assert "Read the inbox, coverage, campaigns and dashboards" in allowed
    assert "Confirm, reject and correct clips" in denied
    assert "You have no API token." in page


def test_an_officer_may_review(officer_client):
    page = english(officer_client)
    allowed = page.split("Not allowed", 1)[0]
    assert "Press officer" in page and "Confirm, reject and correct clips" in allowed


def test_the_language_links_switch_the_interface(officer_client):
    page = english(officer_client)
    assert 'href="/account/?lang=fr"' in page and 'href="/account/?lang=en"' in page
    officer_client.get("/account/?lang=fr")
    assert '<html lang="fr">' in officer_client.get("/account/").get_data(as_text=True)
    officer_client.get("/account/?lang=en")
    assert '<html lang="en">' in officer_client.get("/account/").get_data(as_text=True)


def test_a_new_token_is_shown_once_and_opens_the_api(management_client):
    english(management_client)
    response = create(management_client, "Export hebdomadaire")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    shown = response.get_data(as_text=True)
    secret = secret_of(shown)
    assert "shown only once" in shown
    assert api(management_client, secret).status_code == 200
    listed = english(management_client)
    assert "Export hebdomadaire" in listed
    assert secret not in listed  # only its beginning, to tell tokens apart
    assert secret[:12] in listed
    assert "never" not in listed  # it has been used


def test_a_revoked_token_is_listed_as_revoked_and_refused(management_client):
    english(management_client)
    secret = secret_of(create(management_client, "Script").get_data(as_text=True))
    page = english(management_client)
    token_id = re.search(r'action="/account/tokens/(\d+)/revoke"', page).group(1)
    response = management_client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(management_client, "/account/")},
    )
    assert response.status_code == 302
    page = english(management_client)
    assert "Revoked on" in page and f"/account/tokens/{token_id}/revoke" not in page
    assert api(management_client, secret).status_code == 401


def test_tokens_need_a_name_and_the_form_token(officer_client):
    english(officer_client)
    empty = create(officer_client, "  ")
    assert empty.status_code == 400 and "rtb_" not in empty.get_data(as_text=True)
    forged = officer_client.post("/account/tokens", data={"name": "forged"})
    assert forged.status_code == 400
    assert "forged" not in english(officer_client)


def test_i_cannot_see_or_revoke_someone_elses_token(app, client):
    add_user(app, "claire", Role.OFFICER)
    add_user(app, "direction", Role.MANAGEMENT)
    with app.extensions["retombees_sessions"].begin() as session:
        token, secret = create_token(session, user_by_name(session, "claire"), "Claire's script")
        session.flush()
        token_id = token.id
    login(client, "direction")
    assert "Claire&#39;s script" not in english(client)
    response = client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/")},
    )
    assert response.status_code == 404
    assert api(client, secret).status_code == 200


def test_the_page_needs_a_login(client):
    response = client.get("/account/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
