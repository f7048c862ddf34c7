"""Keeping the log of press actions by hand: creating and editing an action, the contacts it
reached, the follow-ups, attribution decisions, and the suggestions the review inbox shows.
The lists the action pages read are ``models.press_action_list``. Deleting an action takes its
own rows with it (people, follow-ups, attributions), never a clip nor a contact.

Suggesting and deciding which clips an action produced is ``models.attribution``; the figures
of an action (clips, reach, AVE, yield per journalist) are ``models.action_report``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session, joinedload

from .attribution import set_attribution
from .campaign import Campaign
from .contact import Contact
from .history import CoverageEvent, record
from .press_action import (
    DEFAULT_WINDOW_DAYS,
    ActionContact,
    ActionKind,
    AttributionState,
    CoverageAction,
    FollowUp,
    FollowUpOutcome,
    PressAction,
)
from .user import User

ROLES = ("recipient", "invited", "attended")  # the flags of ActionContact
MAX_WINDOW_DAYS = 365
MAX_DOCUMENT_BYTES = 2_000_000
DOCUMENT_SUFFIXES = (".txt",)


@dataclass(frozen=True)
class Problem:
    """Why a value cannot be saved: the field, a stable code, an English sentence."""

    field: str
    code: str
    message: str


class ActionEditError(ValueError):
    """What a person typed cannot be saved; ``problems`` says why, field by field."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class ActionFields:
    """An action's own fields, as a person typed them."""

    kind: str
    title: str
    day: date | None
    end_day: date | None = None
    window_days: int | None = DEFAULT_WINDOW_DAYS
    campaign_id: int | None = None
    document_name: str | None = None
    document_text: str | None = None
    notes: str | None = None
    cost_eur: float | None = None


def action_problems(session: Session, fields: ActionFields) -> list[Problem]:
    """Everything that keeps ``fields`` from being saved (empty: they can be)."""
    problems = []
    if fields.kind not in {k.value for k in ActionKind}:
        problems.append(Problem("kind", "kind_unknown", "Unknown kind of action."))
    if not (fields.title or "").strip():
        problems.append(Problem("title", "title_required", "The action needs a title."))
    elif len(fields.title.strip()) > 300:
        problems.append(Problem("title", "title_long", "The title is longer than 300 characters."))
    if fields.day is None:
        problems.append(Problem("day", "day_required", "The action needs a date."))
    elif fields.end_day is not None and fields.end_day < fields.day:
        problems.append(
            Problem("end_day", "end_before_start", "The last day comes before the first.")
        )
    window = fields.window_days
    if window is not None and not 0 <= window <= MAX_WINDOW_DAYS:
        problems.append(
            Problem("window_days", "window_range", f"Give 0 to {MAX_WINDOW_DAYS} days.")
        )
    if fields.cost_eur is not None and fields.cost_eur < 0:
        problems.append(Problem("cost_eur", "cost_negative", "A cost cannot be negative."))
    if fields.campaign_id and session.get(Campaign, fields.campaign_id) is None:
        problems.append(Problem("campaign_id", "campaign_unknown", "There is no such campaign."))
    return problems


def save_action(
    session: Session, action: PressAction | None, fields: ActionFields, user: User | None
) -> PressAction:
    """Create (``action`` None) or update an action; the caller commits.

    :raises ActionEditError: when the fields cannot be saved.
    """
    problems = action_problems(session, fields)
    if problems:
        raise ActionEditError(problems)
    if action is None:
        action = PressAction(created_by=user)
        session.add(action)
    action.kind = ActionKind(fields.kind)
    action.title = fields.title.strip()
    action.day = fields.day
    action.end_day = fields.end_day
    action.window_days = DEFAULT_WINDOW_DAYS if fields.window_days is None else fields.window_days
    action.campaign_id = fields.campaign_id or None
    action.document_text = (fields.document_text or "").strip() or None
    action.document_name = (fields.document_name or "").strip()[:300] or None
    action.notes = (fields.notes or "").strip() or None
    action.cost_eur = fields.cost_eur
    return action


def read_document(filename: str, data: bytes) -> str:
    """The text of an uploaded release: a ``.txt`` file in UTF-8 or Windows-1252.

    :raises ActionEditError: for another kind of file, or one too large.
    """
    if not filename.lower().endswith(DOCUMENT_SUFFIXES):
        raise ActionEditError(
            [Problem("document", "document_type", "Only a plain text (.txt) file can be read.")]
        )
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ActionEditError(
            [Problem("document", "document_large", "The file is larger than 2 MB.")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").strip()


# -- People --------------------------------------------------------------------------------


def set_people(session: Session, action: PressAction, roles: dict[int, set[str]]) -> None:
    """Make ``roles`` (contact id -> the roles of :data:`ROLES` it has) the action's people;
    a contact without any role is taken off. The caller commits.

    :raises ActionEditError: for an unknown contact or role.
    """
    wanted = {cid: set(r) for cid, r in roles.items() if r}
    if any(r - set(ROLES) for r in wanted.values()):
        raise ActionEditError([Problem("people", "role_unknown", "Unknown role.")])
    known = set(session.scalars(select(Contact.id).where(Contact.id.in_(list(wanted)))))
    if set(wanted) - known:
        raise ActionEditError([Problem("people", "contact_unknown", "There is no such contact.")])
    by_contact = {link.contact_id: link for link in action.people}
    for contact_id, link in by_contact.items():
        if contact_id not in wanted:
            action.people.remove(link)
    for contact_id, contact_roles in wanted.items():
        link = by_contact.get(contact_id)
        if link is None:
            link = ActionContact(contact_id=contact_id)
            action.people.append(link)
        for role in ROLES:
            setattr(link, role, role in contact_roles)


def people_roles(action: PressAction | None) -> dict[int, set[str]]:
    """The roles of each of the action's contacts, as :func:`set_people` takes them."""
    if action is None:
        return {}
    return {p.contact_id: {r for r in ROLES if getattr(p, r)} for p in action.people}


def segment_contact_ids(session: Session, segment: str) -> list[int]:
    """The contacts (not erased) of a press-file segment; "freelance" also takes the flag."""
    rows = session.execute(
        select(Contact.id, Contact.segments, Contact.freelance).where(Contact.erased_at.is_(None))
    )
    return [
        cid
        for cid, segments, freelance in rows
        if segment in (segments or []) or (segment == "freelance" and freelance)
    ]


# -- Follow-ups ----------------------------------------------------------------------------


def log_follow_up(
    session: Session,
    action: PressAction,
    contact_id: int | None,
    outcome: str,
    user: User | None,
    channel: str | None = None,
    notes: str | None = None,
    at: datetime | None = None,
) -> FollowUp:
    """Note a follow-up of a contact about ``action``; the caller commits.

    :raises ActionEditError: for an unknown contact or outcome.
    """
    problems = []
    if not contact_id or session.get(Contact, contact_id) is None:
        problems.append(Problem("contact", "contact_required", "Choose a contact."))
    if outcome not in {o.value for o in FollowUpOutcome}:
        problems.append(Problem("outcome", "outcome_unknown", "Unknown outcome."))
    if problems:
        raise ActionEditError(problems)
    follow_up = FollowUp(
        contact_id=contact_id,
        action=action,
        outcome=FollowUpOutcome(outcome),
        channel=(channel or "").strip()[:40] or None,
        notes=(notes or "").strip() or None,
        user=user,
    )
    if at is not None:
        follow_up.at = at
    session.add(follow_up)
    return follow_up


# -- Attributions --------------------------------------------------------------------------


def suggested_attributions(
    session: Session, coverage_ids: Iterable[int]
) -> dict[int, list[CoverageAction]]:
    """The actions suggested for each of these clips (one query), best first: clip id ->
    suggestions, with the actions loaded; clips without any are left out."""
    ids = list(dict.fromkeys(coverage_ids))
    if not ids:
        return {}
    found: dict[int, list[CoverageAction]] = {}
    rows = session.scalars(
        select(CoverageAction)
        .where(
            CoverageAction.coverage_id.in_(ids),
            CoverageAction.state == AttributionState.SUGGESTED,
        )
        .options(
            joinedload(CoverageAction.action).load_only(
                PressAction.id, PressAction.title, PressAction.kind, PressAction.day
            )
        )
        .order_by(CoverageAction.score.desc(), CoverageAction.action_id)
    )
    for suggestion in rows:
        found.setdefault(suggestion.coverage_id, []).append(suggestion)
    return found


def decide_attribution(
    session: Session, coverage_id: int, action_id: int, state: str, user: User | None
) -> CoverageAction:
    """Confirm or reject that a clip came from an action, and note it in the clip's history.
    The caller commits.

    :raises models.attribution.AttributionError: for an unknown clip, action or state.
    """
    before = session.get(CoverageAction, (coverage_id, action_id))
    old = before.state.value if before is not None else None
    attribution = set_attribution(session, coverage_id, action_id, state, user)
    session.flush()
    if old != attribution.state.value:
        details = {
            "press_action": attribution.action.title,
            "attribution": [old, attribution.state.value],
        }
        record(session, attribution.coverage, "attribution", details, user)
    return attribution


# -- Deleting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionDeletion:
    """What deleting an action takes with it. The clips and the contacts stay: only their
    links to the action go."""

    action_id: int
    title: str
    people: int  # contacts reached, whatever their roles
    recipients: int
    invited: int
    attended: int
    follow_ups: int
    attributed: int  # clips confirmed as coming from the action
    suggested: int  # clips suggested for it, awaiting a decision
    rejected: int  # suggestions rejected


def _flag_count(column):
    return func.coalesce(func.sum(case((column, 1), else_=0)), 0)


def action_deletion(session: Session, action_id: int) -> ActionDeletion | None:
    """What :func:`delete_action` would remove (None: there is no such action)."""
    title = session.scalar(select(PressAction.title).where(PressAction.id == action_id))
    if title is None:
        return None
    people = session.execute(
        select(
            func.count(),
            _flag_count(ActionContact.recipient),
            _flag_count(ActionContact.invited),
            _flag_count(ActionContact.attended),
        ).where(ActionContact.action_id == action_id)
    ).one()
    follow_ups = session.scalar(
        select(func.count()).select_from(FollowUp).where(FollowUp.action_id == action_id)
    )
    states = dict(
        session.execute(
            select(CoverageAction.state, func.count())
            .where(CoverageAction.action_id == action_id)
            .group_by(CoverageAction.state)
        ).all()
    )
    return ActionDeletion(
        action_id=action_id,
        title=title,
        people=people[0],
        recipients=people[1],
        invited=people[2],
        attended=people[3],
        follow_ups=follow_ups,
        attributed=states.get(AttributionState.CONFIRMED, 0),
        suggested=states.get(AttributionState.SUGGESTED, 0),
        rejected=states.get(AttributionState.REJECTED, 0),
    )


def delete_action(
    session: Session, action_id: int, user: User | None = None
) -> ActionDeletion | None:
    """Delete an action with its people, follow-ups and attributions, and return what went
    (None: there is no such action). The clips and the contacts stay; a clip whose attribution
    to the action had been decided notes in its history that it no longer holds. The caller
    commits.
    """
    deletion = action_deletion(session, action_id)
    if deletion is None:
        return None
    decided = session.execute(
        select(CoverageAction.coverage_id, CoverageAction.state).where(
            CoverageAction.action_id == action_id,
            CoverageAction.state != AttributionState.SUGGESTED,
        )
    ).all()
    for coverage_id, state in decided:
        details = {"press_action": deletion.title, "attribution": [state.value, None]}
        session.add(
            CoverageEvent(coverage_id=coverage_id, action="attribution", details=details, user=user)
        )
    session.execute(delete(FollowUp).where(FollowUp.action_id == action_id))
    # The people and the attributions go with the action (ORM cascade); their contacts and
    # clips are only referred to, never deleted.
    session.delete(session.get(PressAction, action_id))
    session.flush()
    return deletion
