"""Coverage: searching the clips, one clip's page (edit, size, value, history), the evidence
snapshot of the page as it was fetched, and adding clips by hand or by address."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from models import Campaign, Coverage, Outlet
from models.campaign import active_campaigns
from models.coverage import CoverageCampaign
from models.history import history
from models.manual import HandEntry, ManualEntryError, add_clip_by_hand, add_clip_by_url
from models.outlet import outlet_choices
from models.search import SearchError, search_coverage
from models.snapshots import decompress, snapshot_of
from models.text import parse_number

from .auth import permission_required
from .background import start_task
from .coverage_forms import (
    SEARCH_ERRORS,
    SEARCH_FAILED,
    ByAddressForm,
    ByHandForm,
    EditForm,
    SearchForm,
    apply_edit,
    edit_data,
    history_lines,
    record_changes,
)
from .reasons import translate_reason
from .session import db, valuation_rules

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

# The snapshot is a third-party page: shown inert, in a sandbox, with nothing loaded.
SNAPSHOT_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _choices(session, by_address: ByAddressForm, by_hand: ByHandForm) -> None:
    campaigns = [(0, "—")] + [(c.id, c.name) for c in active_campaigns(session)]
    by_address.campaign.choices = by_hand.campaign.choices = campaigns
    by_hand.outlet.choices = outlet_choices(session)


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
        events=history_lines(history(db(), coverage_id)),
    )


@bp.route("/<int:coverage_id>/edit", methods=["GET", "POST"])
@permission_required("review")
def edit(coverage_id: int):
    """Correct a clip's title, author, date, outlet, programme, summary or note."""
    session = db()
    clip = _clip(coverage_id)
    form = EditForm(data=edit_data(clip))
    form.fill_choices(session)
    if form.validate_on_submit():
        changes = apply_edit(session, clip, form, current_user, valuation_rules())
        session.commit()
        flash(_("Clip saved.") if changes else _("Nothing was changed."), "success")
        return redirect(url_for("coverage.show", coverage_id=coverage_id))
    status = 400 if request.method == "POST" else 200
    return render_template("coverage/edit.html", clip=clip, form=form), status


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
    before = {
        "ave_override_eur": clip.ave_override_eur,
        "ave_override_reason": clip.ave_override_reason,
    }
    try:
        amount = parse_number(request.form.get("amount"))
        set_ave_override(clip, amount, request.form.get("reason", "").strip())
    except ValueError:
        flash(_("Give a positive amount in euros and the reason for it."), "error")
        return redirect(url_for("coverage.show", coverage_id=coverage_id))
    record_changes(session, clip, "value", before, current_user)
    session.commit()
    flash(_("Advertising value set by hand."), "success")
    return redirect(url_for("coverage.show", coverage_id=coverage_id))


def _number(name: str, kind=float):
    """A number of the posted form, or None; a whole number where ``kind`` is int.

    :raises ValueError: when it is not one.
    """
    value = parse_number(request.form.get(name))
    if value is not None and kind is int and not value.is_integer():
        raise ValueError(f"{name} is not a whole number")
    return kind(value) if value is not None else None


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
    before = {name: getattr(clip, name) for name in ("duration_s", "page_fraction", "surface_cm2")}
    clip.duration_s, clip.page_fraction, clip.surface_cm2 = duration, fraction, surface
    record_changes(session, clip, "size", before, current_user)
    apply_valuation(session, clip, valuation_rules())
    session.commit()
    flash(_("Size saved; reach and value computed again."), "success")
    return redirect(url_for("coverage.show", coverage_id=coverage_id))


@bp.get("/")
@login_required
def search():
    """Search the stored coverage (full text and filters), one page at a time."""
    session = db()
    form = SearchForm(request.args)
    form.fill_choices(session)
    result, error = None, None
    if form.validate():
        try:
            result = search_coverage(
                session,
                form.filters(),
                page=form.page.data or 1,
                per_page=int(form.per_page.data),
                sort=form.sort.data or None,
                exact_count=request.args.get("count") == "all",
            )
        except SearchError as exc:
            session.rollback()
            error = SEARCH_ERRORS.get(str(exc), SEARCH_FAILED)
    args = {k: v for k, v in request.args.items() if k not in ("page", "lang") and v}

    def page_url(page: int) -> str:
        return url_for("coverage.search", **args, page=page)

    return render_template(
        "coverage/search.html",
        form=form,
        result=result,
        error=error,
        page_url=page_url,
        count_url=url_for("coverage.search", **{**args, "count": "all"}),
        searched=bool(args),
    )


@bp.post("/export")
@permission_required("export")
def export():
    """Export the clips of a search (its filters are in the address) as XLSX, in the
    background: a large export takes longer than a page should."""
    from .jobs import filters_to_params

    form = SearchForm(request.args)
    form.fill_choices(db())
    if not form.validate():
        abort(400)
    params = filters_to_params(form.filters(), form.sort.data or None)
    task = start_task(db(), "export_clips", params, current_user, _("Export of clips"))
    return redirect(url_for("tasks.show", task_id=task.id))
