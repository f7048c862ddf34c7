"""`retombees process --watch`, the production analysis worker: it analyses clips as they
arrive, stops cleanly on SIGTERM, and carries on by itself after the database went away."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, make_url, select

from models import Campaign, Coverage, CoverageCampaign, CoverageStatus
from models.db import open_database
from tests.conftest import make_settings
from tests.relay import CuttableProxy

TEXT = "À Oignies, le 9-9bis du bassin minier accueille une exposition sur les mineurs."


def _add_clips(sessions, first: int, count: int) -> None:
    with sessions.begin() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "c"))
        if campaign is None:
            campaign = Campaign(slug="c", name="C", query="bassin minier")
        session.add_all(
            Coverage(
                url=f"https://example.fr/{i}",
                title=f"Clip {i}",
                text=TEXT,
                campaign_links=[CoverageCampaign(campaign=campaign)],
            )
            for i in range(first, first + count)
        )


def _statuses(sessions) -> dict:
    with sessions() as session:
        rows = session.execute(select(Coverage.status, func.count()).group_by(Coverage.status))
        return dict(rows.all())


def _wait_until(check, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError("timed out")


def _start_worker(settings, **env) -> subprocess.Popen:
    environ = {**os.environ, **settings.to_env(), "RETOMBEES_PROCESS_INTERVAL": "1", **env}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "process", "--watch"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(worker: subprocess.Popen) -> dict:
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


def test_the_worker_analyses_clips_as_they_arrive_and_stops_on_sigterm(any_settings):
    engine, sessions = open_database(any_settings)
    _add_clips(sessions, 0, 3)
    worker = _start_worker(any_settings)
    try:
        _wait_until(lambda: _statuses(sessions) == {CoverageStatus.NEW: 3})
        _add_clips(sessions, 3, 2)  # arriving while it waits
        _wait_until(lambda: _statuses(sessions) == {CoverageStatus.NEW: 5})
    finally:
        stats = _stop(worker)
    assert stats["processed"] == 5
    engine.dispose()


def test_the_worker_carries_on_after_postgresql_went_away(tmp_path, postgres_url):
    direct = make_settings(tmp_path, database_url=postgres_url, process_batch=4)
    engine, sessions = open_database(direct)
    url = make_url(postgres_url)
    proxy = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    through_proxy = make_settings(
        tmp_path,
        database_url=url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        ),
        process_batch=4,
    )
    _add_clips(sessions, 0, 8)
    worker = _start_worker(through_proxy)
    try:
        _wait_until(lambda: _statuses(sessions) == {CoverageStatus.NEW: 8})
        proxy.cut()  # the database goes away: connections reset, new ones refused
        _add_clips(sessions, 8, 12)
        time.sleep(3)  # the worker tries, fails, waits
        assert _statuses(sessions).get(CoverageStatus.PENDING) == 12, _statuses(sessions)
        assert worker.poll() is None, worker.stderr.read()[-2000:]
        proxy.start()  # back
        _wait_until(lambda: _statuses(sessions) == {CoverageStatus.NEW: 20})
    finally:
        proxy.cut()
        proxy.start()
        stats = _stop(worker)
    assert stats["processed"] == 20  # each clip analysed once, none lost
    engine.dispose()


def test_claims_of_a_batch_cut_short_are_given_back(any_settings):
    from models.coverage import claim_pending, release_claims

    engine, sessions = open_database(any_settings)
    _add_clips(sessions, 0, 3)
    with sessions.begin() as session:
        claimed = claim_pending(session, 2, "cut-short")
    # a batch is its size: PostgreSQL once ran the claim's subquery again for each row
    assert len(claimed) == 2
    assert _statuses(sessions) == {CoverageStatus.PROCESSING: 2, CoverageStatus.PENDING: 1}
    with sessions.begin() as session:
        assert release_claims(session, "cut-short") == 2
        assert release_claims(session, "another-worker") == 0
    with sessions.begin() as session:
        assert _statuses(sessions) == {CoverageStatus.PENDING: 3}
        assert claim_pending(session, 3, "next") == sorted([*claimed, max(claimed) + 1])
    engine.dispose()
