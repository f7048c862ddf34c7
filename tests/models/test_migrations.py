"""Upgrading a database that holds data, from every earlier revision, on SQLite and PostgreSQL.

Each test fills an empty database at one revision with the data a deployment had then, written
with table definitions of that revision (plain ``sa.table``: today's models have columns the
revision lacks), upgrades it as the application does (``models.db.upgrade``), and checks that
every row is still there and usable: the review inbox, search, a dashboard figure, logging in,
the press file. The upgraded schema must be the one a new database gets. Downgrades exist
(each migration has one): going back to the revision keeps its data, and up again works. An
upgrade failing half-way leaves the database at the revision it started from.

Every revision before the head is tested as it appears. A new migration that adds a table or a
column people fill adds its rows to :func:`seed` (under ``at_least(revision, "00NN")``).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError
from werkzeug.security import generate_password_hash

from models import figures_cache
from models.base import UTCDateTime
from models.db import (
    DatabaseError,
    alembic_config,
    check_foreign_keys,
    make_engine,
    migration_transaction,
    session_factory,
    upgrade,
)

PASSWORD = "mot de passe du bassin"
PASSWORD_HASH = generate_password_hash(PASSWORD)


def _revisions() -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


REVISIONS = _revisions()
HEAD = REVISIONS[-1]
EARLIER = REVISIONS[:-1]


def at_least(revision: str, wanted: str) -> bool:
    return REVISIONS.index(revision) >= REVISIONS.index(wanted)


# -- Migrating ---------------------------------------------------------------------------------


def migrate(engine: sa.Engine, revision: str, direction: str = "upgrade") -> None:
    """Upgrade or downgrade to ``revision`` in one transaction, as ``models.db.upgrade`` does."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with migration_transaction(engine) as connection:
        connection.info[figures_cache.PAUSED] = True  # no data_version table before 0005
        try:
            config.attributes["connection"] = connection
            getattr(command, direction)(config, revision)
            check_foreign_keys(connection)
        finally:
            connection.info.pop(figures_cache.PAUSED, None)


def revision_of(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


# -- Data as of a revision ---------------------------------------------------------------------

# Tables keyed by something else than an ``id`` column.
KEYS = {
    "coverage_campaign": ("coverage_id", "campaign_id"),
    "contact_outlet": ("contact_id", "outlet_id"),
    "action_contact": ("action_id", "contact_id"),
    "coverage_action": ("coverage_id", "action_id"),
    "request_coverage": ("request_id", "coverage_id"),
    "job_run": ("job_id",),
}


def _type(value):
    if isinstance(value, bool):
        return sa.Boolean()
    if isinstance(value, int):
        return sa.Integer()
    if isinstance(value, float):
        return sa.Float()
    if isinstance(value, str):
        return sa.String()
    if isinstance(value, datetime):
        return UTCDateTime()
    if isinstance(value, date):
        return sa.Date()
    if isinstance(value, bytes):
        return sa.LargeBinary()
    if isinstance(value, (dict, list)):
        return sa.JSON()
    return sa.types.NullType()


def table_of(name: str, values: dict) -> sa.TableClause:
    """The table as far as these columns go, typed after the values."""
    columns = [sa.column(column, _type(value)) for column, value in values.items()]
    if name not in KEYS and "id" not in values:
        columns.append(sa.column("id", sa.Integer()))
    return sa.table(name, *columns)


class Seeder:
    """Writes rows with raw table definitions and remembers them, to compare after upgrading."""

    def __init__(self, connection):
        self.connection = connection
        self.ids: dict[str, int] = {}
        self.rows: list[tuple[str, dict, dict]] = []  # table, key, values

    def add(self, table: str, label: str | None = None, /, **values) -> int | None:
        """Insert a row; ``label`` names its id for the rows that refer to it."""
        clause = table_of(table, values)
        statement = sa.insert(clause).values(values)
        if table in KEYS:
            self.connection.execute(statement)
            key = {column: values[column] for column in KEYS[table]}
            new_id = None
        else:  # the database gives the id, so that its sequence goes on after it
            new_id = self.connection.execute(statement.returning(clause.c.id)).scalar_one()
            key = {"id": new_id}
        if label:
            self.ids[label] = new_id
        self.rows.append((table, key, values))
        return new_id


WHEN = datetime(2025, 3, 10, 8, 30, tzinfo=UTC)


def seed(engine: sa.Engine, revision: str) -> Seeder:
    """What a deployment holds at ``revision``: every table of it that people fill."""
    with engine.begin() as connection:
        connection.info[figures_cache.PAUSED] = True
        try:
            seeder = Seeder(connection)
            _seed_core(seeder, revision)
            if at_least(revision, "0002"):
                _seed_interface(seeder)
            if at_least(revision, "0004"):
                _seed_press_relations(seeder)
            if at_least(revision, "0006"):
                _seed_outbox(seeder)
        finally:
            connection.info.pop(figures_cache.PAUSED, None)
    return seeder


def _seed_core(s: Seeder, revision: str) -> None:
    """The tables of the first revision, with the columns later ones added when they exist."""
    user = dict(
        username="claire",
        email="claire@example.org",
        password_hash=PASSWORD_HASH,
        role="officer",
        active=True,
        created_at=WHEN,
        last_login_at=WHEN,
    )
    if at_least(revision, "0002"):
        user["last_review_at"] = WHEN
    claire = s.add("user", "claire", **user)
    umbrella = s.add(
        "campaign",
        "umbrella",
        slug="bassin-minier",
        name="Bassin minier Patrimoine mondial",
        description="Dix ans d'inscription",
        query='"bassin minier" SAUF Lorraine',
        territory="bassin-minier-npdc",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        active=True,
        needs_review=False,
        created_at=WHEN,
    )
    trip = s.add(
        "campaign",
        "trip",
        slug="voyage-de-presse",
        name="Voyage de presse",
        query="terril*",
        territory="bassin-minier-npdc",
        active=True,
        needs_review=False,
        parent_id=umbrella,
        created_at=WHEN,
    )
    s.add(
        "key_message",
        campaign_id=umbrella,
        label="Fierté des habitants",
        phrasings=["fierté", "fiers"],
        created_at=WHEN,
    )
    voix = s.add(
        "outlet",
        "voix",
        name="La Voix du Nord",
        medium="press",
        scope="regional",
        domains=["lavoixdunord.fr"],
        is_partner=False,
        audience=250_000,
        audience_unit="lecteurs",
        audience_year=2024,
        audience_source="ACPM",
        confidence="FOUND",
        audience_estimated=False,
        readers_per_copy=2.5,
        needs_review=False,
        created_at=WHEN,
    )
    france3 = s.add(
        "outlet",
        "france3",
        name="France 3 Hauts-de-France",
        medium="tv",
        scope="regional",
        domains=["france3-regions.francetvinfo.fr"],
        is_partner=False,
        audience_estimated=True,
        needs_review=True,
        created_at=WHEN,
    )
    s.add(
        "rate_card",
        outlet_id=voix,
        kind="page",
        price_eur=12_500.0,
        unit_note="page quadri",
        valid_from=date(2025, 1, 1),
        year=2025,
        source="tarifs 2025",
        estimated=False,
        created_at=WHEN,
    )
    feed = s.add(
        "source",
        "feed",
        name="La Voix du Nord — Lens",
        kind="feed",
        url="https://www.lavoixdunord.fr/lens/rss",
        outlet_id=voix,
        enabled=True,
        interval_minutes=60,
        config={},
        etag='"abc"',
        health="ok",
        last_attempt_at=WHEN,
        last_success_at=WHEN,
        consecutive_failures=0,
        last_status=200,
        last_entry_count=20,
        next_attempt_at=WHEN,
        created_at=WHEN,
    )
    story = s.add("story", "story", title="Les terrils fêtent l'UNESCO", created_at=WHEN)
    clip = dict(
        origin="crawl",
        medium_hints=[],
        relevance_evidence=[],
        key_messages=[],
        quotes=[],
        reach_breakdown={},
        ave_breakdown={},
        stale_analysis=False,
        created_at=WHEN,
        updated_at=WHEN,
    )
    confirmed = s.add(
        "coverage",
        "confirmed",
        **clip
        | dict(
            url="https://www.lavoixdunord.fr/1",
            fetched_url="https://www.lavoixdunord.fr/1?utm=rss",
            outlet_id=voix,
            source_id=feed,
            title="Les terrils fêtent l'UNESCO",
            summary="Dix ans d'inscription au patrimoine mondial.",
            text="À Liévin, le chevalement de la fosse a été restauré par les habitants.",
            author="Marie Dupont",
            published_at=WHEN,
            language="fr",
            story_id=story,
            title_key="terrils-unesco",
            minhash=b"\x00\x01\x02",
            status="confirmed",
            processed_at=WHEN,
            medium="press",
            medium_reason="outlet registry",
            relevance=0.92,
            relevant=True,
            relevance_evidence=[{"kind": "territory", "term": "Liévin"}],
            key_messages=[{"label": "Fierté des habitants", "sentence": "fierté"}],
            quotes=[{"speaker": "Maire", "text": "Une fierté"}],
            tone="positive",
            tone_score=0.8,
            prominence="title",
            reach=625_000,
            reach_breakdown={"audience": 250_000},
            ave_eur=1_800.0,
            ave_breakdown={"rate": 12_500.0},
            valued_at=WHEN,
            reviewed_at=WHEN,
            reviewed_by_id=claire,
        ),
    )
    copy = s.add(
        "coverage",
        "copy",
        **clip
        | dict(
            url="https://france3-regions.francetvinfo.fr/2",
            outlet_id=france3,
            title="Terrils : dix ans au patrimoine mondial",
            text="Reportage au pied des terrils jumeaux de Loos-en-Gohelle.",
            published_at=datetime(2025, 3, 12, 19, tzinfo=UTC),
            story_id=story,
            status="new",
            medium="tv",
            relevant=True,
        ),
    )
    undated = s.add(
        "coverage",
        "undated",
        **clip
        | dict(
            url="https://example.org/3",
            title="Une cité minière rénovée",
            text="Les maisons de la cité sont rénovées.",
            status="new",
        ),
    )
    s.add(
        "coverage",
        "manual",
        **clip
        | dict(
            manual_key="print-2025-03-11-voix",
            origin="manual",
            outlet_id=voix,
            title="Article papier sur les terrils",
            published_at=datetime(2025, 3, 11, tzinfo=UTC),
            programme="édition de Lens",
            page_fraction=0.5,
            note="coupure scannée",
            status="pending",
        ),
    )
    rejected = dict(
        url="https://www.lavoixdunord.fr/1-copie",
        outlet_id=voix,
        title="Copie : les terrils fêtent l'UNESCO",
        published_at=datetime(2025, 3, 10, 9, tzinfo=UTC),
        story_id=story,
        status="rejected",
        reviewed_at=WHEN,
        reviewed_by_id=claire,
    )
    if at_least(revision, "0002"):
        rejected |= dict(review_reason="duplicate", duplicate_of_id=confirmed)
    s.add("coverage", "rejected", **clip | rejected)
    s.add("coverage_campaign", coverage_id=confirmed, campaign_id=trip, hits=["terrils"])
    s.add("coverage_campaign", coverage_id=copy, campaign_id=umbrella, hits=["bassin minier"])
    s.add("coverage_campaign", coverage_id=undated, campaign_id=umbrella, hits=[])
    s.add(
        "label",
        coverage_id=confirmed,
        task="tone",
        value={"tone": "positive"},
        predicted={"tone": "neutral"},
        user_id=claire,
        created_at=WHEN,
    )
    s.add(
        "snapshot",
        coverage_id=confirmed,
        fetched_at=WHEN,
        final_url="https://www.lavoixdunord.fr/1",
        status=200,
        content_type="text/html",
        encoding="utf-8",
        size=3,
        html_gz=b"\x1f\x8b\x08",
    )


def _seed_interface(s: Seeder) -> None:
    """0002: API tokens, background tasks, clip history."""
    claire, confirmed = s.ids["claire"], s.ids["confirmed"]
    s.add(
        "api_token",
        user_id=claire,
        name="tableur",
        prefix="rtb_abcd",
        token_hash="0" * 64,
        created_at=WHEN,
    )
    s.add(
        "task",
        kind="export",
        title="Export des retombées",
        params={"q": "terrils"},
        status="done",
        done=5,
        total=5,
        message="",
        result={"rows": 5},
        file_name="retombees.xlsx",
        file_type="application/vnd.ms-excel",
        file_data=b"PK\x03\x04",
        user_id=claire,
        created_at=WHEN,
        finished_at=WHEN,
    )
    s.add(
        "coverage_event",
        coverage_id=confirmed,
        user_id=claire,
        at=WHEN,
        action="confirm",
        details={"status": ["new", "confirmed"]},
    )


def _seed_press_relations(s: Seeder) -> None:
    """0004: the press file, press actions, requests and attributions."""
    claire, confirmed = s.ids["claire"], s.ids["confirmed"]
    journalist = s.add(
        "contact",
        "journalist",
        first_name="Marie",
        last_name="Dupont",
        email="marie.dupont@example.org",
        role="journaliste",
        beat="patrimoine",
        freelance=False,
        segments=["regional"],
        language="fr",
        legal_basis="legitimate",
        data_source="salon",
        created_at=WHEN,
        updated_at=WHEN,
    )
    s.add("contact_outlet", contact_id=journalist, outlet_id=s.ids["voix"], position="Lens")
    action = s.add(
        "press_action",
        "action",
        kind="press_trip",
        title="Voyage de presse sur les terrils",
        day=date(2025, 3, 5),
        end_day=date(2025, 3, 6),
        window_days=30,
        campaign_id=s.ids["trip"],
        document_name="programme.pdf",
        document_text="Programme du voyage",
        cost_eur=3_000.0,
        created_at=WHEN,
        created_by_id=claire,
    )
    s.add(
        "action_contact",
        action_id=action,
        contact_id=journalist,
        recipient=True,
        invited=True,
        attended=True,
    )
    s.add(
        "follow_up",
        contact_id=journalist,
        action_id=action,
        at=WHEN,
        channel="téléphone",
        outcome="will_cover",
        user_id=claire,
    )
    s.add(
        "coverage_action",
        coverage_id=confirmed,
        action_id=action,
        state="confirmed",
        score=0.9,
        reasons=[{"kind": "author", "contact_id": journalist}],
        reuse_share=0.1,
        similarity=0.4,
        reprise=False,
        decided_by_id=claire,
        decided_at=WHEN,
        created_at=WHEN,
    )
    request = s.add(
        "press_request",
        contact_id=journalist,
        outlet_id=s.ids["voix"],
        campaign_id=s.ids["umbrella"],
        subject="Photos du chevalement",
        received_at=WHEN,
        deadline=WHEN,
        status="answered",
        answer="Envoyées",
        answered_at=WHEN,
        created_at=WHEN,
    )
    s.add("request_coverage", request_id=request, coverage_id=confirmed)


def _seed_outbox(s: Seeder) -> None:
    """0006: the mail outbox and the scheduled jobs' last runs."""
    s.add(
        "job_run",
        job_id="crawl",
        name="Collecte",
        last_started_at=WHEN,
        last_finished_at=WHEN,
        last_status="ok",
        runs=3,
        failures=0,
    )
    s.add(
        "mail_message",
        key="digest:claire:2025-03-10",
        kind="digest",
        user_id=s.ids["claire"],
        to_address="claire@example.org",
        subject="Vos retombées du jour",
        text_body="3 nouvelles retombées",
        status="sent",
        attempts=1,
        created_at=WHEN,
        sent_at=WHEN,
    )


def assert_rows_kept(engine: sa.Engine, seeder: Seeder) -> None:
    """Every row written at the old revision is there, each value as it was written."""
    with engine.connect() as connection:
        for table, key, values in seeder.rows:
            clause = table_of(table, values)
            where = [clause.c[column] == value for column, value in key.items()]
            columns = [clause.c[column] for column in values]
            found = connection.execute(sa.select(*columns).where(*where)).all()
            assert len(found) == 1, f"{table} {key}: {len(found)} rows"
            assert dict(found[0]._mapping) == values, f"{table} {key} changed"
        counts = {}
        for table, _key, _values in seeder.rows:
            counts[table] = counts.get(table, 0) + 1
        for table, count in counts.items():
            total = connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
            assert total == count, f"{table}: {total} rows, {count} written"


# -- Schema ------------------------------------------------------------------------------------


def schema(engine: sa.Engine) -> dict:
    """What a database's schema is made of, comparable between two databases."""
    inspector = sa.inspect(engine)
    columns = inspector.get_multi_columns()
    parts = {
        "primary_key": inspector.get_multi_pk_constraint(),
        "foreign_keys": inspector.get_multi_foreign_keys(),
        "indexes": inspector.get_multi_indexes(),
        "unique": inspector.get_multi_unique_constraints(),
        "checks": inspector.get_multi_check_constraints(),
    }
    tables = {}
    for key in sorted(columns, key=lambda key: key[1]):  # (schema, table name)
        tables[key[1]] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")), c.get("computed"))
                for c in columns[key]
            ],
            **{
                part: (found[key] if part == "primary_key" else sorted(map(repr, found[key])))
                for part, found in parts.items()
            },
        }
    found = {"tables": tables}
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # Everything SQLite keeps: tables' SQL, indexes, the full-text table and triggers.
            rows = connection.execute(
                sa.text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            )
            found["sqlite_master"] = [(*row[:3], _sqlite_definition(*row)) for row in rows]
        else:
            found["text_search"] = connection.execute(
                sa.text(
                    "SELECT c.cfgname, m.maptokentype, m.mapseqno, d.dictname "
                    "FROM pg_ts_config_map m JOIN pg_ts_config c ON c.oid = m.mapcfg "
                    "JOIN pg_ts_dict d ON d.oid = m.mapdict "
                    "WHERE c.cfgname = 'retombees_french' ORDER BY 2, 3"
                )
            ).all()
            found["extensions"] = connection.scalars(
                sa.text("SELECT extname FROM pg_extension ORDER BY 1")
            ).all()
    return found


def _sqlite_definition(kind: str, name: str, _table: str, sql: str | None):
    """A table's definitions as a set (Alembic's batch mode writes its constraints in any
    order); other objects' SQL as it is."""
    if kind != "table" or sql is None:
        return sql
    body = sql[sql.index("(") + 1 : sql.rindex(")")]
    return frozenset(part.strip() for part in body.split(", \n"))


def fresh_schema(tmp_path: Path, engine: sa.Engine) -> dict:
    """The schema of a new database at the head: a new file, or the same PostgreSQL database
    emptied first (each test has its own)."""
    if engine.dialect.name == "sqlite":
        fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    else:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        fresh = engine
    try:
        migrate(fresh, HEAD)
        return schema(fresh)
    finally:
        if fresh is not engine:
            fresh.dispose()


def alembic_check(engine: sa.Engine) -> None:
    """``alembic check``: no difference between the database and today's models."""
    with engine.begin() as connection:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.check(config)


# -- What a person does with the upgraded data ---------------------------------------------------


def assert_usable(engine: sa.Engine, seeder: Seeder, revision: str) -> None:
    from models import Coverage, CoverageStatus
    from models.inbox import inbox_cards, review_count
    from models.reports import headline_figures
    from models.search import CoverageFilters, search_coverage
    from models.user import user_by_name

    ids = seeder.ids
    sessions = session_factory(engine)

    def found(q: str) -> list[int]:
        with sessions() as session:
            return [c.id for c in search_coverage(session, CoverageFilters(q=q)).items]

    with sessions() as session:
        assert user_by_name(session, "claire").check_password(PASSWORD)  # she can log in
        cards = inbox_cards(session)
        # the inbox: clips awaiting review, latest first, the undated one last
        assert [card.clip.id for card in cards] == [ids["copy"], ids["undated"]]
        assert review_count(session) == 2
        assert [c.id for c in cards[0].other_copies] == [ids["confirmed"], ids["rejected"]]
        assert cards[0].linked_campaign_ids == {ids["umbrella"]}
        # the dashboard's headline: the confirmed clip, counted under the umbrella campaign
        figures = headline_figures(session, ids["umbrella"])
        assert (figures["total"], figures["by_medium"]["press"]) == (1, 1)
        assert (figures["reach"], figures["ave_eur"]) == (625_000, 1_800.0)
        assert figures["message_penetration"]["by_message"]["Fierté des habitants"]["clips"] == 1
    # search, by a word of the text only, without its accent, and of the summary
    assert found("chevalement") == [ids["confirmed"]]
    assert found("lievin") == [ids["confirmed"]]
    assert found("inscription") == [ids["confirmed"]]
    assert found("jumeaux") == [ids["copy"]]
    if at_least(revision, "0002"):
        with sessions() as session:
            rejected = session.get(Coverage, ids["rejected"])
            assert rejected.review_reason == "duplicate"
            assert rejected.duplicate_of_id == ids["confirmed"]
    if at_least(revision, "0004"):
        _assert_press_relations_usable(sessions, ids)

    # Writing goes on: a new clip, a corrected title, a deleted clip, all found (or not) at once.
    with sessions.begin() as session:
        session.add(
            Coverage(
                url="https://example.org/new",
                title="Le Louvre-Lens",
                text="Une exposition à Oignies",
                status=CoverageStatus.CONFIRMED,
            )
        )
        session.get(Coverage, ids["undated"]).title = "Une cité minière de Wingles rénovée"
        session.delete(session.get(Coverage, ids["copy"]))
    assert len(found("oignies")) == 1
    assert found("wingles") == [ids["undated"]]
    assert found("jumeaux") == []
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:  # the external-content index matches the clips
            connection.execute(
                sa.text("INSERT INTO coverage_fts(coverage_fts) VALUES('integrity-check')")
            )


def _assert_press_relations_usable(sessions, ids: dict) -> None:
    from models import Contact
    from models.action_report import action_report

    with sessions() as session:
        contact = session.get(Contact, ids["journalist"])
        assert contact.name == "Marie Dupont"
        assert [o.name for o in contact.outlets] == ["La Voix du Nord"]
        report = action_report(session, [ids["action"]])
        assert report["total"] == 1 and report["people"]["attendees"] == 1
        assert report["cost_per_clip"] == 3_000.0


# -- Tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("revision", EARLIER, ids=lambda r: f"from-{r}")
def test_upgrading_from_an_earlier_revision_keeps_every_row(any_settings, tmp_path, revision):
    engine = make_engine(any_settings.database_url)
    try:
        migrate(engine, revision)
        seeder = seed(engine, revision)

        upgrade(engine)  # as the application does when it starts

        assert revision_of(engine) == HEAD
        assert_rows_kept(engine, seeder)
        alembic_check(engine)
        assert_usable(engine, seeder, revision)
        upgraded = schema(engine)
        assert upgraded == fresh_schema(tmp_path, engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("revision", EARLIER, ids=lambda r: f"to-{r}")
def test_downgrading_to_an_earlier_revision_keeps_its_rows(any_settings, revision):
    """Every migration has a downgrade: back at the revision, its rows and schema are as they
    were, and upgrading again works."""
    engine = make_engine(any_settings.database_url)
    try:
        migrate(engine, revision)
        before = schema(engine)
        seeder = seed(engine, revision)
        upgrade(engine)

        migrate(engine, revision, "downgrade")

        assert revision_of(engine) == revision
        after = schema(engine)
        # Left behind, harmless and reused when upgrading again: on PostgreSQL the text search
        # configuration and the unaccent extension of 0002, on SQLite the planner's statistics
        # (sqlite_stat1) gathered by 0003's ANALYZE.
        assert after["tables"] == before["tables"]
        assert _without_statistics(after) == _without_statistics(before)
        assert_rows_kept(engine, seeder)
        upgrade(engine)
        assert revision_of(engine) == HEAD
        assert_rows_kept(engine, seeder)
    finally:
        engine.dispose()


def _without_statistics(found: dict) -> list | None:
    if "sqlite_master" not in found:
        return None
    return [row for row in found["sqlite_master"] if not row[1].startswith("sqlite_stat")]


def test_an_upgrade_failing_half_way_leaves_the_database_at_its_revision(any_settings):
    """0004 creates several tables; the fifth one clashes with a table made by hand. Nothing of
    0004 (nor of the revisions after it) stays, the data is intact, and once the clash is
    removed the upgrade goes through."""
    engine = make_engine(any_settings.database_url)
    try:
        migrate(engine, "0003")
        seeder = seed(engine, "0003")
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE follow_up (id INTEGER)"))

        with pytest.raises((DatabaseError, DBAPIError), match="follow_up"):
            upgrade(engine)

        assert revision_of(engine) == "0003"
        tables = set(sa.inspect(engine).get_table_names())
        assert not tables & {"contact", "press_action", "press_request", "data_version"}
        assert_rows_kept(engine, seeder)

        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE follow_up"))
        upgrade(engine)
        assert revision_of(engine) == HEAD
        assert_rows_kept(engine, seeder)
    finally:
        engine.dispose()


def test_sqlite_foreign_keys_are_enforced_again_after_an_upgrade(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        migrate(engine, "0001")
        seed(engine, "0001")
        upgrade(engine)
        for _ in range(3):  # every pooled connection
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(DBAPIError, match="FOREIGN KEY"), engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO coverage_campaign VALUES (999999, 999999, '[]')")
            )
    finally:
        engine.dispose()


def test_an_upgrade_leaving_broken_references_is_refused_on_sqlite(tmp_path):
    """With foreign keys off while tables are rebuilt, a row pointing nowhere is caught before
    the upgrade is committed."""
    engine = make_engine(f"sqlite:///{tmp_path / 'broken.db'}")
    try:
        migrate(engine, "0001")
        seeder = seed(engine, "0001")
        with closing(sqlite3.connect(tmp_path / "broken.db")) as connection:
            # foreign keys are not enforced by default: a link to a clip that does not exist
            connection.execute(
                f"INSERT INTO coverage_campaign VALUES (999999, {seeder.ids['umbrella']}, '[]')"
            )
            connection.commit()
        with pytest.raises(DatabaseError, match="coverage_campaign"):
            upgrade(engine)
        assert revision_of(engine) == "0001"
    finally:
        engine.dispose()
