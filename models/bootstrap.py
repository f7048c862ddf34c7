"""What a new database gets: an administrator and, optionally, the example configuration."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .base import Role
from .campaign import Campaign
from .example import seed_example
from .settings import Settings
from .source import Source
from .user import User, create_user


@dataclass
class Bootstrap:
    admin_created: bool = False
    admin_password: str | None = None  # only when generated here, to print it once
    example_seeded: bool = False


def bootstrap(
    session: Session,
    settings: Settings,
    *,
    sources_enabled: bool = True,
    key_messages: list[dict] | None = None,
) -> Bootstrap:
    """Create the administrator if there is no user, and seed the example on an empty database."""
    result = Bootstrap()
    # Processes starting together (two workers on a new database) may both find it empty:
    # the second one's inserts clash with the first's, and it simply finds the work done.
    if not session.scalar(select(func.count()).select_from(User)):
        password = settings.admin_password or secrets.token_urlsafe(12)
        try:
            with session.begin_nested():
                create_user(session, settings.admin_user, password, Role.ADMIN)
        except IntegrityError:
            pass
        else:
            result.admin_created = True
            result.admin_password = None if settings.admin_password else password
    empty = not session.scalar(select(func.count()).select_from(Campaign)) and not session.scalar(
        select(func.count()).select_from(Source)
    )
    if settings.seed_example and empty:
        try:
            with session.begin_nested():
                seed_example(session, sources_enabled=sources_enabled, key_messages=key_messages)
        except IntegrityError:
            pass
        else:
            result.example_seeded = True
    return result


def bootstrap_database(
    engine,
    sessions,
    settings: Settings,
    *,
    sources_enabled: bool = True,
    key_messages: list[dict] | None = None,
) -> Bootstrap:
    """Run ``bootstrap`` in its own transaction, one process at a time."""
    from .db import lock_setup, setup_lock

    with setup_lock(engine), sessions.begin() as session:
        lock_setup(session.connection())
        return bootstrap(
            session, settings, sources_enabled=sources_enabled, key_messages=key_messages
        )
