"""``retombees pressbook``: the press book of a campaign and/or a period, as PDF or DOCX."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

import click

from models.campaign import campaign_by_slug
from models.pressbook import FORMATS, ORDERS, BookOptions, PressBookError
from models.valuation import ValuationRules

from .common import clear_errors, echo_json, prepare, selection_options, settings_from_env


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _say_progress(enabled: bool):
    """Report each stage as a JSON line on standard output (read by the interface's task)."""

    def report(stage: str) -> None:
        if enabled:
            click.echo(json.dumps({"progress": stage}))
            sys.stdout.flush()

    return report


def build_press_book_file(
    campaign: str | None,
    options: dict,
    fmt: str,
    lang: str | None,
    output: str | None,
    quiet: bool,
    progress,
) -> dict:
    """Open the database, build the book and write it; return what was written."""
    from models.pressbook import build_press_book
    from webapp.pressbook_render import Look, file_name, render

    settings = settings_from_env()
    # First-run messages (administrator password) must not mix with the JSON lines.
    with contextlib.redirect_stdout(sys.stderr) if quiet else contextlib.nullcontext():
        sessions = prepare(settings)
    started = time.perf_counter()
    with sessions() as session:
        campaign_id = None
        if campaign:
            found = campaign_by_slug(session, campaign)
            if found is None:
                raise click.ClickException(f"No campaign has the slug {campaign!r}.")
            campaign_id = found.id
        try:
            book_options = BookOptions(campaign_id=campaign_id, **options)
            book = build_press_book(
                session, book_options, ValuationRules.from_settings(settings), progress
            )
        except PressBookError as exc:
            raise click.ClickException(str(exc)) from exc
        rendered = render(
            book, fmt, Look.from_settings(settings), lang or settings.language, progress
        )
        path = Path(output or file_name(book, fmt))
    progress("save")
    partial = path.with_name(f".{path.name}.part")
    try:
        partial.write_bytes(rendered.data)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"Cannot write {path}: {exc.strerror or exc}") from exc
    return {
        "file": str(path),
        "name": file_name(book, fmt),
        "format": fmt,
        "mimetype": rendered.mimetype,
        "bytes": len(rendered.data),
        "pages": rendered.pages,
        "entries": len(book.entries),
        "clips": book.clips,
        "seconds": round(time.perf_counter() - started, 2),
    }


@click.command("pressbook")
@selection_options("Clips of this review status; all = new, confirmed and rejected.")
@click.option(
    "--order",
    type=click.Choice(ORDERS),
    default="date",
    show_default=True,
    help="By date (a section per month), medium (per medium) or outlet (per outlet).",
)
@click.option(
    "--full-text",
    is_flag=True,
    help="Reproduce the text of print and broadcast clips: only if you hold the reproduction "
    "rights (e.g. a CFC licence). Web clips are always given by their link.",
)
@click.option("--title", default="", help="Title on the cover (default: Press review).")
@click.option(
    "--lang", type=click.Choice(["fr", "en"]), help="Language (default RETOMBEES_LANGUAGE)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="pdf or docx (default: from the output's extension, else pdf).",
)
@click.option(
    "--output", "-o", metavar="FILE", help="File to write (default: named after the book)."
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as one JSON object.")
@click.option("--progress", is_flag=True, hidden=True, help="Print each stage as a JSON line.")
def pressbook_command(
    campaign: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    status: str,
    order: str,
    full_text: bool,
    title: str,
    lang: str | None,
    fmt: str | None,
    output: str | None,
    as_json: bool,
    progress: bool,
) -> None:
    """Write the press book of a campaign and/or period: cover, contents, figures, clips."""
    if date_from and date_to and date_to < date_from:
        raise click.UsageError("--to is before --from.")
    if fmt is None:
        suffix = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in FORMATS else "pdf"
    options = {
        "date_from": _day(date_from),
        "date_to": _day(date_to),
        "status": status,
        "order": order,
        "full_text": full_text,
        "title": title,
    }
    written = clear_errors(build_press_book_file)(
        campaign, options, fmt, lang, output, as_json or progress, _say_progress(progress)
    )
    if as_json:
        echo_json(written)
    else:
        pages = f"{written['pages']} pages, " if written["pages"] else ""
        click.echo(
            f"Press book written to {written['file']}: {pages}{written['entries']} entries for "
            f"{written['clips']} clips, {written['bytes'] / 1e6:.1f} MB in {written['seconds']} s."
        )
