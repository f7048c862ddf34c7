"""``retombees import``: coverage rows from a CSV or XLSX file (see docs/import.md)."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from models.importer import (
    ImportConflictError,
    ImportFileError,
    ImportReport,
    RowStatus,
    import_table,
    read_table,
)
from models.valuation import ValuationRules

from .common import clear_errors, prepare, settings_from_env


def _summary(report: ImportReport) -> list[str]:
    counts = (
        f"imported {report.count(RowStatus.IMPORTED)}, "
        f"already there {report.count(RowStatus.ALREADY)}, "
        f"invalid {report.count(RowStatus.INVALID)}"
    )
    lines = []
    if report.dry_run:
        lines.append(
            f"dry run, nothing written: would import {report.count(RowStatus.WOULD_IMPORT)}"
        )
    elif report.blocked:
        lines.append("nothing imported: fix the invalid rows, or use --skip-invalid")
    lines.append(counts)
    created = "to review" if report.written else "to review, not created yet"
    if report.new_outlets:
        lines.append(f"new outlets ({created}): {', '.join(report.new_outlets)}")
    if report.new_campaigns:
        lines.append(f"new campaigns ({created}): {', '.join(report.new_campaigns)}")
    if report.ignored_columns:
        lines.append(f"ignored columns: {', '.join(report.ignored_columns)}")
    return lines


def _run(path: Path, dry_run: bool, skip_invalid: bool, as_json: bool) -> ImportReport:
    try:
        table = read_table(path)  # before opening the database: a bad file changes nothing
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = settings_from_env()
    # First-run messages (administrator password) must not break the one JSON object.
    with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
        sessions = prepare(settings)
    try:
        with sessions.begin() as session:
            return import_table(
                session,
                table,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                rules=ValuationRules.from_settings(settings),
            )
    except ImportConflictError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("import")
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, report the others.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def import_command(path: Path, dry_run: bool, skip_invalid: bool, as_json: bool) -> None:
    """Import coverage rows from a .csv or .xlsx file (columns: docs/import.md)."""
    report = clear_errors(_run)(path, dry_run, skip_invalid, as_json)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        for row in report.rows:
            click.echo(f"row {row.row}: {row.message}")
        for line in _summary(report):
            click.echo(line)
    sys.exit(1 if report.blocked else 0)
