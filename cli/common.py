"""What every command shares: settings, clear errors, the database prepared for work."""

from __future__ import annotations

import json
from functools import wraps

import click

from models import Settings, SettingsError
from models.db import DatabaseError


def settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def clear_errors(command):
    """Report configuration and database problems as one sentence, not a traceback."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (SettingsError, DatabaseError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapped


STATUSES = ("confirmed", "new", "rejected", "all")


def selection_options(status_help: str):
    """The options that choose clips: campaign, period and review status."""

    def decorate(command):
        for option in reversed(
            (
                click.option(
                    "--campaign", metavar="SLUG", help="Campaign (its sub-campaigns included)."
                ),
                click.option(
                    "--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day."
                ),
                click.option(
                    "--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day."
                ),
                click.option(
                    "--status",
                    type=click.Choice(STATUSES),
                    default="confirmed",
                    show_default=True,
                    help=status_help,
                ),
            )
        ):
            command = option(command)
        return command

    return decorate


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def example_messages() -> list[dict]:
    """The key messages of the example campaign (data of the analysis package)."""
    from nlp.components.key_messages import load_message_set

    return load_message_set("bassin-minier")


def prepare(settings: Settings, *, sources_enabled: bool = True):
    """Open (create or upgrade) the database, then add the first admin and example if new."""
    from models.bootstrap import bootstrap_database
    from models.db import open_database

    engine, sessions = open_database(settings)
    done = bootstrap_database(
        engine,
        sessions,
        settings,
        sources_enabled=sources_enabled,
        key_messages=example_messages(),
    )
    if done.admin_created:
        password = done.admin_password or "(RETOMBEES_ADMIN_PASSWORD)"
        click.echo(
            f"Administrator created: log in as {settings.admin_user!r} with the password {password}"
        )
    if done.example_seeded:
        click.echo("Example campaign « Bassin minier Patrimoine mondial » set up with its sources.")
    return sessions
