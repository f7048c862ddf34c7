"""Sending the outbox through a real SMTP server on 127.0.0.1: delivery, refusals and retries,
a server that is down then back, giving up after the last attempt, an interrupted send."""

from __future__ import annotations

import dataclasses
import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import MailMessage, MailStatus
from models.digest import queue_mail
from models.mail_render import RenderedMail
from models.mailer import (
    INTERRUPTED,
    MailError,
    MailNotConfigured,
    backoff,
    deliver_pending,
    send_test_mail,
)
from tests.smtp import SmtpServer, parts

NOW = datetime(2026, 11, 26, 7, 45, tzinfo=UTC)


def with_server(settings, server, **more):
    return dataclasses.replace(settings, **server.settings_overrides(), **more)


def queue(
    any_sessions, key="digest:1:2026-11-26", to="claire@example.org", subject="Revue du jour"
):
    mail = RenderedMail(
        kind="digest",
        locale="fr",
        subject=subject,
        text="Bonjour,\nLe bassin minier à la une.\n",
        html="<p>Le bassin minier <strong>à la une</strong>.</p>",
    )
    with any_sessions.begin() as session:
        message = queue_mail(session, key, None, to, mail, NOW)
        session.flush()
        return message.id


def row(any_sessions, message_id) -> MailMessage:
    with any_sessions() as session:
        return session.get(MailMessage, message_id)


def test_pending_mail_is_sent_as_text_and_html(any_sessions, any_settings, smtp):
    settings = with_server(any_settings, smtp, mail_from="revue@bassin-minier.example")
    message_id = queue(any_sessions)
    with any_sessions() as session:
        stats = deliver_pending(session, settings, NOW)
    assert stats.as_json() == {
        "configured": True,
        "sent": 1,
        "retry_later": 0,
        "failed": 0,
        "left": 0,
        "errors": [],
    }
    (received,) = smtp.messages
    assert received["Subject"] == "Revue du jour"
    assert received["To"] == "claire@example.org"
    assert "revue@bassin-minier.example" in received["From"]
    assert received["Message-ID"].endswith("@bassin-minier.example>")
    bodies = parts(received)
    assert "Le bassin minier à la une." in bodies["text/plain"]
    assert "<strong>à la une</strong>" in bodies["text/html"]
    sent = row(any_sessions, message_id)
    assert (sent.status, sent.sent_at, sent.attempts, sent.last_error) == (
        MailStatus.SENT,
        NOW,
        1,
        None,
    )
    # Sent once: a later call sends nothing more.
    with any_sessions() as session:
        assert deliver_pending(session, settings, NOW + timedelta(hours=1)).sent == 0
    assert len(smtp.messages) == 1


def test_without_smtp_mail_waits_in_the_outbox(any_sessions, any_settings):
    assert any_settings.smtp_host == ""
    message_id = queue(any_sessions)
    with any_sessions() as session:
        stats = deliver_pending(session, any_settings, NOW)
    assert not stats.configured and stats.sent == 0
    waiting = row(any_sessions, message_id)
    assert (waiting.status, waiting.attempts, waiting.last_error) == (MailStatus.PENDING, 0, None)


def test_refused_mail_stays_pending_and_goes_later(any_sessions, any_settings, smtp):
    settings = with_server(any_settings, smtp)
    message_id = queue(any_sessions)
    smtp.collector.refuse = "451 4.3.0 Try again later"
    with any_sessions() as session:
        stats = deliver_pending(session, settings, NOW)
    assert stats.sent == 0 and stats.retry_later == 1
    waiting = row(any_sessions, message_id)
    assert waiting.status == MailStatus.PENDING
    assert waiting.attempts == 1
    assert "451" in waiting.last_error and "Try again later" in waiting.last_error
    assert waiting.next_attempt_at == NOW + timedelta(minutes=1)
    # Not before its time, even when the server accepts again.
    smtp.collector.refuse = None
    with any_sessions() as session:
        assert deliver_pending(session, settings, NOW + timedelta(seconds=30)).sent == 0
    assert smtp.messages == []
    with any_sessions() as session:
        assert deliver_pending(session, settings, NOW + timedelta(minutes=1)).sent == 1
    (received,) = smtp.messages
    assert received["Subject"] == "Revue du jour"
    sent = row(any_sessions, message_id)
    assert (sent.status, sent.attempts, sent.last_error) == (MailStatus.SENT, 2, None)


def test_a_refused_recipient_does_not_hold_back_the_others(any_sessions, any_settings, smtp):
    settings = with_server(any_settings, smtp)
    refused = queue(any_sessions, key="digest:1:2026-11-26", to="parti@example.org")
    accepted = queue(any_sessions, key="digest:2:2026-11-26", to="paul@example.org")
    smtp.collector.refuse_recipients["parti@example.org"] = "550 5.1.1 No such user"
    with any_sessions() as session:
        stats = deliver_pending(session, settings, NOW)
    assert (stats.sent, stats.retry_later, stats.left) == (1, 1, 0)
    assert [m["To"] for m in smtp.messages] == ["paul@example.org"]
    assert (
        "550" in row(any_sessions, refused).last_error
        and "No such user" in row(any_sessions, refused).last_error
    )
    assert row(any_sessions, refused).status == MailStatus.PENDING
    assert row(any_sessions, accepted).status == MailStatus.SENT


def test_server_down_then_back(any_sessions, any_settings, smtp):
    settings = with_server(any_settings, smtp)
    first = queue(any_sessions, key="digest:1:2026-11-26")
    second = queue(any_sessions, key="digest:2:2026-11-26", to="paul@example.org")
    smtp.stop()
    with any_sessions() as session:
        stats = deliver_pending(session, settings, NOW)
    assert stats.sent == 0 and stats.retry_later == 1 and stats.left == 1
    down = row(any_sessions, first)
    assert down.status == MailStatus.PENDING and down.attempts == 1
    assert "refused" in down.last_error
    assert row(any_sessions, second).attempts == 0  # not tried: the server could not be reached
    smtp.start()
    with any_sessions() as session:
        stats = deliver_pending(session, settings, NOW + timedelta(minutes=1))
    assert stats.sent == 2
    assert sorted(m["To"] for m in smtp.messages) == ["claire@example.org", "paul@example.org"]
    assert row(any_sessions, first).status == row(any_sessions, second).status == MailStatus.SENT


def test_failed_after_the_last_attempt_with_growing_delays(any_sessions, any_settings, smtp):
    settings = with_server(any_settings, smtp, mail_max_attempts=3)
    message_id = queue(any_sessions)
    smtp.collector.refuse = "451 4.3.0 Mailbox busy"
    assert [backoff(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=25),
    ]
    moment = NOW
    for attempt, delay in ((1, 1), (2, 5)):
        with any_sessions() as session:
            assert deliver_pending(session, settings, moment).retry_later == 1
        waiting = row(any_sessions, message_id)
        assert (waiting.status, waiting.attempts) == (MailStatus.PENDING, attempt)
        assert waiting.next_attempt_at == moment + timedelta(minutes=delay)
        moment = waiting.next_attempt_at
    with any_sessions() as session:
        stats = deliver_pending(session, settings, moment)
    assert stats.failed == 1
    failed = row(any_sessions, message_id)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == (MailStatus.FAILED, 3, None)
    assert "Mailbox busy" in failed.last_error
    # Failed messages are not tried again on their own.
    smtp.collector.refuse = None
    with any_sessions() as session:
        assert deliver_pending(session, settings, moment + timedelta(days=1)).sent == 0
    assert smtp.messages == []


def test_interrupted_send_is_not_repeated_forever(any_sessions, any_settings, smtp, monkeypatch):
    """The process stops after handing the message to the server, before noting it sent: the
    message is sent again later, until its attempts are spent, then shown as failed."""
    settings = with_server(any_settings, smtp, mail_max_attempts=2)
    message_id = queue(any_sessions)
    send = smtplib.SMTP.send_message

    def send_then_die(self, *args, **kwargs):
        send(self, *args, **kwargs)
        raise SystemExit("killed")

    monkeypatch.setattr(smtplib.SMTP, "send_message", send_then_die)
    moment = NOW
    for attempt in (1, 2):
        with any_sessions() as session, pytest.raises(SystemExit):
            deliver_pending(session, settings, moment)
        interrupted = row(any_sessions, message_id)
        assert (interrupted.status, interrupted.attempts) == (MailStatus.PENDING, attempt)
        assert interrupted.last_error == INTERRUPTED
        moment = interrupted.next_attempt_at
        assert moment > NOW
    with any_sessions() as session:
        stats = deliver_pending(session, settings, moment + timedelta(days=1))
    assert stats.failed == 1
    assert row(any_sessions, message_id).status == MailStatus.FAILED
    assert len(smtp.messages) == 2  # once per attempt, never more
    # Both copies carry the same Message-ID: a mail program shows them once.
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]


def test_login_when_a_user_is_set(any_sessions, any_settings):
    with SmtpServer(user="retombees", password="s3cret-pass") as server:
        settings = with_server(any_settings, server)
        queue(any_sessions)
        with any_sessions() as session:
            assert deliver_pending(session, settings, NOW).sent == 1
        assert server.logins == ["retombees"]
        wrong = dataclasses.replace(settings, smtp_password="wrong")
        other = queue(any_sessions, key="digest:2:2026-11-26")
        with any_sessions() as session:
            assert deliver_pending(session, wrong, NOW).retry_later == 1
        assert "535" in row(any_sessions, other).last_error  # authentication failed


def test_queue_mail_keeps_one_message_per_key(any_sessions):
    first = queue(any_sessions)
    mail = RenderedMail(kind="digest", locale="fr", subject="Encore", text="x", html="")
    with any_sessions.begin() as session:
        assert queue_mail(session, "digest:1:2026-11-26", None, "a@example.org", mail, NOW) is None
    with any_sessions() as session:
        assert [m.id for m in session.scalars(select(MailMessage))] == [first]


def test_test_mail(any_settings, smtp):
    settings = with_server(any_settings, smtp)
    send_test_mail(settings, "admin@example.org")
    (received,) = smtp.messages
    assert received["To"] == "admin@example.org"
    bodies = parts(received)
    assert f"127.0.0.1:{smtp.port}" in bodies["text/plain"]
    assert '<html lang="fr">' in bodies["text/html"]
    with pytest.raises(MailNotConfigured):
        send_test_mail(any_settings, "admin@example.org")
    smtp.stop()
    with pytest.raises(MailError, match="refused"):
        send_test_mail(settings, "admin@example.org")
