"""The scheduler crawls due sources, analyses pending coverage, sends mail and keeps the
database tidy; its schedule survives restarts, only one runs per database, and every run is
recorded for the jobs page."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

from models import (
    Campaign,
    Coverage,
    CoverageStatus,
    JobRun,
    Role,
    Source,
    SourceKind,
    Task,
    TaskStatus,
)
from models.db import open_database
from models.job_run import JOB_STORE_TABLE, SCHEDULER, next_run_times
from models.user import create_user
from scheduler import (
    Jobs,
    Scheduler,
    SchedulerLock,
    SchedulerLocked,
    job_definitions,
)
from tests.smtp import SmtpServer, parts

JOB_IDS = {"crawl-due", "process", "mail", "housekeeping", "press-books"}


class FakeJobs(Jobs):
    """The real jobs' database, without crawling, analysing or mailing: records the calls and
    raises the errors of ``fail`` (job id → exception)."""

    def __init__(self, settings, fail=None):
        super().__init__(settings)
        self.calls = []
        self.fail = fail or {}

    def _call(self, job_id):
        self.calls.append(job_id)
        if job_id in self.fail:
            raise self.fail[job_id]

    def crawl_due(self):
        self._call("crawl-due")

    def process(self):
        self._call("process")

    def mail(self):
        self._call("mail")

    def housekeeping(self):
        self._call("housekeeping")

    def monthly_press_books(self):
        self._call("press-books")


@pytest.fixture
def start():
    """Start a scheduler on fake jobs; every one started is shut down at the end."""
    started = []

    def start_scheduler(settings, jobs=None):
        scheduler = Scheduler(settings, jobs or FakeJobs(settings))
        started.append(scheduler)
        scheduler.start()
        return scheduler

    yield start_scheduler
    for scheduler in reversed(started):
        scheduler.shutdown()


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def job_run(settings, job_id) -> JobRun | None:
    engine, sessions = open_database(settings)
    try:
        with sessions() as session:
            return session.get(JobRun, job_id)
    finally:
        engine.dispose()


def planned(settings) -> dict:
    engine, sessions = open_database(settings)
    try:
        with sessions() as session:
            return next_run_times(session)
    finally:
        engine.dispose()


def move_next_run(settings, job_id, when):
    """Set a stored job's next run, as time going by while no scheduler runs would."""
    store = SQLAlchemyJobStore(url=settings.database_url, tablename=JOB_STORE_TABLE)
    store.start(BackgroundScheduler(timezone=UTC), "default")  # never started: no thread
    try:
        job = store.lookup_job(job_id)
        job._modify(next_run_time=when)
        store.update_job(job)
    finally:
        store.shutdown()


def hourly(settings):
    return replace(settings, process_interval=3600, source_check_interval=3600)


def test_jobs_have_stable_ids_one_instance_each_and_run_missed_runs_once(settings, start):
    definitions = {d.id: d for d in job_definitions(settings)}
    assert set(definitions) == JOB_IDS
    assert definitions["process"].trigger.interval.total_seconds() == settings.process_interval
    scheduler = start(settings)
    jobs = {job.id: job for job in scheduler.aps.get_jobs(jobstore="default")}
    assert set(jobs) == JOB_IDS
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce and job.func_ref == "scheduler:run_job"
        assert job.args == (job.id,)
        assert job.misfire_grace_time > definitions[job.id].period


def test_a_restart_keeps_the_schedule_and_runs_a_missed_job_once(any_settings, start):
    settings = hourly(any_settings)
    first = start(settings)
    # A new schedule collects and analyses right away.
    wait_for(lambda: {"crawl-due", "process"} <= set(first.jobs.calls))
    first.shutdown()
    before = planned(settings)
    assert set(before) == JOB_IDS
    # While the scheduler is stopped, three and a half analysis periods go by.
    missed = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3, minutes=30)
    move_next_run(settings, "process", missed)

    second = start(settings)
    wait_for(lambda: job_run(settings, "process").runs == 2)
    second.shutdown()  # waits for the running jobs: a second run would be done by now
    assert second.jobs.calls == ["process"]  # once, not four times; nothing else was due
    after = planned(settings)
    assert set(after) == JOB_IDS
    # The next analysis follows the old schedule, not one hour from the restart.
    assert abs(after["process"] - (missed + timedelta(hours=4))) < timedelta(milliseconds=1)
    for job_id in JOB_IDS - {"process"}:
        assert after[job_id] == before[job_id]
    run = job_run(settings, "process")
    assert run.last_status == "ok" and run.failures == 0


def test_a_new_interval_applies_at_restart_without_waiting_for_the_old_one(settings, start):
    first = start(hourly(settings))
    wait_for(lambda: {"crawl-due", "process"} <= set(first.jobs.calls))
    first.shutdown()
    before = planned(settings)
    start(replace(hourly(settings), source_check_interval=60))
    after = planned(settings)
    assert after["crawl-due"] <= datetime.now(UTC) + timedelta(seconds=60)
    assert after["process"] == before["process"]


def test_a_second_scheduler_refuses_to_start_until_the_first_stops(any_settings, start):
    settings = hourly(any_settings)
    first = start(settings)
    with pytest.raises(SchedulerLocked, match="Another scheduler is already running"):
        Scheduler(settings, FakeJobs(settings)).start()
    first.shutdown()  # a graceful stop releases the lock
    start(settings)
    assert job_run(settings, SCHEDULER).last_status == "running"


def test_the_scheduler_command_refuses_while_another_runs(any_settings, start):
    settings = hourly(any_settings)
    start(settings)
    second = subprocess.run(
        [sys.executable, "-m", "scheduler"],
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "Another scheduler is already running for this database" in second.stderr


def test_a_postgresql_scheduler_takes_its_lock_again_after_losing_its_connection(
    postgres_url, tmp_path, start
):
    from tests.conftest import make_settings

    settings = hourly(make_settings(tmp_path, database_url=postgres_url))
    scheduler = start(settings)
    backend = scheduler.lock._connection.scalar(text("SELECT pg_backend_pid()"))
    engine, _sessions = open_database(settings)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    engine.dispose()
    scheduler.heartbeat()  # the database went away and came back: the lock is taken again
    assert not scheduler.stop_requested.is_set()
    with pytest.raises(SchedulerLocked):
        SchedulerLock(settings).acquire()

    # If another scheduler took the lock meanwhile, this one stops.
    backend = scheduler.lock._connection.scalar(text("SELECT pg_backend_pid()"))
    engine, _sessions = open_database(settings)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    engine.dispose()
    other = SchedulerLock(settings)
    other.acquire()
    try:
        scheduler.heartbeat()
        assert scheduler.stop_requested.is_set()
    finally:
        other.release()


def test_a_failing_job_shows_its_error_on_the_jobs_page(settings, admin_client, start):
    jobs = FakeJobs(settings, fail={"crawl-due": RuntimeError("the proxy refused to connect")})
    scheduler = start(hourly(settings), jobs)
    wait_for(lambda: (job_run(settings, "crawl-due") or JobRun(failures=0)).failures == 1)
    wait_for(lambda: (job_run(settings, "process") or JobRun(runs=0)).runs == 1)
    run = job_run(settings, "crawl-due")
    assert run.last_status == "error" and run.runs == 1
    assert run.last_error == "RuntimeError: the proxy refused to connect"

    page = admin_client.get("/admin/jobs/?lang=en").get_data(as_text=True)
    assert "The scheduler has been running since" in page
    crawl_row = page.split('id="job-crawl-due"')[1].split("</tr>")[0]
    assert "Failed" in crawl_row and "RuntimeError: the proxy refused to connect" in crawl_row
    process_row = page.split('id="job-process"')[1].split("</tr>")[0]
    assert "OK" in process_row and "the proxy" not in process_row

    scheduler.shutdown()
    page = admin_client.get("/admin/jobs/?lang=en").get_data(as_text=True)
    assert "The scheduler stopped on" in page
    assert "RuntimeError: the proxy refused to connect" in page  # the last error stays


def test_the_mail_job_sends_the_digest_once(settings):
    """The mail job queues the officers' digests that are due and sends them over SMTP."""
    with SmtpServer() as server:
        settings = replace(
            settings,
            smtp_host="127.0.0.1",
            smtp_port=server.port,
            smtp_security="none",
            digest_hour="0:00",
        )
        _engine, sessions = open_database(settings)
        with sessions.begin() as session:
            officer = create_user(session, "claire", "correct horse battery", Role.OFFICER)
            officer.email = "claire@example.org"
            session.add(
                Coverage(
                    url="https://example.org/terrils",
                    title="Les terrils vus du ciel",
                    status=CoverageStatus.NEW,
                    published_at=datetime.now(UTC) - timedelta(hours=2),
                    processed_at=datetime.now(UTC) - timedelta(hours=1),
                )
            )
        scheduler = Scheduler(settings, Jobs(settings))
        scheduler.run("mail")
        scheduler.run("mail")
    assert [m["To"] for m in server.collector.messages] == ["claire@example.org"]
    assert "Les terrils vus du ciel" in parts(server.collector.messages[0])["text/plain"]
    assert job_run(settings, "mail").last_status == "ok"


def test_housekeeping_removes_old_finished_tasks(settings):
    now = datetime.now(UTC)
    _engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.add_all(
            [
                Task(
                    kind="export",
                    title="old",
                    status=TaskStatus.DONE,
                    finished_at=now - timedelta(days=40),
                ),
                Task(
                    kind="export",
                    title="recent",
                    status=TaskStatus.DONE,
                    finished_at=now - timedelta(days=2),
                ),
                Task(kind="crawl", title="running", status=TaskStatus.RUNNING, heartbeat_at=now),
                Task(  # a deliverable the scheduler built: kept
                    kind="pressbook",
                    title="scheduled book",
                    status=TaskStatus.DONE,
                    finished_at=now - timedelta(days=400),
                ),
                Task(
                    kind="crawl",
                    title="dead",
                    status=TaskStatus.RUNNING,
                    created_at=now - timedelta(days=60),
                    heartbeat_at=now - timedelta(days=59),
                ),
            ]
        )
    Jobs(settings).housekeeping()
    with sessions() as session:
        titles = sorted(session.scalars(select(Task.title)))
        assert titles == ["recent", "running", "scheduled book"]


def test_due_sources_are_crawled_then_wait_for_their_interval(settings, fixture_server, nlp):
    _engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.add(Campaign(slug="c", name="C", query="terrils"))
        session.add(
            Source(
                name="partner",
                kind=SourceKind.FEED,
                interval_minutes=30,
                url=fixture_server.url("site/partner/feed.xml"),
            )
        )
        session.add(
            Source(
                name="paused",
                kind=SourceKind.FEED,
                enabled=False,
                url=fixture_server.url("site/press/rss.xml"),
            )
        )
    jobs = Jobs(settings)
    jobs._nlp = nlp
    jobs.crawl_due()
    with sessions() as session:
        partner, paused = session.scalars(select(Source).order_by(Source.id))
        assert partner.last_success_at is not None and paused.last_attempt_at is None
        first_attempt = partner.last_attempt_at
    jobs.crawl_due()  # not due again for 30 minutes
    with sessions() as session:
        assert session.get(Source, partner.id).last_attempt_at == first_attempt
    jobs.process()
    with sessions() as session:
        assert [c.status for c in session.scalars(select(Coverage))] == [CoverageStatus.NEW]


def test_scheduler_process_runs_the_stored_jobs_stops_on_sigterm_and_releases_its_lock(
    settings, start
):
    settings = hourly(settings)
    first = start(settings)  # a schedule made earlier, by another process
    wait_for(lambda: {"crawl-due", "process"} <= set(first.jobs.calls))
    first.shutdown()
    move_next_run(settings, "housekeeping", datetime.now(UTC) - timedelta(hours=1))
    env = {**os.environ, **settings.to_env(), "RETOMBEES_LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "scheduler started" in line or time.monotonic() > deadline:
                break
        assert any("scheduler started" in line for line in lines), "".join(lines)
        # The job stored earlier runs in this process (its function found by name).
        wait_for(lambda: job_run(settings, "housekeeping") is not None)
        wait_for(lambda: job_run(settings, "housekeeping").last_status is not None)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert job_run(settings, "housekeeping").last_status == "ok"
    assert job_run(settings, SCHEDULER).last_status == "stopped"
    start(settings)  # the lock went with the stopped scheduler


def test_new_clips_are_suggested_for_the_press_actions_still_open(settings):
    from datetime import UTC, datetime, timedelta

    from models import ActionContact, ActionKind, Contact, ContactOutlet, Outlet, PressAction
    from models.base import Medium

    _engine, sessions = open_database(settings)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        contact = Contact(first_name="Claire", last_name="Dufour")
        contact.outlet_links = [ContactOutlet(outlet=outlet)]
        for title, day in (("ouverte", now.date()), ("close", now.date() - timedelta(days=90))):
            session.add(
                PressAction(
                    kind=ActionKind.RELEASE,
                    title=title,
                    day=day,
                    people=[ActionContact(contact=contact, recipient=True)],
                )
            )
        session.add(
            Coverage(
                url="https://www.lavoixdunord.fr/a",
                title="Le Bassin minier",
                outlet=outlet,
                published_at=now,
                status=CoverageStatus.NEW,
            )
        )
    Jobs(settings).suggest_attributions()
    with sessions() as session:
        open_action, closed = session.scalars(select(PressAction).order_by(PressAction.id))
        assert [a.coverage.title for a in open_action.attributions] == ["Le Bassin minier"]
        assert closed.attributions == []  # its window ended long ago


def test_the_job_table_is_left_to_apscheduler_by_the_migrations(any_settings, start):
    from alembic import command

    from models.db import alembic_config

    start(hourly(any_settings)).shutdown()
    engine, _sessions = open_database(any_settings)  # upgrading again leaves it alone
    assert planned(any_settings).keys() == JOB_IDS
    with engine.begin() as connection:  # `alembic check`: no change that a migration lacks
        config = alembic_config(any_settings.database_url)
        config.attributes["connection"] = connection
        command.check(config)
    engine.dispose()


# -- Monthly press books ----------------------------------------------------------------------

MAY_FIRST = datetime(2025, 5, 1, 5, tzinfo=UTC)  # the books of April 2025
APRIL_FIRST = datetime(2025, 4, 1, 5, tzinfo=UTC)  # the books of March 2025


def scheduled_books(sessions) -> list[Task]:
    with sessions() as session:
        return list(session.scalars(select(Task).where(Task.user_id.is_(None)).order_by(Task.id)))


def test_the_press_book_job_runs_on_the_first_of_each_month_at_five(settings):
    definition = {d.id: d for d in job_definitions(settings)}["press-books"]
    assert definition.method == "monthly_press_books"
    after = datetime(2025, 4, 18, 12, tzinfo=UTC)
    assert definition.trigger.get_next_fire_time(None, after) == datetime(2025, 5, 1, 5, tzinfo=UTC)


def test_last_months_press_book_is_built_once_per_campaign_with_clips(any_settings):
    from tests.models.test_pressbook import SLUG, seed_press_book

    _engine, sessions = open_database(any_settings)
    seed_press_book(sessions)
    jobs = Jobs(any_settings)
    jobs.monthly_press_books(now=MAY_FIRST)
    # April: the umbrella campaign has clips (its own and its sub-campaign's); "autre" has
    # none, and the sub-campaign gets no book of its own.
    [book] = scheduled_books(sessions)
    assert book.kind == "pressbook" and book.status == TaskStatus.DONE and book.error is None
    assert book.title == "Revue de presse : Dix ans au patrimoine mondial, avril 2025"
    assert book.params["campaign"] == SLUG and book.params["scheduled"] == "2025-04"
    assert (book.params["date_from"], book.params["date_to"]) == ("2025-04-01", "2025-04-30")
    assert book.file_type == "application/pdf" and book.file_data.startswith(b"%PDF")
    assert book.file_name.endswith(".pdf") and book.finished_at is not None
    assert book.result["clips"] == 2  # the radio clip of the sub-campaign and the web clip
    jobs.monthly_press_books(now=MAY_FIRST + timedelta(hours=3))  # run again: nothing new
    assert [t.id for t in scheduled_books(sessions)] == [book.id]


def test_a_failed_press_book_is_kept_and_the_others_are_built(settings, monkeypatch):
    import models.pressbook_command
    from tests.models.test_pressbook import seed_press_book

    _engine, sessions = open_database(settings)
    seed_press_book(sessions)
    real = models.pressbook_command.command_args

    def broken_for_autre(params, output):
        args = real(params, output)
        return [*args, "--order", "nowhere"] if params["campaign"] == "autre" else args

    monkeypatch.setattr(models.pressbook_command, "command_args", broken_for_autre)
    with pytest.raises(RuntimeError, match="1 of 2 press books for 2025-03 failed: autre"):
        Jobs(settings).monthly_press_books(now=APRIL_FIRST)
    books = {t.params["campaign"]: t for t in scheduled_books(sessions)}
    assert books["dix-ans"].status == TaskStatus.DONE
    assert books["dix-ans"].file_data.startswith(b"%PDF")
    assert books["autre"].status == TaskStatus.FAILED and books["autre"].file_data is None
    assert "nowhere" in books["autre"].error and books["autre"].finished_at is not None
    # The next run builds only the missing one.
    monkeypatch.setattr(models.pressbook_command, "command_args", real)
    Jobs(settings).monthly_press_books(now=APRIL_FIRST)
    done = [t.params["campaign"] for t in scheduled_books(sessions) if t.status == "done"]
    assert sorted(done) == ["autre", "dix-ans"]


@pytest.mark.parametrize("redis", [True, False])
def test_several_crawler_processes_join_one_run_when_redis_is_shared(tmp_path, monkeypatch, redis):
    """With RETOMBEES_CRAWL_PROCESSES=3 and Redis, the due sources are crawled by three
    processes of one run (they share its request queue); without Redis, by one."""
    import crawler.runner
    from tests.conftest import make_settings

    settings = make_settings(
        tmp_path, crawl_processes=3, redis_url="redis://127.0.0.1:6379/0" if redis else ""
    )
    _engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.add_all(
            Source(name=f"s{i}", kind=SourceKind.FEED, url=f"http://127.0.0.1:9/{i}.xml")
            for i in range(2)
        )
    calls = []
    monkeypatch.setattr(
        crawler.runner,
        "crawl_in_child",
        lambda settings, ids, run_id=None, sources=True: calls.append((sorted(ids), run_id)),
    )
    Jobs(settings).crawl_due()
    if redis:
        assert len(calls) == 3 and len({run_id for _ids, run_id in calls}) == 1
        assert calls[0][1] and all(ids == calls[0][0] and len(ids) == 2 for ids, _ in calls)
    else:
        assert len(calls) == 1 and calls[0][1] is None
