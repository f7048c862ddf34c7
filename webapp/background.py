"""Long work in the background: a task row, a thread that runs it, and its progress.

A view calls :func:`start_task` with a registered kind; the task runs in the web process's
small thread pool, writes its progress to its row, and the task page polls that row. Kinds are
registered with :func:`task_kind`; a task function receives its own database session, a
:class:`Progress` to report to, and the task's parameters, and returns a JSON-able result.

With ``RETOMBEES_TASKS_INLINE`` set (tests), the task runs before ``start_task`` returns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app, has_request_context
from flask_babel import force_locale, get_locale
from sqlalchemy.orm import Session, sessionmaker

from models import Task, TaskStatus, utcnow

log = logging.getLogger(__name__)

TaskFunction = Callable[[Session, "Progress", dict], dict | None]
_KINDS: dict[str, TaskFunction] = {}
THREADS = 2


def task_kind(name: str):
    """Register a function as the task kind ``name``."""

    def decorator(function: TaskFunction) -> TaskFunction:
        _KINDS[name] = function
        return function

    return decorator


class Progress:
    """What a running task reports: how far it is, and the file it produced."""

    MIN_INTERVAL = 0.5  # seconds between two progress writes

    def __init__(self, sessions: sessionmaker[Session], task_id: int):
        self._sessions = sessions
        self.task_id = task_id
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        """Record progress (written at most twice a second, and always at the end)."""
        now = time.monotonic()
        if now - self._last < self.MIN_INTERVAL and (total is None or done < total):
            return
        self._last = now
        with self._sessions.begin() as session:
            task = session.get(Task, self.task_id)
            task.done, task.heartbeat_at = done, utcnow()
            if total is not None:
                task.total = total
            if message:
                task.message = message

    def attach_file(self, name: str, mimetype: str, data: bytes) -> None:
        """Keep a file the task produced, for its owner to download."""
        with self._sessions.begin() as session:
            task = session.get(Task, self.task_id)
            task.file_name, task.file_type, task.file_data = name, mimetype, data


def start_task(session: Session, kind: str, params: dict, user, title: str) -> Task:
    """Queue a task of a registered kind and start it; commits ``session``.

    :raises KeyError: for an unknown kind.
    """
    if kind not in _KINDS:
        raise KeyError(f"Unknown task kind {kind!r}.")
    # The task speaks the language of the person who started it.
    locale = str(get_locale()) if has_request_context() else None
    task = Task(kind=kind, params={**params, "_locale": locale}, user=user, title=title[:300])
    session.add(task)
    session.commit()
    app = current_app._get_current_object()
    if run_in_background(app, _run_in_app, app, task.id).done():  # inline: report its end
        session.refresh(task)
    return task


def run_in_background(app: Flask, function: Callable, *arguments) -> Future:
    """Run ``function(*arguments)`` in the web process's background threads; with
    ``RETOMBEES_TASKS_INLINE`` (tests), before returning. Its outcome is in the future."""
    if not app.config.get("RETOMBEES_TASKS_INLINE"):
        return app.extensions["retombees_executor"].submit(function, *arguments)
    done: Future = Future()
    try:
        done.set_result(function(*arguments))
    except Exception as exc:  # noqa: BLE001 - kept in the future, as a thread would
        done.set_exception(exc)
    return done


def _run_in_app(app: Flask, task_id: int) -> None:
    """Run a task in a worker thread, inside the application's context (settings, logging)."""
    with app.app_context():
        run_task(app.extensions["retombees_sessions"], task_id)


def run_task(sessions: sessionmaker[Session], task_id: int) -> None:
    """Run one queued task to its end, recording the outcome; never raises."""
    with sessions.begin() as session:
        task = session.get(Task, task_id)
        if task is None or task.status != TaskStatus.QUEUED:
            return
        task.status, task.started_at = TaskStatus.RUNNING, utcnow()
        task.heartbeat_at = task.started_at
        kind, params = task.kind, dict(task.params)
    try:
        with (
            sessions() as session,
            force_locale(params.pop("_locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]),
        ):
            result = _KINDS[kind](session, Progress(sessions, task_id), params) or {}
        status, error = TaskStatus.DONE, None
    except Exception as exc:  # the task failed: its page says why
        log.exception("Task %s (%s) failed", task_id, kind)
        result, status, error = {}, TaskStatus.FAILED, str(exc) or exc.__class__.__name__
    with sessions.begin() as session:
        task = session.get(Task, task_id)
        task.status, task.error, task.result = status, error, result
        task.finished_at = task.heartbeat_at = utcnow()
        if status == TaskStatus.DONE and task.total is not None:
            task.done = task.total


def init_app(app: Flask) -> None:
    executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="retombees-task")
    app.extensions["retombees_executor"] = executor
