"""The databases of ``bench/web.py``: the generated data loaded once, then reused.

The schema comes from the migrations (``models.db.open_database``); the clips of
:mod:`bench.webdata` are inserted in bulk. SQLite: ``executemany`` in large transactions, the
full-text index built once at the end, ``ANALYZE``; the file is cached under ``bench/.cache/``.
PostgreSQL: ``COPY``, the GIN index built after the load, ``VACUUM (ANALYZE)`` (index-only scans
need the visibility map); the database (``retombees_bench`` by default) is created from the
server's ``test`` database and a comment on it records what it holds.

Run ``.venv/bin/python bench/webdb.py --clips 100000 --db sqlite`` to build a database alone;
``bench/web.py`` calls :func:`ensure_sqlite` and :func:`ensure_postgresql` itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import make_url  # noqa: E402

from bench.webdata import (  # noqa: E402
    COLUMNS,
    DASHBOARD_CAMPAIGNS,
    PASSWORD,
    SEED,
    USERNAME,
    VERSION,
    generate,
    reference_rows,
)
from models import fulltext  # noqa: E402
from models.db import open_database  # noqa: E402
from models.settings import Settings  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/retombees_bench"


@dataclass
class Fixture:
    """What the bench needs to know about a generated database."""

    url: str
    clips: int
    dashboard_campaigns: tuple[str, ...] = DASHBOARD_CAMPAIGNS
    username: str = USERNAME
    password: str = PASSWORD


def _log(message: str) -> None:
    print(f"[webdb] {message}", file=sys.stderr, flush=True)


# -- SQLite ---------------------------------------------------------------------------------


class _Op:
    """Just enough of Alembic's ``op`` for :mod:`models.fulltext` on a plain connection (or
    none: the statements are then only recorded)."""

    def __init__(self, connection, dialect: str):
        self.connection, self.dialect = connection, SimpleNamespace(name=dialect)
        self.statements: list[str] = []

    def get_bind(self):
        return self

    def execute(self, statement: str) -> None:
        self.statements.append(statement)
        if self.connection is not None:
            self.connection.execute(statement)


def fingerprint(dialect: str) -> str:
    """Identify the generated data and the full-text DDL it was indexed with.

    The full-text index is created by migration 0002 through :mod:`models.fulltext`: a change
    there does not reach a database already migrated, so a cached one is generated again.
    """
    recorder = _Op(None, dialect)
    fulltext.create_index(recorder)
    ddl = "\n".join([str(VERSION), *recorder.statements])
    return hashlib.sha1(ddl.encode()).hexdigest()[:8]


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def settings_for(url: str, instance: Path) -> Settings:
    return Settings.from_env(
        environ={},
        instance_path=str(instance),
        database_url=url,
        secret_key="bench",
        seed_example=False,
        log_level="WARNING",
    )


def sqlite_path(clips: int) -> Path:
    return CACHE / f"web-{clips}-{fingerprint('sqlite')}.sqlite"


def ensure_sqlite(clips: int, fresh: bool = False) -> Fixture:
    """Return the cached SQLite database of ``clips`` clips, generating it if needed."""
    path = sqlite_path(clips)
    url = f"sqlite:///{path}"
    if path.exists() and not fresh:
        return Fixture(url, clips)
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"web-{clips}-*"):  # this size generated before: 4 GB a million
        old.unlink()
    partial = path.with_suffix(".partial")
    started = time.perf_counter()
    engine, sessions = open_database(settings_for(f"sqlite:///{partial}", CACHE))
    rng = random.Random(SEED)
    outlets, campaigns = reference_rows(sessions, rng)
    engine.dispose()
    connection = sqlite3.connect(partial, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")
    op = _Op(connection, "sqlite")
    fulltext.drop_index(op)  # no trigger per row: the index is rebuilt once at the end
    insert = f"INSERT INTO coverage ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    done = 0
    connection.execute("BEGIN")
    for batch, links in generate(clips, outlets, campaigns, rng):
        connection.executemany(insert, ([_sqlite_value(row[c]) for c in COLUMNS] for row in batch))
        connection.executemany(
            "INSERT INTO coverage_campaign (coverage_id, campaign_id, hits) VALUES (?, ?, '[]')",
            links,
        )
        done += len(batch)
        if done % 200_000 == 0:
            connection.execute("COMMIT")
            connection.execute("BEGIN")
            _log(f"sqlite: {done:,} clips")
    connection.execute("COMMIT")
    _log("sqlite: building the full-text index")
    fulltext.create_index(op)  # the triggers and a rebuild, as migration 0002 does
    _log("sqlite: ANALYZE")
    connection.execute("ANALYZE")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    partial.rename(path)
    _log(f"sqlite: {clips:,} clips in {time.perf_counter() - started:.0f} s ({path})")
    return Fixture(url, clips)


# -- PostgreSQL -----------------------------------------------------------------------------


def _pg_connect(url: str, **kwargs):
    import psycopg

    plain = make_url(url).set(drivername="postgresql")
    return psycopg.connect(plain.render_as_string(hide_password=False), **kwargs)


def _pg_marker(clips: int) -> str:
    return f"retombees bench {fingerprint('postgresql')}: {clips} clips"


def ensure_postgresql(clips: int, url: str = PG_DEFAULT, fresh: bool = False) -> Fixture:
    """Return the PostgreSQL bench database of ``clips`` clips, (re)generating it if needed.

    The database is created from a connection to the server's ``test`` database when missing;
    a comment on it records what it holds, so a filled database of the same size is reused.
    """
    parsed = make_url(url)
    name = parsed.database
    admin_url = parsed.set(database="test").render_as_string(hide_password=False)
    with _pg_connect(admin_url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
        if row is not None and row[0] == _pg_marker(clips) and not fresh:
            return Fixture(url, clips)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    engine, sessions = open_database(settings_for(url, CACHE))
    rng = random.Random(SEED)
    outlets, campaigns = reference_rows(sessions, rng)
    engine.dispose()
    with _pg_connect(url, autocommit=True) as connection:
        connection.execute("SET maintenance_work_mem = '1GB'")
        connection.execute(f"DROP INDEX IF EXISTS {fulltext.TSVECTOR_INDEX}")
        done = 0
        for batch, links in generate(clips, outlets, campaigns, rng):
            with connection.transaction(), connection.cursor() as cursor:
                with cursor.copy(f"COPY coverage ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([_pg_value(row[c]) for c in COLUMNS])
                with cursor.copy(
                    "COPY coverage_campaign (coverage_id, campaign_id, hits) FROM STDIN"
                ) as copy:
                    for coverage_id, campaign_id in links:
                        copy.write_row((coverage_id, campaign_id, "[]"))
            done += len(batch)
            if done % 200_000 == 0:
                _log(f"postgresql: {done:,} clips")
        connection.execute(
            "SELECT setval(pg_get_serial_sequence('coverage', 'id'), "
            "(SELECT max(id) FROM coverage))"
        )
        _log("postgresql: building the full-text index")
        op = _Op(connection, "postgresql")
        fulltext.create_index(op)  # the GIN index, as migration 0002 does
        _log("postgresql: VACUUM ANALYZE")
        connection.execute("VACUUM (ANALYZE) coverage")
        connection.execute("VACUUM (ANALYZE) coverage_campaign")
        connection.execute("ANALYZE")
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{_pg_marker(clips)}'")
    _log(f"postgresql: {clips:,} clips in {time.perf_counter() - started:.0f} s ({name})")
    return Fixture(url, clips)


def _pg_value(value):
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--url", default=PG_DEFAULT, help="PostgreSQL bench database URL")
    parser.add_argument("--fresh", action="store_true", help="generate again even if cached")
    args = parser.parse_args(argv)
    if args.db in ("sqlite", "both"):
        print(ensure_sqlite(args.clips, args.fresh).url)
    if args.db in ("postgresql", "both"):
        print(ensure_postgresql(args.clips, args.url, args.fresh).url)


if __name__ == "__main__":
    main()
