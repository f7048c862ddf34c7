"""One scheduler per deployment: the lock it holds for its lifetime.

On PostgreSQL a session-level advisory lock on a connection of its own (checked, and taken
back after a database restart, by the scheduler's heartbeat); elsewhere an exclusive ``flock``
on a file beside the SQLite database. Both go with the process if it dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from .db import make_engine
from .settings import Settings

log = logging.getLogger("retombees.scheduler")

SCHEDULER_LOCK = 0x52657453  # PostgreSQL advisory lock key of the scheduler ("RetS")


class SchedulerLocked(RuntimeError):
    """Another scheduler runs for this database; the message says which one."""


def lock_path(settings: Settings) -> Path:
    """The lock file: beside the SQLite database, or in the instance folder."""
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        url = None
    if url is not None and url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database).with_suffix(".scheduler-lock")
    return settings.instance_path / "scheduler.lock"


_HELD = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 "
    "AND CAST(objid AS bigint) = :key AND objsubid = 1 AND granted AND pid = pg_backend_pid())"
)
_HOLDER = (
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.classid = 0 AND CAST(l.objid AS bigint) = :key "
    "AND l.objsubid = 1 AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _me() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


class SchedulerLock:
    """Held for the scheduler's lifetime: on PostgreSQL a session-level advisory lock on a
    connection of its own, elsewhere an exclusive ``flock`` (see :func:`lock_path`). Both go
    with the process if it dies."""

    def __init__(self, settings: Settings):
        self.settings = settings
        try:
            backend = make_url(settings.database_url).get_backend_name()
        except ArgumentError:
            backend = ""
        self.postgresql = backend == "postgresql"
        self.path = None if self.postgresql else lock_path(settings)
        self._engine = None
        self._connection = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._fd is not None

    def acquire(self) -> None:
        """:raises SchedulerLocked: when another scheduler holds the lock."""
        if self.postgresql:
            self._acquire_postgresql()
        else:
            self._acquire_file()

    def _acquire_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise SchedulerLocked(
                f"Another scheduler is already running for this database ({holder} holds "
                f"{self.path}). Only one scheduler may run per deployment: this one does not "
                "start."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{_me()}\n".encode())
        self._fd = fd

    def _acquire_postgresql(self) -> None:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            name = f"retombees scheduler ({_me()})"[:63]
            named = text("SELECT set_config('application_name', :n, false)")
            connection.execute(named, {"n": name})
            key = {"key": SCHEDULER_LOCK}
            if connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
                self._connection = connection
                return
            holder = connection.scalar(text(_HOLDER), key)
        except BaseException:
            connection.close()
            raise
        connection.close()
        raise SchedulerLocked(
            f"Another scheduler is already running for this database ({holder or 'a session'} "
            f"holds PostgreSQL advisory lock {SCHEDULER_LOCK}). Only one scheduler may run per "
            "deployment: this one does not start."
        )

    def check(self) -> bool:
        """Tell whether this process still holds the lock. A PostgreSQL lock goes with its
        connection (a database restart): it is taken again if no other scheduler took it.

        :returns: False when another scheduler holds the lock now.
        """
        if not self.postgresql:
            return self._fd is not None
        if self._connection is not None:
            try:
                if self._connection.scalar(text(_HELD), {"key": SCHEDULER_LOCK}):
                    return True
            except SQLAlchemyError:
                pass
            log.warning("the scheduler lost its database connection; taking its lock again")
            self._close_connection()
        try:
            self._acquire_postgresql()
        except SchedulerLocked:
            return False
        return True

    def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK})
            except SQLAlchemyError:
                pass  # gone with the connection
            try:
                connection.close()
            except SQLAlchemyError:
                pass

    def release(self) -> None:
        self._close_connection()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        fd, self._fd = self._fd, None
        if fd is not None:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
