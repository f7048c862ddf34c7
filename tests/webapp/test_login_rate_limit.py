"""The login rate limit (``RETOMBEES_LOGIN_RATE_LIMIT``): per client address, in memory for one
process or in Redis shared by every web worker.

After the allowed attempts from one address the next is refused with 429, a page that says
why in the user's language (the login form, not a traceback) and a Retry-After; a correct
password is refused too while the address is limited; other addresses log in; behind a
reverse proxy (``RETOMBEES_TRUSTED_PROXIES``) each client is counted, not the proxy, and a
client cannot escape the count by sending its own X-Forwarded-For.
"""

from __future__ import annotations

import random
import time

import pytest

from models import Role
from tests.conftest import add_user, login, make_settings

WRONG = "not the password at all"
LIMIT = "3 per minute"


def make_app(tmp_path, **overrides):
    from webapp import create_app

    settings = make_settings(tmp_path, login_rate_limit=LIMIT, **overrides)
    return create_app({"TESTING": True}, settings=settings)


@pytest.fixture
def limited(tmp_path):
    app = make_app(tmp_path)
    add_user(app, "claire", Role.OFFICER)
    yield app
    app.extensions["retombees_engine"].dispose()


def client_at(app, address: str, **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if headers:
        client.environ_base.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return client


def logged_in(client) -> bool:
    return client.get("/review/").status_code == 200


def a_random_address() -> str:
    """An address of its own for a test: the Redis server is shared with other tests."""
    return "10.{}.{}.{}".format(*random.sample(range(1, 255), 3))


def test_attempts_beyond_the_limit_are_refused_with_a_page_that_says_why(limited):
    client = client_at(limited, "192.0.2.10")
    for _ in range(3):
        response = login(client, "claire", WRONG)
        assert response.status_code == 200  # the form again, with "wrong password"
    refused = login(client, "claire", WRONG)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html"
    assert "Trop de tentatives de connexion depuis votre adresse" in page
    assert "Réessayez dans 1 minute" in page
    assert 'name="username"' in page  # the login page itself, in the site's layout
    assert "Traceback" not in page and "Too Many Requests" not in page
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_the_refusal_speaks_english_to_whoever_chose_it(limited):
    client = client_at(limited, "192.0.2.11")
    client.get("/login?lang=en")
    for _ in range(4):
        refused = login(client, "claire", WRONG)
    assert refused.status_code == 429
    assert "Too many login attempts from your address" in refused.get_data(as_text=True)


def test_the_right_password_is_refused_too_while_limited(limited):
    client = client_at(limited, "192.0.2.12")
    for _ in range(3):
        login(client, "claire", WRONG)
    assert login(client, "claire").status_code == 429
    assert not logged_in(client)
    assert client.get("/login").status_code == 200  # the page itself stays readable


def test_other_addresses_are_not_limited(limited):
    attacker = client_at(limited, "192.0.2.13")
    for _ in range(4):
        login(attacker, "claire", WRONG)
    colleague = client_at(limited, "192.0.2.14")
    assert login(colleague, "claire").status_code == 302
    assert logged_in(colleague)


def test_the_address_may_try_again_once_the_window_has_passed(tmp_path):
    from webapp import create_app

    settings = make_settings(tmp_path, login_rate_limit="2 per 1 second")
    app = create_app({"TESTING": True}, settings=settings)
    try:
        add_user(app, "claire", Role.OFFICER)
        client = client_at(app, "192.0.2.15")
        for _ in range(2):
            login(client, "claire", WRONG)
        assert login(client, "claire").status_code == 429
        time.sleep(2.5)  # past the one-second window, with room for a loaded machine
        assert login(client, "claire").status_code == 302
    finally:
        app.extensions["retombees_engine"].dispose()


# -- Redis: every web worker counts together ---------------------------------------------------


def test_two_web_workers_share_the_count_in_redis(tmp_path, redis_url):
    """Two applications on one Redis, as two gunicorn workers: attempts on either count."""
    first = make_app(tmp_path / "a", redis_url=redis_url)
    second = make_app(tmp_path / "b", redis_url=redis_url)
    try:
        for app in (first, second):
            add_user(app, "claire", Role.OFFICER)
        address = a_random_address()
        on_first, on_second = client_at(first, address), client_at(second, address)
        assert login(on_first, "claire", WRONG).status_code == 200
        assert login(on_second, "claire", WRONG).status_code == 200
        assert login(on_first, "claire", WRONG).status_code == 200
        refused = login(on_second, "claire")  # the right password, on the other worker
        assert refused.status_code == 429
        assert "Trop de tentatives" in refused.get_data(as_text=True)
        assert login(on_first, "claire").status_code == 429
        assert login(client_at(second, a_random_address()), "claire").status_code == 302
    finally:
        for app in (first, second):
            app.extensions["retombees_engine"].dispose()


def test_without_redis_each_process_counts_alone(tmp_path):
    """What Redis is for: two processes in memory do not see each other's attempts."""
    first, second = make_app(tmp_path / "a"), make_app(tmp_path / "b")
    try:
        for app in (first, second):
            add_user(app, "claire", Role.OFFICER)
        for _ in range(3):
            login(client_at(first, "192.0.2.16"), "claire", WRONG)
        assert login(client_at(first, "192.0.2.16"), "claire").status_code == 429
        assert login(client_at(second, "192.0.2.16"), "claire").status_code == 302
    finally:
        for app in (first, second):
            app.extensions["retombees_engine"].dispose()


def test_with_redis_down_logins_go_on_counted_in_memory(tmp_path):
    """Redis unreachable (stopped, restarting): logging in still works, and attempts are still
    limited, counted by each process until Redis is back."""
    app = make_app(tmp_path, redis_url="redis://127.0.0.1:9/0")  # nothing listens on port 9
    try:
        add_user(app, "claire", Role.OFFICER)
        client = client_at(app, "192.0.2.30")
        assert login(client, "claire").status_code == 302
        assert logged_in(client) and client.get("/dashboard/").status_code == 200  # no cache
        for _ in range(3):
            assert login(client_at(app, "192.0.2.31"), "claire", WRONG).status_code == 200
        assert login(client_at(app, "192.0.2.31"), "claire").status_code == 429
    finally:
        app.extensions["retombees_engine"].dispose()


# -- Behind a reverse proxy ------------------------------------------------------------------


def test_behind_a_proxy_each_client_is_counted(tmp_path):
    app = make_app(tmp_path, trusted_proxies=1)
    try:
        add_user(app, "claire", Role.OFFICER)
        # Every request comes from the proxy on 127.0.0.1; it appends the client's address.
        attacker = client_at(app, "127.0.0.1", x_forwarded_for="203.0.113.5")
        for _ in range(4):
            login(attacker, "claire", WRONG)
        assert login(attacker, "claire").status_code == 429
        colleague = client_at(app, "127.0.0.1", x_forwarded_for="203.0.113.6")
        assert login(colleague, "claire").status_code == 302
        # A client's own X-Forwarded-For comes before the proxy's: it does not count.
        forged = client_at(app, "127.0.0.1", x_forwarded_for="198.51.100.1, 203.0.113.5")
        assert login(forged, "claire").status_code == 429
    finally:
        app.extensions["retombees_engine"].dispose()


def test_without_a_proxy_the_header_is_ignored(limited):
    """Not behind a proxy (the default), a client cannot claim another address."""
    for n in range(4):
        client = client_at(limited, "192.0.2.17", x_forwarded_for=f"198.51.100.{n}")
        last = login(client, "claire", WRONG)
    assert last.status_code == 429
