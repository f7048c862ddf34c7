"""Press actions (releases, press kits, trips…), the contacts they reached, their follow-ups,
the clips attributed to them and their report (agency role; the officer confirms or rejects
attributions too)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from models.campaign import campaigns_by_name
from models.contact import SEGMENTS
from models.press_action import PressAction
from models.press_action_edit import (
    ROLES,
    ActionEditError,
    Problem,
    action_deletion,
    action_problems,
    decide_attribution,
    delete_action,
    log_follow_up,
    people_roles,
    save_action,
    segment_contact_ids,
    set_people,
)
from models.press_action_list import (
    action_rows,
    action_with_people,
    action_years,
    actions_in,
    attributions_of,
    contact_choices,
    follow_ups_of,
)

from . import press_labels
from .action_forms import (
    ActionForm,
    action_fields,
    attach_problems,
    initial_data,
    posted_roles,
    problem_message,
)
from .auth import local_path, permission_required
from .background import start_task, task_kind
from .press_labels import (
    CHANNEL_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    ROLE_LABELS,
)
from .session import db

bp = Blueprint("actions", __name__, url_prefix="/actions")
press_labels.register(bp)
SUGGEST_TASK = "suggest_attributions"
DECISIONS = ("confirmed", "rejected")


# -- The list and the report ---------------------------------------------------------------


@bp.get("/")
@permission_required("press")
def index():
    session = db()
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    campaign_id = request.args.get("campaign", type=int) or None
    year = request.args.get("year", type=int) or None
    return render_template(
        "actions/index.html",
        rows=action_rows(session, kind, campaign_id, year),
        years=action_years(session),
        campaigns=campaigns_by_name(session),
        chosen={"kind": kind, "campaign": campaign_id, "year": year},
        kinds=KIND_LABELS,
    )


@bp.get("/report")
@permission_required("press")
def report():
    from models.action_report import action_report

    session = db()
    ids = request.args.getlist("ids", type=int)
    actions = actions_in(session, ids)
    if not actions:
        flash(_("Select one or more actions first."), "error")
        return redirect(url_for("actions.index"))
    if len(actions) < len(set(ids)):
        abort(404)
    return render_template(
        "actions/report.html",
        actions=actions,
        report=action_report(session, [a.id for a in actions]),
    )


# -- One action ----------------------------------------------------------------------------


def _action(action_id: int) -> PressAction:
    action = db().get(PressAction, action_id)
    if action is None:
        abort(404)
    return action


@bp.get("/<int:action_id>")
@permission_required("press")
def show(action_id: int):
    from models.action_report import action_report

    session = db()
    action = action_with_people(session, action_id)
    if action is None:
        abort(404)
    people = sorted(action.people, key=lambda p: (p.contact.last_name.casefold(), p.contact_id))
    attributions = attributions_of(session, action_id)
    reached = {p.contact_id for p in action.people}
    return render_template(
        "actions/show.html",
        action=action,
        people=people,
        follow_ups=follow_ups_of(session, action_id),
        contacts=contact_choices(session),
        reached=reached,
        suggested=[a for a in attributions if a.state.value == "suggested"],
        confirmed=[a for a in attributions if a.state.value == "confirmed"],
        rejected=[a for a in attributions if a.state.value == "rejected"],
        report=action_report(session, [action_id]),
        outcomes=OUTCOME_LABELS,
        channels=CHANNEL_LABELS,
        can_attribute=current_user.can("attribute"),
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("press")
def new():
    return _edit_page(None)


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@permission_required("press")
def edit(action_id: int):
    return _edit_page(_action(action_id))


@bp.route("/<int:action_id>/delete", methods=["GET", "POST"])
@permission_required("press")
def delete(action_id: int):
    """Ask, then delete the action with its people, follow-ups and attributions; the clips
    and the contacts stay."""
    session = db()
    if request.method == "POST":
        deleted = delete_action(session, action_id, current_user)
        if deleted is None:
            abort(404)
        session.commit()
        flash(
            _("Action “%(title)s” deleted; its clips stay in the coverage.", title=deleted.title),
            "success",
        )
        return redirect(url_for("actions.index"))
    deletion = action_deletion(session, action_id)
    if deletion is None:
        abort(404)
    return render_template("actions/delete.html", deletion=deletion)


@bp.post("/<int:action_id>/follow-ups")
@permission_required("press")
def follow_up(action_id: int):
    session = db()
    action = _action(action_id)
    channel = request.form.get("channel", "")
    try:
        log_follow_up(
            session,
            action,
            request.form.get("contact", type=int),
            request.form.get("outcome", ""),
            current_user,
            channel=channel if channel in CHANNEL_LABELS else None,
            notes=request.form.get("notes"),
        )
    except ActionEditError as error:
        session.rollback()
        for problem in error.problems:
            flash(problem_message(problem), "error")
    else:
        session.commit()
        flash(_("Follow-up noted."), "success")
    return redirect(url_for("actions.show", action_id=action_id, _anchor="follow-ups"))


@bp.post("/<int:action_id>/suggest")
@permission_required("press")
def suggest(action_id: int):
    """Look for the clips the action may have produced, in the background."""
    action = _action(action_id)
    link = url_for("actions.show", action_id=action_id, _anchor="clips")
    title = _("Looking for the clips of %(title)s", title=action.title)
    params = {"action_id": action_id, "link": link}
    task = start_task(db(), SUGGEST_TASK, params, current_user, title)
    return redirect(url_for("tasks.show", task_id=task.id))


@task_kind(SUGGEST_TASK)
def _suggest_task(session, progress, params: dict) -> dict:
    from models.attribution import suggest_for_action

    action = session.get(PressAction, params["action_id"])
    if action is None:
        raise LookupError(_("The action no longer exists."))
    progress(0, 1, _("Reading the clips published in the action's window…"))
    found = suggest_for_action(session, action)
    suggested = sum(1 for a in found if a.state.value == "suggested")
    session.commit()
    message = ngettext(
        "%(num)d clip awaits your decision.", "%(num)d clips await your decision.", suggested
    )
    progress(1, 1, message)
    return {
        "found": len(found),
        "suggested": suggested,
        "link": params["link"],
        "link_label": _("Back to the action"),
    }


# -- Attribution (also from the review inbox) ----------------------------------------------


def _next(default: str) -> str:
    return local_path(request.form.get("next"), default)


@bp.post("/<int:action_id>/attribution/<int:coverage_id>")
@permission_required("attribute")
def attribute(action_id: int, coverage_id: int):
    return _decide(action_id, coverage_id, request.form.get("state", ""))


@bp.post("/<int:action_id>/attribution")
@permission_required("attribute")
def attribute_by_number(action_id: int):
    """Attribute a clip that was not suggested, by its number."""
    coverage_id = request.form.get("clip", type=int)
    if not coverage_id:
        flash(_("Give the number of a clip."), "error")
        return redirect(url_for("actions.show", action_id=action_id, _anchor="clips"))
    return _decide(action_id, coverage_id, "confirmed")


def _decide(action_id: int, coverage_id: int, state: str):
    from models.attribution import AttributionError

    if state not in DECISIONS:
        abort(400)
    session = db()
    try:
        attribution = decide_attribution(session, coverage_id, action_id, state, current_user)
    except AttributionError:
        abort(404)
    session.commit()
    clip, action = attribution.coverage.title, attribution.action.title
    if state == "confirmed":
        flash(_("“%(clip)s” attributed to %(action)s.", clip=clip, action=action), "success")
    else:
        flash(_("“%(clip)s” is not from %(action)s.", clip=clip, action=action), "success")
    if current_user.can("press"):
        default = url_for("actions.show", action_id=action_id, _anchor="clips")
    else:
        default = url_for("review.index")
    return redirect(_next(default))


# -- The form ------------------------------------------------------------------------------


def _edit_page(action: PressAction | None):
    session = db()
    form = ActionForm(data=None if request.method == "POST" else initial_data(action))
    form.campaign.choices = [(0, _("No campaign"))] + [
        (c.id, c.name) for c in campaigns_by_name(session)
    ]
    roles = posted_roles() if request.method == "POST" else people_roles(action)
    status = 200
    if request.method == "POST":
        valid = form.validate()
        problems: list[Problem] = []
        fields = action_fields(form, problems)
        try:
            if problems or not valid:
                raise ActionEditError(problems + action_problems(session, fields))
            saved = save_action(session, action, fields, current_user)
            if form.segment.data in SEGMENTS:
                for contact_id in segment_contact_ids(session, form.segment.data):
                    roles.setdefault(contact_id, set()).add("recipient")
            set_people(session, saved, roles)
        except ActionEditError as error:
            session.rollback()
            attach_problems(form, error.problems)
            status = 400
        else:
            session.commit()
            flash(_("Action saved.") if action else _("Action created."), "success")
            return redirect(url_for("actions.show", action_id=saved.id))
    page = render_template(
        "actions/edit.html",
        form=form,
        action=action,
        contacts=contact_choices(session, keep=roles),
        roles=roles,
        role_names=ROLES,
        role_labels=ROLE_LABELS,
    )
    return page, status
