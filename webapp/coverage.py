"""One clip: its page, and the evidence snapshot of the page as it was fetched."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, NumberRange, Optional

from models import Campaign, Coverage, Outlet
from models.campaign import active_campaigns
from models.coverage import CoverageCampaign
from models.manual import HandEntry, ManualEntryError, add_clip_by_hand, add_clip_by_url
from models.outlet import outlets_by_name
from models.snapshots import decompress, snapshot_of

from .auth import permission_required
from .reasons import translate_reason
from .session import db, valuation_rules

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

# The snapshot is a third-party page: shown inert, in a sandbox, with nothing loaded.
SNAPSHOT_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class ByAddressForm(FlaskForm):
    url = StringField(_l("Address of the page"), validators=[DataRequired(), URL()])
    campaign = SelectField(_l("Campaign"), coerce=int)


class ByHandForm(FlaskForm):
    outlet = SelectField(_l("Outlet"), coerce=int, validators=[DataRequired()])
    day = DateField(_l("Date"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired()])
    programme = StringField(_l("Page or programme"), validators=[Optional()])
    author = StringField(_l("Author"), validators=[Optional()])
    duration_s = IntegerField(_l("Duration (seconds)"), validators=[Optional(), NumberRange(min=1)])
    page_fraction = DecimalField(
        _l("Page fraction (0 to 1)"), places=3, validators=[Optional(), NumberRange(0, 1)]
    )
    surface_cm2 = DecimalField(_l("Surface (cm²)"), validators=[Optional(), NumberRange(min=0)])
    summary = TextAreaField(_l("Summary"), validators=[Optional()])
    campaign = SelectField(_l("Campaign"), coerce=int)


def _choices(session, by_address: ByAddressForm, by_hand: ByHandForm) -> None:
    campaigns = [(0, "—")] + [(c.id, c.name) for c in active_campaigns(session)]
    by_address.campaign.choices = by_hand.campaign.choices = campaigns
    by_hand.outlet.choices = [(o.id, o.name) for o in outlets_by_name(session)]


@bp.route("/new", methods=["GET", "POST"])
@permission_required("add_coverage")
def new():
    session = db()
    by_address = ByAddressForm(prefix="address")
    by_hand = ByHandForm(prefix="hand")
    _choices(session, by_address, by_hand)
    mode = request.form.get("mode")
    try:
        if mode == "address" and by_address.validate_on_submit():
            campaign = session.get(Campaign, by_address.campaign.data or 0)
            clip = add_clip_by_url(session, by_address.url.data, campaign)
            session.commit()
            flash(_("Address added: its page will be fetched within a minute."), "success")
            return redirect(url_for("coverage.show", coverage_id=clip.id))
        if mode == "hand" and by_hand.validate_on_submit():
            entry = HandEntry(
                outlet=session.get(Outlet, by_hand.outlet.data),
                day=by_hand.day.data,
                title=by_hand.title.data,
                summary=by_hand.summary.data or "",
                programme=by_hand.programme.data or "",
                author=by_hand.author.data or "",
                duration_s=by_hand.duration_s.data,
                page_fraction=_float(by_hand.page_fraction.data),
                surface_cm2=_float(by_hand.surface_cm2.data),
                campaign=session.get(Campaign, by_hand.campaign.data or 0),
            )
            clip = add_clip_by_hand(session, entry, valuation_rules())
            session.commit()
            flash(_("Clip added and confirmed."), "success")
            return redirect(url_for("coverage.show", coverage_id=clip.id))
    except ManualEntryError as exc:
        session.rollback()
        flash(translate_reason(str(exc)), "error")
    status = 400 if mode and request.method == "POST" else 200
    return render_template("coverage/new.html", by_address=by_address, by_hand=by_hand), status


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _clip(coverage_id: int) -> Coverage:
    clip = db().get(
        Coverage,
        coverage_id,
        options=[
            selectinload(Coverage.outlet),
            selectinload(Coverage.snapshot),
            selectinload(Coverage.campaign_links)
            .selectinload(CoverageCampaign.campaign)
            .selectinload(Campaign.key_messages),
        ],
    )
    if clip is None:
        abort(404)
    return clip


@bp.get("/<int:coverage_id>")
@login_required
def show(coverage_id: int):
    clip = _clip(coverage_id)
    found = {m.get("label") for m in clip.key_messages or []}
    messages = [m.label for c in clip.campaigns for m in c.key_messages]
    return render_template(
        "coverage/show.html",
        clip=clip,
        missing_messages=[label for label in messages if label not in found],
        can_review=current_user.can("review"),
    )


@bp.get("/<int:coverage_id>/snapshot")
@login_required
def snapshot(coverage_id: int):
    kept = snapshot_of(db(), coverage_id)
    if kept is None:
        abort(404)
    encoding = kept.encoding or "utf-8"
    response = Response(decompress(kept.html_gz), mimetype="text/html")
    response.charset = encoding
    response.headers["Content-Security-Policy"] = SNAPSHOT_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:coverage_id>/value")
@permission_required("review")
def override_value(coverage_id: int):
    """Set (or clear, with an empty amount) a person's AVE for the clip, with the reason."""
    from models.valuation import set_ave_override

    session = db()
    clip = _clip(coverage_id)
    raw = (request.form.get("amount") or "").replace(" ", "").replace(",", ".")
    try:
        amount = float(raw) if raw else None
        set_ave_override(clip, amount, request.form.get("reason", "").strip())
    except ValueError:
        flash(_("Give a positive amount in euros and the reason for it."), "error")
        return redirect(url_for("coverage.show", coverage_id=coverage_id))
    session.commit()
    flash(_("Advertising value set by hand."), "success")
    return redirect(url_for("coverage.show", coverage_id=coverage_id))


def _number(name: str, kind=float):
    raw = (request.form.get(name) or "").replace(" ", "").replace(",", ".")
    return kind(raw) if raw else None


@bp.post("/<int:coverage_id>/size")
@permission_required("review")
def set_size(coverage_id: int):
    """Enter a clip's size (broadcast duration, page fraction or surface) and value it again."""
    from models.valuation import apply_valuation

    session = db()
    clip = _clip(coverage_id)
    try:
        duration, fraction, surface = (
            _number("duration_s", int),
            _number("page_fraction"),
            _number("surface_cm2"),
        )
    except ValueError:
        duration = fraction = surface = -1.0
    if any(v is not None and v < 0 for v in (duration, fraction, surface)) or (
        fraction is not None and fraction > 1
    ):
        flash(
            _("The duration, page fraction (0 to 1) and surface must be positive numbers."), "error"
        )
        return redirect(url_for("coverage.show", coverage_id=coverage_id))
    clip.duration_s, clip.page_fraction, clip.surface_cm2 = duration, fraction, surface
    apply_valuation(session, clip, valuation_rules())
    session.commit()
    flash(_("Size saved; reach and value computed again."), "success")
    return redirect(url_for("coverage.show", coverage_id=coverage_id))


@bp.get("/")
@login_required
def search():
    """Search the stored coverage (full text and filters)."""
    return render_template("coverage/search.html")
