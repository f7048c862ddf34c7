"""Sending the outbox over SMTP, with retries, and a test mail for the administrators.

:func:`deliver_pending` sends the messages whose time has come. Each attempt is written down
(and committed) before the message is handed to the server, and the outcome after: a process
that dies in between leaves the message pending with its attempt counted, so it is sent again
at most until ``mail_max_attempts``, never forever, and never lost. A failed attempt is tried
again later (1, 5, 25 minutes… after), and after the last attempt the message is *failed* and
shown on the administration's mail page, from where it can be sent again.

Without ``smtp_host`` nothing is sent: messages wait in the outbox until a server is set.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .base import utcnow
from .mail import MailMessage, MailStatus
from .mail_render import RenderedMail, mail_locale, render_mail

log = logging.getLogger("retombees.mailer")

SMTP_TIMEOUT = 30  # seconds for connecting and for each SMTP reply
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_FACTOR = 5  # 1, 5, 25, 125 minutes…
BACKOFF_MAX = timedelta(hours=12)
BATCH = 100  # messages sent in one call at most
ERROR_CHARS = 1000  # of an error kept on a message
INTERRUPTED = "interrupted while sending (the process stopped); tried again later"

# The server refused this message (its sender, recipient or content): the next one may go.
MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)
# Any other SMTP error or OSError (refused, unreachable, timeout, TLS failure, login refused,
# disconnected; smtplib's errors are OSErrors) means the server cannot be used for now.


class MailError(Exception):
    """Mail could not be sent; the message says why, for a person."""


class MailNotConfigured(MailError):
    """No SMTP server is set (``RETOMBEES_SMTP_HOST`` is empty)."""


@dataclass
class DeliveryStats:
    """What one :func:`deliver_pending` call did."""

    configured: bool = True
    sent: int = 0
    retry_later: int = 0  # failed attempts that will be tried again
    failed: int = 0  # failed for good this time (shown to administrators)
    left: int = 0  # due but not tried (the server could not be reached)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "configured": self.configured,
            "sent": self.sent,
            "retry_later": self.retry_later,
            "failed": self.failed,
            "left": self.left,
            "errors": list(self.errors),
        }


def smtp_configured(settings) -> bool:
    return bool((settings.smtp_host or "").strip())


def smtp_description(settings) -> str:
    """``host:port (security)``, without credentials, for pages and logs."""
    if not smtp_configured(settings):
        return ""
    return f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 5, 25… minutes."""
    delay = BACKOFF_BASE * (BACKOFF_FACTOR ** max(attempts - 1, 0))
    return min(delay, BACKOFF_MAX)


def describe_error(exc: BaseException) -> str:
    """One line saying why sending failed (the server's reply when there is one)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = [
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()
        ]
        text = "recipient refused: " + "; ".join(replies)
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    elif isinstance(exc, TimeoutError):
        text = f"timeout: no answer from the SMTP server within {SMTP_TIMEOUT} s"
    elif isinstance(exc, ConnectionRefusedError):
        text = "connection refused by the SMTP server"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:ERROR_CHARS]


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# -- SMTP -----------------------------------------------------------------------------------


def connect(settings, timeout: float = SMTP_TIMEOUT) -> smtplib.SMTP:
    """Open an SMTP connection as the settings say (STARTTLS, SSL or plain), logged in when a
    user is set.

    :raises MailNotConfigured: when no server is set.
    :raises smtplib.SMTPException, OSError: when the server cannot be reached or refuses.
    """
    if not smtp_configured(settings):
        raise MailNotConfigured("no SMTP server is configured (RETOMBEES_SMTP_HOST is empty)")
    host, port = settings.smtp_host.strip(), int(settings.smtp_port)
    security = settings.smtp_security
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "localhost"


def build_email(
    settings,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str | None = None,
    when: datetime | None = None,
) -> EmailMessage:
    """A ``multipart/alternative`` message (text, then HTML) from ``settings.mail_from``."""
    email = EmailMessage()
    sender = settings.mail_from
    name = getattr(settings, "organisation_name", "")
    email["From"] = formataddr((name, sender)) if name and "<" not in sender else sender
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = format_datetime(when or utcnow())
    email["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(text)
    if html:
        email.add_alternative(html, subtype="html")
    return email


def _message_id(message: MailMessage, settings) -> str:
    """The same Message-ID at every attempt: a mail program shows a message sent twice (after
    an interruption) once."""
    safe = "".join(c if c.isalnum() or c in "-." else "." for c in message.key)
    return f"<{safe}.{message.id}@{_domain(settings.mail_from)}>"


# -- Outbox ---------------------------------------------------------------------------------


def due_messages(
    session: Session, now: datetime, limit: int = BATCH, ids: list[int] | None = None
) -> list[int]:
    """Ids of the pending messages whose time has come (of ``ids`` only, when given), oldest
    first."""
    query = select(MailMessage.id).where(
        MailMessage.status == MailStatus.PENDING,
        or_(MailMessage.next_attempt_at.is_(None), MailMessage.next_attempt_at <= now),
    )
    if ids is not None:
        query = query.where(MailMessage.id.in_(ids))
    return list(
        session.scalars(query.order_by(MailMessage.created_at, MailMessage.id).limit(limit))
    )


def _claim(session: Session, message_id: int, now: datetime) -> MailMessage | None:
    """Count an attempt and push the next one back, before sending, and commit: another
    process then leaves the message alone, and one that dies mid-send has its attempt counted.
    None when the message is no longer due (sent or claimed meanwhile)."""
    message = session.get(MailMessage, message_id, populate_existing=True)
    if message is None:
        return None
    attempts = message.attempts
    result = session.execute(
        update(MailMessage)
        .where(
            MailMessage.id == message_id,
            MailMessage.status == MailStatus.PENDING,
            MailMessage.attempts == attempts,
        )
        .values(
            attempts=attempts + 1,
            next_attempt_at=now + backoff(attempts + 1),
            last_error=INTERRUPTED,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:
        return None
    return session.get(MailMessage, message_id, populate_existing=True)


def _give_up_interrupted(session: Session, message_id: int, max_attempts: int) -> bool:
    """Mark failed a message whose attempts are all spent though it is still pending (the
    process stopped during its last attempt): it is not sent once more."""
    message = session.get(MailMessage, message_id, populate_existing=True)
    if message is None or message.status != MailStatus.PENDING:
        return False
    if message.attempts < max_attempts:
        return False
    message.status = MailStatus.FAILED
    message.next_attempt_at = None
    message.last_error = message.last_error or INTERRUPTED
    session.commit()
    log.warning("mail %s to %s failed for good: %s", message.key, message.to_address, INTERRUPTED)
    return True


def _record_failure(session, message: MailMessage, error: str, settings, stats) -> None:
    message.last_error = error
    if message.attempts >= max(int(settings.mail_max_attempts), 1):
        message.status = MailStatus.FAILED
        message.next_attempt_at = None
        stats.failed += 1
        log.warning("mail %s to %s failed for good: %s", message.key, message.to_address, error)
    else:
        stats.retry_later += 1
        log.info(
            "mail %s to %s not sent (attempt %d), tried again at %s: %s",
            message.key,
            message.to_address,
            message.attempts,
            message.next_attempt_at,
            error,
        )
    stats.errors.append(error)
    session.commit()


def deliver_pending(
    session: Session,
    settings,
    now: datetime,
    *,
    ids: list[int] | None = None,
    timeout: float = SMTP_TIMEOUT,
) -> DeliveryStats:
    """Send the pending messages due at ``now`` (or only those of ``ids``) and return what
    happened.

    This function **commits**, after each attempt and each outcome: give it a plain session
    (``with sessions() as session``), not one inside ``sessions.begin()``. Without an SMTP
    server configured it sends nothing and the messages stay pending.
    """
    stats = DeliveryStats(configured=smtp_configured(settings))
    if not stats.configured:
        return stats
    due = due_messages(session, now, ids=ids)
    session.commit()  # end the reading transaction: each message gets its own
    smtp: smtplib.SMTP | None = None
    max_attempts = max(int(settings.mail_max_attempts), 1)
    try:
        for position, message_id in enumerate(due):
            if _give_up_interrupted(session, message_id, max_attempts):
                stats.failed += 1
                continue
            message = _claim(session, message_id, now)
            if message is None:
                continue
            try:
                email = build_email(
                    settings,
                    message.to_address,
                    message.subject,
                    message.text_body,
                    message.html_body,
                    _message_id(message, settings),
                    now,
                )
                if smtp is None:
                    smtp = connect(settings, timeout)
                smtp.send_message(email)
            except MESSAGE_ERRORS as exc:
                _record_failure(session, message, describe_error(exc), settings, stats)
                continue
            except OSError as exc:
                _close(smtp)
                smtp = None
                _record_failure(session, message, describe_error(exc), settings, stats)
                # The server cannot be used: the other messages wait for the next call.
                stats.left = len(due) - position - 1
                break
            except Exception as exc:  # a message that cannot be written out, say
                _record_failure(session, message, describe_error(exc), settings, stats)
                continue
            message.status = MailStatus.SENT
            message.sent_at = now
            message.next_attempt_at = None
            message.last_error = None
            session.commit()
            stats.sent += 1
            log.info("mail %s sent to %s", message.key, message.to_address)
    finally:
        _close(smtp)
    return stats


def retry_message(session: Session, message_id: int, now: datetime) -> MailMessage | None:
    """Make a failed (or waiting) message due again now, with its attempts counted afresh
    (its last error is kept until the next attempt); the caller commits. None when there is
    no such message or it was sent."""
    message = session.get(MailMessage, message_id)
    if message is None or message.status == MailStatus.SENT:
        return None
    message.status = MailStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    return message


def outbox(session: Session, sent_limit: int = 20) -> dict[str, list[MailMessage]]:
    """The outbox as the administration shows it: failed messages (latest first), pending ones
    (next due first), and the last ``sent_limit`` sent."""
    failed = session.scalars(
        select(MailMessage)
        .where(MailMessage.status == MailStatus.FAILED)
        .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    )
    pending = session.scalars(
        select(MailMessage)
        .where(MailMessage.status == MailStatus.PENDING)
        .order_by(MailMessage.next_attempt_at.asc().nulls_first(), MailMessage.id)
    )
    sent = session.scalars(
        select(MailMessage)
        .where(MailMessage.status == MailStatus.SENT)
        .order_by(MailMessage.sent_at.desc(), MailMessage.id.desc())
        .limit(sent_limit)
    )
    return {"failed": list(failed), "pending": list(pending), "sent": list(sent)}


# -- Test mail ------------------------------------------------------------------------------


def compose_test_mail(settings, now: datetime | None = None) -> RenderedMail:
    return render_mail(
        "test_mail",
        "test",
        mail_locale(None, settings),
        {
            "organisation": getattr(settings, "organisation_name", "") or "Retombées",
            "server": smtp_description(settings),
            "now": now or utcnow(),
        },
    )


def send_test_mail(settings, to: str, *, timeout: float = SMTP_TIMEOUT) -> None:
    """Send a test mail to ``to`` right away, outside the outbox.

    :raises MailNotConfigured: when no SMTP server is set.
    :raises MailError: when the server cannot be reached or refuses the message (its reason).
    """
    to = (to or "").strip()
    if "@" not in to:
        raise MailError("not an email address")
    mail = compose_test_mail(settings)
    email = build_email(settings, to, mail.subject, mail.text, mail.html)
    smtp = None
    try:
        smtp = connect(settings, timeout)
        smtp.send_message(email)
    except MailNotConfigured:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(describe_error(exc)) from exc
    finally:
        _close(smtp)
