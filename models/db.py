"""Engine, session factory and schema upgrades (Alembic)."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from . import figures_cache
from .settings import Settings

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(RuntimeError):
    """The database cannot be opened or upgraded; the message says why, in one sentence."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL keeps the database consistent on power loss and saves an fsync a commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``.

    :raises DatabaseError: when the URL is not a usable database URL.
    """
    try:
        parsed = make_url(url)
        options = {}
        if parsed.drivername == "postgresql":  # use psycopg 3, the driver we ship
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.get_backend_name() == "postgresql" and "options" not in parsed.query:
            # JIT compiles the figures' aggregates for 15 to 200 ms each, more than it saves
            # on queries that read indexes (docs/performance.md).
            options["connect_args"] = {"options": "-c jit=off"}
        engine = create_engine(parsed, pool_pre_ping=True, **options)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise DatabaseError(
            f"RETOMBEES_DATABASE_URL is not a usable database URL ({exc})."
        ) from exc
    if engine.dialect.name == "sqlite":
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    figures_cache.watch_writes(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


MIGRATION_LOCK = 0x5265746F  # PostgreSQL advisory lock key held while migrating


@contextmanager
def setup_lock(engine: Engine):
    """Keep processes starting together (workers on a new database) from setting it up at once.

    On SQLite a file lock beside the database; on PostgreSQL, call ``lock_setup`` inside the
    transaction as well.
    """
    if engine.dialect.name != "sqlite" or not engine.url.database:
        yield
        return
    path = Path(engine.url.database).with_suffix(".migration-lock")
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_setup(connection) -> None:
    """On PostgreSQL, hold the setup lock until the end of the current transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))


@contextmanager
def migration_transaction(engine: Engine):
    """A connection in one transaction for migrations: all of them are applied, or none.

    PostgreSQL's DDL is transactional as it is. SQLite's needs two things (its documented
    procedure for altering a table):

    - pysqlite opens no transaction before DDL, so ``BEGIN`` is sent here: otherwise an upgrade
      failing half-way would leave the tables it had created behind a revision that lacks them,
      and every later start would fail on them;
    - Alembic's batch mode rebuilds a table by copying it and dropping the original, and with
      foreign keys enforced that DROP deletes the rows of other tables referencing it
      (ON DELETE CASCADE: a clip's campaign links, labels, snapshot) or fails. Foreign keys are
      off meanwhile (``PRAGMA foreign_keys`` only changes outside a transaction), checked with
      :func:`check_foreign_keys` before committing, and on again afterwards.
    """
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            with connection.begin():
                yield connection
            return
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # ends SQLAlchemy's autobegun transaction (no SQLite one is open)
        try:
            with connection.begin():
                # IMMEDIATE: the write lock now, waiting for writers (busy_timeout), rather than
                # failing when a read transaction has to become a write one.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def check_foreign_keys(connection) -> None:
    """On SQLite, refuse to commit rows whose foreign key leads nowhere (see
    :func:`migration_transaction`).

    :raises DatabaseError: naming the first such row's table.
    """
    if connection.dialect.name != "sqlite":
        return
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:
        table, rowid, parent, _index = problems[0]
        raise DatabaseError(
            f"The upgrade would leave {len(problems)} rows referring to missing rows (the first: "
            f"row {rowid} of {table}, to {parent}); the database is left as it was."
        )


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the latest revision, in one transaction.

    :raises DatabaseError: when the database cannot be reached.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        if _at_head(engine, config):  # the usual start: no lock taken, no writer waited for
            return
        with setup_lock(engine), migration_transaction(engine) as connection:
            lock_setup(connection)
            before = MigrationContext.configure(connection).get_current_revision()
            # The counter may not exist yet while migrating: bump it once at the end instead.
            connection.info[figures_cache.PAUSED] = True
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            finally:
                connection.info.pop(figures_cache.PAUSED, None)
            if MigrationContext.configure(connection).get_current_revision() != before:
                check_foreign_keys(connection)
                figures_cache.bump(connection)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"Cannot open the database {url}: {reason}.") from exc


def _at_head(engine: Engine, config) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def current_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def open_database(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """Open the configured database, upgrading its schema; return engine and session factory."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine, session_factory(engine)
