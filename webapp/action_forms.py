"""The press-action form: its fields, reading it into the domain's fields, and the problems
it can show."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models.contact import SEGMENTS
from models.press_action import DEFAULT_WINDOW_DAYS, PressAction
from models.press_action_edit import (
    MAX_WINDOW_DAYS,
    ROLES,
    ActionEditError,
    ActionFields,
    Problem,
    read_document,
)
from models.text import parse_number

from .fields import SelectField
from .press_labels import KIND_LABELS, SEGMENT_LABELS


class ActionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    day = DateField(
        _l("Date"),
        validators=[DataRequired()],
        description=_l("The day it was sent, or the first day of the event."),
    )
    end_day = DateField(_l("Last day (an event over several days)"), validators=[Optional()])
    window_days = IntegerField(
        _l("Attribution window (days)"),
        default=DEFAULT_WINDOW_DAYS,
        validators=[Optional(), NumberRange(0, MAX_WINDOW_DAYS)],
        description=_l("Clips published this many days after the action may come from it."),
    )
    campaign = SelectField(_l("Campaign"), coerce=int, default=0)
    document_name = StringField(_l("Document name"), validators=[Optional(), Length(max=300)])
    document_text = TextAreaField(
        _l("Text of the release or press kit"),
        validators=[Optional()],
        description=_l("Kept to recognise the clips that take it up. Paste it here, or:"),
    )
    document = FileField(
        _l("Read it from a text file"),
        description=_l("Plain text (.txt) only, in UTF-8 or Windows-1252; it replaces the text."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional()])
    cost = StringField(_l("Cost (€)"), validators=[Optional(), Length(max=30)])
    segment = SelectField(
        _l("Also send it to every contact of a segment"),
        choices=[("", _l("No segment"))] + [(s, SEGMENT_LABELS[s]) for s in SEGMENTS],
        default="",
    )


PROBLEMS = {
    "kind_unknown": _l("Choose a kind of action."),
    "title_required": _l("The action needs a title."),
    "title_long": _l("The title is longer than 300 characters."),
    "day_required": _l("The action needs a date."),
    "end_before_start": _l("The last day comes before the first day."),
    "window_range": _l("Give a window of 0 to 365 days."),
    "cost_negative": _l("A cost cannot be negative."),
    "cost_number": _l("Give the cost as a number of euros, for example 1200,50."),
    "campaign_unknown": _l("There is no such campaign."),
    "document_type": _l("Only a plain text (.txt) file can be read; paste other texts."),
    "document_large": _l("The file is larger than 2 MB."),
    "contact_unknown": _l("There is no such contact."),
    "contact_required": _l("Choose a contact."),
    "role_unknown": _l("Unknown role."),
    "outcome_unknown": _l("Choose an outcome."),
}
FIELDS = {
    "kind": "kind",
    "title": "title",
    "day": "day",
    "end_day": "end_day",
    "window_days": "window_days",
    "campaign_id": "campaign",
    "cost_eur": "cost",
    "document": "document",
}


def problem_message(problem: Problem) -> str:
    return str(PROBLEMS.get(problem.code, problem.message))


def posted_roles() -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    for role in ROLES:
        for contact_id in request.form.getlist(role, type=int):
            roles.setdefault(contact_id, set()).add(role)
    return roles


def action_fields(form: ActionForm, problems: list[Problem]) -> ActionFields:
    """Read the form into the domain's fields, noting what cannot be read."""
    try:
        cost = parse_number(form.cost.data)
    except ValueError:
        cost = None
        problems.append(Problem("cost_eur", "cost_number", "Not a number."))
    upload = form.document.data
    if upload and getattr(upload, "filename", ""):
        try:
            form.document_text.data = read_document(upload.filename, upload.read())
            form.document_name.data = form.document_name.data or upload.filename
        except ActionEditError as error:
            problems.extend(error.problems)
    return ActionFields(
        kind=form.kind.data or "",
        title=form.title.data or "",
        day=form.day.data,
        end_day=form.end_day.data,
        window_days=form.window_days.data,
        campaign_id=form.campaign.data or None,
        document_name=form.document_name.data,
        document_text=form.document_text.data,
        notes=form.notes.data,
        cost_eur=cost,
    )


def initial_data(action: PressAction | None) -> dict:
    if action is None:
        return {"kind": request.args.get("kind", "release"), "window_days": DEFAULT_WINDOW_DAYS}
    cost = action.cost_eur
    return {
        "kind": action.kind.value,
        "title": action.title,
        "day": action.day,
        "end_day": action.end_day,
        "window_days": action.window_days,
        "campaign": action.campaign_id or 0,
        "document_name": action.document_name or "",
        "document_text": action.document_text or "",
        "notes": action.notes or "",
        "cost": "" if cost is None else (f"{cost:.2f}".rstrip("0").rstrip(".")),
    }


def attach_problems(form: ActionForm, problems: list[Problem]) -> None:
    """Put each problem under its field (the form's own check may already say it)."""
    for problem in problems:
        field = getattr(form, FIELDS.get(problem.field, ""), None) or form.title
        if problem.field == "people":
            field = form.segment
        if not field.errors:
            field.errors = [*field.errors, problem_message(problem)]
