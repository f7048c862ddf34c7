"""The scheduler process: crawls each source when it is due, analyses pending coverage, queues
and sends mail, and keeps the database tidy.

One scheduler per deployment, in its own process (``python -m scheduler`` or beside the web
server with ``retombees run``); it is the one place that wires crawler/ and nlp/ together.

- Its schedule lives in the application database (APScheduler's job store, table
  ``apscheduler_jobs``): a restart keeps each job's next run, and runs missed while it was
  stopped happen once, right after the restart.
- A lock lets only one scheduler run per database: a PostgreSQL advisory lock held on its own
  connection, or a file lock beside the SQLite database. A second scheduler refuses to start,
  with a message and exit status 1.
- Every run is recorded in ``job_run`` (last run, outcome, last error), with a heartbeat of the
  scheduler itself every minute; the interface shows them on /admin/jobs.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from models import Settings, utcnow
from models.db import DatabaseError, open_database
from models.job_run import (
    HEARTBEAT_SECONDS,
    JOB_STORE_TABLE,
    interrupted_runs,
    record_end,
    record_missed,
    record_start,
    scheduler_beat,
    scheduler_started,
    scheduler_stopped,
)
from models.logs import configure_logging
from models.manual import clips_to_fetch
from models.scheduler_lock import SchedulerLock, SchedulerLocked  # noqa: F401  (one API)
from models.source import due_sources
from models.valuation import ValuationRules

log = logging.getLogger("retombees.scheduler")

# The stored jobs name their function by this text, so that they unpickle in a later process.
RUN_JOB = "scheduler:run_job"


class Jobs:
    """The scheduler's jobs; each one is a plain call that the CLI offers too."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine, self.sessions = open_database(settings)
        self._nlp = None

    def crawl_due(self) -> None:
        """Crawl, in a child process, the sources that are due and the clips added by address."""
        from crawler.runner import crawl_in_child

        with self.sessions() as session:
            ids = [s.id for s in due_sources(session, utcnow())]
            to_fetch = len(clips_to_fetch(session))
        if not ids and not to_fetch:
            return
        log.info("crawling %d due sources and %d clips added by address", len(ids), to_fetch)
        processes = self.settings.crawl_processes if self.settings.redis_url and ids else 1
        if processes <= 1:
            log.info("crawl done: %s", crawl_in_child(self.settings, ids, sources=bool(ids)))
            return
        # Several crawlers join one run: they share its Redis request queue and duplicate
        # filter, so each page is fetched once, by whichever process takes it.
        run_id = uuid.uuid4().hex
        with ThreadPoolExecutor(processes) as pool:
            runs = [
                pool.submit(crawl_in_child, self.settings, ids, run_id) for _ in range(processes)
            ]
            for number, run in enumerate(runs, 1):
                log.info(
                    "crawl %s, process %d of %d done: %s", run_id, number, processes, run.result()
                )

    def process(self) -> None:
        """Analyse pending coverage (the spaCy pipeline stays loaded between runs)."""
        from nlp.job import process_pending
        from nlp.pipeline import load_pipeline

        if self._nlp is None:
            self._nlp = load_pipeline()
        stats = process_pending(
            self.sessions,
            self._nlp,
            self.settings.process_batch,
            rules=ValuationRules.from_settings(self.settings),
        )
        if stats.processed:
            log.info("analysed %d clips, %d relevant", stats.processed, stats.relevant)
            self.suggest_attributions()

    def suggest_attributions(self) -> None:
        """Point new clips at the press actions that may have produced them."""
        from models.attribution import suggest_for_open_actions

        with self.sessions.begin() as session:
            found = suggest_for_open_actions(session)
        if found:
            log.info("%d clips suggested for open press actions", found)

    def mail(self) -> None:
        """Queue the digests that are due, then send the mail waiting in the outbox."""
        from models.digest import queue_due_digests
        from models.mailer import deliver_pending

        now = utcnow()
        with self.sessions.begin() as session:
            queued = queue_due_digests(session, self.settings, now)
        if queued:
            log.info("digests queued: %s", queued)
        with self.sessions() as session:  # commits after each message itself
            stats = deliver_pending(session, self.settings, now)
        if stats.sent or stats.failed:
            log.info("mail delivered: %s", stats.as_json())

    def housekeeping(self) -> None:
        """Drop evidence snapshots past their retention period, and old background tasks."""
        from models.snapshots import purge_snapshots
        from models.task import TASK_RETENTION, purge_tasks

        with self.sessions.begin() as session:
            purged = purge_snapshots(session, self.settings.snapshot_days)
            tasks = purge_tasks(session)
        if purged:
            log.info("removed %d snapshots older than %d days", purged, self.settings.snapshot_days)
        if tasks:
            log.info("removed %d tasks older than %d days", tasks, TASK_RETENTION.days)

    def monthly_press_books(self, now: datetime | None = None) -> None:
        """Build last month's press book (PDF, confirmed clips by date) of each top-level
        campaign with confirmed clips that month, as an ownerless task every user who exports
        may download. A book already built is not built again; a failed one is kept as a failed
        task, the others go on, and the job fails at the end."""
        from models import Task, TaskStatus
        from models.pressbook import (
            TASK_KIND,
            campaigns_for_monthly_books,
            previous_month,
            scheduled_press_book,
        )
        from models.pressbook_command import build_in_child

        date_from, date_to = previous_month(now or utcnow())
        month = date_from.strftime("%Y-%m")
        with self.sessions.begin() as session:
            to_build = [
                (campaign.id, campaign.slug, campaign.name)
                for campaign in campaigns_for_monthly_books(session, date_from, date_to)
                if scheduled_press_book(session, campaign.id, month) is None
            ]
        failed = []
        for campaign_id, slug, name in to_build:
            params = {
                "campaign": slug,
                "campaign_id": campaign_id,
                "date_from": date_from.isoformat(),
                "date_to": date_to.isoformat(),
                "status": "confirmed",
                "order": "date",
                "format": "pdf",
                "scheduled": month,
            }
            started = utcnow()
            with self.sessions.begin() as session:
                task = Task(
                    kind=TASK_KIND,
                    title=self._press_book_title(name, date_from),
                    params=params,
                    status=TaskStatus.RUNNING,
                    started_at=started,
                    heartbeat_at=started,
                )
                session.add(task)
                session.flush()
                task_id = task.id
            try:
                book = build_in_child(self.settings, params)
            except Exception as exc:
                log.warning("the %s press book of %s failed: %s", month, slug, exc)
                failed.append(f"{slug}: {exc}")
                with self.sessions.begin() as session:
                    task = session.get(Task, task_id)
                    task.status = TaskStatus.FAILED
                    task.error = str(exc)
                    task.finished_at = utcnow()
                continue
            with self.sessions.begin() as session:
                task = session.get(Task, task_id)
                task.status = TaskStatus.DONE
                task.file_name = book.name
                task.file_type = "application/pdf"
                task.file_data = book.data
                task.result = book.result
                task.done = task.total = 1
                task.finished_at = utcnow()
            log.info("the %s press book of %s is built (%d bytes)", month, slug, len(book.data))
        if failed:
            raise RuntimeError(
                f"{len(failed)} of {len(to_build)} press books for {month} failed: "
                + "; ".join(failed)
            )

    def _press_book_title(self, campaign: str, month: date) -> str:
        """ "Press book: <campaign>, <month year>" in the deployment's language."""
        from babel.dates import format_date

        from models.catalogue import translations

        language = self.settings.language
        subject = f"{campaign}, {format_date(month, 'LLLL yyyy', locale=language)}"
        return translations(language).gettext("Press book: %(subject)s") % {"subject": subject}


@dataclass(frozen=True)
class JobDefinition:
    """One scheduled job: ``method`` of :class:`Jobs`, run on ``trigger``."""

    id: str
    name: str
    method: str
    trigger: BaseTrigger
    period: int  # seconds between two runs
    run_at_first_start: bool = False

    @property
    def grace(self) -> int:
        """Seconds a run may start late (missed runs are coalesced into the latest one, which
        is always less than one period late): a restart runs what was missed, once."""
        return self.period + 60


def job_definitions(settings: Settings) -> list[JobDefinition]:
    return [
        # Each source keeps its own interval and backoff (see models.source.due_sources).
        JobDefinition(
            "crawl-due",
            "Crawl due sources",
            "crawl_due",
            IntervalTrigger(seconds=settings.source_check_interval, timezone=UTC),
            settings.source_check_interval,
            run_at_first_start=True,
        ),
        JobDefinition(
            "process",
            "Analyse pending coverage",
            "process",
            IntervalTrigger(seconds=settings.process_interval, timezone=UTC),
            settings.process_interval,
            run_at_first_start=True,
        ),
        JobDefinition(
            "mail",
            "Queue digests and send mail",
            "mail",
            IntervalTrigger(minutes=1, timezone=UTC),
            60,
        ),
        JobDefinition(
            "housekeeping",
            "Housekeeping",
            "housekeeping",
            CronTrigger(hour=3, minute=15, timezone=UTC),
            24 * 3600,
        ),
        # Last month's press book of each top-level campaign (see Jobs.monthly_press_books).
        JobDefinition(
            "press-books",
            "Monthly press books",
            "monthly_press_books",
            CronTrigger(day=1, hour=5, minute=0, timezone=UTC),
            28 * 24 * 3600,
        ),
    ]


# -- The scheduler ----------------------------------------------------------------------------


class StoppingScheduler(BackgroundScheduler):
    """APScheduler 3 looks for due jobs once more after ``shutdown`` (or while a wait for
    running jobs lasts): a job due then fails to start, yet its next run moves on and its run
    is lost. Here only a running scheduler looks; the run happens after the restart instead."""

    def _process_jobs(self):
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


_running: Scheduler | None = None  # the scheduler started in this process


def run_job(job_id: str) -> None:
    """Run the job ``job_id`` of this process's scheduler (the function every stored job
    names, see ``RUN_JOB``)."""
    scheduler = _running
    if scheduler is None:
        raise RuntimeError("no scheduler is running in this process")
    scheduler.run(job_id)


class Scheduler:
    """The jobs of :func:`job_definitions` on a persistent APScheduler, under the lock.

    ``start`` refuses with :class:`SchedulerLocked` while another scheduler runs; ``shutdown``
    waits for the running jobs and releases the lock. One per process.
    """

    def __init__(self, settings: Settings, jobs: Jobs | None = None):
        self.settings = settings
        self.jobs = jobs
        self.definitions = {d.id: d for d in job_definitions(settings)}
        self.lock = SchedulerLock(settings)
        self.stop_requested = threading.Event()  # set when the lock was lost to another one
        self.aps: StoppingScheduler | None = None
        self._lost = False

    def start(self) -> None:
        """Take the lock, bring the stored schedule up to date and start running jobs.

        :raises SchedulerLocked: when another scheduler runs for this database.
        """
        global _running
        self.lock.acquire()
        try:
            if _running is not None:
                raise RuntimeError("a scheduler is already running in this process")
            if self.jobs is None:
                self.jobs = Jobs(self.settings)
            store = SQLAlchemyJobStore(engine=self.jobs.engine, tablename=JOB_STORE_TABLE)
            self.aps = StoppingScheduler(
                jobstores={"default": store, "memory": MemoryJobStore()}, timezone=UTC
            )
            self.aps.add_listener(self._on_missed, EVENT_JOB_MISSED)
            _running = self
            self.aps.start(paused=True)
            with self.jobs.sessions() as session:
                interrupted = interrupted_runs(session)
            self._sync_jobs(datetime.now(UTC), interrupted)
            self.aps.add_job(
                self.heartbeat,
                "interval",
                seconds=HEARTBEAT_SECONDS,
                id="heartbeat",
                name="Heartbeat",
                jobstore="memory",
                max_instances=1,
                coalesce=True,
            )
            with self.jobs.sessions.begin() as session:
                scheduler_started(session)
            self.aps.resume()
        except BaseException:
            if self.aps is not None and self.aps.running:
                self.aps.shutdown(wait=False)
            self._release()
            raise

    def _sync_jobs(self, now: datetime, interrupted: set[str] = frozenset()) -> None:
        """Add the jobs missing from the store, update the others without losing their next
        run time (a run missed while stopped must still happen), drop jobs no longer defined.

        A job in ``interrupted`` (its last run never ended: the scheduler was killed) runs
        again now, once; its next runs follow from this one.
        """
        stored = {job.id: job for job in self.aps.get_jobs(jobstore="default")}
        for definition in self.definitions.values():
            options = {
                "name": definition.name,
                "args": (definition.id,),
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": definition.grace,
            }
            job = stored.pop(definition.id, None)
            if job is None:
                first = now if definition.run_at_first_start else None
                self.aps.add_job(
                    RUN_JOB,
                    definition.trigger,
                    id=definition.id,
                    jobstore="default",
                    **options,
                    **({"next_run_time": first} if first else {}),
                )
                continue
            changes = {key: value for key, value in options.items() if getattr(job, key) != value}
            if job.func_ref != RUN_JOB:
                changes["func"] = RUN_JOB
            soonest = definition.trigger.get_next_fire_time(None, now)
            if str(job.trigger) != str(definition.trigger):
                # A new interval: keep the stored run unless the new schedule comes sooner.
                changes["trigger"] = definition.trigger
                if job.next_run_time is None or job.next_run_time > soonest:
                    changes["next_run_time"] = soonest
            elif job.next_run_time is None:  # paused by hand: these jobs always run
                changes["next_run_time"] = soonest
            if definition.id in interrupted:
                log.warning("the last run of %r was interrupted: it runs again now", definition.id)
                changes["next_run_time"] = now
            if changes:
                self.aps.modify_job(definition.id, jobstore="default", **changes)
        for job_id in stored:
            log.info("removing the job %r, no longer scheduled", job_id)
            self.aps.remove_job(job_id, jobstore="default")

    def run(self, job_id: str) -> None:
        """Run one job, recording its start, its end and its error in ``job_run``."""
        definition = self.definitions.get(job_id)
        if definition is None:
            log.warning("no job %r is defined; it is removed at the next start", job_id)
            return
        with self.jobs.sessions.begin() as session:
            record_start(session, job_id, definition.name)
        error = None
        try:
            getattr(self.jobs, definition.method)()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", job_id)
        with self.jobs.sessions.begin() as session:
            record_end(session, job_id, error)

    def _on_missed(self, event: JobExecutionEvent) -> None:
        definition = self.definitions.get(event.job_id)
        if definition is None:
            return
        try:
            with self.jobs.sessions.begin() as session:
                record_missed(session, event.job_id, definition.name)
        except SQLAlchemyError:
            log.exception("cannot record the missed run of %s", event.job_id)

    def heartbeat(self) -> None:
        """Tell the interface the scheduler is alive; stop if another one took the lock."""
        if not self.lock.check():
            log.error("another scheduler took the lock: this one stops")
            self._lost = True
            self.stop_requested.set()
            return
        with self.jobs.sessions.begin() as session:
            scheduler_beat(session)

    def wakeup(self) -> None:
        """Look for due jobs now rather than at the next planned time."""
        self.aps.wakeup()

    def shutdown(self, wait: bool = True) -> None:
        """Stop: wait for the running jobs (``wait``), record the stop, release the lock."""
        if self.aps is None or not self.aps.running:
            self._release()
            return
        self.aps.shutdown(wait=wait)
        if not self._lost:  # else the row is the other scheduler's now
            try:
                with self.jobs.sessions.begin() as session:
                    scheduler_stopped(session)
            except SQLAlchemyError:
                log.exception("cannot record that the scheduler stopped")
        self._release()

    def _release(self) -> None:
        global _running
        if _running is self:
            _running = None
        self.lock.release()


def main() -> None:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    scheduler = Scheduler(settings)
    stopping = scheduler.stop_requested

    def on_signal(_signum, _frame) -> None:
        if stopping.is_set():
            log.warning("stopping now, without waiting for the running jobs")
            os._exit(1)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        scheduler.start()
    except (SchedulerLocked, DatabaseError) as exc:
        raise SystemExit(str(exc)) from None
    log.info("scheduler started")
    # Wake up now and then: a signal delivered to a worker thread only runs its Python
    # handler once the main thread executes again.
    while not stopping.wait(timeout=1.0):
        pass
    log.info("stopping the scheduler (waiting for running jobs)")
    scheduler.shutdown(wait=True)
    log.info("scheduler stopped")


if __name__ == "__main__":
    # Run the importable module, not this ``__main__`` copy: the stored jobs refer to
    # ``scheduler:run_job``, which must see the scheduler that ``main`` starts.
    from scheduler import main as _main

    _main()
