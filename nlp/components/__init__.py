"""Retombées spaCy components; importing this package registers their factories."""

from . import key_messages, medium, quotes, summary, territory, tone

__all__ = ["key_messages", "medium", "quotes", "summary", "territory", "tone"]
