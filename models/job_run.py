"""What the scheduler's jobs did last: written by the scheduler process, read by the interface.

APScheduler's job store keeps when each job runs next; this table keeps when it last ran, how
it ended and its last error, one row per job id. The row ``scheduler`` is the scheduler itself:
when it started, its heartbeat (``last_finished_at``, every minute) and whether it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, Text, column, inspect, select, table
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, utcnow

# The table APScheduler's SQLAlchemyJobStore creates and keeps (not a model: Alembic ignores it).
JOB_STORE_TABLE = "apscheduler_jobs"
SCHEDULER = "scheduler"  # job_id of the scheduler's own row
HEARTBEAT_SECONDS = 60
# Past this without a heartbeat, a scheduler that did not say it stopped is taken for dead.
STALE_AFTER = timedelta(minutes=5)
ERROR_LENGTH = 2000


class JobRun(Base):
    __tablename__ = "job_run"

    job_id: Mapped[str] = mapped_column(String(191), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(20))  # ok, error, missed
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)

    @property
    def running(self) -> bool:
        """Started and not finished since (as far as the row knows)."""
        return self.last_started_at is not None and (
            self.last_finished_at is None or self.last_finished_at < self.last_started_at
        )


def is_job_store_object(obj, name: str | None, type_: str) -> bool:
    """Tell whether an object that Alembic compares belongs to APScheduler's job store."""
    if type_ == "table":
        return name == JOB_STORE_TABLE
    owner = getattr(obj, "table", None)
    return getattr(owner, "name", None) == JOB_STORE_TABLE


def _row(session: Session, job_id: str, name: str | None = None) -> JobRun:
    row = session.get(JobRun, job_id)
    if row is None:
        row = JobRun(job_id=job_id, name=name or job_id, runs=0, failures=0)
        session.add(row)
    elif name:
        row.name = name
    return row


def record_start(session: Session, job_id: str, name: str, now: datetime | None = None) -> None:
    row = _row(session, job_id, name)
    row.last_started_at = now or utcnow()
    row.runs += 1


def record_end(
    session: Session, job_id: str, error: str | None = None, now: datetime | None = None
) -> None:
    """Record how a run ended: ``error`` is None when it went well."""
    now = now or utcnow()
    row = _row(session, job_id)
    row.last_finished_at = now
    if error is None:
        row.last_status = "ok"
    else:
        row.last_status = "error"
        row.last_error = error[:ERROR_LENGTH]
        row.last_error_at = now
        row.failures += 1


def record_missed(session: Session, job_id: str, name: str) -> None:
    """A run was skipped: it came too late after its time (the scheduler was stopped)."""
    _row(session, job_id, name).last_status = "missed"


def interrupted_runs(session: Session) -> set[str]:
    """The jobs whose last run started and never ended: the scheduler running it was killed.
    Only meaningful to the scheduler holding the lock (no other one can be running them)."""
    rows = session.scalars(select(JobRun).where(JobRun.job_id != SCHEDULER))
    return {row.job_id for row in rows if row.running}


def scheduler_started(session: Session, now: datetime | None = None) -> None:
    now = now or utcnow()
    row = _row(session, SCHEDULER, "Scheduler")
    row.last_started_at = row.last_finished_at = now
    row.last_status = "running"
    row.runs += 1


def scheduler_beat(session: Session, now: datetime | None = None) -> None:
    row = _row(session, SCHEDULER, "Scheduler")
    row.last_finished_at = now or utcnow()
    row.last_status = "running"


def scheduler_stopped(session: Session, now: datetime | None = None) -> None:
    row = _row(session, SCHEDULER, "Scheduler")
    row.last_finished_at = now or utcnow()
    row.last_status = "stopped"


# -- Reading, for the interface ---------------------------------------------------------------


@dataclass(frozen=True)
class SchedulerState:
    """``state``: never (no scheduler ever started on this database), running, stopped (it
    said so) or silent (no heartbeat for ``STALE_AFTER``: it died or hangs)."""

    state: str
    started_at: datetime | None = None
    last_seen_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"


def scheduler_state(session: Session, now: datetime | None = None) -> SchedulerState:
    row = session.get(JobRun, SCHEDULER)
    if row is None or row.last_started_at is None:
        return SchedulerState("never")
    seen = row.last_finished_at or row.last_started_at
    if row.last_status == "stopped":
        state = "stopped"
    elif (now or utcnow()) - seen > STALE_AFTER:
        state = "silent"
    else:
        state = "running"
    return SchedulerState(state, row.last_started_at, seen)


def next_run_times(session: Session) -> dict[str, datetime | None] | None:
    """When each stored job runs next (None: paused), read from APScheduler's table without
    unpickling the jobs; None when the table does not exist (no scheduler ever started)."""
    if not inspect(session.connection()).has_table(JOB_STORE_TABLE):
        return None
    jobs = table(JOB_STORE_TABLE, column("id"), column("next_run_time"))
    return {
        job_id: datetime.fromtimestamp(when, UTC) if when is not None else None
        for job_id, when in session.execute(select(jobs.c.id, jobs.c.next_run_time))
    }


@dataclass(frozen=True)
class JobOverview:
    job_id: str
    name: str
    scheduled: bool  # in the job store
    next_run_at: datetime | None
    run: JobRun | None


def job_overview(session: Session, order: tuple[str, ...] = ()) -> list[JobOverview]:
    """Every job known to the job store or to ``job_run`` (the scheduler's own row apart),
    the ids of ``order`` first in that order, then the others by id."""
    runs = {row.job_id: row for row in session.scalars(select(JobRun))}
    runs.pop(SCHEDULER, None)
    planned = next_run_times(session) or {}
    ids = set(runs) | set(planned)
    rank = {job_id: i for i, job_id in enumerate(order)}
    return [
        JobOverview(
            job_id,
            runs[job_id].name if job_id in runs else job_id,
            job_id in planned,
            planned.get(job_id),
            runs.get(job_id),
        )
        for job_id in sorted(ids, key=lambda i: (rank.get(i, len(rank)), i))
    ]
