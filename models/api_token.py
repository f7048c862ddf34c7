"""API tokens: a user's key to ``/api/v1``, with that user's role and nothing more.

Only a hash of the token is stored; the token itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .user import User

TOKEN_PREFIX = "rtb_"


def token_digest(token: str) -> str:
    """What is stored of a secret token (API token, login): its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it and its secret (shown once). The caller commits."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name.strip() or "API", prefix=secret[:12], token_hash=token_digest(secret)
    )
    session.add(token)
    return token, secret


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user a token belongs to, or None for an unknown or revoked token."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """Revoke one of ``user``'s tokens; None when the user has no such token. The caller commits.

    A revoked token stays listed (with its date) so that its user can tell what stopped working.
    """
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def revoke_tokens_of(session: Session, user: User) -> None:
    """Revoke every token of ``user`` (the account is deactivated): reactivated later, the
    account gets new tokens, and copies of the old ones stay dead. The caller commits."""
    for token in tokens_of(session, user):
        if token.revoked_at is None:
            token.revoked_at = utcnow()
