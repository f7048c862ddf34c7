"""Schemathesis against ``/api/v1``: generated requests to every operation of the OpenAPI
description, valid and invalid, with the token of a management user and of an officer, on a
throwaway database (SQLite, then PostgreSQL) holding a few clips, campaigns and outlets.

Every answer must be one the description documents (status, content type, body schema,
headers), never a server error; invalid requests are refused and valid ones accepted (a valid
request may only be refused for what JSON Schema cannot say: a slug that names no campaign, a
period that ends before it starts); a request without a token is refused. Decisions are
posted on the stored clips, and must change them as they say.

The schema is the document ``/api/v1/openapi.json`` serves (checked by the module fixture),
loaded when the module is imported: schemathesis's lazy loader (``schemathesis.pytest.
from_fixture``) fails on pytest 9.2, whose items no longer have ``_nodeid``. Requests go to
the module's app through WSGI.
"""

from __future__ import annotations

import copy
import re
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from sqlalchemy import make_url

from models import Coverage, Role
from tests.conftest import POSTGRES_URL, _pg_admin, make_settings
from tests.webapp.test_api import seed, token_for
from webapp.openapi import openapi_document

ROLES = ("management", "officer")
MAX_EXAMPLES = 25
CONFIG = {
    "generation": {
        "mode": "all",  # valid and invalid requests
        "max-examples": MAX_EXAMPLES,
        # The token is sent by the tests: generated Authorization headers would only be refused.
        "with-security-parameters": False,
    },
}
# Why the API may refuse a request that the description finds valid: what the data says, and
# a whole number written as a decimal, which JSON Schema counts as an integer.
REFUSALS_OF_VALID_REQUESTS = re.compile(
    r"campaign: no campaign has the slug|benchmark: needs a campaign|to: the period ends"
    r"|Clip \d+ has not been analysed yet|(limit|cursor): expected a whole number.*'\d+\.0+'"
)


class _Wsgi:
    """The WSGI app of the module's database, set by the fixture (schemathesis needs one now)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


APP = _Wsgi()
schema = schemathesis.openapi.from_dict(
    copy.deepcopy(openapi_document()),  # the app's own copy stays as the app serves it
    config=schemathesis.Config.from_dict(CONFIG),
)
schema.app = APP


# -- The database and the app of this module --------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request):
    """No URL (SQLite in the instance folder), then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    if not POSTGRES_URL:
        pytest.skip("RETOMBEES_TEST_POSTGRES_URL is not set")
    name = f"retombees_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Api:
    """The module's app, its clips by title and a token per role."""

    def __init__(self, app, ids: dict[str, int], tokens: dict[str, str]) -> None:
        self.app, self.ids, self.tokens = app, ids, tokens

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture(scope="module")
def api(tmp_path_factory, database_url):
    from webapp import create_app

    overrides = {"database_url": database_url} if database_url else {}
    settings_ = make_settings(tmp_path_factory.mktemp("api"), **overrides)
    app = create_app({"TESTING": True}, settings=settings_)
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    assert served == openapi_document()  # what is fuzzed is what clients read
    ids = seed(app)
    tokens = {
        "management": token_for(app, "direction", Role.MANAGEMENT),
        "officer": token_for(app, "claire", Role.OFFICER),
    }
    APP.app = app
    yield Api(app, ids, tokens)
    APP.app = None
    app.extensions["retombees_engine"].dispose()


# -- Checks ------------------------------------------------------------------------------------


def valid_requests_accepted(ctx, response, case) -> None:
    """A valid request is refused only for a reason JSON Schema cannot express."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code == 400:
        message = response.json()["message"]
        assert REFUSALS_OF_VALID_REQUESTS.match(message), f"valid request refused: {message}"


def call(api: Api, case, role: str):
    """Send the case with the role's token; check the answer against the description."""
    return case.call_and_validate(
        headers=api.headers(role),
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_requests_accepted],
    )


# -- Every operation, generated -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_operation_answers_as_documented(case, api, role):
    call(api, case, role)


# -- Decisions on the stored clips ------------------------------------------------------------

DECIDE = schema["/coverage/{coverage_id}/decision"]["POST"]


def stored_status(api: Api, coverage_id: int) -> str:
    with api.app.extensions["retombees_sessions"]() as session:
        return session.get(Coverage, coverage_id).status.value


@pytest.mark.parametrize("role", ROLES)
def test_decisions_on_stored_clips_do_what_they_say(api, role):
    """Decisions on the seeded clips: applied and answered for an officer, 403 for management."""
    clips = sorted(api.ids.values())

    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def decide(data):
        coverage_id = data.draw(st.sampled_from(clips), label="coverage_id")
        mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]))
        case = data.draw(
            DECIDE.as_strategy(generation_mode=mode, path_parameters={"coverage_id": coverage_id})
        )
        before = stored_status(api, coverage_id)
        response = call(api, case, role)
        after = stored_status(api, coverage_id)
        if response.status_code != 200:
            assert after == before, "a refused decision changed the clip"
            if role == "management":
                assert response.status_code == 403 or mode.is_negative
            return
        assert role == "officer"
        decision = case.body["decision"]
        expected = {"confirm": "confirmed", "reject": "rejected"}[decision]
        body = response.json()
        assert body["id"] == coverage_id and body["status"] == after == expected
        assert body["history"][0]["action"] == decision
        assert body["history"][0]["user"] == "claire"

    decide()


# -- What the fuzzing found, pinned -----------------------------------------------------------

BEYOND_SQLITE = 2**63  # one past SQLite's largest integer


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        # Ids beyond SQLite's integers raised OverflowError: a 500 instead of a 404 or a 400.
        ("get", f"/coverage/{BEYOND_SQLITE}", None, 404),
        ("post", f"/coverage/{BEYOND_SQLITE}/decision", {"decision": "confirm"}, 404),
        ("get", f"/coverage?cursor={BEYOND_SQLITE}", None, 400),
        # Midnight in Paris of 1 January of the year 1 is in the year 0 in UTC; 31 December
        # 9999 has no next day; a moment of the year 1 east of UTC has no UTC time: 500s.
        ("get", "/coverage?from=0001-01-01", None, 400),
        ("get", "/reports/campaign?to=9999-12-31", None, 400),
        ("get", "/coverage?updated_since=0001-01-01T00:00:00%2B01:00", None, 400),
        # PostgreSQL refuses a NUL character in a query parameter: 500s on PostgreSQL.
        ("get", "/coverage?campaign=%00", None, 400),
        ("get", "/campaigns/a%00b", None, 404),
        ("get", "/reports/campaign?campaign=j-ai-10-ans&benchmark=%00", None, 400),
        # A decision that is not a string could not be looked up (TypeError): a 500.
        ("post", "/coverage/{clip}/decision", {"decision": {}}, 400),
        ("post", "/coverage/{clip}/decision", {"decision": ["confirm"]}, 400),
        # An empty parameter is the same as none, as the description now says.
        ("get", "/coverage?from=&to=&campaign=&limit=&cursor=&status=", None, 200),
    ],
)
def test_inputs_found_by_fuzzing_are_answered_clearly(api, method, path, body, status):
    client = api.app.test_client()
    url = "/api/v1" + path.format(clip=api.ids["Clip 3"])
    response = getattr(client, method)(url, json=body, headers=api.headers("officer"))
    assert response.status_code == status
    assert response.is_json
    if status != 200:
        assert response.get_json()["message"]
    else:
        assert len(response.get_json()["items"]) == len(api.ids)


def test_a_method_not_allowed_names_the_allowed_ones(api):
    """RFC 9110: a 405 carries Allow; the JSON error handler used to drop it."""
    response = api.app.test_client().delete("/api/v1/coverage", headers=api.headers("officer"))
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
