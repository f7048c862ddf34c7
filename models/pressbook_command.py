"""Building a press book in a child process (``retombees pressbook``), as the press book page's
background task and the scheduler's monthly job both do: the few hundred MB of page layout go
back to the system when the child ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_SECONDS = 30 * 60  # one press book may take this long
RESULT_KEYS = ("pages", "entries", "clips", "bytes", "format", "seconds")


class BuildFailed(RuntimeError):
    """The press book command failed; the message is its last error line."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True)
class BuiltBook:
    name: str
    data: bytes
    result: dict  # the figures the command reported (RESULT_KEYS)


def command_args(params: dict, output: str) -> list[str]:
    """The ``retombees pressbook`` arguments for a task's parameters."""
    args = ["pressbook", "--output", output, "--json", "--progress"]
    for option, name in (("--campaign", "campaign"), ("--from", "date_from"), ("--to", "date_to")):
        if params.get(name):
            args += [option, params[name]]
    args += ["--status", params.get("status") or "confirmed"]
    args += ["--order", params.get("order") or "date"]
    args += ["--format", params.get("format") or "pdf"]
    if params.get("title"):
        args.append(f"--title={params['title']}")  # one token, even if it starts with "-"
    if params.get("lang"):
        args += ["--lang", params["lang"]]
    if params.get("full_text"):
        args.append("--full-text")
    return args


def command_error(stderr: str, returncode: int) -> str:
    """The reason a failed ``retombees pressbook`` gave: its last error line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return f"exit status {returncode}"
    return lines[-1].removeprefix("Error: ")


def build_in_child(
    settings,
    params: dict,
    on_stage: Callable[[str], None] | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> BuiltBook:
    """Run ``retombees pressbook`` for a task's parameters and return the file it wrote.

    ``on_stage`` is called with each stage the command reports (``select``, ``layout``…).

    :raises BuildFailed: with the command's reason, or ``timed_out`` when it ran too long.
    """
    fmt = params.get("format") or "pdf"
    with tempfile.TemporaryDirectory(prefix="retombees-pressbook-") as folder:
        output = str(Path(folder) / f"book.{fmt}")
        with (Path(folder) / "stderr.txt").open("w+") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "cli", *command_args(params, output)],
                env={**os.environ, **settings.to_env()},
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
            stopped = threading.Event()

            def stop() -> None:
                stopped.set()
                child.kill()

            timer = threading.Timer(timeout, stop)
            timer.start()
            outcome: dict = {}
            try:
                for line in child.stdout:
                    message = _message(line)
                    if "progress" in message and on_stage is not None:
                        on_stage(message["progress"])
                    elif "file" in message:
                        outcome = message
                child.wait()
            finally:
                timer.cancel()
            if child.returncode != 0:
                if stopped.is_set():
                    raise BuildFailed(f"stopped: it ran past {timeout:.0f} s", timed_out=True)
                stderr.seek(0)
                raise BuildFailed(command_error(stderr.read(), child.returncode))
        data = Path(output).read_bytes()
    return BuiltBook(
        outcome.get("name") or f"pressbook.{fmt}",
        data,
        {key: outcome.get(key) for key in RESULT_KEYS},
    )


def _message(line: str) -> dict:
    """One JSON line of the command's output ({} for anything else)."""
    line = line.strip()
    if not line.startswith("{"):
        return {}
    try:
        message = json.loads(line)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}
