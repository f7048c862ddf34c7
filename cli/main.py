"""The ``retombees`` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import click

from models.logs import configure_logging
from models.valuation import ValuationRules

from .backup import backup_command, restore_command
from .common import clear_errors, echo_json, prepare, settings_from_env
from .imports import import_command
from .mail import digest_command
from .pressbook import pressbook_command
from .registry import registry_command
from .report import report_command
from .understanding import analyze, evaluate, export_labels, rescore


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Retombées: media monitoring and press relations."""


for command in (
    import_command,
    analyze,
    evaluate,
    export_labels,
    rescore,
    report_command,
    registry_command,
    digest_command,
    pressbook_command,
    backup_command,
    restore_command,
):
    main.add_command(command)


@main.command("init-db")
@clear_errors
def init_db() -> None:
    """Create or upgrade the database; add the first administrator and the example."""
    settings = settings_from_env()
    prepare(settings)
    click.echo(f"Database ready: {settings.database_url}")


@main.command()
@click.option("--host", default=None, help="Address to listen on (default RETOMBEES_HOST).")
@click.option("--port", type=int, default=None, help="Port (default RETOMBEES_PORT).")
@clear_errors
def serve(host: str | None, port: int | None) -> None:
    """Serve the web interface (gunicorn), without the scheduler."""
    from webapp.server import serve as serve_web

    settings = settings_from_env()
    prepare(settings)
    serve_web(settings, host, port)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default RETOMBEES_HOST).")
@click.option("--port", type=int, default=None, help="Port (default RETOMBEES_PORT).")
@clear_errors
def run(host: str | None, port: int | None) -> None:
    """Prepare the database, start the scheduler process and serve the web interface."""
    from webapp.server import serve as serve_web

    settings = settings_from_env()
    prepare(settings)
    env = {**os.environ, **settings.to_env()}
    scheduler = subprocess.Popen([sys.executable, "-m", "scheduler"], env=env)
    click.echo(
        f"Scheduler started (pid {scheduler.pid}); interface on "
        f"http://{host or settings.host}:{port or settings.port}"
    )
    try:
        serve_web(settings, host, port)
    finally:
        scheduler.terminate()
        try:
            scheduler.wait(timeout=15)
        except subprocess.TimeoutExpired:
            scheduler.kill()


@main.command()
@click.option("--source", "source_ids", type=int, multiple=True, help="Source id (repeatable).")
@click.option(
    "--run-id", default=None, help="Join a crawl run shared through Redis by other processes."
)
@clear_errors
def crawl(source_ids: tuple[int, ...], run_id: str | None) -> None:
    """Crawl the enabled sources (or the given ones) in a child process."""
    from crawler.runner import crawl_in_child

    settings = settings_from_env()
    prepare(settings)
    try:
        stats = crawl_in_child(settings, list(source_ids) or None, run_id)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    echo_json(stats.as_json())


@main.command()
@click.option("--batch", type=int, default=None, help="Clips per batch (default from settings).")
@click.option("--max-batches", type=int, default=None, help="Stop after this many batches.")
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running: analyse clips as they arrive, waiting RETOMBEES_PROCESS_INTERVAL "
    "seconds when none is pending; stop cleanly on SIGTERM or Ctrl-C.",
)
@clear_errors
def process(batch: int | None, max_batches: int | None, watch: bool) -> None:
    """Analyse pending coverage and move it to the review inbox."""
    from nlp.job import process_pending, watch_pending
    from nlp.pipeline import load_pipeline

    settings = settings_from_env()
    configure_logging(settings.log_level)
    sessions = prepare(settings)
    rules = ValuationRules.from_settings(settings)
    if watch:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        click.echo(f"Analysing clips as they arrive (pid {os.getpid()}); SIGTERM stops.")
        batch_size, interval = batch or settings.process_batch, settings.process_interval
        stats = watch_pending(sessions, load_pipeline(), stop, batch_size, interval, rules)
    else:
        stats = process_pending(
            sessions, load_pipeline(), batch or settings.process_batch, max_batches, rules
        )
    echo_json(stats.as_json())


@main.command("create-user")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["admin", "officer", "agency", "management"]),
    default="officer",
    show_default=True,
)
@click.password_option(help="Password (asked when not given).")
@clear_errors
def create_user_command(username: str, role: str, password: str) -> None:
    """Create a user account."""
    from models.user import create_user

    settings = settings_from_env()
    sessions = prepare(settings)
    try:
        with sessions.begin() as session:
            create_user(session, username, password, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"User {username!r} created with the role {role}.")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
def extract(inputs: tuple[str, ...]) -> None:
    """Extract the article of pages (files or URLs), one JSON object per input."""
    from crawler.extract import ExtractionError, extract_page
    from crawler.fetch import FetchError, read_input

    settings = settings_from_env()
    failed = False
    for target in inputs:
        try:
            fetched = read_input(target, settings)
            page = extract_page(fetched.content, fetched.url, fetched.content_type)
        except (FetchError, ExtractionError) as exc:
            failed = True
            echo_json({"input": target, "error": str(exc)})
            continue
        data = page.as_json()
        echo_json(
            {
                "input": target,
                "url": data["url"],
                "title": data["title"],
                "text": data["text"],
                "published": data["published"],
                "author": data["author"],
                "language": data["language"],
                "medium_hints": data["medium_hints"],
            }
        )
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
def feed(inputs: tuple[str, ...]) -> None:
    """Read feeds (files or URLs), one JSON object per feed."""
    from crawler.feeds import parse_feed
    from crawler.fetch import FetchError, read_input

    settings = settings_from_env()
    unreadable = False
    for target in inputs:
        try:
            fetched = read_input(target, settings)
        except FetchError as exc:
            unreadable = True
            echo_json(
                {"input": target, "ok": False, "warning": None, "error": str(exc), "entries": []}
            )
            continue
        result = parse_feed(fetched.content, fetched.content_type, fetched.url)
        entries = [
            {
                key: entry.as_json()[key]
                for key in (
                    "title",
                    "url",
                    "published",
                    "summary",
                    "enclosure_type",
                    "duration_s",
                    "medium_hint",
                )
            }
            for entry in result.entries
        ]
        echo_json(
            {
                "input": target,
                "ok": result.ok,
                "warning": result.warning,
                "error": result.error,
                "entries": entries,
            }
        )
    sys.exit(1 if unreadable else 0)


@main.command()
@click.option("--port", type=int, default=None, help="Port of the interface (default 5000).")
@click.option("--site-port", type=int, default=0, help="Port of the sample site (default: any).")
@click.option("--no-serve", is_flag=True, help="Stop after crawling and analysing.")
@clear_errors
def demo(port: int | None, site_port: int, no_serve: bool) -> None:
    """Crawl and analyse a bundled sample site offline, then serve the interface."""
    from crawler.runner import crawl_in_child
    from models import CoverageStatus
    from models.campaign import campaign_by_slug
    from models.db import open_database
    from models.example import CAMPAIGN_SLUG
    from models.reports import campaign_tally
    from nlp.job import process_pending
    from nlp.pipeline import load_pipeline
    from webapp.server import serve as serve_web

    from .demo import start_demo

    setup = start_demo(settings_from_env(), site_port)
    settings = setup.settings
    click.echo(f"Sample site on {setup.site.base_url}/ ; database {settings.database_url}")
    if setup.bootstrap.admin_created:
        password = setup.bootstrap.admin_password or "(RETOMBEES_ADMIN_PASSWORD)"
        click.echo(f"Log in as {settings.admin_user!r} with the password {password}")
    try:
        crawled = crawl_in_child(settings, setup.source_ids)
        click.echo(f"Crawled {crawled.sources} sources: {crawled.stored} clips collected.")
        _engine, sessions = open_database(settings)
        processed = process_pending(
            sessions,
            load_pipeline(),
            settings.process_batch,
            rules=ValuationRules.from_settings(settings),
        )
        click.echo(
            f"Analysed {processed.processed} clips, {processed.relevant} about the territory."
        )
        with sessions() as session:
            campaign = campaign_by_slug(session, CAMPAIGN_SLUG)
            tally = campaign_tally(session, campaign.id, CoverageStatus.NEW, relevant_only=True)
        click.echo("Coverage about the territory, to review, by medium:")
        for medium, count in tally.by_medium.items():
            click.echo(f"  {medium:<8} {count}")
        click.echo(f"  {'total':<8} {tally.total}")
        if not no_serve:
            serve_web(settings, port=port, workers=1)
    finally:
        setup.site.stop()
