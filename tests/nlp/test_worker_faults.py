"""The analysis worker (`retombees process --watch`) under faults in production: killed with
SIGKILL in the middle of a batch, or its PostgreSQL connections ended by a server restart in
the middle of a batch. Either way every clip is analysed exactly once, and none stays claimed.

A worker is caught "in the middle of a batch" deterministically: it is frozen (SIGSTOP) and
looked at; if it holds no claim at that instant it is let go (SIGCONT) and caught again."""

from __future__ import annotations

import json
import signal
import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select, text, update

from models import Coverage, CoverageStatus, utcnow
from models.db import open_database
from tests.conftest import make_settings
from tests.nlp.test_watch import _add_clips, _start_worker, _statuses, _stop, _wait_until

CLIPS = 40
BATCH = 5


def _analysed(sessions) -> dict:
    """When each analysed clip was analysed (``processed_at`` is written once per analysis)."""
    with sessions() as session:
        rows = session.execute(
            select(Coverage.id, Coverage.processed_at).where(Coverage.status == CoverageStatus.NEW)
        )
        return dict(rows.all())


def _claimed(sessions) -> set[int]:
    with sessions() as session:
        return set(session.scalars(select(Coverage.id).where(Coverage.claim_token.is_not(None))))


def _catch_mid_batch(worker, sessions, also=lambda: True, timeout: float = 120.0) -> None:
    """Freeze ``worker`` at an instant it holds claims, after it analysed at least one batch
    and before it took the last clips (and when ``also()`` holds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.poll() is None, worker.stderr.read()[-2000:]
        statuses = _statuses(sessions)
        if statuses.get(CoverageStatus.NEW, 0) >= BATCH and statuses.get(CoverageStatus.PENDING):
            worker.send_signal(signal.SIGSTOP)
            statuses = _statuses(sessions)
            if statuses.get(CoverageStatus.PROCESSING) and also():
                return
            worker.send_signal(signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError(f"the worker was never caught holding claims: {_statuses(sessions)}")


def test_a_worker_killed_mid_batch_leaves_its_clips_analysed_once_by_the_next(any_settings):
    settings = replace(any_settings, process_batch=BATCH)
    engine, sessions = open_database(settings)
    _add_clips(sessions, 0, CLIPS)
    first = _start_worker(settings)
    try:
        _catch_mid_batch(first, sessions)
    finally:
        first.kill()  # SIGKILL: no chance to give its claims back
        first.communicate(timeout=30)
    before = _analysed(sessions)
    held = _claimed(sessions)
    assert held and before, _statuses(sessions)
    assert _statuses(sessions)[CoverageStatus.PROCESSING] == len(held) <= BATCH

    second = _start_worker(settings)  # the restarted worker
    try:
        pending = CLIPS - len(before) - len(held)
        _wait_until(lambda: len(_analysed(sessions)) == len(before) + pending)
        time.sleep(2)  # two more rounds of the worker (RETOMBEES_PROCESS_INTERVAL=1)
        # The dead worker's claims are not taken before they are 15 minutes old: it might
        # only be slow.
        assert _claimed(sessions) == held
        assert _statuses(sessions)[CoverageStatus.PROCESSING] == len(held)
        with sessions.begin() as session:  # 15 minutes go by
            session.execute(
                update(Coverage)
                .where(Coverage.id.in_(held))
                .values(claimed_at=utcnow() - timedelta(minutes=16))
            )
        _wait_until(lambda: _statuses(sessions) == {CoverageStatus.NEW: CLIPS})
    finally:
        stats = _stop(second)
    # Each clip analysed once: the second worker analysed exactly the clips the first did not
    # finish, and left the analyses written before the kill untouched.
    assert stats["processed"] == CLIPS - len(before)
    after = _analysed(sessions)
    assert {i: after[i] for i in before} == before
    assert not _claimed(sessions)
    engine.dispose()


def _worker_in_transaction(sessions) -> bool:
    """Whether a connection other than the test's is inside a transaction (the worker's
    analysis transaction: its clips loaded, their results not yet written)."""
    with sessions() as session:
        return bool(
            session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            )
        )


def _end_other_connections(sessions) -> int:
    """What a PostgreSQL restart does to every client: their server processes end."""
    with sessions() as session:
        return session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )


def test_a_postgresql_restart_mid_batch_loses_and_duplicates_no_clip(tmp_path, postgres_url):
    settings = make_settings(tmp_path, database_url=postgres_url, process_batch=BATCH)
    engine, sessions = open_database(settings)
    _add_clips(sessions, 0, CLIPS)
    worker = _start_worker(settings)
    try:
        _catch_mid_batch(worker, sessions, also=lambda: _worker_in_transaction(sessions))
        before = _analysed(sessions)
        held = _claimed(sessions)
        assert _end_other_connections(sessions) >= 1
        worker.send_signal(signal.SIGCONT)  # its batch fails on the lost connection
        _wait_until(lambda: _statuses(sessions) == {CoverageStatus.NEW: CLIPS})
        assert worker.poll() is None  # it recovered by itself
    finally:
        worker.send_signal(signal.SIGCONT)
        worker.send_signal(signal.SIGTERM)
        out, log = worker.communicate(timeout=60)
    assert worker.returncode == 0, log[-2000:]
    assert "database unavailable" in log  # the batch was cut short, not finished
    # The batch cut short was given back and analysed again, once; nothing was lost.
    assert json.loads(out.strip().splitlines()[-1])["processed"] == CLIPS, log[-2000:]
    after = _analysed(sessions)
    assert {i: after[i] for i in before} == before
    assert all(after[i] > max(before.values()) for i in held)
    assert not _claimed(sessions)
    engine.dispose()
