"""Browser tests: the app served on a local port, driven by Playwright in Debian's Chromium.

The browser is ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it).
Without it the tests are skipped, unless ``RETOMBEES_REQUIRE_BROWSER`` is set (CI sets it), in
which case they fail. Screenshots of the main pages go to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from models import Campaign, Coverage, CoverageCampaign, CoverageStatus, KeyMessage, Outlet, Role
from models.bootstrap import bootstrap
from models.db import open_database
from models.importer import import_rows
from models.registry import seed_outlets
from models.valuation import ValuationRules, revalue
from tests.conftest import FIXTURES, PASSWORD, add_user, make_settings

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PRESS_TRIP = FIXTURES / "imports" / "voyage-presse-34.csv"
UMBRELLA = "j-ai-10-ans"
INBOX_TITLES = [
    "Loos-en-Gohelle : les terrils jumeaux accueillent un nouveau sentier de randonnée",
    "Lens : la cité 12-14 rénovée, un modèle pour le bassin minier",
    "Oignies : le 9-9bis fête ses dix ans de musiques actuelles",
    "Bassin minier : l'inscription à l'Unesco, un levier pour le tourisme",
    "Liévin : la fosse 1 bis sort de l'oubli",
    "Béthune : un festival sur le patrimoine minier cet été",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("RETOMBEES_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for the browser tests: apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"]
        )
        yield browser
        browser.close()


def seed(settings) -> None:
    """The press trip of the reference user (34 confirmed clips) and six clips to review."""
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        bootstrap(session, settings)
        seed_outlets(session)
        umbrella = Campaign(
            slug=UMBRELLA,
            name="J'ai 10 ans",
            query='"bassin minier"',
            key_messages=[
                KeyMessage(label="Patrimoine mondial"),
                KeyMessage(label="Destination touristique"),
            ],
        )
        session.add(
            Campaign(slug="voyage-de-presse-2022", name="Voyage de presse 2022", parent=umbrella)
        )
    with sessions.begin() as session:
        import_rows(session, PRESS_TRIP)
    with sessions.begin() as session:
        umbrella = session.scalar(select(Campaign).where(Campaign.slug == UMBRELLA))
        revalue(session, ValuationRules(), umbrella.id)
        outlet = session.scalar(select(Outlet).where(Outlet.name == "La Voix du Nord"))
        now = datetime.now(UTC)
        for i, title in enumerate(INBOX_TITLES):
            session.add(
                Coverage(
                    url=f"https://www.lavoixdunord.fr/region/article-{i}",
                    title=title,
                    summary=f"{title}. Le bassin minier du Nord-Pas-de-Calais à l'honneur.",
                    text=f"{title}. Le bassin minier du Nord-Pas-de-Calais à l'honneur.",
                    published_at=now - timedelta(hours=i + 1),
                    status=CoverageStatus.NEW,
                    medium=outlet.medium,
                    medium_reason="La Voix du Nord is registered as press",
                    relevant=True,
                    relevance=0.9,
                    relevance_evidence=[
                        {"term": "Loos-en-Gohelle", "weight": 3, "kind": "territory"}
                    ],
                    outlet=outlet,
                    reach=1_057_901,
                    campaign_links=[CoverageCampaign(campaign=umbrella, hits=["bassin minier"])],
                )
            )
    engine.dispose()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live(tmp_path):
    """The app on a local port, over a seeded SQLite database, with one user per role."""
    from webapp import create_app

    settings = make_settings(tmp_path)
    seed(settings)
    app = create_app({"TESTING": True}, settings=settings)
    for name, role in (
        ("claire", Role.OFFICER),
        ("direction", Role.MANAGEMENT),
        ("agence", Role.AGENCY),
    ):
        add_user(app, name, role)
    server = LiveServer(app)
    yield server
    server.stop()
    app.extensions["retombees_engine"].dispose()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(
        base_url=live.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # HTTP error statuses are asserted by the tests themselves; anything else logged as an
    # error (a script error, a CSP refusal) fails the test.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations in the page: {errors}"


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Nom d'utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/review/**")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
