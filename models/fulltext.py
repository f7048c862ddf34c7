"""Full-text index of clips: SQLite FTS5 or a PostgreSQL ``tsvector`` (``french`` configuration).

The index lives outside the ORM models: on SQLite an external-content FTS5 table kept in step
by triggers, on PostgreSQL a generated column with a GIN index. Migrations call these functions;
``alembic check`` ignores the objects (see ``is_fulltext_object``).

Caution for later migrations: SQLite's batch mode rebuilds a table by copying it, which drops
its triggers. A migration that batch-alters ``coverage`` must call :func:`create_sqlite_index`
again afterwards.
"""

from __future__ import annotations

FTS_TABLE = "coverage_fts"
TSVECTOR_COLUMN = "search_vector"
TSVECTOR_INDEX = "ix_coverage_search_vector"
# PostgreSQL's 'french' configuration stems but keeps accents; this copy also drops them, so
# that "energie" finds "énergie" as it does on SQLite. ``unaccent`` is a trusted extension: the
# database owner may create it.
TS_CONFIG = "retombees_french"
COLUMNS = ("title", "summary", "text", "author")

# Title weighs most, then summary and author, then the body (PostgreSQL ranking weights).
_PG_VECTOR = (
    "setweight(to_tsvector('retombees_french'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('retombees_french'::regconfig, coalesce(summary, '') || ' ' || "
    "coalesce(author, '')), 'B') || "
    # a tsvector holds at most 1 MB: the body is indexed up to 200,000 characters
    "setweight(to_tsvector('retombees_french'::regconfig, left(coalesce(text, ''), 200000)), 'C')"
)


def _sqlite_statements() -> list[str]:
    cols = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    delete = (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    )
    insert = f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
        f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
        f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
        # remove_diacritics 2: "energie" finds "énergie"; no French stemmer in FTS5, so a
        # search term is also matched as a prefix (see models.search).
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({cols}, content='coverage', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON coverage BEGIN {insert} END",
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON coverage BEGIN {delete} END",
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF {cols} ON coverage "
        f"BEGIN {delete} {insert} END",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    ]


def create_index(op) -> None:
    """Create (or re-create) the full-text index for the migration's database."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _sqlite_statements():
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(
            "DO $$ BEGIN IF NOT EXISTS "
            f"(SELECT 1 FROM pg_ts_config WHERE cfgname = '{TS_CONFIG}') "
            f"THEN CREATE TEXT SEARCH CONFIGURATION {TS_CONFIG} (COPY = french); "
            f"ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG} "
            "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem; END IF; END $$"
        )
        op.execute(
            f"ALTER TABLE coverage ADD COLUMN IF NOT EXISTS {TSVECTOR_COLUMN} tsvector "
            f"GENERATED ALWAYS AS ({_PG_VECTOR}) STORED"
        )
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {TSVECTOR_INDEX} ON coverage USING gin ({TSVECTOR_COLUMN})"
        )


def drop_index(op) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _sqlite_statements()[:4]:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TSVECTOR_INDEX}")
        op.execute(f"ALTER TABLE coverage DROP COLUMN IF EXISTS {TSVECTOR_COLUMN}")


def is_fulltext_object(name: str | None, type_: str) -> bool:
    """Tell ``alembic check`` which database objects are the index, not models."""
    if type_ == "table":
        return bool(name) and name.startswith(FTS_TABLE)
    if type_ == "column":
        return name == TSVECTOR_COLUMN
    if type_ == "index":
        return name == TSVECTOR_INDEX
    return False
