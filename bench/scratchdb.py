"""A PostgreSQL database made for one benchmark run and dropped after it.

Used by ``bench/polling.py --db postgresql`` and ``bench/nlp_workers.py``; the schema is then
created by the migrations, as for any new deployment (``models.db.open_database``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url


def _connect(url: str):
    import psycopg

    plain = make_url(url).set(drivername="postgresql")
    return psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True)


def _drop(connection, name: str) -> None:
    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_postgresql(server_url: str, name: str) -> Iterator[str]:
    """Yield the URL of a new, empty database ``name`` on the server of ``server_url``.

    ``server_url`` names a database that exists (e.g. ``…/test``), used to create and drop
    ``name``; a database ``name`` left over by an interrupted run is dropped first.
    """
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a plain database name: {name!r}")
    with _connect(server_url) as admin:
        _drop(admin, name)
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with _connect(server_url) as admin:
            _drop(admin, name)
