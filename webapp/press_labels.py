"""What the press-relations values say in the interface language: kinds of action, outcomes,
request statuses, roles, and a sentence for each reason a clip is suggested for an action.

The filters are registered app-wide by the ``actions`` blueprint, so that the review inbox's
cards can say why a clip may come from an action.
"""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from .dashboard_tables import format_figure
from .exports import Kind

KIND_LABELS = {
    "release": _l("Press release"),
    "press_kit": _l("Press kit"),
    "invitation": _l("Invitation"),
    "press_conference": _l("Press conference"),
    "press_trip": _l("Press trip"),
    "interview": _l("Interview"),
    "follow_up": _l("Follow-up"),
}
OUTCOME_LABELS = {
    "no_answer": _l("No answer"),
    "declined": _l("Declined"),
    "interested": _l("Interested"),
    "will_cover": _l("Will cover it"),
    "covered": _l("Covered it"),
}
CHANNEL_LABELS = {
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "message": _l("Text or instant message"),
    "meeting": _l("In person"),
    "other": _l("Other"),
}
ATTRIBUTION_LABELS = {
    "suggested": _l("Suggested"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
}
REQUEST_STATUS_LABELS = {
    "open": _l("Open"),
    "answered": _l("Answered"),
    "declined": _l("Declined"),
    "closed": _l("Closed"),
}
SEGMENT_LABELS = {
    "local": _l("Local media"),
    "regional": _l("Regional media"),
    "national": _l("National media"),
    "specialised": _l("Specialised media"),
    "international": _l("International media"),
    "freelance": _l("Freelances"),
}
ROLE_LABELS = {
    "recipient": _l("Recipient"),
    "invited": _l("Invited"),
    "attended": _l("Present"),
}


def _label(table):
    return lambda value: table.get(getattr(value, "value", value), value) if value else ""


def reason_text(reason: dict, reuse_share: float | None = None) -> str:
    """One reason a clip is suggested for an action, as a sentence fragment (the share of the
    release's sentences the clip takes up, when known, goes with the text reason)."""
    kind, detail = reason.get("kind"), reason.get("detail")
    if kind == "window" and isinstance(detail, int):
        if detail == 0:
            return _("published the day of the action")
        return ngettext(
            "published %(num)d day after the action",
            "published %(num)d days after the action",
            detail,
        )
    if kind == "outlet":
        return _("outlet of a journalist reached: %(outlet)s", outlet=detail)
    if kind == "author":
        return _("by a journalist reached: %(author)s", author=detail)
    if kind == "text" and isinstance(detail, str) and "/" in detail:
        taken, sentences = detail.split("/", 1)
        if reuse_share is not None:
            return _(
                "takes up %(share)s of the release's sentences (%(taken)s of %(sentences)s)",
                share=share(reuse_share),
                taken=taken,
                sentences=sentences,
            )
        return _(
            "takes up %(taken)s of the release's %(sentences)s sentences",
            taken=taken,
            sentences=sentences,
        )
    if kind == "person":
        return _("attributed by hand")
    return f"{kind}: {detail}" if detail is not None else str(kind)


def reasons_text(reasons: list | None, reuse_share: float | None = None) -> str:
    """All the reasons of a suggestion, in one line."""
    return "; ".join(reason_text(r, reuse_share) for r in reasons or [] if isinstance(r, dict))


def contact_url(contact_id: int | None) -> str | None:
    """The page of a contact in the press file (None until that page exists)."""
    if not contact_id:
        return None
    try:
        return url_for("contacts.show", contact_id=contact_id)
    except BuildError:
        return None


def share(value: float | None) -> str:
    """A fraction as a percentage in the user's language ("62 %")."""
    return format_figure(value, Kind.SHARE)


def signed(value: float | None) -> str:
    """An index from -1 to 1 with its sign ("+0,50")."""
    return format_figure(value, Kind.SIGNED)


def register(bp: Blueprint) -> None:
    """Make the labels and helpers available to every template."""
    bp.add_app_template_filter(_label(KIND_LABELS), "action_kind_label")
    bp.add_app_template_filter(_label(OUTCOME_LABELS), "outcome_label")
    bp.add_app_template_filter(_label(CHANNEL_LABELS), "channel_label")
    bp.add_app_template_filter(_label(ATTRIBUTION_LABELS), "attribution_label")
    bp.add_app_template_filter(_label(REQUEST_STATUS_LABELS), "request_status_label")
    bp.add_app_template_filter(_label(SEGMENT_LABELS), "segment_label")
    bp.add_app_template_filter(reasons_text, "attribution_reasons")
    bp.add_app_template_filter(share, "share")
    bp.add_app_template_filter(signed, "signed")
    bp.add_app_template_filter(lambda d: format_date(d, "d MMM yyyy") if d else "—", "press_date")
    bp.add_app_template_global(contact_url, "contact_url")
