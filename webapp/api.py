"""The JSON API under ``/api/v1``, authenticated by a per-user token.

A request carries ``Authorization: Bearer rtb_…`` and acts with the role of the token's user.
The browser's session cookie is never read here: a page on another site cannot make a logged-in
browser call the API (no CSRF), and a script holding no token gets nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, abort, g, jsonify, request, url_for

from models import Coverage, CoverageStatus, Medium
from models.api_token import user_for_token
from models.campaign import campaign_by_slug, campaigns_by_name
from models.coverage_list import CoverageFilters, coverage_page
from models.history import history
from models.outlet import outlets_by_name
from models.reports import campaign_report
from models.review import DECISIONS, ClipNotFound, decide

from .api_json import campaign_detail, campaign_item, coverage_detail, coverage_item, outlet_item
from .openapi import openapi_document
from .openapi_schemas import FIRST_DAY, LAST_DAY, MAX_ID
from .session import cached_figures, db, valuation_rules

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
REPORT_STATUSES = ("confirmed", "new", "rejected", "all")


# -- Authentication -------------------------------------------------------------------------


def _unauthorized(message: str, error: str | None = None):
    response = jsonify(error="Unauthorized", message=message)
    response.status_code = 401
    challenge = 'Bearer realm="retombees"'
    if error:
        challenge += f', error="{error}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


@bp.before_request
def authenticate():
    """Find the user of the request's bearer token, or answer 401."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return _unauthorized("Send an API token: Authorization: Bearer rtb_…")
    session = db()
    user = user_for_token(session, secret)
    if user is None:
        return _unauthorized("Unknown or revoked API token.", "invalid_token")
    session.commit()  # the token's last use
    g.api_user = user
    return None


@bp.after_request
def private(response):
    """Answers depend on the token: no shared cache may keep them."""
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def _require(action: str) -> None:
    if not g.api_user.can(action):
        abort(403, description=f"The role {g.api_user.role.value} does not allow this ({action}).")


# -- Parameters -----------------------------------------------------------------------------


def _date(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    # Days far from ours cannot be turned into moments (year 1 in Paris is before year 1 in UTC).
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        abort(
            400,
            description=f"{name}: expected a date YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}, "
            f"got {value!r}.",
        )
    return day


def _moment(name: str) -> datetime | None:
    """An ISO 8601 moment; without an offset it is read as UTC."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # OverflowError: a moment at the ends of the calendar
        abort(400, description=f"{name}: expected an ISO 8601 date and time, got {value!r}.")


def _choice(name: str, choices) -> str | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if value not in choices:
        abort(400, description=f"{name}: expected one of {', '.join(choices)}, got {value!r}.")
    return value


def _positive_int(name: str, default: int | None, maximum: int | None = None) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1 or (maximum is not None and int(value) > maximum):
        upper = f" up to {maximum}" if maximum is not None else ""
        abort(400, description=f"{name}: expected a whole number from 1{upper}, got {value!r}.")
    return int(value)


def _period() -> tuple[date | None, date | None]:
    date_from, date_to = _date("from"), _date("to")
    if date_from and date_to and date_to < date_from:
        abort(400, description="to: the period ends before it starts.")
    return date_from, date_to


def _campaign_id(slug: str | None) -> int | None:
    if not slug:
        return None
    campaign = campaign_by_slug(db(), slug)
    if campaign is None:
        abort(400, description=f"campaign: no campaign has the slug {slug!r}.")
    return campaign.id


# -- Endpoints ------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description of this API (no token needed)."""
    return jsonify(openapi_document())


@bp.get("/coverage")
def coverage_list():
    """Clips, newest first, a page at a time; ``next`` is the address of the following page."""
    status, medium = _choice("status", list(CoverageStatus)), _choice("medium", list(Medium))
    date_from, date_to = _period()
    filters = CoverageFilters(
        campaign_id=_campaign_id(request.args.get("campaign", "").strip()),
        status=CoverageStatus(status) if status else None,
        medium=Medium(medium) if medium else None,
        date_from=date_from,
        date_to=date_to,
        updated_since=_moment("updated_since"),
    )
    limit = _positive_int("limit", DEFAULT_LIMIT, MAX_LIMIT)
    cursor = _positive_int("cursor", None, MAX_ID)
    clips, more = coverage_page(db(), filters, limit, cursor)
    following = None
    if more:
        args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "cursor"}
        following = url_for("api.coverage_list", **args, cursor=clips[-1].id, _external=True)
    return jsonify(items=[coverage_item(clip) for clip in clips], next=following)


def _detail(coverage_id: int):
    session = db()
    clip = session.get(Coverage, coverage_id)
    if clip is None:
        raise ClipNotFound(f"No clip {coverage_id}.")
    return clip, history(session, coverage_id)


@bp.get(f"/coverage/<int(max={MAX_ID}):coverage_id>")
def coverage_show(coverage_id: int):
    """One clip in full."""
    return jsonify(coverage_detail(*_detail(coverage_id)))


@bp.post(f"/coverage/<int(max={MAX_ID}):coverage_id>/decision")
def coverage_decision(coverage_id: int):
    """Confirm or reject a clip (the review permission); answer the clip as it now is."""
    _require("review")
    body = request.get_json(silent=True)
    decision = body.get("decision") if isinstance(body, dict) else None
    if not isinstance(decision, str) or decision not in DECISIONS:
        abort(
            400, description='Send a JSON body {"decision": "confirm"} or {"decision": "reject"}.'
        )
    session = db()
    decide(session, coverage_id, decision, g.api_user)  # kept in the clip's history
    session.commit()
    return jsonify(coverage_detail(*_detail(coverage_id)))


@bp.get("/campaigns")
def campaign_list():
    """Every campaign, in alphabetical order."""
    return jsonify(items=[campaign_item(c) for c in campaigns_by_name(db())])


@bp.get("/campaigns/<slug>")
def campaign_show(slug: str):
    """One campaign with its key messages, umbrella and sub-campaigns."""
    campaign = campaign_by_slug(db(), slug)
    if campaign is None:
        abort(404, description=f"No campaign has the slug {slug!r}.")
    return jsonify(campaign_detail(campaign))


@bp.get("/outlets")
def outlet_list():
    """The outlet registry, in alphabetical order, with rate cards."""
    return jsonify(items=[outlet_item(o) for o in outlets_by_name(db(), with_rates=True)])


@bp.get("/reports/campaign")
def campaign_report_json():
    """The campaign totals, exactly as ``retombees report --json`` prints them."""
    status = _choice("status", REPORT_STATUSES) or "confirmed"
    date_from, date_to = _period()
    campaign_id = _campaign_id(request.args.get("campaign", "").strip())
    benchmarks = [_campaign_id(slug) for slug in request.args.getlist("benchmark") if slug]
    if benchmarks and campaign_id is None:
        abort(400, description="benchmark: needs a campaign.")
    rules = valuation_rules()
    arguments = [campaign_id, date_from, date_to, status, rules.as_json(), benchmarks]
    report = cached_figures(
        "report",
        arguments,
        lambda: campaign_report(
            db(),
            campaign_id,
            date_from,
            date_to,
            None if status == "all" else CoverageStatus(status),
            rules,
            benchmarks,
        ),
    )
    return jsonify(report)
