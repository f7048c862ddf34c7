"""Several analysis workers on one PostgreSQL database: every clip analysed exactly once."""

import json
import os
import subprocess
import sys

from sqlalchemy import func, select

from models import Campaign, Coverage, CoverageCampaign, CoverageStatus
from models.db import open_database
from tests.conftest import make_settings

CLIPS = 1200  # enough work for both workers, whichever finishes loading first
TEXT = "À Oignies, le 9-9bis du bassin minier accueille une exposition sur les mineurs."


def test_two_worker_processes_never_analyse_a_clip_twice(tmp_path, postgres_url):
    settings = make_settings(tmp_path, database_url=postgres_url, process_batch=4)
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        campaign = Campaign(slug="c", name="C", query="bassin minier")
        session.add_all(
            Coverage(
                url=f"https://example.fr/{i}",
                title=f"Clip {i}",
                text=TEXT,
                campaign_links=[CoverageCampaign(campaign=campaign)],
            )
            for i in range(CLIPS)
        )
    env = {**os.environ, **settings.to_env()}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "cli", "process"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _out, err in results]
    counts = [json.loads(out.strip().splitlines()[-1])["processed"] for out, _err in results]
    assert sum(counts) == CLIPS  # a clip analysed twice would count twice
    assert all(n > 0 for n in counts), counts  # both took part
    with sessions() as session:
        statuses = dict(
            session.execute(select(Coverage.status, func.count()).group_by(Coverage.status)).all()
        )
    assert statuses == {CoverageStatus.NEW: CLIPS}
    engine.dispose()
