"""Backups of the database: a consistent copy in one file, and restoring it.

SQLite: the online backup API copies a consistent snapshot while the app runs (WAL) into a plain
single-file database, checked with ``PRAGMA integrity_check``. PostgreSQL: ``pg_dump`` in its
custom format, under the snapshot of the transaction that counts the clips; restoring turns the
archive into SQL with ``pg_restore`` and runs it with ``psql`` in one transaction that first
removes the schema's objects, so that a failed restore leaves the database as it was.

Either way a backup is written to a temporary file beside its final name and renamed when it is
complete, and a restore checks the whole file before it touches the database, then upgrades the
restored schema to the current revision.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, OperationalError

from .db import DatabaseError, make_engine, upgrade
from .settings import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"  # pg_dump's custom format
EXTENSIONS = {"sqlite": "sqlite", "postgresql": "dump"}
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore cannot be done; the message says why, in one sentence."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    clips: int


@dataclass(frozen=True)
class RestoreResult:
    database: str  # URL without password
    backup_revision: str | None  # the schema revision the backup held
    revision: str | None  # after the migrations
    clips: int
    users: int


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


# -- The configured database ------------------------------------------------------------------


def _url(database_url: str) -> URL:
    try:
        return make_url(database_url)
    except ArgumentError as exc:
        raise BackupError(f"RETOMBEES_DATABASE_URL is not a usable database URL ({exc}).") from exc


def database_kind(database_url: str) -> str:
    """``sqlite`` or ``postgresql``.

    :raises BackupError: for another kind of database.
    """
    backend = _url(database_url).get_backend_name()
    if backend not in EXTENSIONS:
        raise BackupError(
            f"Backups are made of SQLite and PostgreSQL databases only, not {backend}."
        )
    return backend


def _display(database_url: str) -> str:
    return _url(database_url).render_as_string(hide_password=True)


def _sqlite_file(database_url: str) -> Path:
    name = _url(database_url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("The configured SQLite database is not a file; there is nothing to copy.")
    return Path(name).expanduser().resolve()


def default_backup_path(settings: Settings, kind: str, now: datetime | None = None) -> Path:
    """``INSTANCE_PATH/backups/retombees-YYYYmmdd-HHMMSS.<sqlite|dump>``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return settings.instance_path / "backups" / f"retombees-{stamp}.{EXTENSIONS[kind]}"


# -- PostgreSQL client tools ------------------------------------------------------------------


def _tool_version(path: str) -> tuple[int, ...]:
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        return ()
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    return tuple(int(part) for part in match.groups() if part) if match else ()


def find_tool(name: str) -> str:
    """The newest PostgreSQL client program ``name`` (on PATH or in /usr/lib/postgresql).

    A newer ``pg_dump`` dumps older servers and a newer ``pg_restore`` reads older archives.

    :raises BackupError: when it is not installed.
    """
    candidates = {path for path in [shutil.which(name)] if path}
    candidates.update(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    versions = {path: _tool_version(path) for path in candidates if os.access(path, os.X_OK)}
    usable = [path for path, version in versions.items() if version]
    if not usable:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client programs "
            "(postgresql-client) to back up or restore a PostgreSQL database."
        )
    return max(usable, key=lambda path: versions[path])


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment carrying it."""
    url = _url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    env.setdefault("PGCONNECT_TIMEOUT", "15")
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c client_min_messages=warning").strip()
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool_error(stderr: str, password: str | None) -> str:
    """The tool's error, one line, without a password."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    line = (errors or lines or ["no message"])[0]
    line = re.sub(r"^(pg_dump|pg_restore|psql)(:\S*)*:\s*", "", line)
    line = re.sub(r"^(error|ERROR|FATAL):\s*", "", line).strip().rstrip(".")
    if password:
        line = line.replace(password, "***")
    return line


def _run(command: list[str], env: dict[str, str] | None, what: str, password=None) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise BackupError(f"Cannot run {command[0]}: {exc.strerror}.") from exc
    if done.returncode != 0:
        raise BackupError(f"{what}: {_tool_error(done.stderr, password)}.")
    return done.stdout


# -- Backup -----------------------------------------------------------------------------------


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _staged(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target``, renamed to it only when the block ends normally."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise BackupError(f"Cannot write in {target.parent}: {exc.strerror}.") from exc
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        _fsync(temp)
        os.replace(temp, target)
        _fsync(target.parent, directory=True)
    finally:
        temp.unlink(missing_ok=True)


def _check_sqlite(connection: sqlite3.Connection, name: str) -> tuple[str | None, int, int]:
    """Revision, clips and users of a SQLite Retombées database, after its integrity check.

    :raises BackupError: when it is damaged or not a Retombées database.
    """
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{name} is damaged or incomplete (integrity check: {problems[0]}).")
        listed = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        tables = {row[0] for row in listed}
        if not {"alembic_version", "coverage", "user"} <= tables:
            raise BackupError(
                f"{name} is a SQLite database but not a Retombées one (no alembic_version, "
                "coverage or user table)."
            )
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        clips = connection.execute("SELECT count(*) FROM coverage").fetchone()[0]
        users = connection.execute('SELECT count(*) FROM "user"').fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{name} is damaged or incomplete ({exc}).") from exc
    return (revision[0] if revision else None), clips, users


def _backup_sqlite(database_url: str, temp: Path) -> int:
    source = _sqlite_file(database_url)
    if not source.is_file():
        raise BackupError(f"There is no database to back up at {source}.")
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(temp)) as dst,
        ):
            src.backup(dst)  # one step: a consistent snapshot, writers go on meanwhile (WAL)
            dst.execute("PRAGMA journal_mode=DELETE")  # a plain, single-file copy
            _revision, clips, _users = _check_sqlite(dst, f"The copy of {source}")
    except sqlite3.Error as exc:
        raise BackupError(f"Cannot copy {source}: {exc}.") from exc
    return clips


def _cannot_open(engine: Engine, exc: OperationalError) -> BackupError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    url = engine.url.set(drivername=engine.url.get_backend_name())
    url = url.render_as_string(hide_password=True)
    return BackupError(f"Cannot open the database {url}: {reason.rstrip('.')}.")


def _backup_postgresql(database_url: str, temp: Path) -> int:
    pg_dump = find_tool("pg_dump")
    conninfo, env = _libpq(database_url)
    password = _url(database_url).password
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # pg_dump reads the same snapshot as the count below.
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                if connection.scalar(text("SELECT to_regclass('alembic_version')")) is None:
                    raise BackupError(
                        f"{_display(database_url)} is not a Retombées database "
                        "(no alembic_version table)."
                    )
                clips = connection.scalar(text("SELECT count(*) FROM coverage"))
                command = [pg_dump, "--format=custom", f"--snapshot={snapshot}"]
                command += [f"--file={temp}", f"--dbname={conninfo}"]
                _run(command, env, "pg_dump failed", password)
    except OperationalError as exc:
        raise _cannot_open(engine, exc) from exc
    finally:
        engine.dispose()
    _run([find_tool("pg_restore"), "--list", str(temp)], None, "The dump cannot be read back")
    return clips


def backup_database(
    settings: Settings, path: str | os.PathLike | None = None, now: datetime | None = None
) -> BackupResult:
    """Write a consistent copy of the configured database to ``path`` (or the default path).

    A directory as ``path`` receives the default file name. The file appears only complete.

    :raises BackupError: when the copy cannot be made; nothing is left under ``path`` then.
    """
    kind = database_kind(settings.database_url)
    target = Path(path).expanduser() if path else default_backup_path(settings, kind, now)
    if target.is_dir():
        target = target / default_backup_path(settings, kind, now).name
    target = target.resolve()
    if kind == "sqlite":
        database = _sqlite_file(settings.database_url)
        if not database.is_file():
            raise BackupError(f"There is no database to back up at {database}.")
        if target == database:
            raise BackupError(f"{target} is the database itself; choose another file.")
    with _staged(target) as temp:
        if kind == "sqlite":
            clips = _backup_sqlite(settings.database_url, temp)
        else:
            clips = _backup_postgresql(settings.database_url, temp)
    return BackupResult(target, target.stat().st_size, clips)


# -- Restore ----------------------------------------------------------------------------------


def backup_kind(path: Path) -> str | None:
    """``sqlite``, ``postgresql`` (custom-format dump) or None, from the file's first bytes."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return None


def _validate_sqlite_backup(source: Path) -> str | None:
    try:
        with closing(sqlite3.connect(source.as_uri() + "?mode=ro", uri=True)) as connection:
            revision, _clips, _users = _check_sqlite(connection, str(source))
    except sqlite3.Error as exc:
        raise BackupError(f"{source} cannot be read ({exc}).") from exc
    return revision


def _validate_pg_backup(source: Path) -> str:
    """The archive's table of contents, after reading the whole archive.

    :raises BackupError: when it is damaged, incomplete or not a Retombées database's dump.
    """
    pg_restore = find_tool("pg_restore")
    damaged = f"{source} is damaged or incomplete"
    toc = _run([pg_restore, "--list", str(source)], None, damaged)
    if not re.search(r"\bTABLE \S+ alembic_version\b", toc) or not re.search(
        r"\bTABLE \S+ coverage\b", toc
    ):
        raise BackupError(
            f"{source} is a PostgreSQL dump but not of a Retombées database "
            "(no alembic_version or coverage table)."
        )
    # Reading every data block finds a truncated archive, which the listing alone does not.
    _run([pg_restore, f"--file={os.devnull}", str(source)], None, damaged)
    return toc


def _table_names(engine: Engine) -> set[str]:
    try:
        return set(inspect(engine).get_table_names())
    except OperationalError as exc:
        raise _cannot_open(engine, exc) from exc


def _refuse_non_empty(engine: Engine) -> None:
    """Refuse a database that holds more than a new one: clips, or users beyond the first."""
    display = engine.url.render_as_string(hide_password=True)
    tables = _table_names(engine)
    if not tables:
        return
    if "alembic_version" not in tables:
        raise BackupError(
            f"The database {display} holds tables that are not Retombées's; restoring would "
            "replace them: use --force to do so."
        )
    with engine.connect() as connection:
        count = {
            table: connection.scalar(text(f'SELECT count(*) FROM "{table}"'))
            for table in ("coverage", "user")
            if table in tables
        }
    clips, users = count.get("coverage", 0), count.get("user", 0)
    if clips or users > 1:
        raise BackupError(
            f"The database {display} already holds {plural(clips, 'clip')} and "
            f"{plural(users, 'user')}; restoring would replace them: use --force to do so."
        )


def _figures_version(engine: Engine) -> int:
    if "data_version" not in _table_names(engine):
        return 0
    with engine.connect() as connection:
        return connection.scalar(text("SELECT max(version) FROM data_version")) or 0


def _restore_sqlite(source: Path, target: Path) -> None:
    try:
        with (
            closing(sqlite3.connect(source.as_uri() + "?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(target, timeout=30)) as dst,
        ):
            src.backup(dst)  # replaces every page of the target in one write transaction
    except sqlite3.Error as exc:
        raise BackupError(
            f"Cannot restore into {target}: {exc} (stop the app and the scheduler first)."
        ) from exc


# Removes what the schema holds (tables, views, sequences, functions, types, text search
# configurations), except the objects of extensions, which the dump re-creates "IF NOT EXISTS".
WIPE_SCHEMA = r"""
DO $wipe$
DECLARE
  item record;
BEGIN
  FOR item IN
    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
             WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind,
           format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY c.relkind = 'S'
  LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE', item.kind, item.name);
  END LOOP;
  FOR item IN
    SELECT p.oid::regprocedure::text AS name
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema()
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', item.name);
  END LOOP;
  FOR item IN
    SELECT format('%I.%I', n.nspname, t.typname) AS name
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema()
      AND (t.typtype IN ('e', 'd', 'r')
           OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                      AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP TYPE IF EXISTS %s CASCADE', item.name);
  END LOOP;
  FOR item IN
    SELECT format('%I.%I', n.nspname, c.cfgname) AS name
    FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
    WHERE n.nspname = current_schema()
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_ts_config'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP TEXT SEARCH CONFIGURATION IF EXISTS %s CASCADE', item.name);
  END LOOP;
END
$wipe$;
"""


def _restore_postgresql(source: Path, database_url: str, toc: str) -> None:
    """Empty the schema and run the archive's SQL in one transaction (all or nothing)."""
    pg_restore, psql = find_tool("pg_restore"), find_tool("psql")
    conninfo, env = _libpq(database_url)
    password = _url(database_url).password
    with tempfile.TemporaryDirectory(prefix="retombees-restore-") as work:
        work = Path(work)
        # An extension's comment needs its owner: leave comments on extensions out.
        listing = work / "toc.list"
        listing.write_text(
            "\n".join(
                f";{line}" if re.search(r"\bCOMMENT - EXTENSION\b", line) else line
                for line in toc.splitlines()
            )
        )
        with (
            (work / "pg_restore.err").open("w+") as restore_err,
            (work / "psql.out").open("w+") as psql_out,
        ):
            try:
                producer = subprocess.Popen(
                    [pg_restore, "--no-owner", "--no-acl", f"--use-list={listing}", "--file=-"]
                    + [str(source)],
                    stdout=subprocess.PIPE,
                    stderr=restore_err,
                    env=env,
                )
            except OSError as exc:
                raise BackupError(f"Cannot run {pg_restore}: {exc.strerror}.") from exc
            try:
                consumer = subprocess.Popen(
                    [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-", f"--dbname={conninfo}"],
                    stdin=subprocess.PIPE,
                    stdout=psql_out,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            except OSError as exc:
                producer.kill()
                producer.wait()
                raise BackupError(f"Cannot run {psql}: {exc.strerror}.") from exc
            _feed(producer, consumer)
            psql_out.seek(0)
            restore_err.seek(0)
            if consumer.returncode != 0:
                reason = _tool_error(psql_out.read(), password)
                raise BackupError(f"The restore failed and was undone: {reason}.")
            if producer.returncode != 0:
                reason = _tool_error(restore_err.read(), password)
                raise BackupError(f"The restore failed and was undone: {reason}.")


def _feed(producer: subprocess.Popen, consumer: subprocess.Popen) -> None:
    """Send psql the wipe, then pg_restore's script, then COMMIT only if the script is whole."""
    try:
        consumer.stdin.write(b"BEGIN;\n" + WIPE_SCHEMA.encode())
        while chunk := producer.stdout.read(CHUNK):
            consumer.stdin.write(chunk)
        producer.stdout.close()
        if producer.wait() == 0:
            # Otherwise psql reaches the end inside the transaction: the server rolls it back.
            consumer.stdin.write(b"COMMIT;\n")
    except BrokenPipeError:
        pass  # psql stopped at an error: its output says which
    finally:
        if producer.poll() is None:
            producer.kill()
        producer.wait()
        try:
            consumer.stdin.close()
        except BrokenPipeError:
            pass
        consumer.wait()


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def restore_database(
    settings: Settings, path: str | os.PathLike, force: bool = False
) -> RestoreResult:
    """Replace the configured database's content with the backup at ``path``, then upgrade it.

    :raises BackupError: when the file is not a complete backup of the right kind, or when the
        database holds clips or users and ``force`` is false; the database is untouched then.
    """
    kind = database_kind(settings.database_url)
    source = Path(path).expanduser().resolve()
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file.")
    found = backup_kind(source)
    if found is None:
        raise BackupError(
            f"{source} is not a Retombées backup (neither a SQLite database nor a PostgreSQL "
            "custom-format dump)."
        )
    if found != kind:
        raise BackupError(
            f"{source} is a {LABELS[found]} backup but the configured database is "
            f"{LABELS[kind]}; restore it into a {LABELS[found]} database."
        )
    toc = ""
    if kind == "sqlite":
        target = _sqlite_file(settings.database_url)
        if target.exists() and target.samefile(source):
            raise BackupError(f"{source} is the configured database itself.")
        backup_revision = _validate_sqlite_backup(source)
    else:
        toc = _validate_pg_backup(source)
        backup_revision = None
    engine = make_engine(settings.database_url)
    try:
        if not force:
            _refuse_non_empty(engine)
        figures_before = _figures_version(engine)
        engine.dispose()
        if kind == "sqlite":
            _restore_sqlite(source, target)
        else:
            _restore_postgresql(source, settings.database_url, toc)
            backup_revision = _revision(engine)
        try:
            upgrade(engine)
        except DatabaseError as exc:
            raise BackupError(f"The backup was restored but cannot be upgraded: {exc}") from exc
        with engine.begin() as connection:
            # Figures cached for the replaced data must not be served for the restored data.
            restored = connection.scalar(text("SELECT max(version) FROM data_version")) or 0
            connection.execute(
                text("UPDATE data_version SET version = :version"),
                {"version": max(restored, figures_before) + 1},
            )
            clips = connection.scalar(text("SELECT count(*) FROM coverage"))
            users = connection.scalar(text('SELECT count(*) FROM "user"'))
        revision = _revision(engine)
    except OperationalError as exc:
        raise _cannot_open(engine, exc) from exc
    finally:
        engine.dispose()
    return RestoreResult(
        database=_display(settings.database_url),
        backup_revision=backup_revision,
        revision=revision,
        clips=clips,
        users=users,
    )
