"""Commands of the analysis: ``analyze``, ``evaluate``, ``labels``, ``rescore``."""

from __future__ import annotations

import json
import sys

import click

from .common import clear_errors, echo_json, prepare, settings_from_env


def _campaign_context(slug: str | None) -> dict:
    """Territory and key messages of a campaign, for analysing text outside the database."""
    if slug is None:
        return {}
    from models.campaign import campaign_by_slug

    sessions = prepare(settings_from_env())
    with sessions() as session:
        campaign = campaign_by_slug(session, slug)
        if campaign is None:
            raise click.ClickException(f"No campaign {slug!r}.")
        return {
            "territory": campaign.territory,
            "key_messages": [
                {"label": m.label, "phrasings": list(m.phrasings)} for m in campaign.key_messages
            ],
        }


def _inputs(stream, context: dict):
    from nlp.pipeline import ClipInput

    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise click.ClickException(
                f"line {number}: not a JSON object with a text ({exc})"
            ) from exc
        extra = {"url": row.get("url"), "outlet_name": row.get("outlet")}
        yield ClipInput(row.get("id", number), text, row.get("title") or "", {**context, **extra})


@click.command()
@click.option("--campaign", "slug", default=None, help="Campaign whose territory and messages.")
@click.option(
    "--jsonl",
    "source",
    type=click.File("r", encoding="utf-8"),
    required=True,
    help="JSON lines file ({id, text, url?, title?, outlet?}), or - for standard input.",
)
@clear_errors
def analyze(slug: str | None, source) -> None:
    """Analyse texts: one JSON line out per JSON line in."""
    from nlp.pipeline import analyze as run
    from nlp.pipeline import load_pipeline

    context = _campaign_context(slug)
    nlp = load_pipeline()
    batch = []
    for clip in _inputs(source, context):
        batch.append(clip)
        if len(batch) == 64:
            for result in run(nlp, batch, content_for_all=True):
                echo_json(result.as_json())
            batch = []
    for result in run(nlp, batch, content_for_all=True):
        echo_json(result.as_json())


@click.command()
@click.option("--component", "components", multiple=True, help="Only this component (repeatable).")
@click.option("--labels", "with_labels", is_flag=True, help="Also on the review's corrections.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON lines.")
@clear_errors
def evaluate(components: tuple[str, ...], with_labels: bool, as_json: bool) -> None:
    """Score each analysis component on labelled real text (precision, recall, F1)."""
    from nlp.evaluation.runner import format_table, labels_report, run_all
    from nlp.pipeline import load_pipeline

    nlp = load_pipeline()
    reports = run_all(nlp, list(components) or None)
    if with_labels:
        sessions = prepare(settings_from_env())
        with sessions() as session:
            reports += labels_report(session, nlp)
    if as_json:
        for report in reports:
            echo_json(report.as_json())
    else:
        click.echo(format_table(reports))


@click.command("labels")
@click.option("--task", default=None, help="Only this task (relevance, medium, key_message, tone).")
@clear_errors
def export_labels(task: str | None) -> None:
    """Export the review's corrections as a training set (JSON lines)."""
    from nlp.evaluation.runner import export_labels as rows

    sessions = prepare(settings_from_env())
    with sessions() as session:
        for row in rows(session):
            if task is None or row["task"] == task:
                echo_json(row)


@click.command()
@click.option("--campaign", "slug", required=True, help="Campaign to analyse again.")
@clear_errors
def rescore(slug: str) -> None:
    """Ask for a new analysis of a campaign's clips (done in the background by the scheduler)."""
    from models.campaign import campaign_by_slug
    from models.coverage import mark_campaign_stale

    sessions = prepare(settings_from_env())
    with sessions.begin() as session:
        campaign = campaign_by_slug(session, slug)
        if campaign is None:
            raise click.ClickException(f"No campaign {slug!r}.")
        marked = mark_campaign_stale(session, campaign.id)
    click.echo(f"{marked} clips of {slug} will be analysed again.", file=sys.stdout)
