"""The daily digest to press officers and the weekly summary to management: what they say,
when they are queued (once), and how they arrive through a real SMTP server."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_currency, format_decimal
from sqlalchemy import func, select

from models import Coverage, CoverageStatus, MailMessage, MailStatus, Medium, Outlet, Role
from models.db import open_database
from models.digest import (
    compose_daily_digest,
    compose_weekly_summary,
    previous_week,
    queue_due_digests,
)
from models.mail_render import translations
from models.mailer import deliver_pending
from models.reports import campaign_report
from models.user import create_user
from tests.smtp import parts

PARIS = ZoneInfo("Europe/Paris")
# Thursday 26 November 2026, 8:45 in Paris (UTC+1): after the default digest hour (8:30).
NOW = datetime(2026, 11, 26, 8, 45, tzinfo=PARIS).astimezone(UTC)
PASSWORD = "correct horse battery"


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def add_user(session, name, role, email, active=True):
    user = create_user(session, name, PASSWORD, role)
    user.email = email
    user.active = active
    session.flush()
    return user


def clip(session, title, outlet, status, *, published=None, processed=None, reach=None, **kw):
    row = Coverage(
        url=f"https://example.org/{abs(hash(title))}",
        title=title,
        outlet=outlet,
        medium=outlet.medium if outlet else None,
        status=status,
        published_at=published,
        processed_at=processed,
        created_at=processed or published or NOW - timedelta(days=30),
        reach=reach,
        **kw,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def newsroom(any_sessions):
    """Officers and management, and clips around the digest of Thursday 26 November 2026."""
    with any_sessions.begin() as session:
        lvdn = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        f3 = Outlet(name="France 3 Hauts-de-France", medium=Medium.TV)
        monde = Outlet(name="Le Monde", medium=Medium.PRESS)
        session.add_all([lvdn, f3, monde])
        session.flush()
        add_user(session, "claire", Role.OFFICER, "claire@example.org")
        add_user(session, "sans-adresse", Role.OFFICER, None)
        add_user(session, "parti", Role.OFFICER, "parti@example.org", active=False)
        add_user(session, "direction", Role.MANAGEMENT, "direction@example.org")
        add_user(session, "agence", Role.AGENCY, "agence@example.org")
        # Awaiting review, analysed in the last 24 hours: listed as new.
        clip(
            session,
            "Le bassin minier fête ses dix ans au patrimoine mondial",
            lvdn,
            CoverageStatus.NEW,
            published=paris(2026, 11, 26, 6, 0),
            processed=paris(2026, 11, 26, 7, 0),
            reach=1_057_901,
        )
        clip(
            session,
            "Les terrils vus du ciel",
            f3,
            CoverageStatus.NEW,
            published=paris(2026, 11, 25, 19, 0),
            processed=paris(2026, 11, 25, 21, 0),
            reach=200_000,
        )
        # Awaiting review for a week: counted among those awaiting, not listed as new.
        clip(
            session,
            "Un vieux sujet en attente",
            lvdn,
            CoverageStatus.NEW,
            published=paris(2026, 11, 18, 9, 0),
            processed=paris(2026, 11, 18, 10, 0),
        )
        # Published yesterday (Paris) and confirmed: listed; rejected: not.
        clip(
            session,
            "La mission Bassin minier reçoit le prix du patrimoine",
            monde,
            CoverageStatus.CONFIRMED,
            published=paris(2026, 11, 25, 10, 0),
        )
        # 24 November 23:30 UTC is 25 November 00:30 in Paris: yesterday.
        clip(
            session,
            "Minuit à Loos-en-Gohelle",
            lvdn,
            CoverageStatus.CONFIRMED,
            published=datetime(2026, 11, 24, 23, 30, tzinfo=UTC),
        )
        clip(
            session,
            "Un faux positif sur le bassin houiller lorrain",
            lvdn,
            CoverageStatus.REJECTED,
            published=paris(2026, 11, 25, 11, 0),
        )
        # Confirmed, but of another day.
        clip(
            session,
            "Un sujet d'avant-hier",
            monde,
            CoverageStatus.CONFIRMED,
            published=paris(2026, 11, 24, 12, 0),
        )
        clip(
            session,
            "Un sujet de ce matin",
            monde,
            CoverageStatus.CONFIRMED,
            published=datetime(2026, 11, 25, 23, 30, tzinfo=UTC),  # 26 Nov 00:30 Paris
        )
    return any_sessions


def officer(session, name="claire"):
    from models.user import user_by_name

    return user_by_name(session, name)


def test_digest_lists_new_clips_and_yesterdays_confirmed_coverage(newsroom, any_settings):
    with newsroom() as session:
        mail = compose_daily_digest(session, officer(session), NOW, any_settings)
    assert mail is not None
    data = mail.data
    assert data["new_count"] == 2
    assert [c["title"] for c in data["new_clips"]] == [
        "Le bassin minier fête ses dix ans au patrimoine mondial",  # widest reach first
        "Les terrils vus du ciel",
    ]
    assert [c["outlet"] for c in data["new_clips"]] == [
        "La Voix du Nord",
        "France 3 Hauts-de-France",
    ]
    assert data["awaiting_count"] == 3
    assert data["confirmed_count"] == 2
    assert {c["title"] for c in data["confirmed_clips"]} == {
        "La mission Bassin minier reçoit le prix du patrimoine",
        "Minuit à Loos-en-Gohelle",
    }
    for body in (mail.text, mail.html):
        assert "Les terrils vus du ciel" in body
        assert "Le Monde" in body
        assert "Un vieux sujet en attente" not in body
        assert "faux positif" not in body
        assert "avant-hier" not in body
        assert "ce matin" not in body


def test_no_digest_when_there_is_nothing_to_say(any_sessions, any_settings):
    with any_sessions.begin() as session:
        user = add_user(session, "claire", Role.OFFICER, "claire@example.org")
        add_user(session, "direction", Role.MANAGEMENT, "direction@example.org")
        outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        # Only old or rejected coverage.
        clip(
            session,
            "Rejeté hier",
            outlet,
            CoverageStatus.REJECTED,
            published=paris(2026, 11, 25, 9, 0),
        )
        clip(
            session,
            "Confirmé il y a un mois",
            outlet,
            CoverageStatus.CONFIRMED,
            published=paris(2026, 10, 20, 9, 0),
        )
        assert compose_daily_digest(session, user, NOW, any_settings) is None
        monday = paris(2026, 11, 30, 9, 0)
        direction = officer(session, "direction")
        assert compose_weekly_summary(session, direction, monday, any_settings) is None
        assert queue_due_digests(session, any_settings, NOW) == []
        assert queue_due_digests(session, any_settings, monday) == []
        assert session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_digest_is_queued_once_at_or_after_the_digest_hour(newsroom, any_settings):
    before = paris(2026, 11, 26, 8, 29)
    with newsroom.begin() as session:
        assert queue_due_digests(session, any_settings, before) == []
    with newsroom.begin() as session:
        claire = officer(session)
        assert queue_due_digests(session, any_settings, NOW) == [f"digest:{claire.id}:2026-11-26"]
    # Every minute after, or after a restart: nothing more.
    for minutes in (1, 2, 60, 600):
        with newsroom.begin() as session:
            assert queue_due_digests(session, any_settings, NOW + timedelta(minutes=minutes)) == []
    with newsroom() as session:
        messages = session.scalars(select(MailMessage)).all()
    assert [(m.kind, m.to_address, m.status) for m in messages] == [
        ("digest", "claire@example.org", MailStatus.PENDING)
    ]


def test_digest_arrives_in_french_with_text_and_html(newsroom, any_settings, smtp):
    settings = dataclasses.replace(any_settings, **smtp.settings_overrides())
    assert settings.language == "fr"
    with newsroom.begin() as session:
        queue_due_digests(session, settings, NOW)
    with newsroom() as session:
        stats = deliver_pending(session, settings, NOW)
    assert stats.sent == 1 and stats.failed == 0
    (message,) = smtp.messages
    assert message["To"] == "claire@example.org"
    assert message.get_content_type() == "multipart/alternative"
    bodies = parts(message)
    text, html = bodies["text/plain"], bodies["text/html"]
    french = translations("fr")
    for body in (text, html):
        assert "Le bassin minier fête ses dix ans au patrimoine mondial" in body
        assert "La mission Bassin minier reçoit le prix du patrimoine" in body
        assert "Minuit à Loos-en-Gohelle" in body
        assert "faux positif" not in body
        # French: dates in French, texts from the French catalogue.
        assert "jeudi 26 novembre 2026" in body
        assert "mercredi 25 novembre 2026" in body
        assert french.gettext("New clips to review") in body
    assert '<html lang="fr">' in html
    assert '<a href="http://127.0.0.1:5000/coverage/' in html
    assert (
        french.gettext("Confirmed coverage of %(day)s") % {"day": "mercredi 25 novembre 2026"}
        in text
    )
    with newsroom() as session:
        (row,) = session.scalars(select(MailMessage)).all()
    assert row.status == MailStatus.SENT and row.sent_at == NOW and row.attempts == 1


def test_digest_in_english_when_the_deployment_is(newsroom, any_settings):
    settings = dataclasses.replace(any_settings, language="en")
    with newsroom() as session:
        mail = compose_daily_digest(session, officer(session), NOW, settings)
    assert "Thursday 26 November 2026" in mail.text
    assert "New clips to review" in mail.text
    assert mail.subject.endswith("2 new clips to review, 2 clips confirmed yesterday")


def test_next_digest_lists_only_what_arrived_since_the_previous_one(newsroom, any_settings):
    with newsroom.begin() as session:
        queue_due_digests(session, any_settings, NOW)
    tomorrow = NOW + timedelta(days=1)
    with newsroom.begin() as session:
        lvdn = session.scalar(select(Outlet).where(Outlet.name == "La Voix du Nord"))
        clip(
            session,
            "Nouveau : le Louvre-Lens prolonge son exposition",
            lvdn,
            CoverageStatus.NEW,
            published=paris(2026, 11, 26, 15, 0),
            processed=paris(2026, 11, 26, 16, 0),
        )
        mail = compose_daily_digest(session, officer(session), tomorrow, any_settings)
    assert [c["title"] for c in mail.data["new_clips"]] == [
        "Nouveau : le Louvre-Lens prolonge son exposition"
    ]
    assert mail.data["since"] == NOW
    assert mail.data["awaiting_count"] == 4


def test_weekly_summary_figures_are_the_campaign_reports(any_sessions, any_settings, smtp):
    settings = dataclasses.replace(
        any_settings, weekly_summary_day="mon", **smtp.settings_overrides()
    )
    monday_morning = paris(2026, 11, 30, 9, 0)  # Monday: last week is 23–29 November
    assert previous_week(date(2026, 11, 30)) == (date(2026, 11, 23), date(2026, 11, 29))
    with any_sessions.begin() as session:
        add_user(session, "direction", Role.MANAGEMENT, "direction@example.org")
        add_user(session, "claire", Role.OFFICER, None)
        lvdn = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        f3 = Outlet(name="France 3 Hauts-de-France", medium=Medium.TV)
        web = Outlet(name="actu.fr", medium=Medium.WEB)
        week = [
            (lvdn, "Dix ans de patrimoine mondial", paris(2026, 11, 23, 0, 10), 41_000_000, 90_000),
            (lvdn, "Les terrils en hiver", paris(2026, 11, 25, 9, 0), 224_169, 2_075),
            (f3, "Reportage au 11/19", paris(2026, 11, 27, 19, 0), 200_000, 7_916.67),
            (web, "Balade au 9-9 bis", paris(2026, 11, 29, 23, 50), 25_560, 204.48),
        ]
        for outlet, title, published, reach, ave in week:
            clip(
                session,
                title,
                outlet,
                CoverageStatus.CONFIRMED,
                published=published,
                reach=reach,
                ave_eur=ave,
            )
        # Not last week's confirmed coverage: left out.
        clip(
            session,
            "Lundi d'avant",
            lvdn,
            CoverageStatus.CONFIRMED,
            published=paris(2026, 11, 22, 23, 50),
            reach=1_000,
            ave_eur=10,
        )
        clip(
            session,
            "Ce lundi",
            lvdn,
            CoverageStatus.CONFIRMED,
            published=paris(2026, 11, 30, 0, 10),
            reach=1_000,
            ave_eur=10,
        )
        clip(
            session,
            "À relire",
            f3,
            CoverageStatus.NEW,
            published=paris(2026, 11, 24, 9, 0),
            reach=5_000,
            ave_eur=100,
        )
    with any_sessions() as session:
        report = campaign_report(session, None, date(2026, 11, 23), date(2026, 11, 29))
        direction = officer(session, "direction")
        mail = compose_weekly_summary(session, direction, monday_morning, settings)
    assert report["total"] == 4
    assert mail.data["total"] == report["total"]
    assert mail.data["by_medium"] == report["by_medium"]
    assert mail.data["reach"] == report["reach"] == 41_449_729
    assert mail.data["ave_eur"] == report["ave_eur"]
    assert [o["name"] for o in mail.data["outlets"]][0] == "La Voix du Nord"
    assert mail.data["headlines"][0]["title"] == "Dix ans de patrimoine mondial"
    with any_sessions.begin() as session:
        keys = queue_due_digests(session, settings, monday_morning)
        assert keys == [f"weekly:{direction.id}:2026-W48"]
        assert queue_due_digests(session, settings, monday_morning + timedelta(hours=1)) == []
    with any_sessions() as session:
        assert deliver_pending(session, settings, monday_morning).sent == 1
    (message,) = smtp.messages
    assert message["To"] == "direction@example.org"
    bodies = parts(message)
    reach = format_decimal(report["reach"], locale="fr")  # 41 449 729
    ave = format_currency(
        report["ave_eur"], "EUR", format="#,##0 ¤", currency_digits=False, locale="fr"
    )
    for body in (bodies["text/plain"], bodies["text/html"]):
        assert reach in body
        assert ave in body
        assert "lundi 23 novembre 2026" in body and "dimanche 29 novembre 2026" in body
        assert translations("fr").gettext("Press") in body  # "Presse"
        assert "Dix ans de patrimoine mondial" in body
        assert "Ce lundi" not in body and "Lundi d'avant" not in body and "À relire" not in body
    assert "Presse" in bodies["text/plain"]


def test_weekly_summary_only_on_the_chosen_day(any_sessions, any_settings):
    settings = dataclasses.replace(any_settings, weekly_summary_day="fri")
    with any_sessions.begin() as session:
        add_user(session, "direction", Role.MANAGEMENT, "direction@example.org")
        outlet = Outlet(name="Le Monde", medium=Medium.PRESS)
        clip(
            session,
            "Un sujet de la semaine",
            outlet,
            CoverageStatus.CONFIRMED,
            published=paris(2026, 11, 25, 9, 0),
            reach=10,
        )
    with any_sessions.begin() as session:
        assert queue_due_digests(session, settings, paris(2026, 12, 3, 9, 0)) == []  # Thursday
        (key,) = queue_due_digests(session, settings, paris(2026, 12, 4, 9, 0))  # Friday
        assert key.endswith(":2026-W48")  # the week summarised: 23–29 November


def test_cli_queues_the_due_digests_and_sends_them(tmp_path, smtp):
    import json

    from click.testing import CliRunner

    from cli.main import main
    from tests.conftest import make_settings

    env = {
        "RETOMBEES_INSTANCE_PATH": str(tmp_path / "cli" / "instance"),
        "RETOMBEES_SECRET_KEY": "test-secret",
        "RETOMBEES_SEED_EXAMPLE": "false",
        "RETOMBEES_ADMIN_PASSWORD": PASSWORD,
        "RETOMBEES_DIGEST_HOUR": "0:00",  # due whenever the test runs
        "RETOMBEES_SMTP_HOST": "127.0.0.1",
        "RETOMBEES_SMTP_PORT": str(smtp.port),
        "RETOMBEES_SMTP_SECURITY": "none",
    }
    engine, sessions = open_database(make_settings(tmp_path / "cli"))
    try:
        with sessions.begin() as session:
            add_user(session, "claire", Role.OFFICER, "claire@example.org")
            outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
            moment = datetime.now(UTC) - timedelta(hours=1)
            clip(
                session,
                "Le 9-9 bis fait salle comble",
                outlet,
                CoverageStatus.NEW,
                published=moment,
                processed=moment,
            )
    finally:
        engine.dispose()
    runner = CliRunner()
    result = runner.invoke(main, ["digest", "--send-now"], env=env)
    assert result.exit_code == 0, result.output
    output = json.loads(result.output.strip().splitlines()[-1])
    assert len(output["queued"]) == 1 and output["queued"][0].startswith("digest:")
    assert output["delivery"]["sent"] == 1
    (received,) = smtp.messages
    assert "Le 9-9 bis fait salle comble" in parts(received)["text/plain"]
    again = runner.invoke(main, ["digest", "--send-now"], env=env)
    assert json.loads(again.output.strip().splitlines()[-1])["queued"] == []
    assert len(smtp.messages) == 1
