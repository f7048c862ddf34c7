"""The review inbox: new candidate coverage, confirmed, rejected or corrected card by card.

Every action is a POST that works as a plain form (redirect back to the inbox with a message)
and, sent by ``fetch()`` with ``Accept: application/json``, answers JSON with the clip's new
card, so that the keyboard triage in ``static/js/review.js`` never reloads the page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as web_session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from models.campaign import active_campaigns
from models.inbox import InboxFilter, cards_of, inbox_cards, open_inbox, review_count
from models.press_action_edit import suggested_attributions
from models.review import (
    bulk_review,
    correct_key_message,
    decide,
    mark_duplicate,
    set_campaign,
    set_medium,
    undo_last,
)

from .auth import local_path, permission_required
from .fields import option
from .formatting import MEDIUM_LABELS, _label
from .session import db, valuation_rules

bp = Blueprint("review", __name__, url_prefix="/review")
PAGE_SIZE = 50
RECENT_KEY = "review_recent"  # the clips this browser acted on last, for their Undo buttons
RECENT_MAX = 50  # a page's worth, so that a bulk action keeps its Undo buttons
RECENT_SHOWN = 10  # in the "Just reviewed" list
NO_VISIT = "0"  # ``since`` when the user had never opened the inbox before


# -- the inbox -------------------------------------------------------------------------------


def _since(text: str | None) -> datetime | None:
    if not text or text == NO_VISIT:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _inbox_filter(args) -> InboxFilter:
    """The inbox selection named by query arguments (of the page, or of the page to go back to)."""
    return InboxFilter(
        campaign_id=args.get("campaign", type=int) or None,
        since=_since(args.get("since")),
        only_new=args.get("new") == "1",
    )


def _back_args() -> MultiDict:
    """The query arguments of the inbox page an action was sent from."""
    return MultiDict(parse_qsl(urlsplit(_back()).query))


def _back() -> str:
    return local_path(request.form.get("next"), url_for("review.index"), bp.url_prefix + "/")


def _recent_ids() -> list[int]:
    return [int(i) for i in web_session.get(RECENT_KEY, []) if str(i).isdigit()]


def _remember(ids: list[int], undone: bool = False) -> None:
    """Keep the clips just acted on (first), for their Undo buttons; forget those undone."""
    kept = [i for i in _recent_ids() if i not in ids]
    web_session[RECENT_KEY] = (([] if undone else list(ids)) + kept)[:RECENT_MAX]


class CardOptions:
    """The ``<option>`` lists of the cards' selects, each drawn once per page: fifty cards show
    a handful of distinct lists (a clip's medium selected; the campaigns it is not yet in)."""

    def __init__(self, campaigns: list):
        self.campaigns = campaigns
        self._drawn: dict = {}

    def medium(self, selected) -> Markup:
        value = getattr(selected, "value", selected)
        key = ("medium", value)
        if key not in self._drawn:
            self._drawn[key] = Markup("").join(
                option(v, _label(label), v == value) for v, label in MEDIUM_LABELS.items()
            )
        return self._drawn[key]

    def campaigns_except(self, linked_ids) -> Markup:
        """The campaigns a clip can be added to (empty when it is in all of them)."""
        key = ("campaigns", frozenset(linked_ids))
        if key not in self._drawn:
            self._drawn[key] = Markup("").join(
                option(c.id, c.name) for c in self.campaigns if c.id not in linked_ids
            )
        return self._drawn[key]


class CardUrls:
    """The addresses of the cards' links and actions: each built by ``url_for`` once per page,
    then completed with a clip's id (a page of fifty cards has some 400 of them)."""

    _MARK = "2718281828"

    def __init__(self):
        self._parts: dict = {}

    def __call__(self, endpoint: str, coverage_id: int, **values) -> str:
        key = (endpoint, *values.items())
        parts = self._parts.get(key)
        if parts is None:
            url = url_for(endpoint, coverage_id=int(self._MARK), **values)
            parts = self._parts[key] = url.split(self._MARK)
        return str(coverage_id).join(parts)


def _card_context(back_url: str, clip_ids=()) -> dict:
    """What every card needs besides its clip (with the press actions suggested for the
    clips ``clip_ids``, read in one query)."""
    campaigns = active_campaigns(db())
    return {
        "can_review": current_user.can("review"),
        "can_attribute": current_user.can("attribute"),
        "can_see_actions": current_user.can("press"),
        "suggestions": suggested_attributions(db(), clip_ids),
        "campaigns": campaigns,
        "options": CardOptions(campaigns),
        "card_url": CardUrls(),
        "back_url": back_url,
        # The same in each of the page's hundreds of forms: written once.
        "hidden_fields": Markup(
            '<input type="hidden" name="csrf_token" value="{}">'
            '<input type="hidden" name="next" value="{}">'
        ).format(generate_csrf(), back_url),
        "recent_ids": set(_recent_ids()),
    }


@bp.get("/")
@login_required
def index():
    session = db()
    since_text = request.args.get("since")
    if since_text is None:  # opening the inbox (not paging or filtering it): a new visit
        previous = open_inbox(session, current_user)
        session.commit()
        since_text = previous.isoformat() if previous else NO_VISIT
    inbox = _inbox_filter(MultiDict({**request.args.to_dict(), "since": since_text}))
    page = max(request.args.get("page", 1, type=int), 1)
    cards = inbox_cards(session, inbox, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    remaining = review_count(session, inbox)
    query = {"campaign": inbox.campaign_id, "new": "1" if inbox.only_new else None}
    query["since"] = since_text
    back_url = url_for("review.index", page=page if page > 1 else None, **query)
    recent = [
        c
        for c in cards_of(session, _recent_ids()[:RECENT_SHOWN], inbox.since)
        if c.clip.status != "new"
    ]
    return render_template(
        "review/index.html",
        cards=cards,
        recent=recent,
        remaining=remaining,
        new_on_page=sum(card.is_new for card in cards),
        page=page,
        has_next=page * PAGE_SIZE < remaining,
        query=query,
        inbox=inbox,
        first_visit=inbox.since is None,
        can_add=current_user.can("add_coverage"),
        **_card_context(back_url, [card.clip.id for card in cards + recent]),
    )


# -- answers ---------------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _answer(clips: list, message: str, undone: bool = False):
    """Commit, then redirect back with ``message`` or, for fetch(), answer the new cards."""
    session = db()
    ids = [clip.id for clip in clips]
    _remember(ids, undone)
    session.commit()
    if not _wants_json():
        flash(message, "success")
        return redirect(_back())
    back_args = _back_args()
    inbox = _inbox_filter(back_args)
    context = _card_context(_back(), ids)
    cards = {
        card.clip.id: render_template("review/_card.html", card=card, **context)
        for card in cards_of(session, ids, inbox.since)
    }
    body = {"ok": True, "message": message, "remaining": review_count(session, inbox)}
    if len(clips) == 1 and request.endpoint != "review.bulk":
        clip = clips[0]
        body.update(
            id=clip.id,
            status=clip.status.value,
            review_reason=clip.review_reason,
            duplicate_of_id=clip.duplicate_of_id,
            medium=clip.medium.value if clip.medium else None,
            undo_url=url_for("review.undo", coverage_id=clip.id),
            card=cards.get(clip.id),
        )
    else:
        body.update(count=len(clips), ids=ids, cards={str(k): v for k, v in cards.items()})
    return jsonify(body)


# -- actions on one clip ---------------------------------------------------------------------


@bp.post("/<int:coverage_id>/<decision>")
@permission_required("review")
def decide_clip(coverage_id: int, decision: str):
    clip = decide(db(), coverage_id, decision, current_user)
    message = _("Confirmed: %(title)s") if decision == "confirm" else _("Rejected: %(title)s")
    return _answer([clip], message % {"title": clip.title})


@bp.post("/<int:coverage_id>/duplicate")
@permission_required("review")
def duplicate(coverage_id: int):
    of_id = request.form.get("of", type=int)
    clip = mark_duplicate(db(), coverage_id, current_user, of_id)
    message = _("Duplicate of clip %(number)s: %(title)s")
    return _answer([clip], message % {"number": clip.duplicate_of_id, "title": clip.title})


@bp.post("/<int:coverage_id>/medium")
@permission_required("review")
def correct_medium(coverage_id: int):
    clip = set_medium(
        db(), coverage_id, request.form.get("medium", ""), current_user, valuation_rules()
    )
    return _answer([clip], _("Medium corrected: %(title)s") % {"title": clip.title})


@bp.post("/<int:coverage_id>/campaign")
@permission_required("review")
def campaign(coverage_id: int):
    present = request.form.get("present", "1") != "0"
    campaign_id = request.form.get("campaign", type=int) or 0
    clip = set_campaign(db(), coverage_id, campaign_id, current_user, present)
    message = _("Campaigns changed: %(title)s")
    return _answer([clip], message % {"title": clip.title})


@bp.post("/<int:coverage_id>/undo")
@permission_required("review")
def undo(coverage_id: int):
    clip, _action = undo_last(db(), coverage_id, current_user, valuation_rules())
    return _answer([clip], _("Undone: %(title)s") % {"title": clip.title}, undone=True)


@bp.post("/<int:coverage_id>/message")
@permission_required("review")
def correct_message(coverage_id: int):
    session = db()
    present = request.form.get("present") == "1"
    correct_key_message(
        session,
        coverage_id,
        request.form.get("label", ""),
        present,
        current_user,
        request.form.get("sentence") or None,
    )
    session.commit()
    flash(_("Key messages corrected."), "success")
    return redirect(url_for("coverage.show", coverage_id=coverage_id))


# -- actions on a selection ------------------------------------------------------------------


@bp.post("/bulk")
@permission_required("review")
def bulk():
    action = request.form.get("action", "")
    value = request.form.get("campaign") if action == "campaign" else request.form.get("medium")
    clips = bulk_review(
        db(),
        request.form.getlist("ids", type=int),
        action,
        current_user,
        value,
        valuation_rules(),
    )
    count = len(clips)
    messages = {
        "confirm": ngettext("%(num)d clip confirmed.", "%(num)d clips confirmed.", count),
        "reject": ngettext("%(num)d clip rejected.", "%(num)d clips rejected.", count),
        "undo": ngettext(
            "Last action undone on %(num)d clip.", "Last action undone on %(num)d clips.", count
        ),
    }
    default = ngettext("%(num)d clip corrected.", "%(num)d clips corrected.", count)
    return _answer(clips, messages.get(action, default), undone=action == "undo")
