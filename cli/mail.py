"""``retombees digest``: queue the digests and summaries due now, and send the outbox."""

from __future__ import annotations

import click

from models import utcnow

from .common import clear_errors, echo_json, prepare, settings_from_env


@click.command("digest")
@click.option(
    "--send-now",
    is_flag=True,
    help="Also send the messages waiting in the outbox (without it they are only queued).",
)
@clear_errors
def digest_command(send_now: bool) -> None:
    """Queue the daily digests and weekly summaries due now (each once), then send them.

    Digests are due at or after RETOMBEES_DIGEST_HOUR (Paris time), summaries on
    RETOMBEES_WEEKLY_SUMMARY_DAY; a user gets none when there is nothing to say.
    """
    from models.digest import queue_due_digests
    from models.mailer import deliver_pending

    settings = settings_from_env()
    sessions = prepare(settings)
    now = utcnow()
    with sessions.begin() as session:
        queued = queue_due_digests(session, settings, now)
    result: dict = {"queued": queued}
    if send_now:
        with sessions() as session:
            stats = deliver_pending(session, settings, now)
        result["delivery"] = stats.as_json()
        if not stats.configured:
            click.echo(
                "SMTP is not configured (RETOMBEES_SMTP_HOST is empty): messages stay in the "
                "outbox.",
                err=True,
            )
    echo_json(result)
