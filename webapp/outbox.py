"""Administration of mail: whether SMTP is set, the outbox, sending again, a test mail."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from models import utcnow
from models.mailer import (
    MailError,
    MailNotConfigured,
    deliver_pending,
    outbox,
    retry_message,
    send_test_mail,
    smtp_configured,
    smtp_description,
)
from models.settings import WEEKDAYS

from .auth import permission_required
from .session import db

bp = Blueprint("outbox", __name__, url_prefix="/admin/mail")


def _settings():
    return current_app.extensions["retombees_settings"]


@bp.get("/")
@permission_required("admin")
def index():
    settings = _settings()
    return render_template(
        "admin/mail.html",
        configured=smtp_configured(settings),
        server=smtp_description(settings),
        settings=settings,
        messages=outbox(db()),
        test_address=current_user.email or "",
        weekly_day=_weekday(settings.weekly_summary_day),
    )


def _weekday(name: str) -> str:
    """The name of a day of the week (``mon``…) in the interface's language."""
    monday = date(2024, 1, 1)
    return format_date(monday + timedelta(days=WEEKDAYS.index(name)), "EEEE")


@bp.post("/<int:message_id>/retry")
@permission_required("admin")
def retry(message_id: int):
    """Send a failed message again now (one more attempt)."""
    session, settings = db(), _settings()
    now = utcnow()
    message = retry_message(session, message_id, now)
    if message is None:
        flash(_("This message is no longer in the outbox or was already sent."), "error")
        return redirect(url_for("outbox.index"))
    session.commit()
    if not smtp_configured(settings):
        flash(_("SMTP is not configured: the message waits in the outbox."), "error")
        return redirect(url_for("outbox.index"))
    stats = deliver_pending(session, settings, now, ids=[message_id])
    if stats.sent:
        flash(_("Message sent to %(address)s.", address=message.to_address), "success")
    else:
        error = stats.errors[-1] if stats.errors else ""
        flash(_("The message could not be sent: %(error)s", error=error), "error")
    return redirect(url_for("outbox.index"))


@bp.post("/test")
@permission_required("admin")
def test():
    """Send a test mail right away to the address given."""
    address = request.form.get("to", "").strip()
    if "@" not in address or len(address) > 200:
        flash(_("Give an email address to send the test mail to."), "error")
        return redirect(url_for("outbox.index"))
    try:
        send_test_mail(_settings(), address)
    except MailNotConfigured:
        flash(_("SMTP is not configured: set RETOMBEES_SMTP_HOST and restart."), "error")
    except MailError as exc:
        flash(_("The test mail could not be sent: %(error)s", error=str(exc)), "error")
    else:
        flash(_("Test mail sent to %(address)s.", address=address), "success")
    return redirect(url_for("outbox.index"))
