"""The scheduler's jobs: whether the scheduler runs, each job's next run, last run and last
error (read from ``job_run`` and APScheduler's job table, see :mod:`models.job_run`)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models.job_run import job_overview, scheduler_state

from .auth import permission_required
from .session import db

bp = Blueprint("scheduler_jobs", __name__, url_prefix="/admin/jobs")

JOB_ORDER = ("crawl-due", "process", "mail", "housekeeping", "press-books")
JOB_LABELS = {
    "crawl-due": _l("Collect the sources that are due"),
    "process": _l("Analyse new clips"),
    "mail": _l("Digests and mail"),
    "housekeeping": _l("Housekeeping"),
    "press-books": _l("Monthly press books"),
}


def _schedules(settings) -> dict[str, str]:
    return {
        "crawl-due": _(
            "Every %(seconds)s s; each source at its own interval.",
            seconds=settings.source_check_interval,
        ),
        "process": _("Every %(seconds)s s.", seconds=settings.process_interval),
        "mail": _("Every minute."),
        "housekeeping": _("Every night: removes old page snapshots and background tasks."),
        "press-books": _("On the 1st of each month at 05:00 UTC."),
    }


@bp.get("/")
@permission_required("edit_sources")
def index():
    session = db()
    return render_template(
        "scheduler_jobs/index.html",
        state=scheduler_state(session),
        jobs=job_overview(session, JOB_ORDER),
        labels=JOB_LABELS,
        schedules=_schedules(current_app.extensions["retombees_settings"]),
    )
