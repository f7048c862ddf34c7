"""The user's own page: role, language, API tokens."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from models.api_token import create_token, revoke_token, tokens_of
from models.user import PERMISSIONS

from .extensions import LANGUAGES
from .session import db

bp = Blueprint("account", __name__, url_prefix="/account")

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "officer": _l("Press officer"),
    "agency": _l("Agency"),
    "management": _l("Management (read only)"),
}
PERMISSION_LABELS = {
    "read": _l("Read the inbox, coverage, campaigns and dashboards"),
    "export": _l("Download exports and reports"),
    "review": _l("Confirm, reject and correct clips"),
    "edit_campaigns": _l("Edit campaigns and their key messages"),
    "edit_sources": _l("Edit the sources that are crawled"),
    "add_coverage": _l("Add coverage by hand or by address"),
    "edit_registry": _l("Edit the outlet registry (audiences, rate cards)"),
    "press": _l("Keep the press file and compile press books"),
    "admin": _l("Manage users, settings and every task"),
}
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the new token"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("Say what will use it, e.g. “weekly export script”."),
    )


def _page(form: TokenForm, status: int = 200):
    user = current_user
    allowed = [PERMISSION_LABELS.get(a, a) for a in PERMISSIONS if user.can(a)]
    denied = [PERMISSION_LABELS.get(a, a) for a in PERMISSIONS if not user.can(a)]
    html = render_template(
        "account/index.html",
        role=ROLE_LABELS.get(user.role.value, user.role.value),
        allowed=allowed,
        denied=denied,
        languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES],
        tokens=tokens_of(db(), user._get_current_object()),
        form=form,
    )
    return html, status


@bp.get("/")
@login_required
def index():
    return _page(TokenForm())


@bp.post("/tokens")
@login_required
def create():
    """Create a token and show its secret, once: only its hash is kept."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    session = db()
    token, secret = create_token(session, current_user._get_current_object(), form.name.data)
    session.commit()
    response = make_response(
        render_template("account/token_created.html", token=token, secret=secret)
    )
    response.headers["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    session = db()
    token = revoke_token(session, current_user._get_current_object(), token_id)
    if token is None:
        abort(404)
    session.commit()
    flash(
        _("Token revoked: %(name)s. It no longer opens the API.") % {"name": token.name}, "success"
    )
    return redirect(url_for("account.index"))
