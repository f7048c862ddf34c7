"""Shared fixtures: settings, databases (SQLite always, PostgreSQL when configured), the Flask
app and logged-in clients, the analysis pipeline, and a local HTTP server for fixtures."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import make_url

from cli.sitehost import SiteServer
from models import Role, Settings
from models.db import open_database
from models.user import create_user

FIXTURES = Path(__file__).with_name("fixtures")
POSTGRES_URL = os.environ.get("RETOMBEES_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("RETOMBEES_TEST_REDIS_URL")
PASSWORD = "correct horse battery"


def make_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings for a test: nothing from the environment, everything in ``tmp_path``."""
    values = {
        "instance_path": str(tmp_path / "instance"),
        "secret_key": "test-secret",
        "download_timeout": 5,
        "crawl_timeout": 120,
        "seed_example": False,
        "log_level": "WARNING",
        "admin_password": PASSWORD,
        "allowed_networks": "127.0.0.0/8",  # the fixture servers are on loopback
        # A dashboard shows its figures, however slow the machine: the tests of the pages
        # that do not wait lower it.
        "dashboard_wait": 60,
    }
    values.update(overrides)
    return Settings.from_env(environ={}, **values)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


# -- PostgreSQL -----------------------------------------------------------------------------


def _pg_admin():
    import psycopg

    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test (skipped when none is configured)."""
    if not POSTGRES_URL:
        pytest.skip("RETOMBEES_TEST_POSTGRES_URL is not set")
    name = f"retombees_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = _pg_admin()
    except Exception as exc:  # configured but unreachable: a failure, not a skip
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is configured but unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    """The test Redis server (skipped when none is configured, failed when unreachable)."""
    if not REDIS_URL:
        pytest.skip("RETOMBEES_TEST_REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is configured but unreachable: {exc}")
    return REDIS_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def any_settings(request, tmp_path) -> Settings:
    """Settings on SQLite, then on PostgreSQL: the test runs on both databases."""
    if request.param == "sqlite":
        return make_settings(tmp_path)
    return make_settings(tmp_path, database_url=request.getfixturevalue("postgres_url"))


# -- Database and web app -------------------------------------------------------------------


@pytest.fixture
def sessions(settings):
    engine, factory = open_database(settings)
    yield factory
    engine.dispose()


@pytest.fixture
def any_sessions(any_settings):
    """A session factory on SQLite, then on PostgreSQL."""
    engine, factory = open_database(any_settings)
    yield factory
    engine.dispose()


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free local port, keeping what it receives."""
    from tests.smtp import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture
def app(settings):
    from webapp import create_app

    app = create_app({"TESTING": True}, settings=settings)
    yield app
    app.extensions["retombees_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def add_user(app, username: str, role: Role) -> None:
    with app.extensions["retombees_sessions"].begin() as session:
        create_user(session, username, PASSWORD, role)


def login(client, username: str, password: str = PASSWORD):
    """Log in through the form, CSRF token included, as a browser would."""
    page = client.get("/login")
    token = _csrf_token(page.get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def _csrf_token(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def csrf_token(client, path: str) -> str:
    """The CSRF token of a page, for posting its forms."""
    return _csrf_token(client.get(path).get_data(as_text=True))


@pytest.fixture
def officer_client(app, client):
    add_user(app, "claire", Role.OFFICER)
    response = login(client, "claire")
    assert response.status_code == 302
    return client


@pytest.fixture
def management_client(app, client):
    add_user(app, "direction", Role.MANAGEMENT)
    assert login(client, "direction").status_code == 302
    return client


@pytest.fixture
def agency_client(app, client):
    add_user(app, "agence", Role.AGENCY)
    assert login(client, "agence").status_code == 302
    return client


@pytest.fixture
def admin_client(app, client):
    add_user(app, "root", Role.ADMIN)
    assert login(client, "root").status_code == 302
    return client


@pytest.fixture
def inline_tasks(app):
    """Background tasks run to their end before the request that starts them returns."""
    app.config["RETOMBEES_TASKS_INLINE"] = True
    return app


# -- NLP ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def nlp():
    from nlp.pipeline import load_pipeline

    return load_pipeline()


# -- Local HTTP server ----------------------------------------------------------------------


def _status(code: int):
    return lambda _handler, _path: (code, {"Content-Type": "text/plain"}, b"error")


def _conditional(handler, path):
    """A feed that honours If-None-Match, as a well-behaved server does."""
    body = (FIXTURES / "site/press/rss.xml").read_bytes()
    body = body.replace(b"@BASE@", fixture_server_base(handler).encode())
    if handler.headers.get("If-None-Match") == '"v1"':
        return 304, {"ETag": '"v1"'}, b""
    return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, body


def _slow(_handler, _path):
    time.sleep(8)
    return 200, {"Content-Type": "application/rss+xml"}, b"<rss/>"


def fixture_server_base(handler) -> str:
    host, port = handler.server.server_address[:2]
    return f"http://{host}:{port}"


CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1'></script>"
    b"Checking your browser before accessing the site.</body></html>"
)


def _challenge(status: int):
    return lambda _handler, _path: (status, {"Content-Type": "text/html"}, CHALLENGE)


def _loop(handler, path):
    target = "/loop/b" if path.endswith("/a") else "/loop/a"
    return 302, {"Location": fixture_server_base(handler) + target}, b""


def _huge(_handler, _path):
    item = b"<item><title>bassin minier</title><link>http://x.invalid/a</link></item>" * 40_000
    return (
        200,
        {"Content-Type": "application/rss+xml"},
        b"<rss><channel>" + item + b"</channel></rss>",
    )


def _mislabelled(_handler, _path):
    """A windows-1252 page whose server says UTF-8, as misconfigured sites do."""
    body = (FIXTURES / "pages/windows-1252.html").read_bytes()
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body


def _gzip_sitemap(handler, _path):
    import gzip

    body = (FIXTURES / "site/sitemap/news.xml").read_bytes()
    body = body.replace(b"@BASE@", fixture_server_base(handler).encode())
    return 200, {"Content-Type": "application/x-gzip"}, gzip.compress(body)


ROUTES = {
    "/status/404": _status(404),
    "/status/500": _status(500),
    "/conditional/feed.xml": _conditional,
    "/slow/feed.xml": _slow,
    "/blocked/feed.xml": _challenge(403),
    "/blocked/article.html": _challenge(200),
    "/loop/": _loop,
    "/huge/feed.xml": _huge,
    "/mislabelled/article.html": _mislabelled,
    "/gz/sitemap.xml.gz": _gzip_sitemap,
}


@pytest.fixture(scope="session")
def fixture_server():
    """Serve ``tests/fixtures`` (with error routes) on a local port for the whole session."""
    with SiteServer(FIXTURES, routes=ROUTES) as server:
        yield server
