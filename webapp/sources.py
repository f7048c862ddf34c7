"""Sources and their health."""

from flask import Blueprint, render_template
from flask_login import login_required

from models.source import sources_by_health

from .session import db

bp = Blueprint("sources", __name__, url_prefix="/sources")


@bp.get("/")
@login_required
def index():
    return render_template("sources/index.html", sources=sources_by_health(db()))
