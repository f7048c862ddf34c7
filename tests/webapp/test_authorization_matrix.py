"""The authorization matrix: every route of the web app, for every role and for a visitor who is
not logged in, gets the answer its declared permission calls for.

``ACCESS`` below states the intent (which permission of ``models.user.PERMISSIONS`` each
endpoint needs); which roles hold a permission comes from the app's own model. A route added
without an entry here fails ``test_every_route_is_in_the_matrix`` with its name.
"""

from __future__ import annotations

import re
import tempfile
from concurrent.futures import Future
from datetime import date
from pathlib import Path

import pytest

from models import (
    Campaign,
    Contact,
    Coverage,
    CoverageStatus,
    MailMessage,
    MailStatus,
    Medium,
    Outlet,
    PressAction,
    PressRequest,
    Role,
    Scope,
    Snapshot,
    Source,
    SourceKind,
    Task,
    TaskStatus,
    utcnow,
)
from models.api_token import create_token
from models.snapshots import compress
from models.user import PERMISSIONS, create_user
from tests.conftest import PASSWORD, login, make_settings

ANONYMOUS = "anonymous"
ROLES = [*Role]  # admin, officer, agency, management
VISITORS = [*ROLES, ANONYMOUS]

PUBLIC = "public"  # anyone, logged in or not
LOGIN = "login"  # any logged-in user, whatever the role
API = "api:"  # the JSON API: a bearer token whose user holds the permission after the colon

# endpoint -> what it needs: PUBLIC, LOGIN, a permission of PERMISSIONS, or API + permission.
ACCESS: dict[str, str] = {
    "index": PUBLIC,  # only a redirect to the review inbox, which asks for a login
    # -- auth, account
    "auth.login": PUBLIC,
    "auth.logout": LOGIN,
    "account.index": LOGIN,
    "account.create": LOGIN,
    "account.revoke": LOGIN,
    # -- review inbox
    "review.index": "read",
    "review.bulk": "review",
    "review.campaign": "review",
    "review.correct_medium": "review",
    "review.correct_message": "review",
    "review.decide_clip": "review",
    "review.duplicate": "review",
    "review.undo": "review",
    # -- coverage
    "coverage.search": "read",
    "coverage.show": "read",
    "coverage.snapshot": "read",
    "coverage.new": "add_coverage",
    "coverage.edit": "review",
    "coverage.override_value": "review",
    "coverage.set_size": "review",
    "coverage.export": "export",
    # -- campaigns
    "campaigns.index": "read",
    "campaigns.show": "read",
    "campaigns.new": "edit_campaigns",
    "campaigns.edit": "edit_campaigns",
    "campaigns.preview": "edit_campaigns",
    "campaigns.reanalyse": "edit_campaigns",
    # -- sources and scheduled jobs
    "sources.index": "read",
    "sources.new": "edit_sources",
    "sources.find": "edit_sources",
    "sources.add": "edit_sources",
    "sources.pause": "edit_sources",
    "sources.resume": "edit_sources",
    "sources.crawl": "edit_sources",
    "sources.crawl_all": "edit_sources",
    "sources.test": "edit_sources",
    "sources.test_result": LOGIN,  # its own dry runs only (others' are hidden: 404)
    "scheduler_jobs.index": "edit_sources",
    # -- outlets registry
    "outlets.index": "read",
    "outlets.export": "export",
    "outlets.upload": "edit_registry",
    # -- dashboard, press book
    "dashboard.index": "read",
    "dashboard.export": "export",
    "dashboard.management_workbook": "export",
    "pressbook.index": "export",
    # -- press file: contacts, actions, requests
    "contacts.index": "press",
    "contacts.show": "press",
    "contacts.new": "press",
    "contacts.edit": "press",
    "contacts.erase": "press",
    "contacts.vcard": "press",
    "contacts.export_csv": "press",
    "contacts.export_vcard": "press",
    "contacts.personal_data_export": "press",
    "contacts.import_form": "press",
    "contacts.import_preview": "press",
    "contacts.import_confirm": "press",
    "actions.index": "press",
    "actions.report": "press",
    "actions.show": "press",
    "actions.new": "press",
    "actions.edit": "press",
    "actions.delete": "press",
    "actions.follow_up": "press",
    "actions.suggest": "press",
    "actions.attribute": "attribute",
    "actions.attribute_by_number": "attribute",
    "requests.index": "press",
    "requests.show": "press",
    "requests.new": "press",
    "requests.edit": "press",
    "requests.delete": "press",
    "requests.answer": "press",
    "requests.add_coverage": "press",
    "requests.remove_coverage": "press",
    # -- background tasks (each user sees their own; an administrator sees all)
    "tasks.index": LOGIN,
    "tasks.show": LOGIN,
    "tasks.status": LOGIN,
    "tasks.download": LOGIN,
    # -- administration
    "admin.index": "admin",
    "admin.settings": "admin",
    "admin.create": "admin",
    "admin.change_role": "admin",
    "admin.deactivate": "admin",
    "admin.reactivate": "admin",
    "admin.reset_password": "admin",
    "outbox.index": "admin",
    "outbox.retry": "admin",
    "outbox.test": "admin",
    # -- JSON API (token, no session cookie)
    "api.openapi": PUBLIC,
    "api.coverage_list": API + "read",
    "api.coverage_show": API + "read",
    "api.coverage_decision": API + "review",
    "api.campaign_list": API + "read",
    "api.campaign_show": API + "read",
    "api.outlet_list": API + "read",
    "api.campaign_report_json": API + "read",
}

# Endpoints whose POST changes nothing a forged form could abuse, and so takes no CSRF token:
# the token-authenticated JSON API (``csrf.exempt(api.bp)`` in webapp/app.py).
CSRF_EXEMPT_PREFIXES = ("api.",)
# A POST here destroys its object at once: each allowed request gets an object of its own.
DESTRUCTIVE = {("actions.delete", "POST"), ("requests.delete", "POST")}
# Allowed, these end the session and lead to the login page.
LOGS_OUT = {"auth.logout"}
# The endpoints the test client reaches with ``app.url_map``: everything but static files.
SKIPPED = {"static"}


def allowed_roles(requirement: str) -> set[Role]:
    """The roles the app's own permission model lets through ``requirement``."""
    permission = requirement.removeprefix(API)
    if permission in (PUBLIC, LOGIN):
        return set(Role)
    return set(PERMISSIONS[permission])


class _IdleExecutor:
    """Background tasks stay queued: no crawl or export runs while the matrix is checked."""

    def submit(self, *args, **kwargs):
        return Future()  # never started

    def shutdown(self, *args, **kwargs):
        return None


class Matrix:
    """One app on SQLite, a logged-in client per role, and one object of every kind."""

    def __init__(self, tmp_path):
        from webapp import create_app

        settings = make_settings(tmp_path, login_rate_limit="10000 per minute")
        # A dashboard does not wait for figures the idle executor never computes.
        self.app = create_app({"TESTING": True, "RETOMBEES_DASHBOARD_WAIT": 0}, settings=settings)
        self.app.extensions["retombees_executor"] = _IdleExecutor()
        self.sessions = self.app.extensions["retombees_sessions"]
        self.users: dict[Role, int] = {}
        self.tokens: dict[Role, str] = {}  # API secrets
        self.token_ids: dict[Role, int] = {}  # tokens that account.revoke may revoke
        self.tasks: dict[Role, int] = {}
        self.dry_runs: dict[Role, int] = {}
        self._seed()
        self.clients = {role: self._logged_in(role) for role in ROLES}
        self.clients[ANONYMOUS] = self.app.test_client()
        self._csrf: dict[object, str] = {}

    def _seed(self) -> None:
        with self.sessions.begin() as session:
            outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS, scope=Scope.REGIONAL)
            campaign = Campaign(slug="j-ai-10-ans", name="J'ai 10 ans", query='"bassin minier"')
            clip = Coverage(
                url="https://example.fr/1",
                title="Le bassin minier fête ses dix ans",
                status=CoverageStatus.NEW,
                medium=Medium.PRESS,
                outlet=outlet,
                relevant=True,
            )
            html = b"<html><body>Le bassin minier</body></html>"
            clip.snapshot = Snapshot(
                fetched_at=utcnow(),
                final_url=clip.url,
                size=len(html),
                html_gz=compress(html),
            )
            source = Source(name="Flux", kind=SourceKind.FEED, url="http://127.0.0.1:9/rss")
            contact = Contact(first_name="Léa", last_name="Martin", email="lea@example.fr")
            action = PressAction(kind="release", title="Communiqué", day=date(2024, 6, 1))
            request = PressRequest(subject="Demande d'images")
            mail = MailMessage(
                key="matrix-1",
                kind="test",
                to_address="ops@example.fr",
                subject="Essai",
                text_body="Essai",
                status=MailStatus.FAILED,
            )
            session.add_all([outlet, campaign, clip, source, contact, action, request, mail])
            target = create_user(session, "cible", PASSWORD, Role.OFFICER)
            for role in ROLES:
                user = create_user(session, f"user-{role.value}", PASSWORD, role)
                session.flush()
                self.users[role] = user.id
                self.tokens[role] = create_token(session, user, "matrix")[1]
                token = create_token(session, user, "to revoke")[0]  # account.revoke's own
                task = Task(
                    kind="export_clips",
                    title="Export",
                    user_id=user.id,
                    status=TaskStatus.DONE,
                    file_name="clips.csv",
                    file_type="text/csv",
                    file_data=b"id\n1\n",
                )
                dry_run = Task(kind="source_test", title="Test", user_id=user.id)
                session.add_all([task, dry_run])
                session.flush()
                dry_run.params = {"source_id": source.id}
                self.token_ids[role] = token.id
                self.tasks[role], self.dry_runs[role] = task.id, dry_run.id
            session.flush()
            self.ids = {
                "coverage_id": clip.id,
                "slug": campaign.slug,
                "source_id": source.id,
                "contact_id": contact.id,
                "action_id": action.id,
                "request_id": request.id,
                "message_id": mail.id,
                "user_id": target.id,
                "decision": "confirm",
                "name": "tally",
                "fmt": "csv",
            }

    def _logged_in(self, role: Role):
        client = self.app.test_client()
        assert login(client, f"user-{role.value}").status_code == 302
        return client

    def fresh_client(self, role):
        """A client of its own (for a request that ends its session, such as logging out)."""
        return self.app.test_client() if role == ANONYMOUS else self._logged_in(role)

    def csrf(self, role, client) -> str:
        """A CSRF token for ``client``'s session, read from a page as a browser would."""
        if client not in self._csrf:
            path = "/login" if role == ANONYMOUS else "/account/"
            html = client.get(path).get_data(as_text=True)
            match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
            assert match, f"no CSRF token in {path} for {role}"
            self._csrf[client] = match.group(1)
        return self._csrf[client]

    def _fresh_object(self, endpoint: str) -> int:
        with self.sessions.begin() as session:
            if endpoint == "actions.delete":
                thing = PressAction(kind="release", title="À supprimer", day=date(2024, 6, 2))
            else:
                thing = PressRequest(subject="À supprimer")
            session.add(thing)
            session.flush()
            return thing.id

    def url(self, rule, method: str, role) -> str:
        owner = Role.ADMIN if role == ANONYMOUS else role
        values = {}
        for argument in rule.arguments:
            if (rule.endpoint, method) in DESTRUCTIVE and argument in ("action_id", "request_id"):
                values[argument] = self._fresh_object(rule.endpoint)
            elif rule.endpoint == "account.revoke":
                values[argument] = self.token_ids[owner]  # one's own token
            elif rule.endpoint == "sources.test_result" and argument == "task_id":
                values[argument] = self.dry_runs[owner]
            elif argument == "task_id":
                values[argument] = self.tasks[owner]
            else:
                values[argument] = self.ids[argument]
        with self.app.test_request_context():
            from flask import url_for

            return url_for(rule.endpoint, **values)

    def request(self, rule, method: str, role, *, with_csrf: bool = True):
        """Send ``method`` to ``rule`` as ``role``: minimal data, the CSRF token, or for the
        API the role's bearer token (and no session cookie)."""
        api = rule.endpoint.startswith("api.")
        if api:
            client = self.clients[ANONYMOUS]
        elif rule.endpoint == "auth.logout":
            client = self.fresh_client(role)
        else:
            client = self.clients[role]
        url = self.url(rule, method, role)
        headers = {}
        if api and role != ANONYMOUS:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        if method == "GET":
            return client.get(url, headers=headers)
        if api:
            return client.post(url, headers=headers, json={})
        data = {"csrf_token": self.csrf(role, client)} if with_csrf else {}
        return client.post(url, headers=headers, data=data)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    matrix = Matrix(tmp_path_factory.mktemp("matrix"))
    yield matrix
    matrix.app.extensions["retombees_engine"].dispose()


def _routes():
    from webapp import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True}, settings=make_settings(Path(folder)))
        rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED]
        app.extensions["retombees_engine"].dispose()
    cases = []
    for rule in sorted(rules, key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append((rule.endpoint, rule.rule, method))
    return cases


ROUTES = _routes()


def _rule(matrix, endpoint: str, path: str):
    return next(
        r for r in matrix.app.url_map.iter_rules() if (r.endpoint, r.rule) == (endpoint, path)
    )


def test_every_route_is_in_the_matrix():
    endpoints = {endpoint for endpoint, _path, _method in ROUTES}
    missing = sorted(endpoints - ACCESS.keys())
    stale = sorted(ACCESS.keys() - endpoints)
    assert not missing, f"routes without an entry in ACCESS (say who may use them): {missing}"
    assert not stale, f"entries in ACCESS for routes that no longer exist: {stale}"
    unknown = {
        e: r for e, r in ACCESS.items() if r.removeprefix(API) not in {PUBLIC, LOGIN, *PERMISSIONS}
    }
    assert not unknown, f"requirements that are not permissions of models.user: {unknown}"


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.location.split("?")[0].endswith("/login")


@pytest.mark.parametrize("visitor", VISITORS, ids=str)
@pytest.mark.parametrize(("endpoint", "path", "method"), ROUTES, ids=lambda v: str(v))
def test_access(matrix, endpoint, path, method, visitor):
    if endpoint not in ACCESS:
        pytest.fail(f"{endpoint} has no entry in ACCESS: say who may use it")
    requirement = ACCESS[endpoint]
    response = matrix.request(_rule(matrix, endpoint, path), method, visitor)
    status, where = response.status_code, f"{method} {path} as {visitor}"
    api = requirement.startswith(API)
    if requirement == PUBLIC:
        expected = "allowed"
    elif visitor == ANONYMOUS:
        expected = "anonymous"
    elif visitor in allowed_roles(requirement):
        expected = "allowed"
    else:
        expected = "denied"

    if expected == "anonymous" and api:
        assert status == 401, f"{where}: expected 401 without a token, got {status}"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    elif expected == "anonymous":
        assert _is_login_redirect(response), f"{where}: expected the login page, got {status}"
    elif expected == "denied":
        assert status == 403, f"{where}: {requirement} is not granted, expected 403, got {status}"
    else:
        assert status not in (401, 403, 404, 405) and status < 500, (
            f"{where}: {requirement} is granted, got {status}"
        )
        if endpoint in LOGS_OUT:  # its purpose: back to the login page, session ended
            assert _is_login_redirect(response), f"{where}: got {status}"
        else:
            assert not _is_login_redirect(response), f"{where}: sent to the login page"


STATE_CHANGING = [
    case for case in ROUTES if case[2] == "POST" and not case[0].startswith(CSRF_EXEMPT_PREFIXES)
]


@pytest.mark.parametrize(("endpoint", "path", "method"), STATE_CHANGING, ids=str)
def test_post_without_csrf_token_is_refused(matrix, endpoint, path, method):
    response = matrix.request(_rule(matrix, endpoint, path), method, Role.ADMIN, with_csrf=False)
    assert response.status_code == 400, f"POST {path} without a CSRF token: {response.status_code}"


API_WITH_TOKEN = [case for case in ROUTES if ACCESS.get(case[0], "").startswith(API)]


@pytest.mark.parametrize(("endpoint", "path", "method"), API_WITH_TOKEN, ids=str)
def test_api_ignores_the_session_cookie(matrix, endpoint, path, method):
    """A logged-in browser without a token gets nothing from the API (no cross-site use)."""
    client = matrix.clients[Role.ADMIN]
    url = matrix.url(_rule(matrix, endpoint, path), method, Role.ADMIN)
    response = client.get(url) if method == "GET" else client.post(url, json={})
    assert response.status_code == 401
