"""The lists the press-action pages read: actions with their counts, the contacts to choose
from, an action's follow-ups and the clips attributed to it. Query functions take the session
first and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from .base import CoverageStatus
from .contact import Contact, ContactOutlet
from .coverage import Coverage
from .press_action import (
    ActionContact,
    ActionKind,
    AttributionState,
    CoverageAction,
    FollowUp,
    PressAction,
)

# The columns an attribution list shows of a clip: not its text nor its breakdowns.
CLIP_COLUMNS = (
    Coverage.id,
    Coverage.title,
    Coverage.url,
    Coverage.published_at,
    Coverage.medium,
    Coverage.status,
    Coverage.reach,
    Coverage.ave_eur,
    Coverage.ave_override_eur,
    Coverage.outlet_id,
)


@dataclass
class ActionRow:
    """One line of the list of actions, with its counts."""

    action: PressAction
    recipients: int = 0
    invitees: int = 0
    attendees: int = 0
    confirmed: int = 0
    suggested: int = 0


def _flag_count(column):
    return func.coalesce(func.sum(case((column, 1), else_=0)), 0)


def action_rows(
    session: Session,
    kind: str | None = None,
    campaign_id: int | None = None,
    year: int | None = None,
) -> list[ActionRow]:
    """The actions of a kind, campaign and year (None: any), latest first, with how many
    contacts each reached and how many clips are attributed or suggested (three queries)."""
    query = select(PressAction).options(joinedload(PressAction.campaign))
    if kind:
        query = query.where(PressAction.kind == ActionKind(kind))
    if campaign_id:
        query = query.where(PressAction.campaign_id == campaign_id)
    if year:
        query = query.where(PressAction.day.between(date(year, 1, 1), date(year, 12, 31)))
    query = query.order_by(PressAction.day.desc(), PressAction.id.desc())
    rows = {a.id: ActionRow(a) for a in session.scalars(query)}
    if not rows:
        return []
    ids = list(rows)
    people = session.execute(
        select(
            ActionContact.action_id,
            _flag_count(ActionContact.recipient),
            _flag_count(ActionContact.invited),
            _flag_count(ActionContact.attended),
        )
        .where(ActionContact.action_id.in_(ids))
        .group_by(ActionContact.action_id)
    )
    for action_id, recipients, invitees, attendees in people:
        row = rows[action_id]
        row.recipients, row.invitees, row.attendees = recipients, invitees, attendees
    # As in the action's report, a clip counts once a person confirmed both the clip and its
    # attribution; a suggestion for a clip rejected in review awaits nothing.
    confirmed = (CoverageAction.state == AttributionState.CONFIRMED) & (
        Coverage.status == CoverageStatus.CONFIRMED
    )
    suggested = (CoverageAction.state == AttributionState.SUGGESTED) & (
        Coverage.status != CoverageStatus.REJECTED
    )
    clips = session.execute(
        select(CoverageAction.action_id, _flag_count(confirmed), _flag_count(suggested))
        .join(Coverage, Coverage.id == CoverageAction.coverage_id)
        .where(CoverageAction.action_id.in_(ids))
        .group_by(CoverageAction.action_id)
    )
    for action_id, confirmed_count, suggested_count in clips:
        rows[action_id].confirmed, rows[action_id].suggested = confirmed_count, suggested_count
    return list(rows.values())


def action_with_people(session: Session, action_id: int) -> PressAction | None:
    """One action with its people, their contacts and outlets loaded (a few queries)."""
    return session.scalar(
        select(PressAction)
        .where(PressAction.id == action_id)
        .options(
            joinedload(PressAction.campaign),
            joinedload(PressAction.created_by),
            selectinload(PressAction.people)
            .joinedload(ActionContact.contact)
            .selectinload(Contact.outlet_links)
            .joinedload(ContactOutlet.outlet),
        )
    )


def action_years(session: Session) -> list[int]:
    """The years with actions, latest first."""
    first, last = session.execute(
        select(func.min(PressAction.day), func.max(PressAction.day))
    ).one()
    if first is None:
        return []
    return list(range(last.year, first.year - 1, -1))


def actions_in(session: Session, action_ids: Iterable[int]) -> list[PressAction]:
    """These actions, by date."""
    ids = list(dict.fromkeys(action_ids))
    if not ids:
        return []
    return list(
        session.scalars(
            select(PressAction)
            .where(PressAction.id.in_(ids))
            .options(joinedload(PressAction.campaign))
            .order_by(PressAction.day, PressAction.id)
        )
    )


def contact_choices(session: Session, keep: Iterable[int] = ()) -> list[Contact]:
    """The contacts an action may reach, by name, with their outlets: those not erased, and
    those in ``keep`` (an action's people) even when erased, so that saving keeps them."""
    keep = list(keep)
    condition = Contact.erased_at.is_(None)
    if keep:
        condition = condition | Contact.id.in_(keep)
    return list(
        session.scalars(
            select(Contact)
            .where(condition)
            .options(selectinload(Contact.outlet_links).selectinload(ContactOutlet.outlet))
            .order_by(func.lower(Contact.last_name), func.lower(Contact.first_name), Contact.id)
        )
    )


def follow_ups_of(session: Session, action_id: int) -> list[FollowUp]:
    """The follow-ups of an action, latest first, with their contacts."""
    return list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.action_id == action_id)
            .options(joinedload(FollowUp.contact), joinedload(FollowUp.user))
            .order_by(FollowUp.at.desc(), FollowUp.id.desc())
        )
    )


def attributions_of(session: Session, action_id: int) -> list[CoverageAction]:
    """The clips attributed or suggested to an action (rejected ones too), best first, with
    their outlets; the clips' texts are not read."""
    state_order = case(
        (CoverageAction.state == AttributionState.SUGGESTED, 0),
        (CoverageAction.state == AttributionState.CONFIRMED, 1),
        else_=2,
    )
    return list(
        session.scalars(
            select(CoverageAction)
            .where(CoverageAction.action_id == action_id)
            .options(
                joinedload(CoverageAction.coverage)
                .load_only(*CLIP_COLUMNS)
                .joinedload(Coverage.outlet)
            )
            .join(CoverageAction.coverage)
            .order_by(
                state_order,
                CoverageAction.score.desc(),
                Coverage.published_at.desc(),
                CoverageAction.coverage_id,
            )
        )
    )
