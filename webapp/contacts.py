"""The press file: journalists and media contacts (agency role).

The list with search and filters, a contact's page with everything it took part in, the
contact form, GDPR (a copy of a person's data, erasure on request), the CSV import with a
preview, and CSV and vCard exports. Every page needs the ``press`` permission.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from models.contact import SEGMENTS, Contact, contact_with_outlets
from models.contact_history import contact_history
from models.contact_io import COLUMNS, contact_csv_rows, import_contact_file
from models.contact_list import ContactFilters, contact_lines, find_contacts
from models.contact_rows import ContactFileError
from models.contact_vcard import VERSIONS, contacts_vcard
from models.gdpr import ContactErasedError, erase_contact, personal_data
from models.outlet import outlets_by_name

from .auth import permission_required
from .contact_forms import (
    ACTION_KIND_LABELS,
    ATTRIBUTION_LABELS,
    INTERACTION_LABELS,
    LEGAL_BASIS_LABELS,
    OUTCOME_LABELS,
    PART_LABELS,
    REQUEST_STATUS_LABELS,
    ROW_STATUS_LABELS,
    SEGMENT_LABELS,
    ContactForm,
    apply_form,
    form_data,
)
from .exports import to_csv
from .session import db

# Why a contacts file cannot be imported (``ContactFileError``, English in the model), in the
# interface's language; a reason not listed is shown as it is.
_FILE_ERRORS = [
    (r"the file is damaged UTF-16 text", _l("The file is damaged UTF-16 text.")),
    (
        r"the file is not CSV text \(save it from the spreadsheet as CSV\)",
        _l("The file is not CSV text: save it from the spreadsheet as CSV."),
    ),
    (r"(?P<name>.+) is empty", _l("%(name)s is empty.")),
    (
        r"(?P<name>.+): the header must have a first_name or last_name column",
        _l("%(name)s: the header must have a first_name or last_name column."),
    ),
    (r"(?P<name>.+), line (?P<line>\d+): (?P<error>.+)", _l("%(name)s, line %(line)s: %(error)s")),
]


def file_error(exc: ContactFileError) -> str:
    """The reason a contacts file was refused, in the user's language."""
    text = str(exc)
    for pattern, message in _FILE_ERRORS:
        match = re.fullmatch(pattern, text)
        if match:
            return str(message) % match.groupdict()
    return text


bp = Blueprint("contacts", __name__, url_prefix="/contacts")

MAX_IMPORT_BYTES = 5 * 1024 * 1024
PENDING_IMPORT_SECONDS = 24 * 3600  # an unconfirmed upload is deleted after this


@bp.context_processor
def _helpers():
    def optional_url(endpoint: str, **values) -> str | None:
        """A link to another area's page, when that area has one."""
        try:
            return url_for(endpoint, **values)
        except BuildError:
            return None

    return {
        "format_day": lambda d: format_date(d) if d else "—",
        "optional_url": optional_url,
        "SEGMENT_LABELS": SEGMENT_LABELS,
        "LEGAL_BASIS_LABELS": LEGAL_BASIS_LABELS,
        "PART_LABELS": PART_LABELS,
        "INTERACTION_LABELS": INTERACTION_LABELS,
        "ACTION_KIND_LABELS": ACTION_KIND_LABELS,
        "OUTCOME_LABELS": OUTCOME_LABELS,
        "REQUEST_STATUS_LABELS": REQUEST_STATUS_LABELS,
        "ATTRIBUTION_LABELS": ATTRIBUTION_LABELS,
        "ROW_STATUS_LABELS": ROW_STATUS_LABELS,
    }


def _filters() -> ContactFilters:
    segment = request.args.get("segment", "")
    outlet = request.args.get("outlet", "")
    return ContactFilters(
        text=request.args.get("q", "").strip()[:200],
        segment=segment if segment in SEGMENTS else "",
        outlet_id=int(outlet) if outlet.isdigit() else None,
    )


def _filter_args(filters: ContactFilters) -> dict:
    args = {"q": filters.text, "segment": filters.segment, "outlet": filters.outlet_id}
    return {k: v for k, v in args.items() if v}


def _contact(contact_id: int, *, editable: bool = False) -> Contact:
    contact = contact_with_outlets(db(), contact_id)
    if contact is None:
        abort(404)
    if editable and contact.erased_at is not None:
        abort(409, description=_("This contact was erased on request and can no longer be edited."))
    return contact


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- List and exports ------------------------------------------------------------------------


@bp.get("/")
@permission_required("press")
def index():
    filters = _filters()
    return render_template(
        "contacts/index.html",
        lines=contact_lines(db(), filters),
        filters=filters,
        filter_args=_filter_args(filters),
        outlets=outlets_by_name(db()),
        segments=SEGMENTS,
    )


@bp.get("/export.csv")
@permission_required("press")
def export_csv():
    contacts = find_contacts(db(), _filters())
    return _download(to_csv(COLUMNS, contact_csv_rows(contacts)), "text/csv", "fichier-presse.csv")


def _version() -> str:
    version = request.args.get("version", "3.0")
    if version not in VERSIONS:
        abort(400, description=_("vCard version 3.0 or 4.0."))
    return version


@bp.get("/export.vcf")
@permission_required("press")
def export_vcard():
    cards = contacts_vcard(find_contacts(db(), _filters()), _version())
    return _download(cards, "text/vcard; charset=utf-8", "fichier-presse.vcf")


@bp.get("/<int:contact_id>.vcf")
@permission_required("press")
def vcard(contact_id: int):
    contact = _contact(contact_id)
    if contact.erased_at is not None:
        abort(404)
    card = contacts_vcard([contact], _version())
    return _download(card, "text/vcard; charset=utf-8", f"contact-{contact.id}.vcf")


# -- One contact -----------------------------------------------------------------------------


@bp.get("/<int:contact_id>")
@permission_required("press")
def show(contact_id: int):
    contact = _contact(contact_id)
    return render_template(
        "contacts/show.html", contact=contact, history=contact_history(db(), contact)
    )


def _edit_page(form: ContactForm, contact: Contact | None):
    return render_template("contacts/edit.html", form=form, contact=contact)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("press")
def new():
    form = ContactForm(session=db())
    if form.validate_on_submit():
        contact = Contact()
        apply_form(contact, form)
        db().add(contact)
        db().commit()
        flash(_("Contact added: %(name)s", name=contact.name), "success")
        return redirect(url_for("contacts.show", contact_id=contact.id))
    return _edit_page(form, None)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@permission_required("press")
def edit(contact_id: int):
    contact = _contact(contact_id, editable=True)
    if request.method == "POST":
        form = ContactForm(session=db(), contact=contact)
    else:
        form = ContactForm(session=db(), contact=contact, data=form_data(contact))
    if form.validate_on_submit():
        apply_form(contact, form)
        db().commit()
        flash(_("Contact saved."), "success")
        return redirect(url_for("contacts.show", contact_id=contact.id))
    return _edit_page(form, contact)


# -- GDPR ------------------------------------------------------------------------------------


@bp.get("/<int:contact_id>/data.json")
@permission_required("press")
def personal_data_export(contact_id: int):
    contact = _contact(contact_id)
    body = json.dumps(personal_data(db(), contact), ensure_ascii=False, indent=2)
    return _download(body, "application/json", f"contact-{contact.id}-donnees.json")


@bp.route("/<int:contact_id>/erase", methods=["GET", "POST"])
@permission_required("press")
def erase(contact_id: int):
    contact = _contact(contact_id, editable=True)
    if request.method == "GET":
        history = contact_history(db(), contact)
        return render_template("contacts/erase.html", contact=contact, history=history)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm the erasure."), "error")
        return redirect(url_for("contacts.erase", contact_id=contact.id))
    try:
        erase_contact(db(), contact, label=_("Erased contact"))
    except ContactErasedError:
        abort(409)
    db().commit()
    flash(_("The contact's personal data were erased."), "success")
    return redirect(url_for("contacts.show", contact_id=contact.id))


# -- Import ----------------------------------------------------------------------------------


def _pending_folder() -> Path:
    folder = Path(current_app.instance_path) / "contact-imports"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*.csv"):  # uploads never confirmed
        if now - old.stat().st_mtime > PENDING_IMPORT_SECONDS:
            old.unlink(missing_ok=True)
    return folder


@bp.get("/import")
@permission_required("press")
def import_form():
    return render_template("contacts/import.html", report=None, columns=COLUMNS)


@bp.post("/import")
@permission_required("press")
def import_preview():
    """Read the uploaded file and show what importing it would do; nothing is stored yet."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file."), "error")
        return redirect(url_for("contacts.import_form"))
    data = upload.stream.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        flash(_("The file is larger than 5 MB."), "error")
        return redirect(url_for("contacts.import_form"))
    name = Path(upload.filename).name[:200]
    try:
        report = import_contact_file(db(), name, data, dry_run=True)
    except ContactFileError as exc:
        flash(file_error(exc), "error")
        return redirect(url_for("contacts.import_form"))
    finally:
        db().rollback()
    token = secrets.token_urlsafe(16)
    (_pending_folder() / f"{token}.csv").write_bytes(data)
    session["contact_import"] = {"token": token, "name": name}
    return render_template("contacts/import.html", report=report, token=token, columns=COLUMNS)


@bp.post("/import/confirm")
@permission_required("press")
def import_confirm():
    pending = session.get("contact_import") or {}
    token = request.form.get("token", "")
    path = _pending_folder() / f"{pending.get('token', '')}.csv"
    if not token or token != pending.get("token") or not path.is_file():
        flash(_("That upload is no longer available: choose the file again."), "error")
        return redirect(url_for("contacts.import_form"))
    try:
        report = import_contact_file(db(), pending["name"], path.read_bytes())
    except ContactFileError as exc:
        db().rollback()
        flash(file_error(exc), "error")
        return redirect(url_for("contacts.import_form"))
    db().commit()
    path.unlink(missing_ok=True)
    session.pop("contact_import", None)
    flash(
        _(
            "%(created)s contacts added, %(updated)s updated, %(errors)s rows not imported.",
            created=report.count("created"),
            updated=report.count("updated"),
            errors=report.count("error"),
        ),
        "success",
    )
    return render_template("contacts/import.html", report=report, token=None, columns=COLUMNS)
