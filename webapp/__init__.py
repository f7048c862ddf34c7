"""The Retombées web interface (Flask application factory)."""

from .app import create_app

__all__ = ["create_app"]
