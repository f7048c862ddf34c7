"""The log of incoming press requests: recording a request, answering it, the clips it led to,
deleting it, and the list with the overdue ones first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from .base import utcnow
from .campaign import Campaign
from .contact import Contact
from .coverage import Coverage
from .metrics import PARIS
from .outlet import Outlet
from .press_action_edit import Problem
from .press_request import PressRequest, RequestStatus, request_coverage

ANSWER_STATUSES = (RequestStatus.ANSWERED, RequestStatus.DECLINED)


class RequestEditError(ValueError):
    """What a person typed about a request cannot be saved; ``problems`` says why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def paris_moment(local: datetime | None) -> datetime | None:
    """A wall-clock time in Paris (as a form gives it) as an aware UTC datetime."""
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=PARIS)
    return local.astimezone(UTC)


def paris_local(moment: datetime | None) -> datetime | None:
    """An aware datetime as a wall-clock time in Paris, for a form."""
    return moment.astimezone(PARIS).replace(tzinfo=None) if moment else None


@dataclass
class RequestFields:
    """A request's fields as a person typed them; times are aware."""

    subject: str
    contact_id: int | None = None
    requester: str | None = None
    outlet_id: int | None = None
    campaign_id: int | None = None
    details: str | None = None
    received_at: datetime | None = None
    deadline: datetime | None = None
    status: str = RequestStatus.OPEN.value


def request_problems(session: Session, fields: RequestFields) -> list[Problem]:
    """Everything that keeps ``fields`` from being saved (empty: they can be)."""
    problems = []
    if not (fields.subject or "").strip():
        problems.append(Problem("subject", "subject_required", "Say what the request is about."))
    if not fields.contact_id and not (fields.requester or "").strip():
        problems.append(
            Problem("requester", "requester_required", "Choose a contact or name who asked.")
        )
    if fields.contact_id and session.get(Contact, fields.contact_id) is None:
        problems.append(Problem("contact_id", "contact_unknown", "There is no such contact."))
    if fields.outlet_id and session.get(Outlet, fields.outlet_id) is None:
        problems.append(Problem("outlet_id", "outlet_unknown", "There is no such outlet."))
    if fields.campaign_id and session.get(Campaign, fields.campaign_id) is None:
        problems.append(Problem("campaign_id", "campaign_unknown", "There is no such campaign."))
    if fields.status not in {s.value for s in RequestStatus}:
        problems.append(Problem("status", "status_unknown", "Unknown status."))
    received = fields.received_at
    if received and fields.deadline and fields.deadline < received:
        problems.append(
            Problem(
                "deadline", "deadline_before_received", "The deadline comes before the request."
            )
        )
    return problems


def save_request(
    session: Session, request: PressRequest | None, fields: RequestFields
) -> PressRequest:
    """Create (``request`` None) or update a request; the caller commits.

    A request set to answered or declined without an answer time gets one now.

    :raises RequestEditError: when the fields cannot be saved.
    """
    problems = request_problems(session, fields)
    if problems:
        raise RequestEditError(problems)
    if request is None:
        request = PressRequest()
        session.add(request)
    request.subject = fields.subject.strip()[:300]
    request.contact_id = fields.contact_id or None
    request.requester = (fields.requester or "").strip()[:200] or None
    request.outlet_id = fields.outlet_id or None
    request.campaign_id = fields.campaign_id or None
    request.details = (fields.details or "").strip() or None
    request.received_at = fields.received_at or request.received_at or utcnow()
    request.deadline = fields.deadline
    request.status = RequestStatus(fields.status)
    if request.status in ANSWER_STATUSES and request.answered_at is None:
        request.answered_at = utcnow()
    return request


def answer_request(
    session: Session,
    request: PressRequest,
    answer: str,
    status: str = RequestStatus.ANSWERED.value,
    at: datetime | None = None,
) -> PressRequest:
    """Record the answer to a request (or that it was declined) and when; the caller commits.

    :raises RequestEditError: for an empty answer or a status other than answered/declined.
    """
    problems = []
    if not (answer or "").strip():
        problems.append(Problem("answer", "answer_required", "Write what was answered."))
    if status not in {s.value for s in ANSWER_STATUSES}:
        problems.append(Problem("status", "status_unknown", "Unknown status."))
    if problems:
        raise RequestEditError(problems)
    request.answer = answer.strip()
    request.status = RequestStatus(status)
    request.answered_at = at or utcnow()
    return request


def link_coverage(session: Session, request: PressRequest, coverage_ids: Iterable[int]) -> int:
    """Note that these clips came of the request; return how many were added.

    :raises RequestEditError: naming the clip numbers that do not exist.
    """
    ids = list(dict.fromkeys(coverage_ids))
    clips = list(session.scalars(select(Coverage).where(Coverage.id.in_(ids)))) if ids else []
    missing = sorted(set(ids) - {c.id for c in clips})
    if missing:
        numbers = ", ".join(str(i) for i in missing)
        raise RequestEditError([Problem("coverage", "clip_unknown", f"No clip {numbers}.")])
    present = {c.id for c in request.coverage}
    added = [c for c in clips if c.id not in present]
    request.coverage.extend(added)
    return len(added)


def unlink_coverage(session: Session, request: PressRequest, coverage_id: int) -> bool:
    """Take a clip off the request's results; tell whether it was there."""
    for clip in list(request.coverage):
        if clip.id == coverage_id:
            request.coverage.remove(clip)
            return True
    return False


@dataclass(frozen=True)
class RequestDeletion:
    """What deleting a request takes with it: its links to clips, never the clips, the contact
    nor the outlet."""

    request_id: int
    subject: str
    clips: int  # clips noted as coming of the request


def request_deletion(session: Session, request_id: int) -> RequestDeletion | None:
    """What :func:`delete_request` would remove (None: there is no such request)."""
    subject = session.scalar(select(PressRequest.subject).where(PressRequest.id == request_id))
    if subject is None:
        return None
    clips = session.scalar(
        select(func.count())
        .select_from(request_coverage)
        .where(request_coverage.c.request_id == request_id)
    )
    return RequestDeletion(request_id=request_id, subject=subject, clips=clips)


def delete_request(session: Session, request_id: int) -> RequestDeletion | None:
    """Delete a request and its links to clips, and return what went (None: there is no such
    request). The clips stay in the coverage; the contact stays in the press file. The caller
    commits.
    """
    deletion = request_deletion(session, request_id)
    if deletion is None:
        return None
    # The ORM deletes the rows of request_coverage, not the clips they point to.
    session.delete(session.get(PressRequest, request_id))
    session.flush()
    return deletion


def parse_clip_numbers(text: str) -> list[int]:
    """Clip numbers typed by a person ("12, 15 #17"): the digits groups, in order.

    :raises RequestEditError: when a piece is not a number.
    """
    pieces = [p.strip().lstrip("#") for p in text.replace(";", ",").replace(" ", ",").split(",")]
    pieces = [p for p in pieces if p]
    if any(not p.isdigit() for p in pieces):
        raise RequestEditError(
            [Problem("coverage", "clip_number", "Give clip numbers separated by commas.")]
        )
    return [int(p) for p in pieces]


def _overdue(now: datetime):
    return and_(
        PressRequest.status == RequestStatus.OPEN,
        PressRequest.deadline.is_not(None),
        PressRequest.deadline < now,
    )


def request_log(
    session: Session, status: str | None = None, now: datetime | None = None
) -> list[PressRequest]:
    """The requests (of one status, or all): overdue ones first (the oldest deadline first),
    then the other open ones by deadline, then the rest, latest received first."""
    now = now or utcnow()
    rank = case(
        (_overdue(now), 0),
        (PressRequest.status == RequestStatus.OPEN, 1),
        else_=2,
    )
    open_deadline = case((PressRequest.status == RequestStatus.OPEN, PressRequest.deadline))
    query = (
        select(PressRequest)
        .options(
            joinedload(PressRequest.contact),
            joinedload(PressRequest.outlet),
            joinedload(PressRequest.campaign),
            selectinload(PressRequest.coverage).load_only(
                Coverage.id, Coverage.title, Coverage.published_at, Coverage.outlet_id
            ),
        )
        .order_by(
            rank,
            open_deadline.is_(None),
            open_deadline,
            PressRequest.received_at.desc(),
            PressRequest.id.desc(),
        )
    )
    if status:
        query = query.where(PressRequest.status == RequestStatus(status))
    return list(session.scalars(query))


def overdue_count(session: Session, now: datetime | None = None) -> int:
    """How many open requests are past their deadline."""
    return session.scalar(select(func.count(PressRequest.id)).where(_overdue(now or utcnow())))


def clips_of(session: Session, request: PressRequest) -> list[Coverage]:
    """The clips a request led to, by date, with their outlets (texts not read)."""
    ids = [c.id for c in request.coverage]
    if not ids:
        return []
    return list(
        session.scalars(
            select(Coverage)
            .where(Coverage.id.in_(ids))
            .options(
                load_only(
                    Coverage.id,
                    Coverage.title,
                    Coverage.url,
                    Coverage.published_at,
                    Coverage.medium,
                    Coverage.status,
                    Coverage.outlet_id,
                ),
                joinedload(Coverage.outlet),
            )
            .order_by(Coverage.published_at.desc(), Coverage.id)
        )
    )
