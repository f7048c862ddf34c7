"""Login sessions: the server's record of each browser login, so that logging out ends it.

The session cookie is signed, not kept on the server: without this record, a copy of the
cookie (taken on a shared computer, or stolen) would go on opening pages after its owner logged
out, until it expired. Each login gets a random token, carried in the cookie; only its hash is
stored here. Logging out deletes that login; a new password or a deactivation deletes all of a
user's logins, so that every browser holding one is logged out.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .api_token import token_digest
from .base import Base, utcnow
from .user import User

MAX_AGE = timedelta(days=30)  # a login older than this ends, even in a browser left open


class LoginSession(Base):
    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


def start_login(session: Session, user: User) -> str:
    """Record a new login of ``user`` and return its token, for the session cookie; logins
    past ``MAX_AGE`` are forgotten meanwhile. The caller commits."""
    session.execute(delete(LoginSession).where(LoginSession.created_at < utcnow() - MAX_AGE))
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user=user, token_hash=token_digest(token)))
    return token


def user_for_login(session: Session, user_id: int, token: str | None) -> User | None:
    """The active user whose login ``token`` is, or None when that login has ended."""
    if not token:
        return None
    return session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.active.is_(True),
            LoginSession.token_hash == token_digest(token),
            LoginSession.created_at >= utcnow() - MAX_AGE,
        )
    )


def end_login(session: Session, token: str | None) -> None:
    """End the login of ``token`` (logging out). The caller commits."""
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == token_digest(token)))


def end_logins_of(session: Session, user: User, keep: str | None = None) -> None:
    """End every login of ``user`` but the one of ``keep`` (the browser making the change).
    The caller commits."""
    condition = LoginSession.user_id == user.id
    if keep:
        condition &= LoginSession.token_hash != token_digest(keep)
    session.execute(delete(LoginSession).where(condition))
