"""``retombees report``: the campaign totals the dashboard shows (see docs/valuation.md)."""

from __future__ import annotations

import contextlib
import sys
from datetime import date, datetime
from pathlib import Path

import click

from models import CoverageStatus
from models.campaign import campaign_by_slug
from models.reach import fmt
from models.reports import campaign_report
from models.valuation import ValuationRules

from .common import clear_errors, echo_json, prepare, selection_options, settings_from_env

LOCALES = ("fr", "en")  # the languages of webapp.management_report


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _eur(amount: float) -> str:
    return f"{amount:,.2f}".replace(",", " ")


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{fmt(share * 100, 1)} %"


def _table(report: dict) -> list[str]:
    """Write the report as plain-text tables for a terminal."""
    filters = report["filters"]
    scope = f"campaign {filters['campaign']}" if filters["campaign"] else "all campaigns"
    period = f"{filters['from'] or '…'} to {filters['to'] or '…'}"
    lines = [f"Coverage ({filters['status']}, {scope}, {period}): {report['total']} clips", ""]
    lines.append(f"{'medium':<10}{'clips':>7}{'reach':>15}{'AVE (EUR)':>16}")
    for medium, values in report["value_by_medium"].items():
        lines.append(
            f"{medium:<10}{values['total']:>7}{fmt(values['reach']):>15}"
            f"{_eur(values['ave_eur']):>16}"
        )
    lines.append(
        f"{'total':<10}{report['total']:>7}{fmt(report['reach']):>15}{_eur(report['ave_eur']):>16}"
    )
    lines += ["", f"Reach: {report['reach_note']}.", f"AVE: {report['ave_note']}.", ""]
    for title, key in (("month", "by_month"), ("scope", "by_scope")):
        lines.append(f"{'by ' + title:<14}{'clips':>7}{'reach':>15}{'AVE (EUR)':>16}")
        for name, values in report[key].items():
            lines.append(
                f"{name:<14}{values['total']:>7}{fmt(values['reach']):>15}"
                f"{_eur(values['ave_eur']):>16}"
            )
        lines.append("")
    size = report["size"]
    lines.append(
        f"Size: {fmt(size['press_pages'], 2)} print pages, {fmt(size['tv_seconds'])} s of TV, "
        f"{fmt(size['radio_seconds'])} s of radio"
    )
    penetration = report["message_penetration"]
    lines.append(
        f"Message penetration: {_percent(penetration['any'])} of clips carry a key message"
    )
    for label, values in penetration["by_message"].items():
        lines.append(f"  {label}: {_percent(values['share'])} ({values['clips']} clips)")
    tone = report["tone"]
    index = report["tone_index"]
    lines.append(
        f"Tone index: {'-' if index is None else f'{index:+.2f}'} ({tone['positive']} positive, "
        f"{tone['neutral']} neutral, {tone['negative']} negative, {tone['unknown']} unknown)"
    )
    prominence = report["prominence"]
    score = prominence["score"]
    lines.append(
        f"Prominence score: {'-' if score is None else f'{score:+.2f}'} (title "
        f"{prominence['title']}, lead {prominence['lead']}, body {prominence['body']}, "
        f"unknown {prominence['unknown']})"
    )
    sov = report["share_of_voice"]
    if sov:
        others = ", ".join(f"{b['slug']} {b['clips']}" for b in sov["benchmarks"])
        lines.append(
            f"Share of voice: {_percent(sov['share'])} of clips, {_percent(sov['share_of_reach'])}"
            f" of reach ({sov['campaign']['clips']} clips against {others})"
        )
    estimated = report["estimated_share"]
    lines.append(
        f"Resting on ESTIMATED figures: {_percent(estimated['reach'])} of the reach, "
        f"{_percent(estimated['ave'])} of the AVE"
    )
    if report["warnings"]:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in report["warnings"]]
    return lines


def _in_database(quiet: bool, work):
    """Open the database and return ``work(session, settings)``."""
    settings = settings_from_env()
    # First-run messages (administrator password) must not break the one JSON object.
    with contextlib.redirect_stdout(sys.stderr) if quiet else contextlib.nullcontext():
        sessions = prepare(settings)
    with sessions() as session:
        return work(session, settings)


def _campaign_ids(session, slugs: tuple[str | None, ...]) -> list[int | None]:
    ids = []
    for slug in slugs:
        if slug is None:
            ids.append(None)
            continue
        found = campaign_by_slug(session, slug)
        if found is None:
            raise click.ClickException(f"No campaign has the slug {slug!r}.")
        ids.append(found.id)
    return ids


def _status(status: str) -> CoverageStatus | None:
    return None if status == "all" else CoverageStatus(status)


def build_report(
    campaign: str | None,
    date_from: date | None,
    date_to: date | None,
    status: str,
    benchmarks: tuple[str, ...],
    quiet: bool,
) -> dict:
    """Open the database and compute the report for the command's options."""

    def work(session, settings) -> dict:
        ids = _campaign_ids(session, (campaign, *benchmarks))
        return campaign_report(
            session,
            ids[0],
            date_from,
            date_to,
            _status(status),
            ValuationRules.from_settings(settings),
            ids[1:],
        )

    return _in_database(quiet, work)


def build_workbook(
    campaign: str | None,
    date_from: date | None,
    date_to: date | None,
    status: str,
    benchmarks: tuple[str, ...],
    quiet: bool,
    locale: str | None,
):
    """The report (as :func:`build_report`) and the management workbook laid out from the same
    figures, in one session."""
    from webapp.management_report import management_report

    def work(session, settings):
        ids = _campaign_ids(session, (campaign, *benchmarks))
        rules = ValuationRules.from_settings(settings)
        report = campaign_report(
            session, ids[0], date_from, date_to, _status(status), rules, ids[1:]
        )
        workbook = management_report(
            session,
            ids[0],
            date_from,
            date_to,
            _status(status),
            rules,
            locale=locale or settings.language,
            organisation=settings.organisation_name,
        )
        return report, workbook

    return _in_database(quiet, work)


def _write_files(workbook, xlsx: Path | None, csv_dir: Path | None) -> list[str]:
    """Write the workbook and the CSV files; return what was written, for the user."""
    written = []
    try:
        if xlsx is not None:
            xlsx.write_bytes(workbook.xlsx())
            written.append(f"Workbook written: {xlsx}")
        if csv_dir is not None:
            csv_dir.mkdir(parents=True, exist_ok=True)
            for name, body in workbook.csv_files().items():
                (csv_dir / name).write_bytes(body)
                written.append(f"CSV written: {csv_dir / name}")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {exc.filename}: {exc.strerror}.") from exc
    return written


@click.command("report")
@selection_options("Review status counted; all = new, confirmed and rejected.")
@click.option(
    "--benchmark",
    "benchmarks",
    metavar="SLUG",
    multiple=True,
    help="Campaign to compare with for the share of voice (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--xlsx",
    "xlsx",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the management report workbook (summary, months, campaigns, rules) to FILE.",
)
@click.option(
    "--csv",
    "csv_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each sheet of the workbook as a CSV file (French Excel) in DIR.",
)
@click.option(
    "--lang",
    type=click.Choice(LOCALES),
    help="Language of the workbook and CSV files (default: RETOMBEES_LANGUAGE).",
)
def report_command(
    campaign: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    status: str,
    benchmarks: tuple[str, ...],
    as_json: bool,
    xlsx: Path | None,
    csv_dir: Path | None,
    lang: str | None,
) -> None:
    """Print a campaign's totals: clips by medium, month and scope, reach, AVE, AMEC metrics.

    With --xlsx or --csv, write them as the management report's tables instead (and print the
    JSON object too with --json).
    """
    if benchmarks and not campaign:
        raise click.UsageError("--benchmark needs --campaign.")
    if date_from and date_to and date_to < date_from:
        raise click.UsageError("--to is before --from.")
    arguments = (campaign, _day(date_from), _day(date_to), status, benchmarks, as_json)
    if xlsx is None and csv_dir is None:
        report = clear_errors(build_report)(*arguments)
        written = []
    else:
        report, workbook = clear_errors(build_workbook)(*arguments, lang)
        written = _write_files(workbook, xlsx, csv_dir)
    if as_json:
        echo_json(report)
        for line in written:
            click.echo(line, err=True)
    elif written:
        for line in written:
            click.echo(line)
    else:
        for line in _table(report):
            click.echo(line)
