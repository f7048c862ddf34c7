"""The schema is created by the migrations, identically on SQLite and PostgreSQL."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select

from models import Coverage, CoverageStatus, Medium, Outlet
from models.bootstrap import bootstrap
from models.db import alembic_config, current_tables, open_database
from models.example import CAMPAIGN_SLUG
from models.user import user_by_name


def test_migrations_create_the_schema_and_match_the_models(any_settings):
    engine, _sessions = open_database(any_settings)
    assert {"outlet", "source", "campaign", "coverage", "coverage_campaign", "user"} <= (
        current_tables(engine)
    )
    # `alembic check`: the models have no change that a migration lacks.
    with engine.begin() as connection:
        config = alembic_config(any_settings.database_url)
        config.attributes["connection"] = connection
        command.check(config)
    engine.dispose()


def test_opening_twice_is_harmless_and_keeps_data(any_settings):
    engine, sessions = open_database(any_settings)
    with sessions.begin() as session:
        session.add(Outlet(name="La Voix du Nord", medium=Medium.PRESS))
    engine.dispose()
    engine, sessions = open_database(any_settings)
    with sessions() as session:
        assert session.scalar(select(Outlet.name)) == "La Voix du Nord"
    engine.dispose()


def test_datetimes_come_back_timezone_aware(any_settings):
    engine, sessions = open_database(any_settings)
    when = datetime(2026, 6, 30, 10, 0, tzinfo=UTC)
    with sessions.begin() as session:
        session.add(Coverage(url="https://x.fr/a", title="a", published_at=when))
    with sessions() as session:
        clip = session.scalar(select(Coverage))
        assert clip.published_at == when and clip.published_at.tzinfo is not None
        assert clip.status == CoverageStatus.PENDING
    engine.dispose()


def test_bootstrap_creates_admin_and_example_once(any_settings):
    from dataclasses import replace

    settings = replace(any_settings, seed_example=True)
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        first = bootstrap(session, settings, sources_enabled=False)
    with sessions.begin() as session:
        second = bootstrap(session, settings)
    assert first.admin_created and first.example_seeded
    assert not second.admin_created and not second.example_seeded
    with sessions() as session:
        admin = user_by_name(session, settings.admin_user)
        assert admin.check_password(settings.admin_password)
        from models import Source
        from models.campaign import campaign_by_slug

        assert campaign_by_slug(session, CAMPAIGN_SLUG) is not None
        sources = list(session.scalars(select(Source)))
        assert sources and not any(s.enabled for s in sources)
        assert session.scalar(select(Outlet).where(Outlet.name == "La Voix du Nord")) is not None
    engine.dispose()
