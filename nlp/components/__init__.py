"""Retombées spaCy components; importing this package registers their factories."""

from . import medium, territory

__all__ = ["medium", "territory"]
