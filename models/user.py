"""Users and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Base, Role, str_enum, utcnow

MIN_PASSWORD_LENGTH = 10

EVERYONE = frozenset(Role)
# What each role may do. Reading (inbox, coverage, campaigns, dashboards, exports) is open to
# every role; management only reads.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "read": EVERYONE,
    "export": EVERYONE,
    "review": frozenset({Role.ADMIN, Role.OFFICER}),  # decide, correct, edit clips
    "edit_campaigns": frozenset({Role.ADMIN, Role.OFFICER}),
    "edit_sources": frozenset({Role.ADMIN, Role.OFFICER}),
    "add_coverage": frozenset({Role.ADMIN, Role.OFFICER, Role.AGENCY}),
    "edit_registry": frozenset({Role.ADMIN, Role.AGENCY}),
    "press": frozenset({Role.ADMIN, Role.AGENCY}),  # press file, press actions, press book
    # confirm or reject the suggestion that a clip came from a press action
    "attribute": frozenset({Role.ADMIN, Role.OFFICER, Role.AGENCY}),
    "admin": frozenset({Role.ADMIN}),  # users, settings, every task
}


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.OFFICER)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # When the user last opened the review inbox: clips collected since are marked new.
    last_review_at: Mapped[datetime | None]

    def set_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def can(self, action: str) -> bool:
        """Tell whether this user's role allows ``action`` (a key of ``PERMISSIONS``)."""
        return self.role in PERMISSIONS.get(action, ())

    # The session-login interface web frameworks expect (Flask-Login's UserMixin, by hand so
    # that models/ stays free of web imports).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user(session: Session, username: str, password: str, role: Role | str) -> User:
    """Add a user; the caller commits.

    :raises ValueError: for a taken name, an unknown role or a short password.
    """
    if user_by_name(session, username):
        raise ValueError(f"The user {username!r} already exists.")
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role)}.") from None
    user = User(username=username, role=role)
    user.set_password(password)
    session.add(user)
    return user


class UserAdminError(ValueError):
    """A change to an account that is not allowed (such as an administrator demoting themself)."""


def users_by_name(session: Session) -> list[User]:
    """Every account, active ones first, in alphabetical order."""
    return list(session.scalars(select(User).order_by(User.active.desc(), User.username)))


def set_role(actor: User, user: User, role: Role | str) -> None:
    """Give ``user`` another role.

    :raises UserAdminError: when an administrator would remove their own administrator role.
    :raises ValueError: for an unknown role.
    """
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role)}.") from None
    if user.id == actor.id and role != user.role and user.role == Role.ADMIN:
        raise UserAdminError("You cannot remove your own administrator role.")
    user.role = role


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (the account can no longer log in) or reactivate ``user``.

    :raises UserAdminError: when an administrator would deactivate themself.
    """
    if user.id == actor.id and not active:
        raise UserAdminError("You cannot deactivate your own account.")
    user.active = active
