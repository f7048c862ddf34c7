"""The scheduler killed with SIGKILL (out of memory, a host crash, `kill -9`) and restarted:
its lock went with it, its schedule is intact, and the run it was in the middle of is done
again, once. (A graceful stop and restart, a missed run and a changed interval are in
tests/test_scheduler.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from models import JobRun
from models.job_run import SCHEDULER
from scheduler import SchedulerLock, SchedulerLocked
from tests.test_scheduler import JOB_IDS, hourly, job_run, planned, wait_for


def _start(settings) -> subprocess.Popen:
    """``python -m scheduler``, its real jobs on ``settings``, once it says it started."""
    env = {**os.environ, **settings.to_env(), "RETOMBEES_LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler"], env=env, stderr=subprocess.PIPE, text=True
    )
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "scheduler started" in line:
            return process
    process.wait(timeout=30)
    raise AssertionError("".join(lines)[-3000:])


def _lock_is_free(settings) -> bool:
    lock = SchedulerLock(settings)
    try:
        lock.acquire()
    except SchedulerLocked:
        return False
    lock.release()
    return True


def test_a_scheduler_killed_during_a_job_restarts_with_its_schedule_and_redoes_the_job(
    any_settings,
):
    settings = hourly(any_settings)
    first = _start(settings)
    try:
        # A new schedule collects and analyses right away; the analysis loads the language
        # model first, which takes seconds: the scheduler is killed in the middle of it.
        wait_for(lambda: (job_run(settings, "crawl-due") or JobRun()).last_status == "ok", 60)
        wait_for(lambda: (job_run(settings, "process") or JobRun()).running, 60)
        before = planned(settings)
    finally:
        first.kill()
        first.wait(timeout=30)
    assert set(before) == JOB_IDS
    assert job_run(settings, "process").running  # interrupted: started, never ended
    assert job_run(settings, SCHEDULER).last_status == "running"  # it could not say it stopped

    # The lock (PostgreSQL advisory lock, or lock file) went with the killed process.
    wait_for(lambda: _lock_is_free(settings), 30)
    second = _start(settings)
    try:
        # The interrupted analysis runs again right away, once, and ends.
        wait_for(lambda: job_run(settings, "process").runs == 2, 60)
        wait_for(lambda: not job_run(settings, "process").running, 60)
        after = planned(settings)
        now = datetime.now(UTC)
    finally:
        second.terminate()
        assert second.wait(timeout=60) == 0
    run = job_run(settings, "process")
    assert run.runs == 2 and run.last_status == "ok" and run.failures == 0
    # The collection had finished: its run is not repeated. The nightly and monthly jobs
    # were not due and did not run (mail, every minute, may have).
    assert job_run(settings, "crawl-due").runs == 1
    assert job_run(settings, "housekeeping") is None and job_run(settings, "press-books") is None
    # The schedule is the one the killed scheduler kept: same jobs, same next runs; the
    # analysis done again comes back an hour later.
    assert set(after) == JOB_IDS
    for job_id in ("crawl-due", "housekeeping", "press-books"):
        assert after[job_id] == before[job_id], job_id
    assert now < after["process"] <= now + timedelta(hours=1)
    assert job_run(settings, SCHEDULER).last_status == "stopped"
