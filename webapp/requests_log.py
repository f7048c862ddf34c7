"""The log of incoming press requests: who asked what, by when, what was answered and the
clips that came of it; overdue requests first (agency role)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from models import utcnow
from models.campaign import campaigns_by_name
from models.outlet import outlet_choices
from models.press_action_list import contact_choices
from models.press_request import PressRequest, RequestStatus
from models.press_request_edit import (
    Problem,
    RequestEditError,
    RequestFields,
    answer_request,
    clips_of,
    delete_request,
    link_coverage,
    overdue_count,
    paris_local,
    paris_moment,
    parse_clip_numbers,
    request_deletion,
    request_log,
    request_problems,
    save_request,
    unlink_coverage,
)
from models.search import CoverageFilters, SearchError, search_coverage

from .auth import permission_required
from .fields import SelectField
from .press_labels import REQUEST_STATUS_LABELS
from .session import db

bp = Blueprint("requests", __name__, url_prefix="/requests")
SEARCH_RESULTS = 20

PROBLEMS = {
    "subject_required": _l("Say what the request is about."),
    "requester_required": _l("Choose a contact of the press file, or give the name of who asked."),
    "contact_unknown": _l("There is no such contact."),
    "outlet_unknown": _l("There is no such outlet."),
    "campaign_unknown": _l("There is no such campaign."),
    "status_unknown": _l("Choose a status."),
    "deadline_before_received": _l("The deadline comes before the request was received."),
    "answer_required": _l("Write what was answered."),
    "clip_number": _l("Give clip numbers separated by commas, for example 12, 15."),
}
FIELDS = {
    "subject": "subject",
    "requester": "requester",
    "contact_id": "contact",
    "outlet_id": "outlet",
    "campaign_id": "campaign",
    "status": "status",
    "deadline": "deadline",
}


class RequestForm(FlaskForm):
    contact = SelectField(_l("Contact in the press file"), coerce=int, default=0)
    requester = StringField(
        _l("Or who asked, when not in the press file"),
        validators=[Optional(), Length(max=200)],
    )
    outlet = SelectField(_l("Outlet"), coerce=int, default=0)
    campaign = SelectField(_l("Campaign"), coerce=int, default=0)
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    details = TextAreaField(_l("What was asked"), validators=[Optional()])
    received_at = DateTimeLocalField(
        _l("Received"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    deadline = DateTimeLocalField(
        _l("Deadline"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("Paris time. An open request past its deadline is shown as overdue."),
    )
    status = SelectField(_l("Status"), choices=list(REQUEST_STATUS_LABELS.items()))


def _problem(problem: Problem) -> str:
    return str(PROBLEMS.get(problem.code, problem.message))


def _flash_problems(error: RequestEditError) -> None:
    for problem in error.problems:
        flash(_problem(problem), "error")


def _entry(request_id: int) -> PressRequest:
    entry = db().get(PressRequest, request_id)
    if entry is None:
        abort(404)
    return entry


# -- The log -------------------------------------------------------------------------------


@bp.get("/")
@permission_required("press")
def index():
    session = db()
    status = request.args.get("status")
    status = status if status in REQUEST_STATUS_LABELS else None
    now = utcnow()
    return render_template(
        "requests/index.html",
        entries=request_log(session, status, now),
        overdue=overdue_count(session, now),
        now=now,
        status=status,
        statuses=REQUEST_STATUS_LABELS,
    )


@bp.get("/<int:request_id>")
@permission_required("press")
def show(request_id: int):
    session = db()
    entry = _entry(request_id)
    q = (request.args.get("q") or "").strip()
    results, search_error = None, None
    if q:
        try:
            found = search_coverage(
                session, CoverageFilters(q=q, status="all"), per_page=SEARCH_RESULTS
            )
            results = found.items
        except SearchError as error:
            search_error = str(error)
    return render_template(
        "requests/show.html",
        entry=entry,
        clips=clips_of(session, entry),
        linked={c.id for c in entry.coverage},
        overdue=entry.overdue(),
        q=q,
        results=results,
        search_error=search_error,
        statuses=REQUEST_STATUS_LABELS,
    )


# -- Changes -------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@permission_required("press")
def new():
    return _edit_page(None)


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@permission_required("press")
def edit(request_id: int):
    return _edit_page(_entry(request_id))


@bp.post("/<int:request_id>/answer")
@permission_required("press")
def answer(request_id: int):
    session = db()
    entry = _entry(request_id)
    try:
        answer_request(
            session,
            entry,
            request.form.get("answer", ""),
            request.form.get("status", RequestStatus.ANSWERED.value),
        )
    except RequestEditError as error:
        session.rollback()
        _flash_problems(error)
    else:
        session.commit()
        flash(_("Answer saved."), "success")
    return redirect(url_for("requests.show", request_id=request_id))


@bp.post("/<int:request_id>/coverage")
@permission_required("press")
def add_coverage(request_id: int):
    """Link clips to the request: numbers typed, or boxes ticked in the search results."""
    session = db()
    entry = _entry(request_id)
    try:
        ids = parse_clip_numbers(request.form.get("numbers", ""))
        ids += request.form.getlist("ids", type=int)
        added = link_coverage(session, entry, ids)
    except RequestEditError as error:
        session.rollback()
        _flash_problems(error)
    else:
        session.commit()
        flash(ngettext("%(num)d clip linked.", "%(num)d clips linked.", added), "success")
    return redirect(url_for("requests.show", request_id=request_id, _anchor="coverage"))


@bp.post("/<int:request_id>/coverage/<int:coverage_id>/remove")
@permission_required("press")
def remove_coverage(request_id: int, coverage_id: int):
    session = db()
    if unlink_coverage(session, _entry(request_id), coverage_id):
        session.commit()
        flash(_("Clip %(number)s unlinked.", number=coverage_id), "success")
    return redirect(url_for("requests.show", request_id=request_id, _anchor="coverage"))


@bp.route("/<int:request_id>/delete", methods=["GET", "POST"])
@permission_required("press")
def delete(request_id: int):
    """Ask, then delete the request and its links to clips; the clips and the contact stay."""
    session = db()
    if request.method == "POST":
        deleted = delete_request(session, request_id)
        if deleted is None:
            abort(404)
        session.commit()
        flash(
            _(
                "Request “%(subject)s” deleted; its clips stay in the coverage.",
                subject=deleted.subject,
            ),
            "success",
        )
        return redirect(url_for("requests.index"))
    deletion = request_deletion(session, request_id)
    if deletion is None:
        abort(404)
    return render_template("requests/delete.html", deletion=deletion)


# -- The form ------------------------------------------------------------------------------


def _initial(entry: PressRequest | None) -> dict:
    if entry is None:
        return {
            "received_at": paris_local(utcnow()).replace(second=0, microsecond=0),
            "status": RequestStatus.OPEN.value,
            "contact": request.args.get("contact", 0, type=int),
        }
    return {
        "contact": entry.contact_id or 0,
        "requester": entry.requester or "",
        "outlet": entry.outlet_id or 0,
        "campaign": entry.campaign_id or 0,
        "subject": entry.subject,
        "details": entry.details or "",
        "received_at": paris_local(entry.received_at),
        "deadline": paris_local(entry.deadline),
        "status": entry.status.value,
    }


def _set_choices(form: RequestForm, entry: PressRequest | None) -> None:
    session = db()
    keep = [entry.contact_id] if entry is not None and entry.contact_id else []
    form.contact.choices = [(0, _("Not in the press file"))] + [
        (c.id, _contact_label(c)) for c in contact_choices(session, keep)
    ]
    form.outlet.choices = [(0, _("Unknown or none")), *outlet_choices(session)]
    form.campaign.choices = [(0, _("No campaign"))] + [
        (c.id, c.name) for c in campaigns_by_name(session)
    ]


def _contact_label(contact) -> str:
    name = contact.name or _("Erased contact %(number)s", number=contact.id)
    outlets = ", ".join(o.name for o in contact.outlets)
    return f"{name} ({outlets})" if outlets else name


def _fields(form: RequestForm) -> RequestFields:
    return RequestFields(
        subject=form.subject.data or "",
        contact_id=form.contact.data or None,
        requester=form.requester.data,
        outlet_id=form.outlet.data or None,
        campaign_id=form.campaign.data or None,
        details=form.details.data,
        received_at=paris_moment(form.received_at.data),
        deadline=paris_moment(form.deadline.data),
        status=form.status.data or RequestStatus.OPEN.value,
    )


def _edit_page(entry: PressRequest | None):
    session = db()
    form = RequestForm(data=None if request.method == "POST" else _initial(entry))
    _set_choices(form, entry)
    status = 200
    if request.method == "POST":
        valid = form.validate()
        fields = _fields(form)
        try:
            if not valid:
                raise RequestEditError(request_problems(session, fields))
            saved = save_request(session, entry, fields)
        except RequestEditError as error:
            session.rollback()
            for problem in error.problems:
                field = getattr(form, FIELDS.get(problem.field, "subject"))
                if not field.errors:
                    field.errors = [*field.errors, _problem(problem)]
            status = 400
        else:
            session.commit()
            flash(_("Request saved.") if entry else _("Request logged."), "success")
            return redirect(url_for("requests.show", request_id=saved.id))
    return render_template("requests/edit.html", form=form, entry=entry), status
