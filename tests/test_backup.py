"""`retombees backup` and `retombees restore` on SQLite and PostgreSQL, as an operator uses them."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import make_url, select

from cli.main import main
from models import Coverage, CoverageStatus, Medium, Outlet, Role
from models.db import alembic_config, make_engine, open_database
from models.search import CoverageFilters, search_coverage
from models.user import create_user, user_by_name
from tests.conftest import PASSWORD, POSTGRES_URL, _pg_admin, make_settings

# The revision a restored database is brought to: the latest migration.
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()

WRITTEN = re.compile(r"^Backup written: (\S+) \((.+), (\d+) clips?\)$")


def run(settings, *args):
    """Run a command with ``settings`` in the environment, as an operator's shell would."""
    return CliRunner().invoke(main, list(args), env=settings.to_env())


def add_data(settings, titles=("Les terrils du bassin minier", "Le Louvre-Lens a dix ans")):
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        if user_by_name(session, "claire") is None:
            for name, role in (("claire", Role.OFFICER), ("direction", Role.MANAGEMENT)):
                create_user(session, name, PASSWORD, role)
        outlet = session.scalar(select(Outlet)) or Outlet(
            name="La Voix du Nord", medium=Medium.PRESS
        )
        for title in titles:
            session.add(
                Coverage(
                    url=f"https://lavoixdunord.fr/{uuid.uuid4().hex[:8]}",
                    title=title,
                    text=f"{title}, sur le territoire du bassin minier.",
                    status=CoverageStatus.CONFIRMED,
                    outlet=outlet,
                )
            )
    engine.dispose()


def titles(settings) -> list[str]:
    engine, sessions = open_database(settings)
    with sessions() as session:
        found = sorted(session.scalars(select(Coverage.title)))
    engine.dispose()
    return found


def backup(settings, *args) -> Path:
    return backed_up(settings, *args)[0]


def backed_up(settings, *args) -> tuple[Path, int]:
    """Run ``retombees backup``: the file written and the clips it holds, from its line."""
    result = run(settings, "backup", *args)
    assert result.exit_code == 0, result.output
    match = WRITTEN.match(result.output.strip())
    assert match, result.output
    return Path(match.group(1)), int(match.group(3))


@pytest.fixture
def other_settings(any_settings, tmp_path):
    """Settings of a second, empty database of the same kind (another instance folder)."""
    folder = tmp_path / "other"
    if make_url(any_settings.database_url).get_backend_name() == "sqlite":
        yield make_settings(folder)
        return
    name = f"retombees_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    yield make_settings(folder, database_url=url.render_as_string(hide_password=False))
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def is_sqlite(settings) -> bool:
    return settings.database_url.startswith("sqlite")


def test_backup_then_restore_into_a_new_database(any_settings, other_settings):
    add_data(any_settings)
    result = run(any_settings, "backup")
    assert result.exit_code == 0, result.output
    (line,) = result.output.strip().splitlines()
    path, size, clips = WRITTEN.match(line).groups()
    path = Path(path)
    assert path.parent == any_settings.instance_path / "backups"
    assert re.fullmatch(r"retombees-\d{8}-\d{6}\.(sqlite|dump)", path.name)
    assert path.suffix == (".sqlite" if is_sqlite(any_settings) else ".dump")
    assert clips == "2" and size.endswith("kB")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left

    restored = run(other_settings, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert f"revision {HEAD}" in restored.output and "2 clips, 2 users" in restored.output
    assert titles(other_settings) == ["Le Louvre-Lens a dix ans", "Les terrils du bassin minier"]
    engine, sessions = open_database(other_settings)
    with sessions() as session:
        assert user_by_name(session, "claire").check_password(PASSWORD)
        # the full-text index came back with the clips
        found = search_coverage(session, CoverageFilters(q="terrils", status="all"))
        assert [clip.title for clip in found.items] == ["Les terrils du bassin minier"]
    engine.dispose()


def test_backup_while_the_app_writes_holds_what_was_committed(any_settings, tmp_path):
    add_data(any_settings)
    engine = make_engine(any_settings.database_url)
    with engine.connect() as writer:
        writer.begin()
        writer.execute(Coverage.__table__.insert().values(url="https://x.fr/en-cours", title="…"))
        path, clips = backed_up(any_settings, str(tmp_path / "pendant.bak"))
        writer.rollback()
    engine.dispose()
    assert path == tmp_path / "pendant.bak" and path.stat().st_size > 0
    assert clips == 2  # the clip being written is not in the backup


def test_restore_refuses_a_database_with_clips_unless_forced(any_settings, tmp_path):
    add_data(any_settings)
    path = backup(any_settings, str(tmp_path))
    add_data(any_settings, titles=("Une retombée écrite après la sauvegarde",))

    refused = run(any_settings, "restore", str(path))
    assert refused.exit_code == 1
    (line,) = refused.output.strip().splitlines()
    assert line.startswith("Error: The database ") and "already holds 3 clips and 2 users" in line
    assert "--force" in line
    assert len(titles(any_settings)) == 3

    forced = run(any_settings, "restore", str(path), "--force")
    assert forced.exit_code == 0, forced.output
    assert titles(any_settings) == ["Le Louvre-Lens a dix ans", "Les terrils du bassin minier"]


def test_restore_into_a_new_database_with_its_administrator_needs_no_force(
    any_settings, other_settings
):
    add_data(any_settings)
    path = backup(any_settings)
    other_settings = replace(other_settings, seed_example=True)
    prepared = run(other_settings, "init-db")  # a new server: schema, administrator, example
    assert prepared.exit_code == 0, prepared.output
    restored = run(other_settings, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert "2 clips, 2 users" in restored.output  # the backup's users, not the new admin


def wrong_files(settings, tmp_path) -> dict[str, tuple[Path, str]]:
    """Files a restore must refuse, with the message expected for each."""
    text_file = tmp_path / "notes.txt"
    text_file.write_text("Sauvegarde du 3 mars\n")
    good = backup(settings, str(tmp_path))
    truncated = tmp_path / f"truncated{good.suffix}"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    if is_sqlite(settings):
        other = tmp_path / "from-postgresql.dump"
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(200))
        kind = "is a PostgreSQL backup but the configured database is SQLite"
    else:
        sqlite_settings = make_settings(tmp_path / "sqlite")
        add_data(sqlite_settings)
        other = backup(sqlite_settings, str(tmp_path / "from-sqlite.sqlite"))
        kind = "is a SQLite backup but the configured database is PostgreSQL"
    return {
        "text": (text_file, "is not a Retombées backup"),
        "truncated": (truncated, "is damaged or incomplete"),
        "other kind": (other, kind),
        "missing": (tmp_path / "nowhere.sqlite", "does not exist"),
    }


def test_restore_refuses_a_wrong_or_truncated_file_and_leaves_the_database(any_settings, tmp_path):
    add_data(any_settings)
    before = titles(any_settings)
    for name, (path, message) in wrong_files(any_settings, tmp_path).items():
        result = run(any_settings, "restore", str(path), "--force")
        assert result.exit_code == 1, (name, result.output)
        (line,) = result.output.strip().splitlines()
        assert line.startswith("Error: ") and message in line, (name, line)
        assert "Traceback" not in result.output
        assert titles(any_settings) == before, name


def test_a_failed_backup_leaves_no_file(any_settings, tmp_path):
    if is_sqlite(any_settings):
        missing = replace(any_settings, database_url=f"sqlite:///{tmp_path}/absent/retombees.db")
        message = "There is no database to back up"
    else:
        url = make_url(any_settings.database_url)
        url = url.set(database=f"{url.database}_absent", password="s3cret-pw")
        missing = replace(any_settings, database_url=url.render_as_string(False))
        message = "does not exist"
    target = tmp_path / "backups"
    result = run(missing, "backup", str(target / "retombees.bak"))
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: ") and message in line
    assert "s3cret-pw" not in result.output
    assert not target.exists() or not list(target.iterdir())


def test_an_interrupted_pg_dump_leaves_no_partial_file(postgres_url, tmp_path, monkeypatch):
    """pg_dump dies after writing part of the archive: nothing appears under the name."""
    import models.backup

    settings = make_settings(tmp_path, database_url=postgres_url)
    add_data(settings)
    dying = tmp_path / "pg_dump"
    dying.write_text(
        "#!/bin/sh\n"
        'for arg; do case "$arg" in\n'
        '  --file=*) printf PGDMP-partial > "${arg#--file=}";;\n'
        "esac; done\n"
        'echo "pg_dump: error: Dumping the contents of table \\"coverage\\" failed" >&2\n'
        "exit 1\n"
    )
    dying.chmod(0o755)
    real = models.backup.find_tool
    monkeypatch.setattr(
        models.backup, "find_tool", lambda name: str(dying) if name == "pg_dump" else real(name)
    )
    target = tmp_path / "out"
    result = run(settings, "backup", str(target / "nightly.dump"))
    assert result.exit_code == 1
    assert 'pg_dump failed: Dumping the contents of table "coverage" failed.' in result.output
    assert list(target.iterdir()) == []


def test_an_older_backup_is_upgraded_when_restored(any_settings, other_settings):
    from alembic import command

    engine = make_engine(any_settings.database_url)
    with engine.begin() as connection:
        config = alembic_config(any_settings.database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
    engine.dispose()
    path = backup(any_settings)

    restored = run(other_settings, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert f"revision {HEAD} (upgraded from 0005), 0 clips" in restored.output
    add_data(other_settings)  # the upgraded schema is the current one
    assert len(titles(other_settings)) == 2
