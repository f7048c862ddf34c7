"""The administration's mail page: SMTP state, the outbox with failed messages first, sending a
failed message again, and a test mail, against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import MailMessage, MailStatus, Role, utcnow
from models.digest import queue_mail
from models.mail_render import RenderedMail
from models.mailer import deliver_pending
from tests.conftest import add_user, csrf_token, login, make_settings
from tests.smtp import parts


@pytest.fixture
def settings(tmp_path, smtp):
    """The app's settings (overriding the shared fixture): mail goes to the local server."""
    return make_settings(tmp_path, mail_max_attempts=2, **smtp.settings_overrides())


@pytest.fixture(autouse=True)
def english(client):
    client.get("/login?lang=en")


def queue(app, key, to="claire@example.org", subject="Revue de presse du jour"):
    mail = RenderedMail(
        kind="digest", locale="fr", subject=subject, text="Bonjour.\n", html="<p>Bonjour.</p>"
    )
    with app.extensions["retombees_sessions"].begin() as session:
        message = queue_mail(session, key, None, to, mail, utcnow())
        session.flush()
        return message.id


def fail_for_good(app, smtp, message_id):
    """Let the server refuse until the message has spent its attempts."""
    settings = app.extensions["retombees_settings"]
    smtp.collector.refuse = "451 4.3.0 Greylisted, try again later"
    moment = utcnow()
    for _ in range(settings.mail_max_attempts):
        with app.extensions["retombees_sessions"]() as session:
            deliver_pending(session, settings, moment)
            moment = session.get(MailMessage, message_id).next_attempt_at or moment
    smtp.collector.refuse = None


def message(app, message_id) -> MailMessage:
    with app.extensions["retombees_sessions"]() as session:
        return session.get(MailMessage, message_id)


def section(page: str, title_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{title_id}">(.*?)</section>', page, re.S)
    assert match, f"no section {title_id}"
    return match.group(1)


@pytest.mark.parametrize("role_client", ["officer_client", "management_client", "agency_client"])
def test_only_administrators_see_the_mail_page(request, role_client):
    client = request.getfixturevalue(role_client)
    client.get("/login?lang=en")
    token = csrf_token(client, "/review/")
    assert client.get("/admin/mail/").status_code == 403
    assert client.post("/admin/mail/test", data={"csrf_token": token}).status_code == 403
    assert client.post("/admin/mail/1/retry", data={"csrf_token": token}).status_code == 403


def test_admin_page_links_to_the_mail_page(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/mail/"' in page


def test_failed_message_is_shown_and_sent_again(app, admin_client, smtp):
    failed = queue(app, "digest:8:2026-11-26", subject="Revue de presse en échec")
    fail_for_good(app, smtp, failed)
    assert message(app, failed).status == MailStatus.FAILED
    waiting = queue(app, "digest:7:2026-11-26", to="paul@example.org")

    page = admin_client.get("/admin/mail/").get_data(as_text=True)
    assert "Configured" in page and f"127.0.0.1:{smtp.port}" in page
    failed_part = section(page, "failed-title")
    assert "Revue de presse en échec" in failed_part
    assert "Greylisted, try again later" in failed_part
    assert re.search(r'<td class="num">2</td>', failed_part)  # attempts
    assert "Retry now" in failed_part
    assert "paul@example.org" in section(page, "pending-title")
    assert page.index("failed-title") < page.index("pending-title") < page.index("sent-title")

    # Without the CSRF token the form is refused.
    assert admin_client.post(f"/admin/mail/{failed}/retry").status_code == 400
    token = csrf_token(admin_client, "/admin/mail/")
    response = admin_client.post(
        f"/admin/mail/{failed}/retry", data={"csrf_token": token}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Message sent to claire@example.org." in page
    assert [m["Subject"] for m in smtp.messages] == ["Revue de presse en échec"]
    assert message(app, failed).status == MailStatus.SENT
    assert message(app, waiting).status == MailStatus.PENDING  # left to the scheduler
    assert "Revue de presse en échec" in section(page, "sent-title")
    assert "No failed message." in section(page, "failed-title")


def test_retry_that_fails_again_says_why(app, admin_client, smtp):
    failed = queue(app, "digest:8:2026-11-26")
    fail_for_good(app, smtp, failed)
    smtp.stop()
    token = csrf_token(admin_client, "/admin/mail/")
    page = admin_client.post(
        f"/admin/mail/{failed}/retry", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "The message could not be sent: connection refused" in page
    again = message(app, failed)
    assert again.status == MailStatus.PENDING and again.attempts == 1  # a new round


def test_test_mail_is_sent_to_the_address_given(app, admin_client, smtp):
    token = csrf_token(admin_client, "/admin/mail/")
    page = admin_client.post(
        "/admin/mail/test",
        data={"csrf_token": token, "to": "admin@example.org"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Test mail sent to admin@example.org." in page
    (received,) = smtp.messages
    assert received["To"] == "admin@example.org"
    assert set(parts(received)) == {"text/plain", "text/html"}
    with app.extensions["retombees_sessions"]() as session:
        assert session.scalars(select(MailMessage)).all() == []  # not through the outbox
    smtp.stop()
    page = admin_client.post(
        "/admin/mail/test",
        data={"csrf_token": token, "to": "admin@example.org"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The test mail could not be sent: connection refused" in page


def test_page_says_when_smtp_is_not_configured(tmp_path):
    from webapp import create_app

    app = create_app({"TESTING": True}, settings=make_settings(tmp_path / "bare"))
    try:
        client = app.test_client()
        add_user(app, "root", Role.ADMIN)
        assert login(client, "root").status_code == 302
        client.get("/login?lang=en")
        queue(app, "digest:3:2026-11-26")
        page = client.get("/admin/mail/").get_data(as_text=True)
        assert "Not configured" in page
        assert "SMTP is not configured: no mail is sent." in page
        assert "Revue de presse du jour" in section(page, "pending-title")
        token = csrf_token(client, "/admin/mail/")
        page = client.post(
            "/admin/mail/test",
            data={"csrf_token": token, "to": "admin@example.org"},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "SMTP is not configured: set RETOMBEES_SMTP_HOST and restart." in page
    finally:
        app.extensions["retombees_engine"].dispose()
