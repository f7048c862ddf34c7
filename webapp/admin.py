"""Administration: users and their roles, API tokens, settings."""

from flask import Blueprint, render_template

from .auth import permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@permission_required("admin")
def index():
    return render_template("admin/index.html")
