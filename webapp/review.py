"""The review inbox: new candidate coverage, confirmed or rejected one by one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models.review import (
    correct_key_message,
    decide,
    review_count,
    review_queue,
    set_medium,
)

from .auth import permission_required
from .session import db, valuation_rules

bp = Blueprint("review", __name__, url_prefix="/review")
PAGE_SIZE = 50


@bp.get("/")
@login_required
def index():
    session = db()
    page = max(request.args.get("page", 1, type=int), 1)
    clips = review_queue(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    remaining = review_count(session)
    return render_template(
        "review/index.html",
        clips=clips,
        remaining=remaining,
        page=page,
        has_next=page * PAGE_SIZE < remaining,
        can_review=current_user.can("review"),
        can_add=current_user.can("add_coverage"),
    )


@bp.post("/<int:coverage_id>/<decision>")
@permission_required("review")
def decide_clip(coverage_id: int, decision: str):
    session = db()
    clip = decide(session, coverage_id, decision, current_user)
    session.commit()
    message = _("Confirmed: %(title)s") if decision == "confirm" else _("Rejected: %(title)s")
    flash(message % {"title": clip.title}, "success")
    return redirect(url_for("review.index", page=request.args.get("page", 1, type=int)))


@bp.post("/<int:coverage_id>/medium")
@permission_required("review")
def correct_medium(coverage_id: int):
    session = db()
    clip = set_medium(
        session, coverage_id, request.form.get("medium", ""), current_user, valuation_rules()
    )
    session.commit()
    flash(_("Medium corrected: %(title)s") % {"title": clip.title}, "success")
    return redirect(url_for("review.index", page=request.args.get("page", 1, type=int)))


@bp.post("/<int:coverage_id>/message")
@permission_required("review")
def correct_message(coverage_id: int):
    session = db()
    present = request.form.get("present") == "1"
    correct_key_message(
        session,
        coverage_id,
        request.form.get("label", ""),
        present,
        current_user,
        request.form.get("sentence") or None,
    )
    session.commit()
    flash(_("Key messages corrected."), "success")
    return redirect(url_for("coverage.show", coverage_id=coverage_id))
