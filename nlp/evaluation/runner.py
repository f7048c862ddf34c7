"""Run the evaluations present, evaluate on the press officer's corrections, export them.

An evaluation module is ``nlp/evaluation/<component>.py`` with ``evaluate(pipeline) -> Report``
(and, optionally, ``reports(pipeline) -> list[Report]`` when it has more than one labelled set or
a baseline to report). ``run_all`` imports the ones present among ``COMPONENTS`` and skips the
missing ones, so a component evaluates as soon as its module lands.

The press officer's corrections are ``models.label.Label`` rows: ``labels_report`` re-runs the
pipeline on each labelled clip and compares with the corrected value (tasks "relevance" and
"medium"); ``export_labels`` turns them into JSON lines for a training set.

Run: ``python -m nlp.evaluation.runner [--only territory medium …] [--json]``
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterable, Iterator

from spacy.language import Language
from sqlalchemy.orm import Session

from models.label import TASKS, Label, labels

from ..job import clip_context
from .report import Confusion, Report, Scores

COMPONENTS = ("territory", "medium", "key_messages", "quotes", "tone", "summary")
TRIAGE = ("retombees_territory", "retombees_medium")


def _module(name: str):
    """Import ``nlp.evaluation.<name>``, or return None when that module does not exist."""
    full = f"{__package__}.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        # Only the evaluation module itself may be missing; a missing dependency of a module
        # that exists is a real error and must surface.
        if exc.name == full:
            return None
        raise


def run_all(pipeline: Language, components: list[str] | None = None) -> list[Report]:
    """Run the evaluation of each component present (all of ``COMPONENTS`` by default).

    :raises ValueError: for a component name outside ``COMPONENTS``.
    """
    names = list(components) if components else list(COMPONENTS)
    unknown = [name for name in names if name not in COMPONENTS]
    if unknown:
        raise ValueError(f"unknown component {', '.join(unknown)}; known: {', '.join(COMPONENTS)}")
    reports: list[Report] = []
    for name in names:
        module = _module(name)
        if module is None:
            continue
        if hasattr(module, "reports"):
            reports.extend(module.reports(pipeline))
        else:
            reports.append(module.evaluate(pipeline))
    return reports


def _cells(report: Report) -> list[str]:
    scores, confusion = report.scores, report.confusion
    p = r = f1 = accuracy = ""
    if scores:
        p, r, f1 = (f"{v:.3f}" for v in (scores.precision, scores.recall, scores.f1))
    if confusion:
        accuracy = f"{confusion.accuracy:.3f}"
    return [report.component, report.dataset, str(report.examples), p, r, f1, accuracy]


def format_table(reports: Iterable[Report]) -> str:
    """Lay the reports out as a plain-text table, one row per report."""
    header = ["component", "dataset", "n", "P", "R", "F1", "accuracy"]
    rows = [header] + [_cells(report) for report in reports]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _latest(session: Session, tasks: tuple[str, ...]) -> list[Label]:
    """Return the latest label of each (clip, task): a later correction replaces an earlier one."""
    latest: dict[tuple[int, str], Label] = {}
    for label in labels(session):
        if label.task in tasks:
            latest[(label.coverage_id, label.task)] = label
    return sorted(latest.values(), key=lambda label: label.id)


def _analyse(pipeline: Language, clips: list) -> list:
    """Run the triage components on labelled clips, as the batch job prepares them."""
    docs = []
    for clip in clips:
        doc = pipeline.make_doc("\n\n".join(filter(None, (clip.title, clip.text or clip.summary))))
        doc._.retombees_context = {"title": clip.title, **clip_context(clip)}
        docs.append(doc)
    with pipeline.select_pipes(enable=[p for p in TRIAGE if p in pipeline.pipe_names]):
        return list(pipeline.pipe(docs))


def labels_report(session: Session, pipeline: Language) -> list[Report]:
    """Evaluate the pipeline on the press officer's relevance and medium corrections."""
    chosen = _latest(session, ("relevance", "medium"))
    docs = _analyse(pipeline, [label.coverage for label in chosen])
    relevance, agreed_relevance = Scores(), 0
    medium, agreed_medium = Confusion(), 0
    for label, doc in zip(chosen, docs, strict=True):
        if label.task == "relevance":
            expected = bool(label.value.get("relevant"))
            relevance.add(bool(doc._.retombees_relevant), expected)
            agreed_relevance += label.predicted.get("relevant") == expected
        else:
            expected = label.value.get("medium")
            medium.add(doc._.retombees_medium, expected)
            agreed_medium += label.predicted.get("medium") == expected
    n_relevance = relevance.tp + relevance.fp + relevance.fn + relevance.tn
    return [
        Report(
            "retombees_territory",
            "labels",
            n_relevance,
            scores=relevance,
            notes=[f"the analysis at labelling time agreed on {agreed_relevance}"],
        ),
        Report(
            "retombees_medium",
            "labels",
            medium.total,
            confusion=medium,
            notes=[f"the analysis at labelling time agreed on {agreed_medium}"],
        ),
    ]


def export_labels(session: Session) -> Iterator[dict]:
    """Yield one training example per labelled clip and task (its latest label)."""
    for label in _latest(session, tuple(TASKS)):
        clip = label.coverage
        yield {
            "task": label.task,
            "value": label.value,
            "predicted": label.predicted,
            "text": clip.text or clip.summary or "",
            "title": clip.title or "",
            "url": clip.url,
            "outlet": clip.outlet.name if clip.outlet else None,
        }


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation table (or the reports as JSON lines)."""
    from ..pipeline import load_pipeline

    parser = argparse.ArgumentParser(prog="python -m nlp.evaluation.runner")
    parser.add_argument("--only", nargs="+", choices=COMPONENTS, help="components to evaluate")
    parser.add_argument("--json", action="store_true", help="one JSON report per line")
    args = parser.parse_args(argv)
    pipeline = load_pipeline()
    reports: list[Report] = []
    failed = []
    for name in args.only or COMPONENTS:
        # One broken evaluation must not hide the others' numbers; it is reported and fails
        # the command.
        try:
            reports += run_all(pipeline, [name])
        except Exception as exc:
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    if args.json:
        for report in reports:
            print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print(format_table(reports))
        for report in reports:
            for note in report.notes:
                print(f"[{report.component} · {report.dataset}] {note}")
    for failure in failed:
        print(f"evaluation failed: {failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
