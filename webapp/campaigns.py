"""Campaigns: the list and the page with the confirmed coverage; creating and editing them,
with a live preview of the monitoring query on the most recent stored clips."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from models.campaign import (
    DEFAULT_TERRITORY,
    Campaign,
    campaign_by_slug,
    campaign_tree,
    descendant_ids,
)
from models.campaign_edit import (
    CampaignEditError,
    CampaignFields,
    MessageRow,
    Problem,
    QueryProblem,
    available_territories,
    campaign_problems,
    check_query,
    phrasings_from_text,
    save_campaign,
)
from models.campaign_preview import Preview, preview_query
from models.reports import campaign_tally, status_counts

from .auth import permission_required
from .background import start_task
from .fields import SelectField
from .formatting import STATUS_LABELS
from .session import db

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
EMPTY_MESSAGE_ROWS = 2  # blank key message rows offered below the existing ones (no JavaScript)

# What the domain's problem codes say, in the interface language.
PROBLEMS = {
    "name_required": _l("The campaign needs a name."),
    "slug_invalid": _l(
        "Use lower-case letters, digits and hyphens only (for example j-ai-10-ans)."
    ),
    "slug_reserved": _l("This identifier is reserved: choose another one."),
    "slug_taken": _l("Another campaign already has this identifier."),
    "parent_unknown": _l("There is no such campaign."),
    "parent_cycle": _l("A campaign cannot be placed under itself or one of its sub-campaigns."),
    "end_before_start": _l("The end date comes before the start date."),
    "territory_unknown": _l("The analysis knows no such territory."),
    "message_unknown": _l("This key message belongs to another campaign."),
    "message_label_required": _l("Give this key message a label."),
    "message_duplicate": _l("Two key messages have this label."),
    "message_label_long": _l("The label is longer than 200 characters."),
}


class MessageForm(Form):
    """One key message row; no CSRF field of its own (the campaign form has it)."""

    id = HiddenField()
    label = StringField(_l("Label"), validators=[Optional(), Length(max=200)])
    phrasings = TextAreaField(_l("Ways to say it, one per line"), validators=[Optional()])
    remove = BooleanField(_l("Remove this message"))


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Identifier in addresses"),
        validators=[Optional(), Length(max=100)],
        description=_l("Lower-case letters, digits and hyphens; left empty, made from the name."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional()])
    parent = SelectField(_l("Umbrella campaign"), coerce=int)
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    active = BooleanField(_l("Active: collect coverage for this campaign"))
    territory = SelectField(
        _l("Territory"),
        description=_l("The gazetteer the analysis uses to tell whether a clip is about it."),
    )
    query = TextAreaField(
        _l("Monitoring query"),
        validators=[Optional()],
        description=_l(
            "Which crawled articles the campaign keeps. Leave it empty for an umbrella campaign "
            "or one filled only by hand and imports."
        ),
    )
    messages = FieldList(FormField(MessageForm))


@bp.get("/")
@login_required
def index():
    session = db()
    tree = campaign_tree(session)
    tallies = {c.id: campaign_tally(session, c.id) for c, _depth in tree}
    return render_template(
        "campaigns/index.html",
        tree=tree,
        tallies=tallies,
        can_edit=current_user.can("edit_campaigns"),
    )


@bp.get("/<slug>")
@login_required
def show(slug: str):
    session = db()
    campaign = _campaign(slug)
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        children=sorted(campaign.children, key=lambda c: c.name.casefold()),
        territory_name=available_territories().get(campaign.territory, campaign.territory),
        tally=campaign_tally(session, campaign.id),
        statuses=status_counts(session, campaign.id),
        can_edit=current_user.can("edit_campaigns"),
    )


@bp.post("/<slug>/reanalyse")
@permission_required("edit_campaigns")
def reanalyse(slug: str):
    """Analyse the campaign's clips again now, in the background (``webapp.jobs``)."""
    campaign = _campaign(slug)
    title = _("Analysing the clips of %(name)s again", name=campaign.name)
    task = start_task(db(), "reanalyse", {"campaign_id": campaign.id}, current_user, title)
    return redirect(url_for("tasks.show", task_id=task.id))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("edit_campaigns")
def new():
    return _edit_page(None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@permission_required("edit_campaigns")
def edit(slug: str):
    return _edit_page(_campaign(slug))


@bp.get("/preview")
@permission_required("edit_campaigns")
def preview():
    """Try a query on the most recent stored clips: JSON for the form's script."""
    query, problem = check_query(request.args.get("q", ""))
    if problem is not None:
        return jsonify(valid=False, error=_problem_json(problem))
    return jsonify(valid=True, **_preview_json(preview_query(db(), query)))


# -- The form -------------------------------------------------------------------------------


def _campaign(slug: str) -> Campaign:
    campaign = campaign_by_slug(db(), slug)
    if campaign is None:
        abort(404)
    return campaign


def _edit_page(campaign: Campaign | None):
    session = db()
    form = CampaignForm(data=None if request.method == "POST" else _initial(campaign))
    _set_choices(form, campaign)
    problem = result = None
    status = 200
    if request.method == "POST" and request.form.get("action") == "preview":
        # CSRFProtect checked the token; nothing is saved, the form comes back as typed.
        query, problem = check_query(form.query.data or "")
        result = preview_query(session, query) if query is not None else None
    elif request.method == "POST":
        valid = form.validate()
        fields, entries = _fields(form)
        try:
            if not valid:
                raise CampaignEditError(campaign_problems(session, campaign, fields))
            saved = save_campaign(session, campaign, fields)
        except CampaignEditError as error:
            session.rollback()
            problem = _attach(form, entries, error.problems)
            status = 400
        else:
            session.commit()
            _flash_saved(saved.created, saved.reanalysed)
            return redirect(url_for("campaigns.show", slug=saved.campaign.slug))
    _pad_messages(form)
    page = render_template(
        "campaigns/edit.html",
        form=form,
        campaign=campaign,
        query_problem=problem,
        query_message=_problem_message(problem) if problem else None,
        preview=_preview_json(result) if result is not None else None,
    )
    return page, status


def _initial(campaign: Campaign | None) -> dict:
    if campaign is None:
        parent = request.args.get("parent", 0, type=int)
        return {"active": True, "territory": DEFAULT_TERRITORY, "parent": parent}
    return {
        "name": campaign.name,
        "slug": campaign.slug,
        "description": campaign.description or "",
        "parent": campaign.parent_id or 0,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "active": campaign.active,
        "territory": campaign.territory,
        "query": campaign.query or "",
        "messages": [
            {"id": str(m.id), "label": m.label, "phrasings": "\n".join(m.phrasings or [])}
            for m in campaign.key_messages
        ],
    }


def _set_choices(form: CampaignForm, campaign: Campaign | None) -> None:
    session = db()
    barred = set()
    if campaign is not None:
        barred = descendant_ids(session, campaign.id) | {campaign.id}
    form.parent.choices = [(0, _("None: a top-level campaign"))] + [
        (c.id, "\u00a0\u00a0\u00a0" * depth + c.name, {"disabled": True} if c.id in barred else {})
        for c, depth in campaign_tree(session)
    ]
    territories = dict(available_territories())
    if campaign is not None and campaign.territory not in territories:
        territories[campaign.territory] = campaign.territory
    form.territory.choices = [(key, f"{name} ({key})") for key, name in territories.items()]


def _fields(form: CampaignForm) -> tuple[CampaignFields, list]:
    """Read the form into the domain's fields, with the form rows of the kept key messages."""
    rows, entries = [], []
    for entry in form.messages:
        sub = entry.form
        label = (sub.label.data or "").strip()
        phrasings = phrasings_from_text(sub.phrasings.data or "")
        raw_id = (sub.id.data or "").strip()
        if sub.remove.data or not (label or phrasings):
            continue  # removed, or a blank row
        message_id = int(raw_id) if raw_id.isdigit() else (-1 if raw_id else None)
        rows.append(MessageRow(message_id, label, phrasings))
        entries.append(entry)
    fields = CampaignFields(
        name=form.name.data or "",
        slug=form.slug.data or "",
        description=form.description.data or "",
        parent_id=form.parent.data or None,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        active=bool(form.active.data),
        territory=form.territory.data or DEFAULT_TERRITORY,
        query=form.query.data or "",
        messages=rows,
    )
    return fields, entries


def _attach(form: CampaignForm, entries: list, problems: list[Problem]) -> QueryProblem | None:
    """Put each problem under its field; return the query's problem, for the caret excerpt."""
    targets = {
        "name": form.name,
        "slug": form.slug,
        "parent_id": form.parent,
        "start_date": form.start_date,
        "end_date": form.end_date,
        "territory": form.territory,
        "query": form.query,
    }
    query_problem = None
    for problem in problems:
        if problem.query is not None:
            query_problem = problem.query
            form.query.errors = [*form.query.errors, _problem_message(problem.query)]
            continue
        if problem.field.startswith("messages-"):
            field = entries[int(problem.field.split("-")[1])].form.label
        else:
            field = targets[problem.field]
        if not field.errors:  # the form's own check (a required name…) already says it
            field.errors = [str(PROBLEMS.get(problem.code, problem.message))]
    return query_problem


def _pad_messages(form: CampaignForm) -> None:
    """Keep a few blank key message rows at the end, to add messages without JavaScript."""
    blank = 0
    for entry in reversed(form.messages.entries):
        sub = entry.form
        if sub.id.data or sub.label.data or sub.phrasings.data:
            break
        blank += 1
    for _row in range(EMPTY_MESSAGE_ROWS - blank):
        form.messages.append_entry()


def _flash_saved(created: bool, reanalysed: int) -> None:
    flash(_("Campaign created.") if created else _("Campaign saved."), "success")
    if reanalysed:
        flash(
            ngettext(
                "%(num)s clip will be analysed again for the new key messages or territory.",
                "%(num)s clips will be analysed again for the new key messages or territory.",
                reanalysed,
            ),
            "success",
        )


# -- The preview ----------------------------------------------------------------------------


def _problem_message(problem: QueryProblem) -> str:
    # The parser's reasons are English sentences; the place is said in the user's language.
    if problem.line > 1:
        where = _("Line %(line)s, column %(column)s", line=problem.line, column=problem.column)
    else:
        where = _("Column %(column)s", column=problem.column)
    return f"{where}: {problem.reason}"


def _problem_json(problem: QueryProblem) -> dict:
    return {**problem.as_json(), "message": _problem_message(problem)}


def _preview_json(result: Preview) -> dict:
    examined = format_decimal(result.examined)
    if not result.examined:
        summary = _("No stored article with text to try the query on yet.")
    else:
        summary = ngettext(
            "%(num)s of the %(examined)s most recent articles matches.",
            "%(num)s of the %(examined)s most recent articles match.",
            result.matched,
            examined=examined,
        )
    note = ""
    if result.out_of_time:
        note = _(
            "Time limit reached: only the %(examined)s most recent articles were examined, "
            "not %(limit)s.",
            examined=examined,
            limit=format_decimal(result.limit),
        )
    elif result.matched > len(result.matches):
        note = _("The %(shown)s most recent matches are listed.", shown=len(result.matches))
    return {
        "examined": result.examined,
        "matched": result.matched,
        "limit": result.limit,
        "out_of_time": result.out_of_time,
        "summary": summary,
        "note": note,
        "matches": [
            {
                "id": m.id,
                "title": m.title,
                "outlet": m.outlet,
                "date": m.published.isoformat() if m.published else None,
                "date_label": format_date(m.published, "d MMM yyyy") if m.published else "",
                "url": m.url,
                "link": url_for("coverage.show", coverage_id=m.id),
                "status": m.status,
                "status_label": str(STATUS_LABELS.get(m.status, m.status)),
                "hits": m.hits,
            }
            for m in result.matches
        ],
    }
