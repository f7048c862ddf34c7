"""Flask extensions, created unbound and attached in ``create_app``."""

from flask import current_app, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from models import User
from models.login_session import user_for_login

from .session import db

LANGUAGES = ("fr", "en")
LOGIN_KEY = "login"  # the session key of the login's token (models.login_session)

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this session's login, while that login lasts (not after logging out)."""
    return user_for_login(db(), int(user_id), session.get(LOGIN_KEY))


def select_locale() -> str:
    """The language chosen with ``?lang=`` (kept in the session), else the default."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
