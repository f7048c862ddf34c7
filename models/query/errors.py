"""The error raised for a monitoring query that cannot be used."""

from __future__ import annotations


class QueryError(ValueError):
    """A monitoring query that cannot be used: says where (column) and why."""

    def __init__(self, position: int, reason: str):
        super().__init__(position, reason)  # both in args, so the error pickles
        self.position = position  # 0-based offset in the query
        self.reason = reason

    def __str__(self) -> str:
        return f"column {self.position + 1}: {self.reason}"
