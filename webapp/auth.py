"""Login, logout and the role check used by the other blueprints."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from models import utcnow
from models.user import user_by_name

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
            session.commit()
            login_user(user)
            return redirect(local_path(request.args.get("next"), url_for("review.index")))
        flash(_("Unknown user name or wrong password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
