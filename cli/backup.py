"""``retombees backup`` and ``retombees restore``: the database in one file, and back."""

from __future__ import annotations

from pathlib import Path

import click

from models.backup import BackupError, backup_database, human_size, plural, restore_database

from .common import clear_errors, settings_from_env


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=True, path_type=Path))
@clear_errors
def backup_command(path: Path | None) -> None:
    """Write a consistent copy of the database (safe while the app runs).

    PATH defaults to INSTANCE_PATH/backups/retombees-YYYYmmdd-HHMMSS.sqlite (SQLite) or .dump
    (PostgreSQL, pg_dump's custom format); a folder receives that file name.
    """
    settings = settings_from_env()
    try:
        result = backup_database(settings, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backup written: {result.path} ({human_size(result.size)}, {plural(result.clips, 'clip')})"
    )


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds clips or users.")
@clear_errors
def restore_command(path: Path, force: bool) -> None:
    """Restore a backup into the configured database, then upgrade it to the current schema.

    Stop the web interface and the scheduler first.
    """
    settings = settings_from_env()
    try:
        result = restore_database(settings, path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    upgraded = (
        f" (upgraded from {result.backup_revision})"
        if result.backup_revision and result.backup_revision != result.revision
        else ""
    )
    click.echo(
        f"Restored {path} into {result.database}: revision {result.revision}{upgraded}, "
        f"{plural(result.clips, 'clip')}, {plural(result.users, 'user')}."
    )
