"""The JSON API: token authentication, roles, coverage, campaigns, outlets, reports, OpenAPI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from cli.report import report_command
from models import (
    ApiToken,
    Campaign,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    KeyMessage,
    Medium,
    Outlet,
    RateCard,
    RateKind,
    Role,
    Scope,
    Tone,
)
from models.api_token import create_token, revoke_token, tokens_of
from models.user import user_by_name
from tests.conftest import add_user

HERITAGE = "Patrimoine mondial"


def seed(app) -> dict[str, int]:
    """An umbrella campaign with a sub-campaign, another campaign, two outlets, six clips."""
    with app.extensions["retombees_sessions"].begin() as session:
        umbrella = Campaign(
            slug="j-ai-10-ans",
            name="J'ai 10 ans",
            query='"bassin minier"',
            key_messages=[KeyMessage(label=HERITAGE, phrasings=["dix ans au patrimoine mondial"])],
        )
        trip = Campaign(slug="voyage-presse", name="Voyage de presse", parent=umbrella)
        other = Campaign(slug="autre", name="Autre sujet")
        voix = Outlet(
            name="La Voix du Nord",
            medium=Medium.PRESS,
            scope=Scope.REGIONAL,
            audience=1_057_901,
            audience_unit="readers per issue",
            audience_year=2024,
            audience_estimated=True,
            confidence="audience=ESTIMATED;rate=FOUND(2024)",
            rate_cards=[RateCard(kind=RateKind.PAGE, price_eur=18_000, year=2024)],
        )
        france3 = Outlet(name="France 3 Hauts-de-France", medium=Medium.TV, scope=Scope.REGIONAL)

        def clip(n, status, medium, outlet, campaign, published, **values):
            session.add(
                Coverage(
                    url=f"https://example.fr/{n}",
                    title=f"Clip {n}",
                    status=status,
                    medium=medium,
                    outlet=outlet,
                    published_at=published,
                    relevant=True,
                    campaign_links=[CoverageCampaign(campaign=campaign)],
                    **values,
                )
            )

        # Published at 23:30 UTC on 31 October: 1 November in Paris.
        clip(
            1,
            CoverageStatus.CONFIRMED,
            Medium.PRESS,
            voix,
            umbrella,
            datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
            reach=1_057_901,
            ave_eur=9_000.0,
            page_fraction=0.5,
            tone=Tone.POSITIVE,
            key_messages=[{"label": HERITAGE, "sentence": "Dix ans au patrimoine mondial."}],
            quotes=[{"text": "Un patrimoine vivant", "speaker": "Le maire", "role": "maire"}],
            reach_breakdown={"formula": "copies × readers", "estimated": True},
            ave_breakdown={"formula": "0.5 × 18 000 €", "estimated": False},
        )
        clip(
            2,
            CoverageStatus.CONFIRMED,
            Medium.TV,
            france3,
            trip,
            datetime(2026, 11, 5, 10, tzinfo=UTC),
            reach=200_000,
            ave_eur=7_916.67,
            ave_override_eur=8_000.0,
            ave_override_reason="Tarif négocié",
            tone=Tone.NEUTRAL,
        )
        clip(3, CoverageStatus.NEW, Medium.PRESS, voix, trip, datetime(2026, 11, 10, tzinfo=UTC))
        clip(4, CoverageStatus.NEW, Medium.WEB, None, other, datetime(2026, 11, 12, tzinfo=UTC))
        clip(5, CoverageStatus.PENDING, None, None, umbrella, None)
        clip(
            6,
            CoverageStatus.REJECTED,
            Medium.PRESS,
            voix,
            umbrella,
            datetime(2026, 10, 15, tzinfo=UTC),
        )
    with app.extensions["retombees_sessions"]() as session:
        return {c.title: c.id for c in session.query(Coverage)}


@pytest.fixture
def settings(any_settings):
    """Every API test runs on SQLite, then on PostgreSQL when one is configured."""
    return any_settings


def token_for(app, username: str, role: Role) -> str:
    """A user with that role and an API token of theirs; return the token's secret."""
    add_user(app, username, role)
    with app.extensions["retombees_sessions"].begin() as session:
        _token, secret = create_token(session, user_by_name(session, username), "tests")
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def ids(app):
    return seed(app)


@pytest.fixture
def officer(app):
    return token_for(app, "claire", Role.OFFICER)


@pytest.fixture
def manager(app):
    return token_for(app, "direction", Role.MANAGEMENT)


def status_of(app, coverage_id: int) -> CoverageStatus:
    with app.extensions["retombees_sessions"]() as session:
        return session.get(Coverage, coverage_id).status


# -- Authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer rtb_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic Y2xhaXJlOnNlY3JldA=="},
    ],
)
def test_the_api_refuses_requests_without_a_valid_token(client, ids, headers):
    response = client.get("/api/v1/coverage", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.is_json and response.get_json()["message"]


def test_a_revoked_token_no_longer_opens_the_api(app, client, ids, officer):
    assert client.get("/api/v1/coverage", headers=bearer(officer)).status_code == 200
    with app.extensions["retombees_sessions"].begin() as session:
        user = user_by_name(session, "claire")
        (token,) = tokens_of(session, user)
        assert revoke_token(session, user, token.id) is token
    response = client.get("/api/v1/coverage", headers=bearer(officer))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_of_a_deactivated_user_is_refused(app, client, ids, officer):
    with app.extensions["retombees_sessions"].begin() as session:
        user_by_name(session, "claire").active = False
    assert client.get("/api/v1/coverage", headers=bearer(officer)).status_code == 401


def test_a_logged_in_browser_session_does_not_open_the_api(app, officer_client, ids):
    """The session cookie is ignored: a forged page cannot drive the API through a browser."""
    assert officer_client.get("/review/").status_code == 200  # the session works for pages
    assert officer_client.get("/api/v1/coverage").status_code == 401
    response = officer_client.post(
        f"/api/v1/coverage/{ids['Clip 3']}/decision", json={"decision": "confirm"}
    )
    assert response.status_code == 401
    assert status_of(app, ids["Clip 3"]) == CoverageStatus.NEW


def test_the_token_records_when_it_was_last_used(app, client, ids, officer):
    with app.extensions["retombees_sessions"]() as session:
        assert session.query(ApiToken).one().last_used_at is None
    client.get("/api/v1/campaigns", headers=bearer(officer))
    with app.extensions["retombees_sessions"]() as session:
        used = session.query(ApiToken).one().last_used_at
    assert used is not None and datetime.now(UTC) - used < timedelta(minutes=1)


# -- Roles ----------------------------------------------------------------------------------


def test_management_reads_but_cannot_decide(app, client, ids, manager):
    headers = bearer(manager)
    assert client.get("/api/v1/coverage", headers=headers).status_code == 200
    assert client.get(f"/api/v1/coverage/{ids['Clip 3']}", headers=headers).status_code == 200
    assert client.get("/api/v1/reports/campaign", headers=headers).status_code == 200
    response = client.post(
        f"/api/v1/coverage/{ids['Clip 3']}/decision", json={"decision": "confirm"}, headers=headers
    )
    assert response.status_code == 403
    assert "management" in response.get_json()["message"]
    assert status_of(app, ids["Clip 3"]) == CoverageStatus.NEW


def test_an_officer_confirms_and_rejects_clips(app, client, ids, officer):
    headers = bearer(officer)
    confirmed = client.post(
        f"/api/v1/coverage/{ids['Clip 3']}/decision", json={"decision": "confirm"}, headers=headers
    )
    assert confirmed.status_code == 200
    body = confirmed.get_json()
    assert body["status"] == "confirmed"
    assert len(body["history"]) == 1 and body["history"][0]["user"] == "claire"
    assert body["history"][0]["details"]["status"] == ["new", "confirmed"]
    rejected = client.post(
        f"/api/v1/coverage/{ids['Clip 4']}/decision", json={"decision": "reject"}, headers=headers
    )
    assert rejected.get_json()["status"] == "rejected"
    with app.extensions["retombees_sessions"]() as session:
        clip = session.get(Coverage, ids["Clip 3"])
        assert clip.status == CoverageStatus.CONFIRMED and clip.reviewed_by.username == "claire"
        assert session.get(Coverage, ids["Clip 4"]).status == CoverageStatus.REJECTED
    # The confirmed clip now counts in the campaign report.
    report = client.get("/api/v1/reports/campaign?campaign=voyage-presse", headers=headers)
    assert report.get_json()["total"] == 2


def test_bad_decisions_are_explained(app, client, ids, officer):
    headers = bearer(officer)
    url = f"/api/v1/coverage/{ids['Clip 3']}/decision"
    for body in ({"decision": "publish"}, {}, ["confirm"]):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 400 and "decision" in response.get_json()["message"]
    assert client.post(url, data="confirm", headers=headers).status_code == 400
    missing = client.post(
        "/api/v1/coverage/9999/decision", json={"decision": "confirm"}, headers=headers
    )
    assert missing.status_code == 404 and missing.is_json
    pending = client.post(
        f"/api/v1/coverage/{ids['Clip 5']}/decision", json={"decision": "confirm"}, headers=headers
    )
    assert pending.status_code == 400 and "not been analysed" in pending.get_json()["message"]
    assert status_of(app, ids["Clip 3"]) == CoverageStatus.NEW


# -- Coverage -------------------------------------------------------------------------------


def titles(client, headers, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/coverage{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


def test_coverage_list_is_newest_first_with_its_fields(client, ids, manager):
    response = client.get("/api/v1/coverage", headers=bearer(manager)).get_json()
    assert [i["title"] for i in response["items"]] == [f"Clip {n}" for n in range(6, 0, -1)]
    assert response["next"] is None
    first = response["items"][-1]
    assert first == {
        "id": ids["Clip 1"],
        "url": "https://example.fr/1",
        "title": "Clip 1",
        "outlet": {"id": first["outlet"]["id"], "name": "La Voix du Nord"},
        "medium": "press",
        "published_at": "2026-10-31T23:30:00+00:00",
        "status": "confirmed",
        "relevant": True,
        "campaigns": ["j-ai-10-ans"],
        "reach": 1_057_901,
        "ave_eur": 9_000.0,
        "tone": "positive",
        "key_messages": [HERITAGE],
        "story_id": None,
    }
    # The AVE set by hand wins over the computed one.
    second = response["items"][-2]
    assert second["outlet"]["name"] == "France 3 Hauts-de-France"
    assert second["ave_eur"] == 8_000.0


def test_coverage_list_filters(client, ids, manager):
    headers = bearer(manager)
    # The umbrella campaign includes its sub-campaign's clips.
    assert titles(client, headers, "?campaign=j-ai-10-ans") == [
        "Clip 6",
        "Clip 5",
        "Clip 3",
        "Clip 2",
        "Clip 1",
    ]
    assert titles(client, headers, "?campaign=voyage-presse") == ["Clip 3", "Clip 2"]
    assert titles(client, headers, "?status=new") == ["Clip 4", "Clip 3"]
    assert titles(client, headers, "?medium=press&status=confirmed") == ["Clip 1"]
    # Days are Paris days: clip 1, published 31 October 23:30 UTC, is a 1 November clip.
    assert titles(client, headers, "?from=2026-11-01&to=2026-11-05") == ["Clip 2", "Clip 1"]
    assert titles(client, headers, "?to=2026-10-31") == ["Clip 6"]
    assert titles(client, headers, "?campaign=j-ai-10-ans&from=2026-11-06") == ["Clip 3"]


def test_coverage_list_since_an_update(app, client, ids, officer):
    headers = bearer(officer)
    since = datetime.now(UTC)
    with app.extensions["retombees_sessions"].begin() as session:
        for clip in session.query(Coverage):
            clip.updated_at = since - timedelta(days=1)
    client.post(
        f"/api/v1/coverage/{ids['Clip 4']}/decision", json={"decision": "reject"}, headers=headers
    )
    stamp = (since - timedelta(seconds=1)).isoformat()
    assert titles(client, headers, "?" + f"updated_since={stamp.replace('+', '%2B')}") == ["Clip 4"]
    naive = (since - timedelta(hours=2)).replace(tzinfo=None).isoformat()  # read as UTC
    assert titles(client, headers, f"?updated_since={naive}") == ["Clip 4"]


def test_coverage_list_pages_follow_next_links(client, ids, manager):
    headers = bearer(manager)
    seen, url, pages = [], "/api/v1/coverage?campaign=j-ai-10-ans&limit=2", 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert len(body["items"]) <= 2
        seen += [item["title"] for item in body["items"]]
        pages += 1
        url = body["next"]
        if url:
            assert "campaign=j-ai-10-ans" in url and "limit=2" in url
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
    assert pages == 3
    assert seen == ["Clip 6", "Clip 5", "Clip 3", "Clip 2", "Clip 1"]


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("from=2026-13-01", "from"),
        ("to=1er novembre", "to"),
        ("from=2026-11-05&to=2026-11-01", "to"),
        ("status=published", "status"),
        ("medium=cinema", "medium"),
        ("limit=201", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("cursor=abc", "cursor"),
        ("updated_since=yesterday", "updated_since"),
        ("campaign=nope", "campaign"),
    ],
)
def test_invalid_parameters_are_400_with_a_message(client, ids, manager, query, word):
    response = client.get(f"/api/v1/coverage?{query}", headers=bearer(manager))
    assert response.status_code == 400
    assert response.is_json and response.get_json()["message"].startswith(word)


def test_coverage_detail(client, ids, manager):
    body = client.get(f"/api/v1/coverage/{ids['Clip 1']}", headers=bearer(manager)).get_json()
    assert body["quotes"] == [
        {"text": "Un patrimoine vivant", "speaker": "Le maire", "role": "maire"}
    ]
    assert body["reach_breakdown"]["estimated"] is True
    assert body["ave_breakdown"]["formula"] == "0.5 × 18 000 €"
    assert body["key_message_sentences"][0]["label"] == HERITAGE
    second = client.get(f"/api/v1/coverage/{ids['Clip 2']}", headers=bearer(manager)).get_json()
    assert second["ave_eur"] == 8_000.0 and second["ave_computed_eur"] == 7_916.67
    assert second["ave_override"] == {"eur": 8_000.0, "reason": "Tarif négocié"}
    missing = client.get("/api/v1/coverage/9999", headers=bearer(manager))
    assert missing.status_code == 404 and missing.is_json


# -- Campaigns and outlets ------------------------------------------------------------------


def test_campaigns_with_parent_children_and_key_messages(client, ids, manager):
    headers = bearer(manager)
    listed = client.get("/api/v1/campaigns", headers=headers).get_json()["items"]
    assert [c["slug"] for c in listed] == ["autre", "j-ai-10-ans", "voyage-presse"]
    assert listed[2]["parent"]["slug"] == "j-ai-10-ans"
    umbrella = client.get("/api/v1/campaigns/j-ai-10-ans", headers=headers).get_json()
    assert umbrella["parent"] is None
    assert [c["slug"] for c in umbrella["children"]] == ["voyage-presse"]
    assert umbrella["key_messages"][0]["label"] == HERITAGE
    assert umbrella["key_messages"][0]["phrasings"] == ["dix ans au patrimoine mondial"]
    missing = client.get("/api/v1/campaigns/nope", headers=headers)
    assert missing.status_code == 404 and missing.is_json


def test_outlets_carry_their_estimated_flags(client, ids, manager):
    outlets = client.get("/api/v1/outlets", headers=bearer(manager)).get_json()["items"]
    voix = next(o for o in outlets if o["name"] == "La Voix du Nord")
    assert voix["audience"] == 1_057_901 and voix["audience_estimated"] is True
    assert voix["confidence"] == "audience=ESTIMATED;rate=FOUND(2024)"
    assert voix["rate_cards"] == [
        {
            "kind": "page",
            "price_eur": 18_000.0,
            "unit_note": None,
            "valid_from": None,
            "valid_to": None,
            "year": 2024,
            "source": None,
            "estimated": False,
        }
    ]


# -- Reports --------------------------------------------------------------------------------


def cli_report(settings, *args: str) -> dict:
    result = CliRunner().invoke(report_command, [*args, "--json"], env=settings.to_env())
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("", ()),
        ("?campaign=j-ai-10-ans", ("--campaign", "j-ai-10-ans")),
        (
            "?campaign=j-ai-10-ans&status=all&from=2026-11-01&to=2026-11-30",
            (
                "--campaign",
                "j-ai-10-ans",
                "--status",
                "all",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
            ),
        ),
        (
            "?campaign=voyage-presse&benchmark=autre",
            ("--campaign", "voyage-presse", "--benchmark", "autre"),
        ),
    ],
)
def test_report_equals_the_command_line_report(client, settings, ids, manager, query, args):
    response = client.get(f"/api/v1/reports/campaign{query}", headers=bearer(manager))
    assert response.status_code == 200
    assert response.get_json() == cli_report(settings, *args)


def test_report_figures_and_bad_parameters(client, ids, manager):
    headers = bearer(manager)
    report = client.get("/api/v1/reports/campaign?campaign=j-ai-10-ans", headers=headers)
    body = report.get_json()
    assert (body["total"], body["reach"], body["ave_eur"]) == (2, 1_257_901, 17_000.0)
    assert body["by_month"] == {"2026-11": {"total": 2, "reach": 1_257_901, "ave_eur": 17_000.0}}
    for query in ("status=maybe", "from=2026-11-31", "campaign=nope", "benchmark=autre"):
        response = client.get(f"/api/v1/reports/campaign?{query}", headers=headers)
        assert response.status_code == 400, query
        assert response.get_json()["message"]


# -- OpenAPI --------------------------------------------------------------------------------


def test_openapi_is_served_without_a_token_and_is_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate_spec(document)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path in ("/coverage", "/coverage/{coverage_id}", "/coverage/{coverage_id}/decision"):
        assert path in document["paths"]
    for path in ("/campaigns", "/campaigns/{slug}", "/outlets", "/reports/campaign"):
        assert path in document["paths"]
    decision = document["paths"]["/coverage/{coverage_id}/decision"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(decision)


def conforms(document: dict, schema: str, instance) -> None:
    """Check ``instance`` against a component schema of the document (references resolved)."""
    root = {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    OAS31Validator(root).validate(instance)


def test_responses_conform_to_the_openapi_schemas(client, ids, officer):
    document = client.get("/api/v1/openapi.json").get_json()
    headers = bearer(officer)

    def get(path):
        return client.get(path, headers=headers).get_json()

    conforms(document, "CoverageList", get("/api/v1/coverage?limit=2"))
    conforms(document, "CoverageList", get("/api/v1/coverage"))
    for title in ("Clip 1", "Clip 2", "Clip 5"):
        conforms(document, "CoverageDetail", get(f"/api/v1/coverage/{ids[title]}"))
    decided = client.post(
        f"/api/v1/coverage/{ids['Clip 3']}/decision", json={"decision": "confirm"}, headers=headers
    )
    conforms(document, "CoverageDetail", decided.get_json())
    conforms(document, "CampaignList", get("/api/v1/campaigns"))
    conforms(document, "CampaignDetail", get("/api/v1/campaigns/j-ai-10-ans"))
    conforms(document, "OutletList", get("/api/v1/outlets"))
    conforms(document, "Report", get("/api/v1/reports/campaign?campaign=j-ai-10-ans"))
    conforms(
        document, "Report", get("/api/v1/reports/campaign?campaign=autre&benchmark=j-ai-10-ans")
    )
    conforms(document, "Error", client.get("/api/v1/coverage").get_json())
    conforms(document, "Error", get("/api/v1/coverage?limit=500"))


def test_the_schemas_catch_a_wrong_shape(client):
    """The conformance check above can fail: a list item without its status is refused."""
    import jsonschema

    document = client.get("/api/v1/openapi.json").get_json()
    item = {"items": [{"id": 1, "title": "x"}], "next": None}
    with pytest.raises(jsonschema.ValidationError):
        conforms(document, "CoverageList", item)
