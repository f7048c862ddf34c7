"""Secrets come from the environment (or are generated on the machine), never from the
repository.

The Flask secret key signs the session cookie: whoever knows it can sign a cookie for any
account. It is ``RETOMBEES_SECRET_KEY``, or, when that is empty (the embedded setup), a random
key generated once in the instance folder, readable by the service's user only, the same for
every web worker of the machine. The example environment's placeholder is refused: a deployment
copied from it would run with a key everyone can read. The files the repository tracks hold no
secret: no literal key or password assigned in the code, only placeholders in ``deploy/``, no
private key, token or credentials in an address, no instance folder or database.
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import models.settings
from cli.main import main
from models import Role, Settings, SettingsError
from tests.conftest import add_user, login, make_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ENV = ROOT / "deploy" / "retombees.env.example"


def app_for(settings):
    from webapp import create_app

    return create_app({"TESTING": True}, settings=settings)


def test_the_key_set_in_the_environment_signs_the_cookies(tmp_path):
    key = "f3" * 32
    settings = Settings.from_env(
        {"RETOMBEES_INSTANCE_PATH": str(tmp_path), "RETOMBEES_SECRET_KEY": key}
    )
    app = app_for(settings)
    try:
        assert app.secret_key == key
        assert not (tmp_path / "secret_key").exists()  # nothing generated beside it
    finally:
        app.extensions["retombees_engine"].dispose()


def test_without_one_each_instance_generates_its_own_and_keeps_it(tmp_path):
    """Never a fixed key: two installations differ, a restart keeps the key, a cookie of one
    installation opens nothing on the other."""
    apps, keys = [], []
    try:
        for name in ("a", "b", "a"):
            settings = make_settings(tmp_path / name, secret_key="")
            apps.append(app_for(settings))
            keys.append(apps[-1].secret_key)
        assert keys[0] == keys[2] and keys[0] != keys[1]
        assert re.fullmatch(r"[0-9a-f]{64}", keys[0])
        key_file = tmp_path / "a" / "instance" / "secret_key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        first, second = apps[0], apps[1]
        add_user(first, "claire", Role.OFFICER)
        add_user(second, "claire", Role.OFFICER)
        browser = first.test_client()
        assert login(browser, "claire").status_code == 302
        elsewhere = second.test_client()
        elsewhere.set_cookie("session", browser.get_cookie("session").value)
        assert elsewhere.get("/review/").status_code == 302  # to the login page
    finally:
        for app in apps:
            app.extensions["retombees_engine"].dispose()


def test_workers_starting_together_agree_on_one_key(tmp_path, monkeypatch):
    """Two web workers start on a new instance at the same moment: both find no key and each
    generates one; the slower must not replace the key the faster already signs with."""
    settings = make_settings(tmp_path, secret_key="")
    both_generated = threading.Barrier(2)
    generate = models.settings.secrets.token_hex
    order = iter([0, 1.0])  # the second worker writes a second after the first

    def slow_token_hex(n):
        key = generate(n)
        delay = next(order)
        both_generated.wait(timeout=10)
        time.sleep(delay)
        return key

    monkeypatch.setattr(models.settings.secrets, "token_hex", slow_token_hex)
    keys = []
    workers = [
        threading.Thread(target=lambda: keys.append(settings.resolved_secret_key()))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert len(keys) == 2 and keys[0] == keys[1]
    assert (settings.instance_path / "secret_key").read_text().strip() == keys[0]
    assert sorted(p.name for p in settings.instance_path.iterdir()) == ["secret_key"]


def example_secret_key() -> str:
    match = re.search(r"^RETOMBEES_SECRET_KEY=(.*)$", EXAMPLE_ENV.read_text(), re.M)
    assert match, "the example environment sets no secret key"
    return match.group(1).strip()


def test_the_placeholder_of_the_example_environment_is_refused(tmp_path):
    placeholder = example_secret_key()
    environ = {"RETOMBEES_INSTANCE_PATH": str(tmp_path), "RETOMBEES_SECRET_KEY": placeholder}
    with pytest.raises(SettingsError, match="RETOMBEES_SECRET_KEY is still the example"):
        Settings.from_env(environ)
    # Every command refuses to start, with one sentence (the web server with them).
    result = CliRunner().invoke(main, ["init-db"], env=environ)
    assert result.exit_code == 1
    assert "RETOMBEES_SECRET_KEY is still the example's placeholder" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "retombees.db").exists()


# -- Nothing secret in the repository --------------------------------------------------------

# An assignment of a literal value to something named like a secret.
ASSIGNED = re.compile(
    r"""(?ix)\b[\w.]*(secret[_-]?key|password|passwd|api[_-]?key|token|smtp_password)\b
    ["']?\s*[:=]\s*["']([^"'\s]{4,})["']"""
)
# Credentials inside an address: scheme://user:password@host
IN_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@\"'<>]+:([^/\s@\"'<>]+)@", re.I)
KEYS = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|AKIA[0-9A-Z]{16}"  # AWS access key
    r"|gh[pousr]_[A-Za-z0-9]{36}"  # GitHub token
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"  # Slack token
    r"|rtb_[A-Za-z0-9_-]{40,}"  # a Retombées API token
)
NOT_TRACKED = re.compile(
    r"(^|/)(instance/|\.env$|secret_key$|[^/]+\.(db|sqlite|sqlite3|dump|pem|key|p12)$|id_rsa)"
)
# Where literal values are throwaway fixtures of local test and benchmark databases (private
# keys and tokens are looked for there too).
FIXTURE_DIRS = ("tests/", "bench/")
# What a committed example may say instead of a secret.
PLACEHOLDERS = re.compile(r"^(CHANGE-ME.*|\*+|•+|x+|\.\.\.|secret|password|P)$", re.I)
EXAMPLE_HOSTS = ("example.fr", "example.org", "example.com", "example.net", "host")


def findings(name: str, content: str) -> list[str]:
    """The secret-looking values of one tracked file."""
    found = [f"{name}: {m.group(0)[:40]}" for m in KEYS.finditer(content)]
    if name.startswith(FIXTURE_DIRS):
        return found
    for match in IN_URL.finditer(content):
        password, rest = match.group(1), content[match.end() : match.end() + 40]
        if not PLACEHOLDERS.match(password) and not rest.startswith(EXAMPLE_HOSTS):
            found.append(f"{name}: password in an address {match.group(0)}")
    for match in ASSIGNED.finditer(content):
        if not PLACEHOLDERS.match(match.group(2)):
            found.append(f"{name}: {match.group(0)}")
    return found


def test_the_scan_finds_what_it_looks_for():
    """The scan below can fail: planted secrets are found, placeholders are not."""
    planted = {
        "webapp/app.py": 'SECRET_KEY = "f00dfeedcafe1234"',
        "models/x.py": "smtp_password='hunter22hunter'",
        "deploy/a.env": "RETOMBEES_DATABASE_URL=postgresql://u:s3cr3t-pw@db.internal/r",
        "docs/a.md": "-----BEGIN RSA " + "PRIVATE KEY-----",  # split: this file is scanned too
        "tests/a.py": "token = 'rtb_" + "a" * 43 + "'",
    }
    for name, content in planted.items():
        assert findings(name, content), name
    allowed = {
        "deploy/a.env": "RETOMBEES_DATABASE_URL=postgresql+psycopg://r:CHANGE-ME@127.0.0.1/r",
        "docs/b.md": "`https://user:secret@example.fr/a`",
        "tests/conftest.py": '"secret_key": "test-secret"',
    }
    for name, content in allowed.items():
        assert not findings(name, content), name
    assert NOT_TRACKED.search("instance/secret_key") and NOT_TRACKED.search("a/retombees.db")
    assert not NOT_TRACKED.search("models/db.py")


def tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [name for name in listed.split("\0") if name]


def test_no_secret_is_committed():
    names = tracked_files()
    assert "deploy/retombees.env.example" in names
    problems = [name for name in names if NOT_TRACKED.search(name)]
    for name in names:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, compiled files
        problems += findings(name, content)
    assert not problems, "\n".join(problems)


def test_the_deployment_files_hold_placeholders_only():
    """Every secret of the example environment is empty or CHANGE-ME; the units and the
    Procfile read the environment, they set no secret themselves."""
    secret_names = re.compile(r"SECRET|PASSWORD|TOKEN|KEY")
    for line in EXAMPLE_ENV.read_text().splitlines():
        name, _, value = line.partition("=")
        if line.startswith("#") or not value:
            continue
        if secret_names.search(name):
            assert value == "" or value.startswith("CHANGE-ME"), line
        for password in IN_URL.findall(value):
            assert password == "CHANGE-ME", line
    for unit in (ROOT / "deploy").rglob("*"):
        if unit.is_file() and unit != EXAMPLE_ENV:
            text = unit.read_text()
            assert not re.search(r"^\s*Environment=.*(SECRET|PASSWORD)", text, re.M), unit
            assert "RETOMBEES_SECRET_KEY=" not in text, unit
