"""Administration: user accounts and their roles, and the deployment's settings (read only)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from models import Role, Settings, User
from models.api_token import revoke_tokens_of
from models.login_session import end_logins_of
from models.settings import SETTINGS
from models.user import (
    MIN_PASSWORD_LENGTH,
    UserAdminError,
    create_user,
    set_active,
    set_role,
    user_by_name,
    users_by_name,
)

from .account import ROLE_LABELS
from .auth import current_login, permission_required
from .fields import SelectField
from .session import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Settings whose value is never shown; URLs have their password masked wherever it appears.
SECRET_SETTINGS = {"secret_key", "admin_password", "smtp_password"}
MASK = "••••••"
SECRET_WORDS = ("password", "passwd", "secret", "token", "key")
UNSET_SECRETS = {
    "secret_key": _l("not set: generated and kept in the instance folder"),
    "admin_password": _l("not set: a random one was printed at the first start"),
    "smtp_password": _l("not set: the SMTP server is used without a password"),
}


def _role_choices():
    return [(role.value, str(ROLE_LABELS.get(role.value, role.value))) for role in Role]


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(
        _l("Email"),
        validators=[Optional(), Length(max=200), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")],
    )
    role = SelectField(_l("Role"), default=Role.OFFICER.value)
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
    )


def _users_page(form: UserForm, status: int = 200):
    return (
        render_template(
            "admin/index.html",
            users=users_by_name(db()),
            form=form,
            roles=_role_choices(),
            role_labels=ROLE_LABELS,
            me=current_user.id,
            min_password=MIN_PASSWORD_LENGTH,
        ),
        status,
    )


@bp.get("/")
@permission_required("admin")
def index():
    form = UserForm()
    form.role.choices = _role_choices()
    return _users_page(form)


@bp.post("/users")
@permission_required("admin")
def create():
    form = UserForm()
    form.role.choices = _role_choices()
    if not form.validate_on_submit():
        return _users_page(form, 400)
    session = db()
    username = form.username.data.strip()
    if user_by_name(session, username):
        form.username.errors.append(_("This user name is taken."))
        return _users_page(form, 409)
    user = create_user(session, username, form.password.data, form.role.data)
    user.email = (form.email.data or "").strip() or None
    session.commit()
    flash(_("Account %(name)s created.", name=username), "success")
    return redirect(url_for("admin.index"))


def _user(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _me() -> User:
    return current_user._get_current_object()


@bp.post("/users/<int:user_id>/role")
@permission_required("admin")
def change_role(user_id: int):
    user = _user(user_id)
    try:
        set_role(_me(), user, request.form.get("role", ""))
    except UserAdminError:
        flash(_("You cannot remove your own administrator role."), "error")
        return redirect(url_for("admin.index"))
    except ValueError:
        abort(400)
    db().commit()
    role = ROLE_LABELS.get(user.role.value, user.role.value)
    flash(_("%(name)s is now: %(role)s.", name=user.username, role=role), "success")
    return redirect(url_for("admin.index"))


@bp.post("/users/<int:user_id>/deactivate")
@permission_required("admin")
def deactivate(user_id: int):
    user = _user(user_id)
    try:
        set_active(_me(), user, False)
    except UserAdminError:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.index"))
    # Reactivated later, the account's old cookies and API tokens stay dead.
    end_logins_of(db(), user)
    revoke_tokens_of(db(), user)
    db().commit()
    flash(_("%(name)s can no longer log in.", name=user.username), "success")
    return redirect(url_for("admin.index"))


@bp.post("/users/<int:user_id>/reactivate")
@permission_required("admin")
def reactivate(user_id: int):
    user = _user(user_id)
    set_active(_me(), user, True)
    db().commit()
    flash(_("%(name)s can log in again.", name=user.username), "success")
    return redirect(url_for("admin.index"))


@bp.post("/users/<int:user_id>/password")
@permission_required("admin")
def reset_password(user_id: int):
    user = _user(user_id)
    try:
        user.set_password(request.form.get("password", ""))
    except ValueError:
        flash(_("A password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), "error")
        return redirect(url_for("admin.index"))
    # Whoever held the old password, or a cookie of the account, is logged out everywhere.
    end_logins_of(db(), user, keep=current_login() if user.id == _me().id else None)
    db().commit()
    flash(_("New password set for %(name)s.", name=user.username), "success")
    return redirect(url_for("admin.index"))


# -- Settings -------------------------------------------------------------------------------


def mask_url(value: str) -> str:
    """Hide the password of a URL (``user:***@host``) and its secret-looking parameters."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return MASK
    if not parts.scheme or not parts.netloc:
        return value
    netloc = parts.netloc
    if "@" in netloc:
        credentials, host = netloc.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in credentials else netloc
    query = urlencode(
        [
            (k, MASK if any(word in k.lower() for word in SECRET_WORDS) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe=MASK,
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def settings_rows(settings: Settings) -> list[dict]:
    """The settings as shown to an administrator: secrets hidden, URL passwords masked."""
    rows = []
    for setting in SETTINGS:
        value = getattr(settings, setting.name)
        if setting.name in SECRET_SETTINGS:
            shown = _("set (hidden)") if value else str(UNSET_SECRETS[setting.name])
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = str(value)
            if "://" in shown:
                shown = mask_url(shown)
        rows.append(
            {"name": setting.name, "env": setting.env, "value": shown, "help": setting.help}
        )
    return rows


@bp.get("/settings")
@permission_required("admin")
def settings():
    return render_template(
        "admin/settings.html", rows=settings_rows(current_app.extensions["retombees_settings"])
    )
