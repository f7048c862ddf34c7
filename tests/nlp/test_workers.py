"""Several analysis workers on one PostgreSQL database: every clip analysed exactly once."""

import json
import os
import subprocess
import sys

from sqlalchemy import func, select

from models import Coverage, CoverageStatus
from models.db import open_database
from tests.conftest import make_settings
from tests.nlp.test_watch import _add_clips

CLIPS = 1200
# A worker process as `retombees process` runs it, started on a signal so that both workers
# compete from the first batch (loading the pipeline takes seconds and varies).
WORKER = """
import json, sys, time
from pathlib import Path
from models import Settings
from models.db import open_database
from nlp.job import process_pending
from nlp.pipeline import load_pipeline
settings = Settings.from_env()
_engine, sessions = open_database(settings)
nlp = load_pipeline()
print("ready", flush=True)
while not Path(sys.argv[1]).exists():
    time.sleep(0.05)
print(json.dumps(process_pending(sessions, nlp, settings.process_batch).as_json()), flush=True)
"""


def test_two_worker_processes_never_analyse_a_clip_twice(tmp_path, postgres_url):
    settings = make_settings(tmp_path, database_url=postgres_url, process_batch=4)
    engine, sessions = open_database(settings)
    _add_clips(sessions, 0, CLIPS)
    go = tmp_path / "go"
    env = {**os.environ, **settings.to_env()}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()[-2000:]
    go.touch()
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
