"""The production process definitions (deploy/) name commands, options and settings that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from cli.main import main
from models.settings import SETTINGS

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def _commands() -> list[list[str]]:
    lines = [
        line.split(":", 1)[1]
        for line in (DEPLOY / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    for unit in UNITS:
        lines += re.findall(r"^Exec(?:Start|StartPre)=(.+)$", unit.read_text(), re.M)
    return [shlex.split(line) for line in lines]


def test_every_unit_runs_a_retombees_command_or_the_scheduler():
    assert {u.name for u in UNITS} == {
        "retombees-web.service",
        "retombees-scheduler.service",
        "retombees-worker@.service",
    }
    commands = _commands()
    assert len(commands) == 3 + 4  # the Procfile's three, the units' three and the migrations
    for argv in commands:
        program = Path(argv[0]).name
        if program == "python":
            assert argv[1:] == ["-m", "scheduler"], argv
            continue
        assert program == "retombees", argv
        command = main.get_command(click.Context(main), argv[1])
        assert command is not None, f"no command {argv[1]!r}"
        known = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for word in argv[2:]:
            if word.startswith("--"):
                assert word.split("=")[0] in known, f"{argv[1]} has no option {word}"


@pytest.mark.parametrize("path", [DEPLOY / "retombees.env.example"])
def test_the_example_environment_names_real_settings(path):
    known = {setting.env for setting in SETTINGS}
    names = re.findall(r"^(RETOMBEES_[A-Z_]+)=", path.read_text(), re.M)
    assert names and set(names) <= known, set(names) - known
    assert "RETOMBEES_DATABASE_URL" in names and "RETOMBEES_SECRET_KEY" in names
