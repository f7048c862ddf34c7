"""The outlet registry: audiences and dated rate cards with their sources and confidence.

Edited as a spreadsheet: download the CSV, change it, upload it; the upload reports what
changed and values the stored clips again.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from models.outlet import outlets_by_name
from models.registry import RegistryError
from models.registry_io import export_registry, import_registry
from models.valuation import revalue

from .auth import permission_required
from .session import db, valuation_rules

bp = Blueprint("outlets", __name__, url_prefix="/outlets")


@bp.get("/")
@login_required
def index():
    return render_template("outlets/index.html", outlets=outlets_by_name(db(), with_rates=True))


@bp.get("/registry.csv")
@login_required
def export():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry.csv"
        export_registry(db(), path)
        body = path.read_bytes()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=registre-medias.csv"},
    )


@bp.post("/registry.csv")
@permission_required("edit_registry")
def upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file."), "error")
        return redirect(url_for("outlets.index"))
    session = db()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry.csv"
        upload.save(path)
        try:
            changes = import_registry(session, path)
        except RegistryError as exc:
            session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("outlets.index"))
    revalued = revalue(session, valuation_rules()) if changes.changed else 0
    session.commit()
    flash(
        _("%(n)s changes; %(clips)s clips valued again.")
        % {"n": len(changes.lines()), "clips": revalued},
        "success",
    )
    return redirect(url_for("outlets.index"))
