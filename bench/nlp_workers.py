"""NLP workers benchmark: clips/s of 1, 2 and 4 ``retombees process --watch`` workers on
PostgreSQL, each clip analysed exactly once.

For each worker count K and each run: a fresh PostgreSQL database (``retombees_bench_nlp``,
made from ``--pg-url``'s server and dropped after) gets N clips of about 700 tokens cut from
the French pages of the development corpus, as ``bench/nlp.py`` makes them (half about the
mining basin, so they go through the content step). The clips are pending, but the benchmark
holds a lock on their table (``LOCK TABLE coverage IN EXCLUSIVE MODE``) while K real worker
processes start and load the spaCy pipeline: a worker is ready once its first claim waits for
that lock (seen in ``pg_stat_activity`` by its ``application_name``). Then the lock is released
and the workers share the clips through their claims (``FOR UPDATE SKIP LOCKED``).

``clips/s`` is N over the time from the release to the last clip written (as the workers
recorded it in the database): model loading is left out and reported apart (``load s``). Each
worker's CPU over that time gives the cores they kept busy and the clips per CPU second (the
steadier measure on a shared machine: wall rates fall when other work takes the cores);
``peak RSS`` is each worker's high-water
mark. After each run every clip must be analysed and the workers' own counts (printed when
SIGTERM stops them) must add up to N: a clip analysed twice would count twice. On a machine
with C cores, more than C workers cannot go faster: the extra ones share the same cores.
Run: ``.venv/bin/python bench/nlp_workers.py [--clips 600] [--workers 1,2,4] [--runs 2]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.nlp import articles, corpus_texts, store_clips  # noqa: E402
from bench.scratchdb import scratch_postgresql  # noqa: E402
from cli.common import prepare  # noqa: E402
from models import Coverage, CoverageStatus, Settings  # noqa: E402
from models.db import open_database  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
PG_DATABASE = "retombees_bench_nlp"
RETOMBEES = ROOT / ".venv" / "bin" / "retombees"
TICK = os.sysconf("SC_CLK_TCK")


def _log(message: str) -> None:
    print(f"[nlp_workers] {message}", file=sys.stderr, flush=True)


@dataclass
class Worker:
    """One ``retombees process --watch`` process."""

    name: str
    process: subprocess.Popen
    started: float = field(default_factory=time.perf_counter)
    ready_s: float | None = None
    cpu_at_release: float = 0.0

    def cpu_s(self) -> float:
        """User + system CPU seconds of the process so far (its threads included)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> dict:
        """SIGTERM, then the statistics the worker prints as it stops."""
        self.process.send_signal(signal.SIGTERM)
        try:
            out, err = self.process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if self.process.returncode or not lines:
            sys.exit(f"worker {self.name} failed ({self.process.returncode}):\n{err[-3000:]}")
        return json.loads(lines[-1])


def start_workers(url: str, count: int, instance: str) -> list[Worker]:
    workers = []
    for number in range(1, count + 1):
        name = f"bench-worker-{number}"
        env = {
            **os.environ,
            "RETOMBEES_DATABASE_URL": make_url(url)
            .update_query_dict({"application_name": name})
            .render_as_string(hide_password=False),
            "RETOMBEES_INSTANCE_PATH": instance,
            "RETOMBEES_SEED_EXAMPLE": "false",
            "RETOMBEES_ADMIN_PASSWORD": "benchmark-password",
            "RETOMBEES_PROCESS_INTERVAL": "1",  # seconds between two looks when idle
            "RETOMBEES_LOG_LEVEL": "WARNING",
        }
        process = subprocess.Popen(
            [str(RETOMBEES), "process", "--watch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        workers.append(Worker(name, process))
    return workers


def wait_ready(engine, workers: list[Worker], timeout: float = 600.0) -> None:
    """Wait until each worker waits for the table lock in its first claim: pipeline loaded."""
    deadline = time.perf_counter() + timeout
    while any(w.ready_s is None for w in workers):
        if time.perf_counter() > deadline:
            sys.exit("the workers did not get ready in time")
        for worker in workers:
            if worker.process.poll() is not None:
                sys.exit(f"{worker.name} stopped:\n{worker.process.stderr.read()[-3000:]}")
        with engine.connect() as connection:
            claiming = set(
                connection.scalars(
                    text(
                        "SELECT application_name FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                        "AND query LIKE '%FOR UPDATE SKIP LOCKED%'"
                    )
                )
            )
        now = time.perf_counter()
        for worker in workers:
            if worker.ready_s is None and worker.name in claiming:
                worker.ready_s = now - worker.started
        time.sleep(0.2)


def wait_done(sessions, clips: int, timeout: float = 3600.0) -> None:
    deadline = time.perf_counter() + timeout
    while True:
        with sessions() as session:
            done = session.scalar(
                select(func.count())
                .select_from(Coverage)
                .where(Coverage.processed_at.is_not(None), Coverage.claim_token.is_(None))
            )
        if done >= clips:
            return
        if time.perf_counter() > deadline:
            sys.exit(f"only {done} of {clips} clips analysed in time")
        time.sleep(0.2)


def run_once(server_url: str, texts: list[str], count: int) -> dict:
    """K workers on N held-back clips: their rate, load time, cores, memory, and the check."""
    with (
        scratch_postgresql(server_url, PG_DATABASE) as url,
        tempfile.TemporaryDirectory() as instance,
    ):
        settings = Settings.from_env(
            environ={},
            instance_path=instance,
            database_url=url,
            seed_example=False,
            admin_password="benchmark-password",
        )
        engine, sessions = open_database(settings)
        with contextlib.redirect_stdout(io.StringIO()):
            prepare(settings)  # the first admin, as a deployment has before its workers start
        store_clips(sessions, texts)
        gate = engine.connect()  # holds the clips back until every worker is ready
        gate.execute(text("LOCK TABLE coverage IN EXCLUSIVE MODE"))
        workers = start_workers(url, count, instance)
        try:
            wait_ready(engine, workers)
            for worker in workers:
                worker.cpu_at_release = worker.cpu_s()
            gate.commit()
            released, released_at = time.perf_counter(), datetime.now(UTC)
            wait_done(sessions, len(texts))
            seen = time.perf_counter() - released
            cpu = [w.cpu_s() - w.cpu_at_release for w in workers]
            rss = [w.peak_rss_mb() for w in workers]
        finally:
            gate.close()
            counted = [w.stop() for w in workers]
        with sessions() as session:
            last = session.scalar(select(func.max(Coverage.updated_at)))
            analysed = session.scalar(
                select(func.count())
                .select_from(Coverage)
                .where(Coverage.status == CoverageStatus.NEW, Coverage.processed_at.is_not(None))
            )
        engine.dispose()
    seconds = (last - released_at).total_seconds()
    processed = [c["processed"] for c in counted]
    problems = []
    if analysed != len(texts):
        problems.append(f"{analysed} of {len(texts)} clips analysed")
    if sum(processed) != len(texts):
        problems.append(f"the workers analysed {sum(processed)} clips for {len(texts)}")
    return {
        "clips_per_s": len(texts) / seconds,
        "seconds": seconds,
        "seen_s": seen,
        "load_s": max(w.ready_s for w in workers),
        "cores": sum(cpu) / seen,
        "clips_per_cpu_s": len(texts) / sum(cpu),
        "peak_rss_mb": max(rss),
        "per_worker": processed,
        "problems": problems,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=600, help="pending clips per run")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--pg-url",
        default=PG_DEFAULT,
        help=f"PostgreSQL server (its database {PG_DATABASE} is made and dropped)",
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/dev/pages")
    args = parser.parse_args()
    counts = [int(k) for k in args.workers.split(",")]
    texts = articles(corpus_texts(args.corpus), args.clips, None)
    cores = os.cpu_count() or 1
    _log(f"{len(texts)} articles; {cores} CPU cores")
    results: dict[int, list[dict]] = {k: [] for k in counts}
    for run in range(1, args.runs + 1):
        for count in counts:
            result = run_once(args.pg_url, texts, count)
            results[count].append(result)
            print(
                f"run {run}, {count} worker(s): {result['clips_per_s']:.1f} clips/s "
                f"({args.clips} clips in {result['seconds']:.1f} s; the benchmark saw them done "
                f"after {result['seen_s']:.1f} s), load {result['load_s']:.1f} s, "
                f"{result['cores']:.2f} cores busy "
                f"({result['clips_per_cpu_s']:.1f} clips per CPU s), "
                f"peak RSS {result['peak_rss_mb']:.0f} MB per "
                f"worker at most, clips per worker {result['per_worker']}",
                flush=True,
            )
            for problem in result["problems"]:
                print(f"  WRONG: {problem}", flush=True)
    base = statistics.median(r["clips_per_s"] for r in results[counts[0]])
    print(f"\nmedian of {args.runs} runs, {args.clips} clips, PostgreSQL, {cores} CPU cores:")
    print(
        f"  {'workers':>7} {'clips/s':>8} {f'vs {counts[0]}':>9} {'cores busy':>10} "
        f"{'clips/CPU s':>11} {'peak RSS/worker':>16} {'load s':>7}  each clip once"
    )
    for count in counts:
        rows = results[count]
        rate = statistics.median(r["clips_per_s"] for r in rows)
        once = "yes" if not any(r["problems"] for r in rows) else "NO"
        print(
            f"  {count:>7} {rate:>8.1f} {rate / base:>8.2f}× "
            f"{statistics.median(r['cores'] for r in rows):>10.2f} "
            f"{statistics.median(r['clips_per_cpu_s'] for r in rows):>11.1f} "
            f"{statistics.median(r['peak_rss_mb'] for r in rows):>13.0f} MB "
            f"{statistics.median(r['load_s'] for r in rows):>7.1f}  {once}"
        )
    if any(count > cores for count in counts):
        print(
            f"  this machine has {cores} CPU cores: more than {cores} workers cannot beat "
            f"{cores}, they share the same cores"
        )
    print(
        "  fewer cores busy than min(workers, cores) means other work took the cores meanwhile; "
        "clips per CPU s depends on it less"
    )


if __name__ == "__main__":
    main()
