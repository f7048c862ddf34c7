"""The README documents every setting and every command."""

from pathlib import Path

from cli.main import main
from models.settings import SETTINGS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    head = README[:600]
    assert "make run" in head and "make test" in head


def test_every_setting_is_documented_with_its_default():
    for setting in SETTINGS:
        rows = (line for line in README.splitlines() if line.startswith(f"| `{setting.env}` |"))
        row = next(rows, None)
        assert row, f"{setting.env} is missing from the README"
        default = f"`{setting.default}`" if setting.default else "(empty)"
        assert default in row, f"{setting.env}: default {default} not in its README row"


def test_every_command_is_documented():
    for name in main.commands:
        assert f"`retombees {name}" in README, f"retombees {name} is missing from the README"
