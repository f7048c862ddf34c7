"""Long work started from the interface, run as background tasks (see ``background``).

Collecting and analysing run in a child process through the ``retombees`` command, as the
scheduler's jobs do: the web process imports neither Scrapy nor spaCy, and a crash of the child
fails the task, not the web worker.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from models import Campaign, Coverage, CoverageStatus, Medium, Scope, Tone
from models.coverage import mark_campaign_stale, stale_count
from models.search import MAX_PER_PAGE, CoverageFilters, search_coverage

from .background import Progress, task_kind
from .exports import Kind, to_xlsx

EXPORT_LIMIT = 50_000  # clips in one export file
POLL_SECONDS = 1.0


class CommandFailed(RuntimeError):
    """A ``retombees`` child command failed; the message is its last error line."""


def _command(args: list[str]) -> subprocess.Popen:
    settings = current_app.extensions["retombees_settings"]
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        env={**os.environ, **settings.to_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(child: subprocess.Popen, timeout: float) -> dict:
    """Wait for a child command and return the JSON object it printed last."""
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise CommandFailed(
            _("Stopped: it ran past %(seconds)s s.", seconds=int(timeout))
        ) from None
    if child.returncode != 0:
        lines = [line for line in err.strip().splitlines() if line.strip()]
        raise CommandFailed(lines[-1] if lines else f"exit status {child.returncode}")
    start = out.rfind("\n{")
    return json.loads(out[start + 1 :] if start >= 0 else out)


@task_kind("crawl")
def crawl(session: Session, progress: Progress, params: dict) -> dict:
    """Collect some sources (all enabled ones without ``source_ids``) now."""
    settings = current_app.extensions["retombees_settings"]
    args = ["crawl"]
    for source_id in params.get("source_ids") or []:
        args += ["--source", str(source_id)]
    progress(0, None, _("Collecting…"))
    stats = _finish(_command(args), settings.crawl_timeout + 120)
    stored = int(stats.get("stored", 0))
    progress(1, 1, _("%(num)s new clips stored; they are analysed within minutes.", num=stored))
    return {"stats": stats, "link": "/sources/"}


def _stale_left(session: Session, campaign_id: int) -> int:
    session.expire_all()  # the child process analyses the clips: read them afresh
    return stale_count(session, campaign_id)


@task_kind("reanalyse")
def reanalyse(session: Session, progress: Progress, params: dict) -> dict:
    """Analyse a campaign's clips again (after its messages or territory changed), now."""
    campaign = session.get(Campaign, params["campaign_id"])
    if campaign is None:
        raise ValueError(_("This campaign no longer exists."))
    total = mark_campaign_stale(session, campaign.id)
    session.commit()
    progress(0, total, _("%(num)s clips to analyse again.", num=total))
    child = _command(["process"])
    while child.poll() is None:
        time.sleep(POLL_SECONDS)
        left = _stale_left(session, campaign.id)
        progress(
            total - left,
            total,
            _("%(done)s of %(total)s clips analysed.", done=total - left, total=total),
        )
    _finish(child, 60)
    left = _stale_left(session, campaign.id)
    progress(
        total - left,
        total,
        _("%(done)s of %(total)s clips analysed.", done=total - left, total=total),
    )
    return {"clips": total, "left": left, "link": f"/campaigns/{campaign.slug}"}


def filters_to_params(filters: CoverageFilters, sort: str | None) -> dict:
    """A search's filters as JSON-able task parameters."""
    values = dataclasses.asdict(filters)
    for name, value in values.items():
        if isinstance(value, date):
            values[name] = value.isoformat()
        elif hasattr(value, "value"):
            values[name] = value.value
    return {"filters": values, "sort": sort}


ENUMS = {"medium": Medium, "scope": Scope, "tone": Tone}


def _filters(params: dict) -> CoverageFilters:
    """The search filters back from task parameters."""
    values = dict(params["filters"])
    for name in ("date_from", "date_to"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    for name, enum_type in ENUMS.items():
        if values.get(name):
            values[name] = enum_type(values[name])
    return CoverageFilters(**values)


EXPORT_COLUMNS = (
    (_l("Date"), Kind.TEXT),
    (_l("Outlet"), Kind.TEXT),
    (_l("Medium"), Kind.TEXT),
    (_l("Title"), Kind.TEXT),
    (_l("Author"), Kind.TEXT),
    (_l("Status"), Kind.TEXT),
    (_l("Tone"), Kind.TEXT),
    (_l("Reach"), Kind.INTEGER),
    (_l("AVE (EUR)"), Kind.EUROS),
    (_l("Address"), Kind.TEXT),
)


def _row(clip: Coverage) -> list:
    ave = clip.ave_override_eur if clip.ave_override_eur is not None else clip.ave_eur
    return [
        clip.published_at.date().isoformat() if clip.published_at else "",
        clip.outlet.name if clip.outlet else "",
        clip.medium.value if clip.medium else "",
        clip.title,
        clip.author or "",
        clip.status.value if isinstance(clip.status, CoverageStatus) else str(clip.status),
        clip.tone.value if clip.tone else "",
        clip.reach,
        ave,
        clip.url or "",
    ]


@task_kind("export_clips")
def export_clips(session: Session, progress: Progress, params: dict) -> dict:
    """Write the clips a search finds (up to ``EXPORT_LIMIT``) to an XLSX workbook."""
    filters, sort = _filters(params), params.get("sort")
    rows: list[list] = []
    page, total = 1, None
    while True:
        result = search_coverage(
            session, filters, page, MAX_PER_PAGE, sort, exact_count=total is None
        )
        total = min(result.total, EXPORT_LIMIT) if total is None else total
        rows += [_row(clip) for clip in result.items]
        progress(
            len(rows), total, _("%(done)s of %(total)s clips written.", done=len(rows), total=total)
        )
        if not result.has_next or len(rows) >= EXPORT_LIMIT:
            break
        page += 1
    headers = [str(name) for name, _kind in EXPORT_COLUMNS]
    data = to_xlsx(_("Coverage"), headers, rows[:EXPORT_LIMIT], [k for _n, k in EXPORT_COLUMNS])
    progress.attach_file(
        f"retombees-{date.today().isoformat()}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        data,
    )
    return {"clips": len(rows[:EXPORT_LIMIT]), "truncated": len(rows) > EXPORT_LIMIT}
