"""``retombees registry``: export, import and apply the outlet registry (docs/valuation.md)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from models.campaign import campaign_by_slug
from models.registry import RegistryError
from models.registry_io import export_registry, import_registry
from models.valuation import ValuationRules, revalue

from .common import clear_errors, echo_json, prepare, settings_from_env


def _sessions(quiet: bool = False):
    settings = settings_from_env()
    # First-run messages (administrator password) must not break the one JSON object.
    with contextlib.redirect_stdout(sys.stderr) if quiet else contextlib.nullcontext():
        return settings, prepare(settings)


@click.group("registry")
def registry_command() -> None:
    """Outlets, audiences and rate cards: export to CSV, import from CSV, value clips again."""


@registry_command.command("export")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@clear_errors
def export_command(path: Path) -> None:
    """Write every outlet and its rate cards to a CSV file (one row per rate card)."""
    _settings, sessions = _sessions()
    with sessions() as session:
        rows = export_registry(session, path)
    click.echo(f"{rows} rows written to {path}")


@registry_command.command("import")
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--prune", is_flag=True, help="Remove the rate cards the file no longer lists.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@clear_errors
def import_command(path: Path, prune: bool, dry_run: bool, as_json: bool) -> None:
    """Add or update outlets and rate cards from a CSV file, then value the clips again."""
    settings, sessions = _sessions(as_json)
    with sessions() as session:
        try:
            changes = import_registry(session, path, prune=prune)
        except RegistryError as exc:
            raise click.ClickException(str(exc)) from exc
        revalued = 0
        if changes.changed and not dry_run:
            # Audiences and rates feed the stored values: recompute them in the same commit.
            revalued = revalue(session, ValuationRules.from_settings(settings))
        if dry_run:
            session.rollback()
        else:
            session.commit()
    if as_json:
        echo_json({**changes.as_json(), "dry_run": dry_run, "revalued": revalued})
        return
    for line in changes.lines():
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing written")
    elif revalued:
        click.echo(f"{revalued} clip{'s' if revalued != 1 else ''} valued again")


@registry_command.command("revalue")
@click.option("--campaign", metavar="SLUG", help="Only this campaign and its sub-campaigns.")
@clear_errors
def revalue_command(campaign: str | None) -> None:
    """Compute again the reach and AVE stored on clips (after a registry or rule change)."""
    settings, sessions = _sessions()
    with sessions.begin() as session:
        campaign_id = None
        if campaign:
            found = campaign_by_slug(session, campaign)
            if found is None:
                raise click.ClickException(f"No campaign has the slug {campaign!r}.")
            campaign_id = found.id
        count = revalue(session, ValuationRules.from_settings(settings), campaign_id)
    click.echo(f"{count} clip{'s' if count != 1 else ''} valued again")
