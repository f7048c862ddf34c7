"""``create_app``: settings, database, extensions, blueprints, security headers."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, redirect, url_for
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from models import Settings
from models.db import open_database
from models.figures_cache import FiguresCache, make_store

from . import (
    account,
    actions,
    admin,
    api,
    auth,
    background,
    campaigns,
    contacts,
    coverage,
    dashboard,
    errors,
    jobs,  # noqa: F401  (registers the background task kinds)
    outbox,
    outlets,
    pressbook,
    reasons,
    requests_log,
    review,
    scheduler_jobs,
    sources,
    tasks,
)
from .extensions import babel, csrf, login_manager, select_locale
from .formatting import install_gettext, register_filters
from .session import close_session

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class RowId(IntegerConverter):
    """``<int:…>`` in an address: a row id, at most the largest database integer, so that an
    address with a huge number is a 404 rather than an overflow in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict | None = None, settings: Settings | None = None) -> Flask:
    """Build the web application for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.ensure_instance()))
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        BABEL_DEFAULT_LOCALE=settings.language,
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        WTF_CSRF_TIME_LIMIT=None,
        RETOMBEES_DASHBOARD_WAIT=settings.dashboard_wait,
    )
    if test_config:
        app.config.update(test_config)
    if settings.trusted_proxies:
        # Behind a proxy every request comes from the proxy: the client's address, which the
        # login rate limit counts, is the one the proxies add to X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=0)
    app.extensions["retombees_settings"] = settings
    engine, sessions = open_database(settings)
    app.extensions["retombees_engine"] = engine
    app.extensions["retombees_sessions"] = sessions
    app.extensions["retombees_figures_cache"] = FiguresCache(
        make_store(settings.redis_url), namespace=engine.url.render_as_string(hide_password=True)
    )

    app.url_map.converters["int"] = RowId  # before the blueprints' rules are bound
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_gettext(app)
    register_filters(app)
    reasons.register(app)
    app.teardown_appcontext(close_session)
    background.init_app(app)
    modules = (auth, review, sources, campaigns, coverage, outlets, dashboard)
    modules += (contacts, actions, requests_log, admin, account, tasks, api)
    modules += (outbox, scheduler_jobs)
    modules += (pressbook,)
    for module in modules:
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookies: nothing for a forged form to ride on
    _limit_logins(app, settings)
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


def _limit_logins(app: Flask, settings: Settings) -> None:
    """Rate-limit login attempts per client address (in Redis when configured, so that every
    web worker counts together)."""
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.redis_url or "memory://",
        strategy="moving-window",
        headers_enabled=True,  # Retry-After on the refusal
        # Redis stopped or restarting: count in this process meanwhile rather than refuse
        # every login with a server error.
        in_memory_fallback_enabled=True,
    )
    app.extensions["retombees_limiter"] = limiter
    login = app.view_functions["auth.login"]
    app.view_functions["auth.login"] = limiter.limit(settings.login_rate_limit, methods=["POST"])(
        login
    )
    app.register_error_handler(RateLimitExceeded, auth.too_many_attempts)
