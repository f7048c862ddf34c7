"""A cache of computed figures, valid until the clips, campaigns or outlets change.

The dashboard's figures of an umbrella campaign over a year read tens of thousands of clips;
they change only when those rows are written. Every transaction that writes to a table the
figures are computed from increments a counter, ``data_version``, as its last statement
before committing (:func:`watch_writes`, installed on every engine by :mod:`models.db`). A cached
value is stored under the counter's value read in the same session, so a write committed by any
process (web worker, scheduler, NLP worker, CLI) makes every earlier entry unreachable. Nothing
is ever served from before the latest committed write.

The counter is bumped at commit time, not at the first write, so that on PostgreSQL
concurrent writers hold its row lock only for their commit. The store is Redis when the
deployment has one (shared by the web workers), else a small in-process LRU.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Engine, String, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base

log = logging.getLogger(__name__)

FIGURES = "figures"
# The tables whose rows the figures are computed from.
WATCHED_TABLES = ("coverage", "coverage_campaign", "campaign", "key_message", "outlet")
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?('
    + "|".join(WATCHED_TABLES)
    + r')"?(?=[\s(]|$)',
    re.IGNORECASE,
)
_BUMP = f"UPDATE data_version SET version = version + 1 WHERE name = '{FIGURES}'"
_WRITTEN = "retombees_figures_written"
PAUSED = "retombees_figures_version_paused"  # set on a connection that must not bump (migrations)
# Part of every key: a change to how figures are computed or stored makes old entries unused.
FORMAT = 2
TTL_SECONDS = 24 * 3600
CLAIM_SECONDS = 600  # a refresh claimed by a process that died is claimable again after this


@dataclass(frozen=True)
class Cached:
    """Figures found in the cache: current, or computed before the latest write."""

    value: Any
    current: bool
    computed_at: datetime | None = None  # when they were computed (known for older figures)
    seconds: float = 0.0  # how long computing them took (known for older figures)


class DataVersion(Base):
    """A counter incremented by every committed write to the figures' tables."""

    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def writes_watched_table(statement: str) -> bool:
    """Whether an SQL statement inserts, updates or deletes rows of a watched table."""
    return _WRITE.match(statement) is not None


def _after_execute(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not conn.info.get(PAUSED) and writes_watched_table(statement):
        conn.info[_WRITTEN] = True


def _before_commit(conn) -> None:
    if conn.info.pop(_WRITTEN, False):
        # The raw DBAPI cursor: the statement joins the transaction being committed without
        # going through the Connection, which is in the middle of committing.
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_BUMP)
        finally:
            cursor.close()


def _after_rollback(conn) -> None:
    # A connection lost in the middle of a transaction (database restarted) is rolled back
    # invalidated: its ``info`` is unreachable (reading it raises) and is cleared on reconnect.
    if not conn.invalidated:
        conn.info.pop(_WRITTEN, None)


def watch_writes(engine: Engine) -> None:
    """Make every committed write to a watched table increment the figures' data version."""
    event.listen(engine, "after_cursor_execute", _after_execute)
    event.listen(engine, "commit", _before_commit)
    event.listen(engine, "rollback", _after_rollback)


def bump(connection) -> None:
    """Increment the data version in ``connection``'s transaction (after a bulk change)."""
    connection.execute(text(_BUMP))


def data_version(session: Session) -> int:
    """The current data version of the figures (0 on a database without the counter)."""
    return session.scalar(select(DataVersion.version).where(DataVersion.name == FIGURES)) or 0


# -- Stores -----------------------------------------------------------------------------------


class MemoryStore:
    """The latest ``size`` values, in this process."""

    def __init__(self, size: int = 64):
        self.size = size
        self._values: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        with self._lock:
            self._set(key, value)

    def _set(self, key: str, value: bytes) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.size:
            self._values.popitem(last=False)

    def add(self, key: str, value: bytes) -> bool:
        """Set ``key`` unless it is there; say whether it was set."""
        with self._lock:
            if key in self._values:
                return False
            self._set(key, value)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)


class RedisStore:
    """Values shared by every process of the deployment, expiring after ``ttl`` seconds."""

    def __init__(self, url: str, ttl: int = TTL_SECONDS):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.ttl = ttl

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get(key)
        except Exception as exc:  # noqa: BLE001 - a cache that cannot be read is a miss
            log.warning("figures cache: cannot read Redis (%s)", exc)
            return None

    def set(self, key: str, value: bytes) -> None:
        try:
            self.client.set(key, value, ex=self.ttl)
        except Exception as exc:  # noqa: BLE001 - the value was computed; serve it anyway
            log.warning("figures cache: cannot write Redis (%s)", exc)

    def add(self, key: str, value: bytes, ttl: int = CLAIM_SECONDS) -> bool:
        """Set ``key`` unless it is there (atomically, for every process); say whether it was."""
        try:
            return bool(self.client.set(key, value, ex=ttl, nx=True))
        except Exception as exc:  # noqa: BLE001 - without Redis, this process does the work
            log.warning("figures cache: cannot write Redis (%s)", exc)
            return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete(key)
        except Exception as exc:  # noqa: BLE001 - the claim expires by itself
            log.warning("figures cache: cannot write Redis (%s)", exc)


def make_store(redis_url: str = ""):
    return RedisStore(redis_url) if redis_url else MemoryStore()


class FiguresCache:
    """Computed figures by name and arguments, for the current data version.

    Beside each value, the latest one computed for the same name and arguments is kept with
    its version, time and cost (:meth:`current_or_stale`): a page whose figures take long to
    compute can show those while the current ones are computed in the background.
    """

    def __init__(self, store, namespace: str = ""):
        self.store = store
        self.namespace = namespace  # tells apart databases sharing one Redis
        self.hits = self.misses = 0

    def _digest(self, name: str, arguments: Any) -> str:
        return hashlib.sha256(
            json.dumps(
                [FORMAT, self.namespace, name, arguments], sort_keys=True, default=str
            ).encode()
        ).hexdigest()[:32]

    def key(self, version: int, name: str, arguments: Any) -> str:
        return f"retombees:figures:{version}:{self._digest(name, arguments)}"

    def _latest_key(self, name: str, arguments: Any) -> str:
        return f"retombees:figures:latest:{self._digest(name, arguments)}"

    def get_or_compute(
        self,
        session: Session,
        name: str,
        arguments: Any,
        compute: Callable[[], Any],
        keep_latest: bool = False,
    ) -> Any:
        """The value of ``compute()`` for these arguments, computed again only after a write.

        The version is read in ``session`` before computing, so a write committed while the
        figures are computed leaves them under the older version, which is never read again.
        ``keep_latest``: also keep it, with its version, time and cost, as the latest value of
        these arguments, for :meth:`current_or_stale` after the next write. (The computations
        that keep it run one at a time per arguments, under a :meth:`claim`.)
        """
        version = data_version(session)
        key = self.key(version, name, arguments)
        cached = self.store.get(key)
        if cached is not None:
            self.hits += 1
            return pickle.loads(cached)  # noqa: S301 - written by this application only
        self.misses += 1
        started = time.monotonic()
        value = compute()
        self.store.set(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        if keep_latest:
            latest = (version, datetime.now(UTC), time.monotonic() - started, value)
            self.store.set(
                self._latest_key(name, arguments),
                pickle.dumps(latest, protocol=pickle.HIGHEST_PROTOCOL),
            )
        return value

    def current_or_stale(self, session: Session, name: str, arguments: Any) -> Cached | None:
        """The current value, else the latest older one (``current`` False), else None."""
        version = data_version(session)
        cached = self.store.get(self.key(version, name, arguments))
        if cached is not None:
            self.hits += 1
            return Cached(pickle.loads(cached), current=True)  # noqa: S301 - ours
        latest = self.store.get(self._latest_key(name, arguments))
        if latest is None:
            return None
        found_version, computed_at, seconds, value = pickle.loads(latest)  # noqa: S301 - ours
        current = found_version >= version  # its own entry was evicted: still current
        self.hits += current
        return Cached(value, current, computed_at, seconds)

    def claim(self, name: str, arguments: Any) -> str | None:
        """Claim the computing of a value, for one thread of one process at a time; the
        claim's key, or None when it is taken. Give it back with :meth:`release` once done:
        writes made meanwhile are computed by the next claim, so a busy day of reviews keeps
        one computation going per dashboard, not one per write."""
        key = f"retombees:figures:claim:{self._digest(name, arguments)}"
        return key if self.store.add(key, b"1") else None

    def release(self, claim: str) -> None:
        self.store.delete(claim)
