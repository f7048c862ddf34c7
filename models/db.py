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


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the latest revision.

    :raises DatabaseError: when the database cannot be reached.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with setup_lock(engine), engine.begin() as connection:
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
                figures_cache.bump(connection)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"Cannot open the database {url}: {reason}.") from exc


def current_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def open_database(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """Open the configured database, upgrading its schema; return engine and session factory."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine, session_factory(engine)
