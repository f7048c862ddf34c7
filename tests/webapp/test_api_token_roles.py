"""API tokens act with their user's role, exactly, and only as long as the user has it.

For each role a token does on ``/api/v1`` what ``models.user.PERMISSIONS`` lets the role do and
nothing more: reading for everyone, deciding on clips for the roles that review (and the clip
really changes, or really stays as it was). A role changed by an administrator applies to the
user's existing tokens at the next request; a deactivated user's tokens stop. The database
holds a hash of each token, never the token itself.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from models import CoverageStatus, Role
from models.user import PERMISSIONS, user_by_name
from tests.conftest import csrf_token
from tests.webapp.test_api import bearer, seed, status_of, token_for

# Every endpoint of the API and the permission it needs (a new endpoint fails the test below
# until it is listed here).
READS = {
    "api.coverage_list": "/api/v1/coverage",
    "api.coverage_show": "/api/v1/coverage/{clip}",
    "api.campaign_list": "/api/v1/campaigns",
    "api.campaign_show": "/api/v1/campaigns/j-ai-10-ans",
    "api.outlet_list": "/api/v1/outlets",
    "api.campaign_report_json": "/api/v1/reports/campaign?campaign=j-ai-10-ans",
}
WRITES = {"api.coverage_decision": "review"}
PUBLIC = {"api.openapi"}


@pytest.fixture
def settings(any_settings):
    return any_settings


@pytest.fixture
def ids(app):
    return seed(app)


def test_every_api_endpoint_is_covered(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert endpoints == READS.keys() | WRITES.keys() | PUBLIC


def decide(client, secret: str, clip_id: int, decision: str):
    return client.post(
        f"/api/v1/coverage/{clip_id}/decision", json={"decision": decision}, headers=bearer(secret)
    )


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_a_token_does_what_its_role_allows_and_nothing_more(app, client, ids, role):
    secret = token_for(app, f"user-{role.value}", role)
    for endpoint, path in READS.items():
        response = client.get(path.format(clip=ids["Clip 3"]), headers=bearer(secret))
        expected = 200 if role in PERMISSIONS["read"] else 403
        assert response.status_code == expected, (endpoint, role)
    may_review = role in PERMISSIONS[WRITES["api.coverage_decision"]]
    confirmed = decide(client, secret, ids["Clip 3"], "confirm")
    rejected = decide(client, secret, ids["Clip 4"], "reject")
    if may_review:
        assert (confirmed.status_code, rejected.status_code) == (200, 200)
        assert status_of(app, ids["Clip 3"]) == CoverageStatus.CONFIRMED
        assert status_of(app, ids["Clip 4"]) == CoverageStatus.REJECTED
    else:
        assert (confirmed.status_code, rejected.status_code) == (403, 403)
        assert role.value in confirmed.get_json()["message"]
        assert status_of(app, ids["Clip 3"]) == CoverageStatus.NEW
        assert status_of(app, ids["Clip 4"]) == CoverageStatus.NEW


def user_id(app, username: str) -> int:
    with app.extensions["retombees_sessions"]() as session:
        return user_by_name(session, username).id


def admin_post(admin_client, path: str, **data):
    data["csrf_token"] = csrf_token(admin_client, "/admin/")
    response = admin_client.post(path, data=data)
    assert response.status_code == 302
    return response


def test_a_role_changed_by_an_administrator_applies_to_existing_tokens_at_once(
    app, client, admin_client, ids
):
    secret = token_for(app, "claire", Role.OFFICER)
    claire = user_id(app, "claire")
    assert decide(client, secret, ids["Clip 3"], "confirm").status_code == 200

    admin_post(admin_client, f"/admin/users/{claire}/role", role="management")
    refused = decide(client, secret, ids["Clip 4"], "reject")
    assert refused.status_code == 403 and "management" in refused.get_json()["message"]
    assert status_of(app, ids["Clip 4"]) == CoverageStatus.NEW
    assert client.get("/api/v1/coverage", headers=bearer(secret)).status_code == 200

    admin_post(admin_client, f"/admin/users/{claire}/role", role="officer")
    assert decide(client, secret, ids["Clip 4"], "reject").status_code == 200

    admin_post(admin_client, f"/admin/users/{claire}/deactivate")
    assert client.get("/api/v1/coverage", headers=bearer(secret)).status_code == 401
    admin_post(admin_client, f"/admin/users/{claire}/reactivate")  # back, but not her old key
    assert client.get("/api/v1/coverage", headers=bearer(secret)).status_code == 401


def test_tokens_are_stored_as_hashes_only(app, client, ids, settings):
    secret = token_for(app, "claire", Role.OFFICER)
    assert client.get("/api/v1/coverage", headers=bearer(secret)).status_code == 200
    with app.extensions["retombees_sessions"]() as session:
        rows = session.execute(text("SELECT * FROM api_token")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert rows[0]["prefix"] == secret[:12]  # only its beginning, to tell tokens apart
    stored = " ".join(str(value) for value in rows[0].values())
    assert secret not in stored and secret[12:] not in stored
    if settings.database_url.startswith("sqlite"):  # not anywhere in the database's files
        base = Path(settings.database_url.removeprefix("sqlite:///"))
        for path in (base, Path(f"{base}-wal")):
            if path.exists():
                assert secret.encode() not in path.read_bytes(), path


def test_a_token_is_read_from_the_authorization_header_only(app, client, ids):
    """Not from the address (it would be written in proxies' and servers' logs)."""
    secret = token_for(app, "claire", Role.OFFICER)
    for query in (f"access_token={secret}", f"token={secret}"):
        assert client.get(f"/api/v1/coverage?{query}").status_code == 401
    assert client.get("/api/v1/coverage", headers=bearer(secret)).status_code == 200
