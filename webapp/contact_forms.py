"""The press file's forms (a contact, its outlets) and the words its pages use for stored values."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from models.contact import (
    SEGMENTS,
    Contact,
    ContactOutlet,
    LegalBasis,
    contact_by_email,
    valid_email,
)
from models.outlet import outlet_choices

from .fields import SelectField
from .press_labels import KIND_LABELS
from .press_labels import OUTCOME_LABELS as PRESS_OUTCOME_LABELS

SEGMENT_LABELS = {
    "local": _l("Local"),
    "regional": _l("Regional"),
    "national": _l("National"),
    "specialised": _l("Specialised"),
    "international": _l("International"),
    "freelance": _l("Freelance"),
}
LEGAL_BASIS_LABELS = {
    "legitimate": _l("Legitimate interest"),
    "consent": _l("Consent"),
    "contract": _l("Contract"),
}
PART_LABELS = {"recipient": _l("Recipient"), "invited": _l("Invited"), "attended": _l("Present")}
INTERACTION_LABELS = {
    "follow_up": _l("follow-up"),
    "action": _l("press action"),
    "request": _l("request"),
}
# The kinds of action and the outcomes of follow-ups: one table each, in press_labels.
ACTION_KIND_LABELS, OUTCOME_LABELS = KIND_LABELS, PRESS_OUTCOME_LABELS
REQUEST_STATUS_LABELS = {
    "open": _l("Open"),
    "answered": _l("Answered"),
    "declined": _l("Declined"),
    "closed": _l("Closed"),
}
ATTRIBUTION_LABELS = {"suggested": _l("Suggested"), "confirmed": _l("Confirmed")}
ROW_STATUS_LABELS = {
    "created": _l("New contact"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "merged": _l("Same person as an earlier row"),
    "error": _l("Not imported"),
}
EXTRA_OUTLET_ROWS = 2  # blank outlet rows offered below the contact's outlets


class OutletLinkForm(Form):
    """One outlet of the contact and the contact's position there."""

    outlet = SelectField(_l("Outlet"), coerce=int, default=0)
    position = StringField(_l("Position"), validators=[Optional(), Length(max=120)])


def _email(form, field) -> None:
    if field.data and not valid_email(field.data.strip()):
        raise ValidationError(_l("Type one e-mail address, such as name@example.fr."))


class ContactForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200), _email])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    role = StringField(_l("Role"), validators=[Optional(), Length(max=120)])
    beat = StringField(_l("Beat (subjects covered)"), validators=[Optional(), Length(max=200)])
    freelance = BooleanField(_l("Freelance"))
    segments = SelectMultipleField(
        _l("Segments"),
        choices=[(s, SEGMENT_LABELS[s]) for s in SEGMENTS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    language = StringField(
        _l("Language"),
        default="fr",
        validators=[
            DataRequired(),
            Regexp(r"^[a-z]{2,3}(-[a-zA-Z0-9]{2,4})?$", message=_l("A code such as fr or en.")),
        ],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional()])
    legal_basis = SelectField(
        _l("Legal basis for holding these data"),
        choices=[("", _l("Choose…"))]
        + [(b.value, LEGAL_BASIS_LABELS[b.value]) for b in LegalBasis],
        validators=[DataRequired(message=_l("Choose the legal basis."))],
    )
    data_source = StringField(
        _l("Where the data came from"),
        validators=[
            DataRequired(message=_l("Say where the data came from.")),
            Length(max=300),
        ],
    )
    outlets = FieldList(FormField(OutletLinkForm), min_entries=1)

    def __init__(self, *args, session: Session, contact: Contact | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._session, self._contact = session, contact
        choices = [(0, "—")] + outlet_choices(session)
        if not self.is_submitted():
            for _blank in range(EXTRA_OUTLET_ROWS):
                self.outlets.append_entry()
        for entry in self.outlets:
            entry.form.outlet.choices = choices

    def validate_last_name(self, field) -> None:
        if not (field.data or "").strip() and not (self.first_name.data or "").strip():
            raise ValidationError(_l("Give a first or last name."))

    def validate_email(self, field) -> None:
        email = (field.data or "").strip()
        if not email:
            return
        other = contact_by_email(
            self._session, email, self._contact.id if self._contact is not None else None
        )
        if other is not None:
            raise ValidationError(_("%(name)s already has this e-mail address.", name=other.name))


def form_data(contact: Contact) -> dict:
    """The form's values for a stored contact."""
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "role": contact.role,
        "beat": contact.beat,
        "freelance": contact.freelance,
        "segments": list(contact.segments or []),
        "language": contact.language,
        "notes": contact.notes,
        "legal_basis": contact.legal_basis.value if contact.legal_basis else "",
        "data_source": contact.data_source,
        "outlets": [
            {"outlet": link.outlet_id, "position": link.position} for link in contact.outlet_links
        ],
    }


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def apply_form(contact: Contact, form: ContactForm) -> None:
    """Copy the form's values to the contact: fields, segments, outlets and positions."""
    contact.first_name = (form.first_name.data or "").strip()
    contact.last_name = (form.last_name.data or "").strip()
    for name in ("email", "phone", "role", "beat", "data_source"):
        setattr(contact, name, _clean(getattr(form, name).data))
    contact.notes = _clean((form.notes.data or "").replace("\r\n", "\n"))
    contact.freelance = bool(form.freelance.data)
    contact.language = form.language.data.strip()
    contact.legal_basis = LegalBasis(form.legal_basis.data)
    chosen = [s for s in SEGMENTS if s in (form.segments.data or [])]
    if list(contact.segments or []) != chosen:
        contact.segments = chosen
    wanted: dict[int, str | None] = {}
    for entry in form.outlets:
        if entry.form.outlet.data:
            wanted[entry.form.outlet.data] = _clean(entry.form.position.data)
    links = {link.outlet_id: link for link in contact.outlet_links}
    for outlet_id, link in links.items():
        if outlet_id not in wanted:
            contact.outlet_links.remove(link)
    for outlet_id, position in wanted.items():
        if outlet_id in links:
            links[outlet_id].position = position
        else:
            contact.outlet_links.append(ContactOutlet(outlet_id=outlet_id, position=position))
