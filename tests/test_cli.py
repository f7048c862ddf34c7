"""The command line as a user meets it: clear errors, first-run login, demo, run."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.conftest import FIXTURES


@pytest.fixture
def env(tmp_path):
    """A clean environment for one command, with its own instance folder."""
    return {
        "RETOMBEES_INSTANCE_PATH": str(tmp_path / "instance"),
        "RETOMBEES_DATABASE_URL": "",
        "RETOMBEES_ADMIN_PASSWORD": "",
        "RETOMBEES_LOG_LEVEL": "WARNING",
        "RETOMBEES_ALLOWED_NETWORKS": "127.0.0.0/8",  # the fixture server is on loopback
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuchdb://somewhere/x", "RETOMBEES_DATABASE_URL is not a usable database URL"),
        ("postgresql://nobody@127.0.0.1:1/none", "Cannot open the database"),
    ],
)
@pytest.mark.parametrize("command", ["init-db", "run", "crawl"])
def test_wrong_database_url_is_one_clear_sentence(env, url, message, command):
    result = CliRunner().invoke(main, [command], env={**env, "RETOMBEES_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: ") and message in line


def test_wrong_setting_names_the_variable(env):
    result = CliRunner().invoke(main, ["init-db"], env={**env, "RETOMBEES_PORT": "cinq"})
    assert result.exit_code == 1
    assert "RETOMBEES_PORT must be a whole number" in result.output


def test_first_init_prints_the_admin_login_once(env):
    runner = CliRunner()
    first = runner.invoke(main, ["init-db"], env={**env, "RETOMBEES_SEED_EXAMPLE": "false"})
    assert first.exit_code == 0, first.output
    match = re.search(r"log in as 'admin' with the password (\S+)", first.output)
    assert match and len(match.group(1)) >= 12
    second = runner.invoke(main, ["init-db"], env=env)
    assert "password" not in second.output and "Database ready" in second.output


def test_create_user_then_log_in(env):
    from models import Settings
    from models.db import open_database
    from models.user import user_by_name

    runner = CliRunner()
    args = ["create-user", "claire", "--role", "officer", "--password", "long enough pw"]
    assert runner.invoke(main, args, env=env).exit_code == 0
    again = runner.invoke(main, args, env=env)
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(main, ["create-user", "bob", "--password", "short"], env=env)
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    _engine, sessions = open_database(Settings.from_env(env))
    with sessions() as session:
        assert user_by_name(session, "claire").check_password("long enough pw")


def test_demo_collects_and_analyses_the_sample_site(env):
    result = CliRunner().invoke(main, ["demo", "--no-serve"], env=env)
    assert result.exit_code == 0, result.output
    counts = dict(re.findall(r"^  (\w+)\s+(\d+)$", result.output, re.M))
    assert counts == {
        "press": "4",
        "tv": "2",
        "radio": "3",
        "web": "0",
        "partner": "2",
        "total": "11",
    }
    assert "Crawled 4 sources: 13 clips collected." in result.output
    assert "Analysed 13 clips, 11 about the territory." in result.output


def test_crawl_and_process_commands_print_their_figures(env, fixture_server):
    from models import Campaign, Settings, Source, SourceKind
    from models.db import open_database

    _engine, sessions = open_database(Settings.from_env(env))
    with sessions.begin() as session:
        session.add(Campaign(slug="c", name="C", query="terrils"))
        session.add(
            Source(
                name="partner",
                kind=SourceKind.FEED,
                url=fixture_server.url("site/partner/feed.xml"),
            )
        )
    runner = CliRunner()
    crawled = runner.invoke(main, ["crawl"], env=env)
    assert crawled.exit_code == 0, crawled.output
    assert json.loads(crawled.output.splitlines()[-1])["stored"] == 1
    processed = runner.invoke(main, ["process"], env=env)
    assert json.loads(processed.output.splitlines()[-1]) == {
        "processed": 1,
        "relevant": 1,
        "batches": 1,
    }


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(stat.parent.name), cmdline))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_serves_the_interface_beside_the_scheduler(env):
    port = _free_port()
    process_env = {
        **os.environ,
        **env,
        "RETOMBEES_PORT": str(port),
        "RETOMBEES_ADMIN_PASSWORD": "a long admin password",
        "RETOMBEES_SEED_EXAMPLE": "false",
        "RETOMBEES_WEB_WORKERS": "1",
    }
    run = subprocess.Popen(
        [sys.executable, "-m", "cli", "run"],
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    page = r.read().decode()
                break
            except OSError:
                assert run.poll() is None, run.stdout.read()
                assert time.monotonic() < deadline, "the interface did not answer in time"
                time.sleep(0.5)
        assert "Se connecter" in page
        schedulers = [pid for pid, cmd in _children(run.pid) if "-m scheduler" in cmd]
        assert schedulers, "no scheduler process beside the web server"
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        output = run.communicate(timeout=30)[0]
    assert "Scheduler started" in output
    assert run.returncode == 0
    assert not Path(f"/proc/{schedulers[0]}").exists()  # stopped with the web server


def test_extract_reads_recorded_pages():
    result = CliRunner().invoke(main, ["extract", str(FIXTURES / "pages/windows-1252.html")])
    assert result.exit_code == 0
    assert json.loads(result.output)["language"] == "fr"


def test_analyze_reads_json_lines_and_writes_one_line_each(env):
    lines = "\n".join(
        json.dumps(row, ensure_ascii=False)
        for row in [
            {
                "id": "a",
                "text": "À Loos-en-Gohelle, les terrils du bassin minier attirent.",
                "url": "https://www.lavoixdunord.fr/1/article",
            },
            {"id": "b", "text": "À Forbach, en Moselle, le bassin minier lorrain se souvient."},
        ]
    )
    result = CliRunner().invoke(main, ["analyze", "--jsonl", "-"], input=lines, env=env)
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert set(first) == {"id", "relevant", "relevance", "medium", "key_messages", "quotes", "tone"}
    assert (first["id"], first["relevant"], second["relevant"]) == ("a", True, False)
    assert first["tone"] in ("positive", "neutral", "negative")
    bad = CliRunner().invoke(main, ["analyze", "--jsonl", "-"], input="{nope", env=env)
    assert bad.exit_code == 1 and "line 1" in bad.output


def test_rescore_marks_a_campaigns_clips(env):
    runner = CliRunner()
    assert runner.invoke(main, ["init-db"], env=env).exit_code == 0
    result = runner.invoke(main, ["rescore", "--campaign", "bassin-minier"], env=env)
    assert result.exit_code == 0 and "0 clips of bassin-minier" in result.output
    missing = runner.invoke(main, ["rescore", "--campaign", "nope"], env=env)
    assert missing.exit_code == 1 and "No campaign 'nope'" in missing.output


def test_processes_starting_together_on_a_new_database(env):
    process_env = {**os.environ, **env, "RETOMBEES_SEED_EXAMPLE": "true"}
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "cli", "init-db"],
            env=process_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [s.communicate(timeout=120)[0] for s in starts]
    assert [s.returncode for s in starts] == [0, 0, 0], outputs
    assert sum("Administrator created" in out for out in outputs) == 1
    assert sum("Example campaign" in out for out in outputs) == 1
