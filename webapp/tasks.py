"""The pages of background tasks: progress, outcome and the file produced."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template
from flask_login import current_user, login_required

from models import Task
from models.pressbook import is_scheduled_press_book
from models.task import recent_tasks

from .session import db

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _task(task_id: int) -> Task:
    task = db().get(Task, task_id)
    if task is None:
        abort(404)
    # Its owner, an administrator, or for a scheduled press book anyone who exports.
    if not (
        task.user_id == current_user.id
        or current_user.can("admin")
        or (is_scheduled_press_book(task) and current_user.can("export"))
    ):
        abort(404)
    return task


@bp.get("/")
@login_required
def index():
    owner = None if current_user.can("admin") else current_user.id
    return render_template("tasks/index.html", tasks=recent_tasks(db(), owner))


@bp.get("/<int:task_id>")
@login_required
def show(task_id: int):
    return render_template("tasks/show.html", task=_task(task_id))


@bp.get("/<int:task_id>.json")
@login_required
def status(task_id: int):
    return jsonify(_task(task_id).as_json())


@bp.get("/<int:task_id>/download")
@login_required
def download(task_id: int):
    task = _task(task_id)
    if task.file_data is None:
        abort(404)
    response = Response(task.file_data, mimetype=task.file_type or "application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{task.file_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
