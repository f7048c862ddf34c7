"""``create_app``: settings, database, extensions, blueprints, security headers."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, redirect, url_for

from models import Settings
from models.db import open_database

from . import auth, campaigns, coverage, errors, outlets, reasons, review, sources
from .extensions import babel, csrf, login_manager, select_locale
from .formatting import register_filters
from .session import close_session

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def create_app(test_config: dict | None = None, settings: Settings | None = None) -> Flask:
    """Build the web application for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.ensure_instance()))
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        BABEL_DEFAULT_LOCALE=settings.language,
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        WTF_CSRF_TIME_LIMIT=None,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["retombees_settings"] = settings
    engine, sessions = open_database(settings)
    app.extensions["retombees_engine"] = engine
    app.extensions["retombees_sessions"] = sessions

    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    register_filters(app)
    reasons.register(app)
    app.teardown_appcontext(close_session)
    for module in (auth, review, sources, campaigns, coverage, outlets):
        app.register_blueprint(module.bp)
    errors.register(app)

    @app.get("/")
    def index():
        return redirect(url_for("review.index"))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
