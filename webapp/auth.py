"""Login, logout and the role check used by the other blueprints."""

from __future__ import annotations

import math
import time
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as web_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from models import utcnow
from models.login_session import end_login, start_login
from models.user import user_by_name

from .extensions import LOGIN_KEY
from .session import db

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def permission_required(action: str):
    """Let in only logged-in users whose role allows ``action``; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def local_path(target: str | None, default: str, prefix: str = "/") -> str:
    """``target`` when it is a path of this site (under ``prefix``), else ``default``: a
    redirect never leads to another site (``//host``, ``/\\host``)."""
    if target and target.startswith(prefix) and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        session = db()
        user = user_by_name(session, form.username.data.strip())
        if user and user.active and user.check_password(form.password.data):
            user.last_login_at = utcnow()
            token = start_login(session, user)
            session.commit()
            _fresh_session()
            login_user(user)
            web_session[LOGIN_KEY] = token
            return redirect(local_path(request.args.get("next"), url_for("review.index")))
        flash(_("Unknown user name or wrong password."), "error")
    return render_template("auth/login.html", form=form)


def too_many_attempts(_exc):
    """The login page again, saying why it refuses (429, with Retry-After): too many attempts
    from this address (``RETOMBEES_LOGIN_RATE_LIMIT``), a correct password included."""
    limit = current_app.extensions["retombees_limiter"].current_limit
    seconds = int(limit.reset_at - time.time()) if limit else 60  # as in Retry-After
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many login attempts from your address. Try again in %(num)d minute.",
        "Too many login attempts from your address. Try again in %(num)d minutes.",
        minutes,
    )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error="Too Many Requests", message=message), 429
    flash(message, "error")
    return render_template("auth/login.html", form=LoginForm()), 429


@bp.post("/logout")
@login_required
def logout():
    session = db()
    end_login(session, web_session.get(LOGIN_KEY))
    session.commit()
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"))


def current_login() -> str | None:
    """The token of this browser's login (to keep it when ending a user's other logins)."""
    return web_session.get(LOGIN_KEY)


def _fresh_session() -> None:
    """Start the session afresh, keeping only the language: nothing set before a login (a
    CSRF token that a planted cookie would give away) lives on after it, or after a logout."""
    language = web_session.get("lang")
    web_session.clear()
    if language:
        web_session["lang"] = language
