"""Evidence snapshots: the compressed HTML of each stored web clip, and their retention."""

from __future__ import annotations

import zlib
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .base import utcnow
from .coverage import Snapshot

LEVEL = 6  # zlib's default: a 200 kB page shrinks to about 40 kB in a few milliseconds


def compress(html: bytes) -> bytes:
    return zlib.compress(html, LEVEL)


def decompress(data: bytes) -> bytes:
    return zlib.decompress(data)


def snapshot_of(session: Session, coverage_id: int) -> Snapshot | None:
    return session.scalar(select(Snapshot).where(Snapshot.coverage_id == coverage_id))


def purge_snapshots(session: Session, keep_days: int) -> int:
    """Delete snapshots fetched more than ``keep_days`` ago (0 keeps them all); return how many."""
    if keep_days <= 0:
        return 0
    cutoff = utcnow() - timedelta(days=keep_days)
    result = session.execute(delete(Snapshot).where(Snapshot.fetched_at < cutoff))
    return result.rowcount or 0
