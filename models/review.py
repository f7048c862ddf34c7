"""Review decisions on clips: confirm, reject, duplicate, corrections, undo, bulk actions.

Every action records an event in the clip's history whose details hold each changed field as
``[before, after]`` (plus the campaign links it added or removed and the labels it created), so
that the last action on a clip can be undone exactly. The inbox queries live in ``inbox.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .base import CoverageStatus, Medium, utcnow
from .campaign import Campaign
from .coverage import Coverage, CoverageCampaign
from .history import CoverageEvent, history, record
from .inbox import DUPLICATE, NOT_RELEVANT, default_original, review_count, review_queue
from .label import Label, add_label
from .user import User
from .valuation import apply_valuation

__all__ = [  # the inbox queries are imported from here too
    "ClipNotFound",
    "ReviewError",
    "bulk_review",
    "correct_key_message",
    "decide",
    "last_undoable",
    "mark_duplicate",
    "review_count",
    "review_queue",
    "set_campaign",
    "set_medium",
    "undo_last",
]

REVIEW_REASON = "set in the review by"  # medium reasons starting so were chosen by a person

DECISIONS = {"confirm": CoverageStatus.CONFIRMED, "reject": CoverageStatus.REJECTED}
UNDOABLE = ("confirm", "reject", "duplicate", "medium", "campaign", "key_message")
BULK_ACTIONS = ("confirm", "reject", "medium", "campaign", "undo")
MAX_BULK = 500
REVIEWABLE = (CoverageStatus.NEW, CoverageStatus.CONFIRMED, CoverageStatus.REJECTED)
# The fields an action may change, as kept in the history (JSON) and restored by an undo.
STATE_FIELDS = (
    "status",
    "review_reason",
    "duplicate_of_id",
    "medium",
    "medium_reason",
    "key_messages",
    "reviewed_at",
    "reviewed_by_id",
)


class ReviewError(ValueError):
    """A review action that cannot be applied (HTTP status 400 when it comes from a request)."""

    status = 400


class ClipNotFound(ReviewError):
    """The clip a review action names does not exist."""

    status = 404


def _clip(session: Session, coverage_id: int) -> Coverage:
    coverage = session.get(Coverage, coverage_id)
    if coverage is None:
        raise ClipNotFound(f"No clip {coverage_id}.")
    return coverage


def _reviewable(coverage: Coverage) -> None:
    if coverage.status not in REVIEWABLE:
        raise ReviewError(f"Clip {coverage.id} has not been analysed yet.")


# -- history ---------------------------------------------------------------------------------


def _state(coverage: Coverage) -> dict:
    """The clip's reviewable fields, as JSON values."""
    return {
        "status": coverage.status.value if coverage.status else None,
        "review_reason": coverage.review_reason,
        "duplicate_of_id": coverage.duplicate_of_id,
        "medium": coverage.medium.value if coverage.medium else None,
        "medium_reason": coverage.medium_reason,
        "key_messages": list(coverage.key_messages or []),
        "reviewed_at": coverage.reviewed_at.isoformat() if coverage.reviewed_at else None,
        "reviewed_by_id": coverage.reviewed_by_id,
    }


def _restore(coverage: Coverage, name: str, value) -> None:
    if name == "status":
        value = CoverageStatus(value)
    elif name == "medium":
        value = Medium(value) if value else None
    elif name == "reviewed_at":
        value = datetime.fromisoformat(value) if value else None
    setattr(coverage, name, value)


def _record(
    session: Session, coverage: Coverage, action: str, before: dict, user, **extra
) -> CoverageEvent:
    after = _state(coverage)
    details = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    details.update({key: value for key, value in extra.items() if value})
    return record(session, coverage, action, details, user)


def _label(session: Session, coverage: Coverage, task: str, value, predicted, user) -> int:
    label = add_label(session, coverage, task, value, predicted, user)
    session.flush()  # its id goes in the history, for an undo to remove it
    return label.id


def _mark_reviewed(coverage: Coverage, user: User) -> None:
    coverage.reviewed_at = utcnow()
    coverage.reviewed_by = user
    coverage.reviewed_by_id = user.id  # read back at once by the history


# -- decisions -------------------------------------------------------------------------------


def decide(session: Session, coverage_id: int, decision: str, user: User) -> Coverage:
    """Confirm a clip, or reject it as not relevant; the caller commits.

    :raises ReviewError: for an unknown clip or decision, or a clip not analysed yet.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"Unknown decision {decision!r}.")
    coverage = _clip(session, coverage_id)
    _reviewable(coverage)
    before = _state(coverage)
    coverage.status = DECISIONS[decision]
    coverage.review_reason = None if decision == "confirm" else NOT_RELEVANT
    coverage.duplicate_of_id = None
    _mark_reviewed(coverage, user)
    # The decision is also the truth about relevance, for evaluating and training the analysis.
    label = _label(
        session,
        coverage,
        "relevance",
        {"relevant": decision == "confirm"},
        {"relevant": coverage.relevant},
        user,
    )
    _record(session, coverage, decision, before, user, labels=[label])
    return coverage


def _original(session: Session, coverage: Coverage, of_id: int | None) -> Coverage:
    """The clip ``coverage`` duplicates: the one named, else the earliest copy of its story;
    followed to the clip it is itself a duplicate of, if so."""
    if of_id is None:
        target = default_original(coverage)
        if target is None:
            raise ReviewError(
                f"Clip {coverage.id} has no other copy in its story: "
                "give the number of the clip it duplicates."
            )
    else:
        target = session.get(Coverage, of_id)
        if target is None:
            raise ReviewError(f"No clip {of_id} to be the original of clip {coverage.id}.")
    for _ in range(20):  # a duplicate of a duplicate points at the original
        if target.review_reason != DUPLICATE or target.duplicate_of_id is None:
            break
        target = session.get(Coverage, target.duplicate_of_id) or target
    if target.id == coverage.id:
        raise ReviewError(f"Clip {coverage.id} cannot be a duplicate of itself.")
    return target


def mark_duplicate(
    session: Session, coverage_id: int, user: User, of_id: int | None = None
) -> Coverage:
    """Reject a clip as a copy of another (by default the earliest other copy of its story).

    A duplicate is rejected, so it counts in no total; it says nothing of relevance (no label).

    :raises ReviewError: for an unknown clip, no original to point at, or a clip not analysed.
    """
    coverage = _clip(session, coverage_id)
    _reviewable(coverage)
    original = _original(session, coverage, of_id)
    before = _state(coverage)
    coverage.status = CoverageStatus.REJECTED
    coverage.review_reason = DUPLICATE
    coverage.duplicate_of_id = original.id
    _mark_reviewed(coverage, user)
    _record(session, coverage, "duplicate", before, user)
    return coverage


def set_medium(session: Session, coverage_id: int, medium: str, user: User, rules=None) -> Coverage:
    """Correct a clip's medium; the correction is kept as a label and survives re-analysis.

    :raises ReviewError: for an unknown clip or medium.
    """
    try:
        chosen = Medium(medium)
    except ValueError:
        raise ReviewError(f"Unknown medium {medium!r}.") from None
    coverage = _clip(session, coverage_id)
    before = _state(coverage)
    predicted = {"medium": before["medium"]}
    coverage.medium = chosen
    coverage.medium_reason = f"{REVIEW_REASON} {user.username}"
    label = _label(session, coverage, "medium", {"medium": chosen.value}, predicted, user)
    apply_valuation(session, coverage, rules)  # another medium, another formula
    _record(session, coverage, "medium", before, user, labels=[label])
    return coverage


def set_campaign(
    session: Session, coverage_id: int, campaign_id: int, user: User, present: bool = True
) -> Coverage:
    """Count a clip in an active campaign, or take it out of one; nothing if already so.

    A clip put in a campaign by hand has no query hits; it is analysed again for the campaign's
    key messages.

    :raises ReviewError: for an unknown clip or campaign, or adding to a closed campaign.
    """
    coverage = _clip(session, coverage_id)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ReviewError(f"No campaign {campaign_id}.")
    link = next((x for x in coverage.campaign_links if x.campaign_id == campaign_id), None)
    before = _state(coverage)
    if present:
        if link is not None:
            return coverage
        if not campaign.active:
            raise ReviewError(f"The campaign {campaign.name!r} is closed.")
        coverage.campaign_links.append(CoverageCampaign(campaign=campaign, hits=[]))
        if campaign.key_messages:
            coverage.stale_analysis = True
        change = {"added": [campaign.id]}
    else:
        if link is None:
            return coverage
        coverage.campaign_links.remove(link)
        change = {"removed": [{"campaign_id": campaign.id, "hits": list(link.hits or [])}]}
    _record(session, coverage, "campaign", before, user, campaigns=change)
    return coverage


def correct_key_message(
    session: Session,
    coverage_id: int,
    label: str,
    present: bool,
    user: User,
    sentence: str | None = None,
) -> Coverage:
    """Add a key message the analysis missed, or remove one it found wrongly; kept as a label.

    :raises ReviewError: for an unknown clip, or a message its campaigns do not have.
    """
    coverage = _clip(session, coverage_id)
    labels = {m.label for campaign in coverage.campaigns for m in campaign.key_messages}
    if label not in labels:
        raise ReviewError(f"Unknown key message {label!r}.")
    before = _state(coverage)
    found = [m for m in coverage.key_messages or [] if m.get("label") == label]
    predicted = {"label": label, "present": bool(found)}
    kept = [m for m in coverage.key_messages or [] if m.get("label") != label]
    if present:
        kept.append({"label": label, "sentence": sentence or "", "score": 1.0, "method": "review"})
    coverage.key_messages = kept
    value = {"label": label, "present": present, "sentence": sentence or None}
    label_id = _label(session, coverage, "key_message", value, predicted, user)
    _record(session, coverage, "key_message", before, user, labels=[label_id])
    return coverage


# -- undo ------------------------------------------------------------------------------------


def last_undoable(session: Session, coverage_id: int) -> CoverageEvent | None:
    """The latest review action on a clip that has not been undone yet."""
    events = history(session, coverage_id)
    undone = {event.details.get("undone") for event in events if event.action == "undo"}
    return next((e for e in events if e.action in UNDOABLE and e.id not in undone), None)


def undo_last(session: Session, coverage_id: int, user: User, rules=None) -> tuple[Coverage, str]:
    """Undo the last review action on a clip; return the clip and the action undone.

    The status, reason, original, medium, key messages and campaign links come back as they
    were, the labels the action created are deleted, and the undo is recorded.

    :raises ReviewError: for an unknown clip, or one with nothing to undo.
    """
    coverage = _clip(session, coverage_id)
    event = last_undoable(session, coverage_id)
    if event is None:
        raise ReviewError(f"Nothing to undo on clip {coverage_id}.")
    details = event.details or {}
    before = _state(coverage)
    for name in STATE_FIELDS:
        if name in details:
            _restore(coverage, name, details[name][0])
    campaigns = details.get("campaigns") or {}
    for campaign_id in campaigns.get("added", []):
        for link in [x for x in coverage.campaign_links if x.campaign_id == campaign_id]:
            coverage.campaign_links.remove(link)
    for removed in campaigns.get("removed", []):
        campaign = session.get(Campaign, removed["campaign_id"])
        if campaign is not None and campaign not in coverage.campaigns:
            coverage.campaign_links.append(
                CoverageCampaign(campaign=campaign, hits=removed.get("hits") or [])
            )
    for label in session.scalars(select(Label).where(Label.id.in_(details.get("labels", [])))):
        session.delete(label)
    if "medium" in details:
        apply_valuation(session, coverage, rules)
    reverted = {"added": campaigns.get("removed"), "removed": campaigns.get("added")}
    _record(
        session,
        coverage,
        "undo",
        before,
        user,
        undone=event.id,
        undone_action=event.action,
        campaigns={k: v for k, v in reverted.items() if v},
    )
    return coverage, event.action


# -- bulk ------------------------------------------------------------------------------------


def bulk_review(
    session: Session,
    coverage_ids: Iterable[int],
    action: str,
    user: User,
    value: str | int | None = None,
    rules=None,
) -> list[Coverage]:
    """Apply one action to several clips (all or none: the caller commits or rolls back).

    ``value`` is the medium for ``medium``, the campaign id for ``campaign``.

    :raises ReviewError: for no clip, too many, an unknown action or value, or any clip the
        action cannot apply to.
    """
    ids = list(dict.fromkeys(int(i) for i in coverage_ids))
    if not ids:
        raise ReviewError("Select at least one clip.")
    if len(ids) > MAX_BULK:
        raise ReviewError(f"Select at most {MAX_BULK} clips at once.")
    if action not in BULK_ACTIONS:
        raise ReviewError(f"Unknown action {action!r}.")
    if action == "campaign":
        try:
            value = int(value or 0)
        except ValueError:
            raise ReviewError(f"Unknown campaign {value!r}.") from None
        if not value:
            raise ReviewError("Choose a campaign.")
    list(session.scalars(select(Coverage).where(Coverage.id.in_(ids))))  # one read for all
    done = []
    for coverage_id in ids:
        if action in DECISIONS:
            done.append(decide(session, coverage_id, action, user))
        elif action == "medium":
            done.append(set_medium(session, coverage_id, str(value or ""), user, rules))
        elif action == "campaign":
            done.append(set_campaign(session, coverage_id, value, user))
        else:
            done.append(undo_last(session, coverage_id, user, rules)[0])
    return done
