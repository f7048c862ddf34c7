"""The review inbox: clips awaiting a decision, and the decisions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .base import CoverageStatus, Medium, utcnow
from .coverage import Coverage, CoverageCampaign, Story
from .label import add_label
from .user import User
from .valuation import apply_valuation

REVIEW_REASON = "set in the review by"  # medium reasons starting so were chosen by a person

DECISIONS = {"confirm": CoverageStatus.CONFIRMED, "reject": CoverageStatus.REJECTED}


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


def review_queue(session: Session, limit: int = 50, offset: int = 0) -> list[Coverage]:
    """Clips awaiting review, newest first (by publication, then collection time)."""
    return list(
        session.scalars(
            select(Coverage)
            .where(Coverage.status == CoverageStatus.NEW)
            .order_by(Coverage.published_at.desc().nulls_last(), Coverage.id.desc())
            .limit(limit)
            .offset(offset)
            .options(
                selectinload(Coverage.outlet),
                selectinload(Coverage.campaign_links).selectinload(CoverageCampaign.campaign),
                selectinload(Coverage.story)
                .selectinload(Story.copies)
                .selectinload(Coverage.outlet),
            )
        )
    )


def review_count(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(Coverage).where(Coverage.status == CoverageStatus.NEW)
    )


def decide(session: Session, coverage_id: int, decision: str, user: User) -> Coverage:
    """Confirm or reject a clip awaiting review; the caller commits.

    :raises ReviewError: for an unknown clip or decision, or a clip not awaiting review.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"Unknown decision {decision!r}.")
    coverage = _clip(session, coverage_id)
    if coverage.status not in (
        CoverageStatus.NEW,
        CoverageStatus.CONFIRMED,
        CoverageStatus.REJECTED,
    ):
        raise ReviewError(f"Clip {coverage_id} has not been analysed yet.")
    coverage.status = DECISIONS[decision]
    coverage.reviewed_at = utcnow()
    coverage.reviewed_by = user
    # The decision is also the truth about relevance, for evaluating and training the analysis.
    add_label(
        session,
        coverage,
        "relevance",
        {"relevant": decision == "confirm"},
        {"relevant": coverage.relevant},
        user,
    )
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
    predicted = {"medium": coverage.medium.value if coverage.medium else None}
    coverage.medium = chosen
    coverage.medium_reason = f"{REVIEW_REASON} {user.username}"
    add_label(session, coverage, "medium", {"medium": chosen.value}, predicted, user)
    apply_valuation(session, coverage, rules)  # another medium, another formula
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
    found = [m for m in coverage.key_messages or [] if m.get("label") == label]
    predicted = {"label": label, "present": bool(found)}
    kept = [m for m in coverage.key_messages or [] if m.get("label") != label]
    if present:
        kept.append({"label": label, "sentence": sentence or "", "score": 1.0, "method": "review"})
    coverage.key_messages = kept
    value = {"label": label, "present": present, "sentence": sentence or None}
    add_label(session, coverage, "key_message", value, predicted, user)
    return coverage
