"""Forms of the coverage pages (manual entry, search, edit), the edit itself, and the words that
describe a clip's history."""

from __future__ import annotations

from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SearchField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from models import Coverage, Outlet
from models.base import Medium, Scope, Tone
from models.campaign import campaigns_by_name
from models.history import record
from models.metrics import PARIS
from models.outlet import outlet_choices
from models.search import (
    MAX_PER_PAGE,
    PER_PAGE,
    STATUS_ALL,
    STATUS_REVIEWED,
    CoverageFilters,
    key_message_labels,
)
from models.valuation import apply_valuation

from .fields import SelectField
from .formatting import MEDIUM_LABELS, SCOPE_LABELS, STATUS_LABELS, TONE_LABELS


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


# -- Search ----------------------------------------------------------------------------------

SORT_LABELS = {
    "": _l("Best match (latest first without words)"),
    "date_desc": _l("Latest first"),
    "date_asc": _l("Oldest first"),
    "reach_desc": _l("Largest reach first"),
    "ave_desc": _l("Largest advertising value first"),
}
PAGE_SIZES = (25, 50, 100, MAX_PER_PAGE)
MAX_PAGE = 100_000
# The sentences of models.search.SearchError, in the user's language.
SEARCH_ERRORS = {
    "Type at least one word to search for.": _l("Type at least one word to search for."),
    "Give at least one word to find beside the words to leave out.": _l(
        "Give at least one word to find beside the words to leave out."
    ),
}
SEARCH_FAILED = _l("The search could not be run: check the words typed and try again.")


def _everything():
    return [("", _l("All"))]


class SearchForm(FlaskForm):
    """The filters of the coverage search, read from the address (GET, no CSRF token)."""

    q = SearchField(_l("Words"), validators=[Optional(), Length(max=500)])
    campaign = SelectField(_l("Campaign"), default="")
    medium = SelectField(
        _l("Medium"),
        choices=_everything() + [(m.value, MEDIUM_LABELS[m]) for m in Medium],
        default="",
    )
    outlet = SelectField(_l("Outlet"), default="")
    scope = SelectField(
        _l("Scope"),
        choices=_everything() + list(SCOPE_LABELS.items()),
        default="",
    )
    status = SelectField(
        _l("Status"),
        choices=[(STATUS_REVIEWED, _l("Analysed (to review, confirmed, rejected)"))]
        + [(s, STATUS_LABELS[s]) for s in ("new", "confirmed", "rejected")]
        + [(STATUS_ALL, _l("All, including clips not analysed yet"))],
        default=STATUS_REVIEWED,
    )
    tone = SelectField(
        _l("Tone"), choices=_everything() + [(t.value, TONE_LABELS[t]) for t in Tone], default=""
    )
    key_message = SelectField(_l("Key message"), default="")
    date_from = DateField(_l("Published from"), validators=[Optional()])
    date_to = DateField(_l("Published until"), validators=[Optional()])
    sort = SelectField(_l("Sort"), choices=list(SORT_LABELS.items()), default="")
    per_page = SelectField(
        _l("Clips per page"), choices=[(str(n), str(n)) for n in PAGE_SIZES], default=str(PER_PAGE)
    )
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])

    class Meta:
        csrf = False

    def fill_choices(self, session: Session) -> None:
        """Offer the campaigns, outlets and key messages stored."""
        self.campaign.choices = _everything() + [
            (str(c.id), c.name) for c in campaigns_by_name(session)
        ]
        self.outlet.choices = _everything() + [
            (str(id_), name) for id_, name in outlet_choices(session)
        ]
        self.key_message.choices = _everything() + [
            (label, label) for label in key_message_labels(session)
        ]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date comes before the start date."))

    def filters(self) -> CoverageFilters:
        """The validated form as search filters."""
        return CoverageFilters(
            q=(self.q.data or "").strip(),
            campaign_id=int(self.campaign.data) if self.campaign.data else None,
            medium=Medium(self.medium.data) if self.medium.data else None,
            outlet_id=int(self.outlet.data) if self.outlet.data else None,
            scope=Scope(self.scope.data) if self.scope.data else None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            status=self.status.data or STATUS_REVIEWED,
            tone=Tone(self.tone.data) if self.tone.data else None,
            key_message=self.key_message.data or None,
        )


# -- Edit ------------------------------------------------------------------------------------


class EditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=2000)])
    author = StringField(_l("Author"), validators=[Optional(), Length(max=300)])
    day = DateField(_l("Publication date"), validators=[Optional()])
    outlet = SelectField(_l("Outlet"), coerce=int)
    programme = StringField(_l("Page or programme"), validators=[Optional(), Length(max=300)])
    summary = TextAreaField(_l("Summary"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional()])

    def fill_choices(self, session: Session) -> None:
        self.outlet.choices = [(0, _l("Unknown outlet")), *outlet_choices(session)]


def _paris_day(moment: datetime | None):
    return moment.astimezone(PARIS).date() if moment else None


def edit_data(clip: Coverage) -> dict:
    """The clip's current values, to fill the edit form."""
    return {
        "title": clip.title,
        "author": clip.author,
        "day": _paris_day(clip.published_at),
        "outlet": clip.outlet_id or 0,
        "programme": clip.programme,
        "summary": clip.summary,
        "note": clip.note,
    }


def apply_edit(session: Session, clip: Coverage, form: EditForm, user, rules=None) -> dict:
    """Apply the edit form to the clip and record the changed fields in its history.

    Return ``{field: [old, new]}`` (empty when nothing changed). A new outlet or date values
    the clip again (audience and rates depend on them). The caller commits.
    """
    changes: dict[str, list] = {}
    texts = {
        "title": " ".join((form.title.data or "").split()),
        "author": (form.author.data or "").strip() or None,
        "programme": (form.programme.data or "").strip() or None,
        "summary": (form.summary.data or "").strip() or None,
        "note": (form.note.data or "").strip() or None,
    }
    for name, new in texts.items():
        old = getattr(clip, name)
        if (old or None) != (new or None):
            changes[name] = [old, new]
            setattr(clip, name, new)
    old_day, new_day = _paris_day(clip.published_at), form.day.data
    if old_day != new_day:
        changes["published_at"] = [_iso(old_day), _iso(new_day)]
        hour = clip.published_at.astimezone(PARIS).time() if clip.published_at else time()
        clip.published_at = datetime.combine(new_day, hour, PARIS) if new_day else None
    outlet = session.get(Outlet, form.outlet.data) if form.outlet.data else None
    if outlet is not clip.outlet:
        changes["outlet"] = [clip.outlet.name if clip.outlet else None, outlet and outlet.name]
        clip.outlet = outlet
    if changes:
        record(session, clip, "edit", changes, user)
    if "outlet" in changes or "published_at" in changes:
        apply_valuation(session, clip, rules)
    return changes


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def record_changes(session: Session, clip: Coverage, action: str, before: dict, user) -> dict:
    """Record in the clip's history the fields in ``before`` whose value has since changed."""
    changes = {
        name: [old, getattr(clip, name)]
        for name, old in before.items()
        if old != getattr(clip, name)
    }
    if changes:
        record(session, clip, action, changes, user)
    return changes


# -- History ---------------------------------------------------------------------------------

ACTION_LABELS = {
    "confirm": _l("Confirmed"),
    "reject": _l("Rejected"),
    "duplicate": _l("Marked as a duplicate"),
    "medium": _l("Medium changed"),
    "campaign": _l("Campaigns changed"),
    "edit": _l("Edited"),
    "value": _l("Advertising value set by hand"),
    "size": _l("Size entered"),
    "undo": _l("Change undone"),
    "attribution": _l("Press action attribution decided"),
}
FIELD_LABELS = {
    "title": _l("Title"),
    "author": _l("Author"),
    "published_at": _l("Publication date"),
    "outlet": _l("Outlet"),
    "programme": _l("Page or programme"),
    "summary": _l("Summary"),
    "note": _l("Note"),
    "status": _l("Status"),
    "medium": _l("Medium"),
    "campaign": _l("Campaign"),
    "campaigns": _l("Campaigns"),
    "duplicate_of": _l("Duplicate of"),
    "duration_s": _l("Duration (seconds)"),
    "page_fraction": _l("Page fraction (0 to 1)"),
    "surface_cm2": _l("Surface (cm²)"),
    "ave_override_eur": _l("Advertising value set by hand (€)"),
    "ave_override_reason": _l("Reason"),
    "key_messages": _l("Key messages"),
}
_VALUE_LABELS = {"status": STATUS_LABELS, "medium": MEDIUM_LABELS}


def _shown(name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and value in _VALUE_LABELS.get(name, {}):
        return str(_VALUE_LABELS[name][value])
    if isinstance(value, list):
        return ", ".join(_shown(name, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(name, v)}" for k, v in value.items())
    return str(value)


def history_lines(events) -> list[dict]:
    """Each event as the page shows it: when, who, what, and each change as old → new."""
    lines = []
    for event in events:
        changes = []
        for name, value in (event.details or {}).items():
            label = str(FIELD_LABELS.get(name, name))
            if isinstance(value, list) and len(value) == 2:
                changes.append((label, _shown(name, value[0]), _shown(name, value[1])))
            else:
                changes.append((label, None, _shown(name, value)))
        lines.append(
            {
                "at": event.at,
                "who": event.user.username if event.user else None,
                "action": ACTION_LABELS.get(event.action, event.action),
                "changes": changes,
            }
        )
    return lines
