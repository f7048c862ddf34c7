"""The press book page: choose a campaign and/or a period, the clips and their order, and get
the book as PDF or DOCX, built in the background (see :mod:`models.pressbook` for what it
holds and :mod:`webapp.pressbook_render` for the layout).

The book is built by the ``retombees pressbook`` command in a child process, as collecting is:
laying out hundreds of pages takes a few hundred megabytes that the web worker gives back when
the child ends, and a crash fails the task, not the worker. The child reports each stage as a
JSON line, which becomes the task's progress.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import Length, Optional

from models.campaign import campaign_by_slug, campaign_tree
from models.pressbook import (
    FORMATS,
    MAX_CLIPS,
    TASK_KIND,
    recent_press_books,
    scheduled_press_books,
)
from models.pressbook_command import (  # noqa: F401  (command_args: the page's command)
    TIMEOUT_SECONDS,
    BuildFailed,
    build_in_child,
    command_args,
)

from .auth import permission_required
from .background import Progress, start_task, task_kind
from .fields import SelectField
from .pressbook_render import LANGUAGES, MIME_TYPES
from .session import db

bp = Blueprint("pressbook", __name__, url_prefix="/pressbook")

# The stages the command reports, in order, with what the task page says meanwhile.
STAGES = {
    "select": _l("Choosing the clips…"),
    "figures": _l("Computing the figures…"),
    "arrange": _l("Grouping the copies of each story…"),
    "layout": _l("Laying out the pages…"),
    "write": _l("Writing the file…"),
    "save": _l("Saving the file…"),
}


class PressBookForm(FlaskForm):
    campaign = SelectField(_l("Campaign"), default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    status = SelectField(
        _l("Clips"),
        choices=[
            ("confirmed", _l("Confirmed")),
            ("new", _l("To review")),
            ("rejected", _l("Rejected")),
            ("all", _l("All reviewed clips")),
        ],
        default="confirmed",
    )
    order = SelectField(
        _l("Order"),
        choices=[
            ("date", _l("By date, a section per month")),
            ("medium", _l("By medium, a section per medium")),
            ("outlet", _l("By outlet, a section per outlet")),
        ],
        default="date",
    )
    fmt = SelectField(
        _l("Format"),
        choices=[("pdf", _l("PDF, to hand over")), ("docx", _l("Word (DOCX), to edit"))],
        default="pdf",
    )
    title = StringField(
        _l("Title on the cover"),
        validators=[Optional(), Length(max=200)],
        description=_l("Empty: “Press review”."),
    )
    full_text = BooleanField(
        _l(
            "I confirm that we hold the rights to reproduce these articles in full (for example "
            "a CFC licence): include the text of print and broadcast clips."
        ),
        description=_l(
            "Without it, each clip is given by its mentions, summary, quotes and key messages. "
            "Web clips are always given by their link and summary, never their text."
        ),
    )

    def fill_choices(self, session: Session) -> None:
        choices = [("", _("All campaigns"))]
        for campaign, depth in campaign_tree(session):
            choices.append((campaign.slug, "\u2003" * depth + campaign.name))
        self.campaign.choices = choices

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            self.date_to.errors.append(_("The end of the period is before its start."))
            valid = False
        return valid


@bp.route("/", methods=["GET", "POST"])
@permission_required("export")
def index():
    session = db()
    form = PressBookForm()
    form.fill_choices(session)
    if form.validate_on_submit():
        campaign = campaign_by_slug(session, form.campaign.data) if form.campaign.data else None
        language = get_locale().language if get_locale() else None
        params = {
            "campaign": campaign.slug if campaign else None,
            "date_from": form.date_from.data.isoformat() if form.date_from.data else None,
            "date_to": form.date_to.data.isoformat() if form.date_to.data else None,
            "status": form.status.data,
            "order": form.order.data,
            "format": form.fmt.data,
            "title": (form.title.data or "").strip(),
            "full_text": bool(form.full_text.data),
            "lang": language if language in LANGUAGES else None,
        }
        subject = campaign.name if campaign else _("All campaigns")
        task = start_task(
            session, TASK_KIND, params, current_user, _("Press book: %(subject)s", subject=subject)
        )
        return redirect(url_for("tasks.show", task_id=task.id))
    status = 400 if form.errors else 200
    return (
        render_template(
            "pressbook/index.html",
            form=form,
            books=recent_press_books(session, current_user.id),
            scheduled=scheduled_press_books(session),
            max_clips=MAX_CLIPS,
        ),
        status,
    )


@task_kind(TASK_KIND)
def build(session: Session, progress: Progress, params: dict) -> dict:
    """Build a press book with the ``retombees pressbook`` command; keep the file."""
    settings = current_app.extensions["retombees_settings"]
    fmt = params.get("format") or "pdf"
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}.")
    stages = list(STAGES)
    progress(0, len(stages), str(STAGES["select"]))

    def on_stage(stage: str) -> None:
        if stage in STAGES:
            progress(stages.index(stage), len(stages), str(STAGES[stage]))

    try:
        book = build_in_child(settings, params, on_stage, TIMEOUT_SECONDS)
    except BuildFailed as exc:
        if exc.timed_out:
            raise BuildFailed(
                _("Stopped: it ran past %(seconds)s s.", seconds=TIMEOUT_SECONDS), timed_out=True
            ) from exc
        raise
    progress.attach_file(book.name, MIME_TYPES[fmt], book.data)
    progress(
        len(stages),
        len(stages),
        _(
            "%(entries)s entries for %(clips)s clips.",
            entries=book.result.get("entries") or 0,
            clips=book.result.get("clips") or 0,
        ),
    )
    return book.result
