"""One database session per request."""

from flask import current_app, g
from sqlalchemy.orm import Session


def db() -> Session:
    """Return this request's session, opening it on first use."""
    if "db" not in g:
        g.db = current_app.extensions["retombees_sessions"]()
    return g.db


def close_session(_exc=None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def valuation_rules():
    """The valuation rules of this deployment's settings."""
    from models.valuation import ValuationRules

    return ValuationRules.from_settings(current_app.extensions["retombees_settings"])


def cached_figures(name: str, arguments, compute, keep_latest: bool = False):
    """``compute()``, or its value cached since the last write to clips, campaigns or outlets
    (see :mod:`models.figures_cache`); ``arguments`` must be everything the value depends on."""
    cache = current_app.extensions["retombees_figures_cache"]
    return cache.get_or_compute(db(), name, arguments, compute, keep_latest)
