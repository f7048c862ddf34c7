"""The press book ("revue de presse"): the clips of a campaign and/or a period, chosen, grouped
and ordered for the book handed to the client, with the campaign report's figures.

This module decides *what* the book holds; ``webapp.pressbook_render`` lays it out as PDF or
DOCX. The figures of the summary are those of :func:`models.reports.campaign_report` for the
same campaign, period and status, never computed again here; the clips are those it counts
(the same :class:`~models.metrics.Selection`).

Copies of one story (a wire dispatch in several outlets, see :mod:`models.dedup`) and clips
rejected as duplicates of another make one entry: the earliest copy, with an "also in" line for
each other copy in the book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, selectinload, undefer

from .base import CoverageStatus, Medium
from .campaign import Campaign
from .coverage import Coverage, Snapshot
from .dashboard import month_by_medium, month_keys
from .metrics import PARIS, REVIEWED_STATUSES, Selection
from .reports import campaign_report
from .task import Task, TaskStatus
from .text import fold
from .valuation import ValuationRules

ORDERS = ("date", "medium", "outlet")
STATUSES = ("confirmed", "new", "rejected", "all")
FORMATS = ("pdf", "docx")
# A larger book takes minutes and gigabytes to lay out: a shorter period is the answer.
MAX_CLIPS = 2000
# Characters of the text read for the excerpt of a clip without summary.
EXCERPT_CHARACTERS = 500
UNDATED = "undated"
TASK_KIND = "pressbook"
# Scheduled press books (no owner): how many the press book page lists.
SCHEDULED_SHOWN = 12


class PressBookError(ValueError):
    """The press book cannot be built as asked (too many clips, unknown choice)."""


@dataclass(frozen=True)
class BookOptions:
    """What goes in the book and how it is ordered."""

    campaign_id: int | None = None
    date_from: date | None = None  # publication day in Paris, inclusive
    date_to: date | None = None  # inclusive
    status: str = "confirmed"  # confirmed, new, rejected, or all (every reviewed status)
    order: str = "date"  # date (sections by month), medium, or outlet
    full_text: bool = False  # the text of print and broadcast clips (reproduction rights held)
    title: str = ""  # empty: the renderer's default title

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise PressBookError(f"Unknown status {self.status!r}: choose {', '.join(STATUSES)}.")
        if self.order not in ORDERS:
            raise PressBookError(f"Unknown order {self.order!r}: choose {', '.join(ORDERS)}.")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise PressBookError("The end of the period is before its start.")

    @property
    def statuses(self) -> tuple[CoverageStatus, ...]:
        return REVIEWED_STATUSES if self.status == "all" else (CoverageStatus(self.status),)

    @property
    def report_status(self) -> CoverageStatus | None:
        """The ``status`` argument of :func:`campaign_report` for the same clips."""
        return None if self.status == "all" else CoverageStatus(self.status)

    def as_params(self) -> dict:
        """The options as JSON-able task parameters."""
        return {
            "campaign_id": self.campaign_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "status": self.status,
            "order": self.order,
            "full_text": self.full_text,
            "title": self.title,
        }

    @classmethod
    def from_params(cls, params: dict) -> BookOptions:
        day = lambda value: date.fromisoformat(value) if value else None  # noqa: E731
        return cls(
            campaign_id=params.get("campaign_id"),
            date_from=day(params.get("date_from")),
            date_to=day(params.get("date_to")),
            status=params.get("status") or "confirmed",
            order=params.get("order") or "date",
            full_text=bool(params.get("full_text")),
            title=params.get("title") or "",
        )


@dataclass
class Entry:
    """One entry of the book: a clip, and the other copies of its story in the book."""

    number: int
    clip: Coverage
    copies: list[Coverage] = field(default_factory=list)
    excerpt: str = ""  # the start of the text, for a clip without summary (not link-only)
    has_snapshot: bool = False

    @property
    def day(self) -> date | None:
        return clip_day(self.clip)

    @property
    def medium(self) -> Medium:
        return medium_of(self.clip)

    @property
    def link_only(self) -> bool:
        """A web clip is given by its link and summary, never its text."""
        return is_web(self.clip)

    @property
    def summary(self) -> str:
        """The clip's summary as plain text (feed summaries may hold HTML)."""
        return plain_text(self.clip.summary_generated or self.clip.summary or "")

    @property
    def quotes(self) -> list[dict]:
        return [q for q in self.clip.quotes or [] if isinstance(q, dict) and q.get("text")]

    @property
    def key_messages(self) -> list[str]:
        """The labels of the key messages the clip carries, each once."""
        labels = (m.get("label") for m in self.clip.key_messages or [] if isinstance(m, dict))
        return list(dict.fromkeys(str(label) for label in labels if label))


@dataclass
class Section:
    """A part of the book: a month, a medium or an outlet, by the order chosen."""

    kind: str  # month, medium or outlet
    key: str  # YYYY-MM or "undated", a medium's value, an outlet's name ("" for none)
    entries: list[Entry] = field(default_factory=list)
    number: int = 0  # place in the book, from 1

    @property
    def anchor(self) -> str:
        return f"section-{self.number}"


@dataclass
class PressBook:
    """Everything a renderer needs: the choices, the figures and the ordered entries."""

    options: BookOptions
    campaign: Campaign | None
    report: dict  # campaign_report for the same clips
    months: dict[str, dict[str, int]]  # clips by month and medium
    month_keys: list[str]
    sections: list[Section]
    period: tuple[date | None, date | None]  # as asked, else the first and last clip's day
    made_at: datetime

    @property
    def entries(self) -> list[Entry]:
        return [entry for section in self.sections for entry in section.entries]

    @property
    def clips(self) -> int:
        return sum(1 + len(entry.copies) for entry in self.entries)


def clip_day(clip: Coverage) -> date | None:
    """The clip's publication day in Paris."""
    return clip.published_at.astimezone(PARIS).date() if clip.published_at else None


def medium_of(clip: Coverage) -> Medium:
    """The clip's medium; a clip without one counts as web, as in the report's tally."""
    return clip.medium or Medium.WEB


def is_web(clip: Coverage) -> bool:
    """Web clips and partner relays (pages on the web) are given by their link only."""
    return medium_of(clip) in (Medium.WEB, Medium.PARTNER)


def plain_text(value: str) -> str:
    """Text without tags or entities, whitespace collapsed."""
    from markupsafe import Markup

    return Markup(value).striptags() if "<" in value or "&" in value else " ".join(value.split())


def excerpt(text: str, limit: int = EXCERPT_CHARACTERS) -> str:
    """The start of a text, cut at a word, with an ellipsis when cut."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def _sort_key(clip: Coverage) -> tuple:
    when = clip.published_at or clip.created_at
    return (clip.published_at is None, when, clip.id)


def _groups(clips: list[Coverage]) -> list[list[Coverage]]:
    """Group the copies of a story and a duplicate with its original; each group earliest
    first. Clips outside the book do not link two groups."""
    by_id = {clip.id: clip for clip in clips}
    parent = {clip.id: clip.id for clip in clips}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_of_story: dict[int, int] = {}
    for clip in clips:
        if clip.story_id is not None:
            join(clip.id, first_of_story.setdefault(clip.story_id, clip.id))
        if clip.duplicate_of_id in by_id:
            join(clip.id, clip.duplicate_of_id)
    groups: dict[int, list[Coverage]] = {}
    for clip in clips:
        groups.setdefault(root(clip.id), []).append(clip)
    return [sorted(group, key=_sort_key) for group in groups.values()]


def _section_key(order: str, clip: Coverage) -> str:
    if order == "medium":
        return medium_of(clip).value
    if order == "outlet":
        return clip.outlet.name if clip.outlet else ""
    day = clip_day(clip)
    return f"{day.year:04d}-{day.month:02d}" if day else UNDATED


def _section_rank(order: str, key: str) -> tuple:
    if order == "medium":
        return (list(Medium).index(Medium(key)),)
    if order == "outlet":
        return (key == "", fold(key), key)  # no outlet last
    return (key == UNDATED, key)


def book_clips(session: Session, options: BookOptions) -> list[Coverage]:
    """The clips of the book: those the campaign report counts for the same options.

    :raises PressBookError: past ``MAX_CLIPS`` clips.
    """
    selection = Selection(options.campaign_id, options.date_from, options.date_to, options.statuses)
    where = selection.where(session)
    count = session.scalar(select(func.count()).select_from(Coverage).where(*where))
    if count > MAX_CLIPS:
        raise PressBookError(
            f"{count} clips match: a press book holds {MAX_CLIPS} at most. "
            "Choose a shorter period or a sub-campaign."
        )
    heavy = (Coverage.minhash, Coverage.medium_hints, Coverage.relevance_evidence)
    query = (
        select(Coverage)
        .where(*where)
        .options(
            selectinload(Coverage.outlet),
            *(defer(column) for column in heavy),
            defer(Coverage.reach_breakdown),
            defer(Coverage.ave_breakdown),
            undefer(Coverage.text) if options.full_text else defer(Coverage.text),
        )
        .order_by(Coverage.published_at, Coverage.id)
    )
    return list(session.scalars(query))


def _excerpts(session: Session, clips: list[Coverage]) -> dict[int, str]:
    """The start of the text of the clips that need an excerpt (no summary, not web)."""
    wanted = [c.id for c in clips if not is_web(c) and not (c.summary_generated or c.summary)]
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(Coverage.id, func.substr(Coverage.text, 1, EXCERPT_CHARACTERS * 2)).where(
                Coverage.id.in_(wanted[start : start + 500])
            )
        )
        found.update({i: excerpt(text) for i, text in rows if text})
    return found


def _snapshots(session: Session, options: BookOptions) -> set[int]:
    selection = Selection(options.campaign_id, options.date_from, options.date_to, options.statuses)
    chosen = select(Coverage.id).where(*selection.where(session))
    return set(
        session.scalars(select(Snapshot.coverage_id).where(Snapshot.coverage_id.in_(chosen)))
    )


def arrange(clips: list[Coverage], order: str) -> list[Section]:
    """Group the clips into entries (copies under the earliest) and the entries into sections,
    by ``order``; entries are by date within a section, numbered through the book."""
    sections: dict[str, Section] = {}
    kind = {"date": "month", "medium": "medium", "outlet": "outlet"}[order]
    for group in _groups(clips):
        main, *copies = group
        key = _section_key(order, main)
        sections.setdefault(key, Section(kind, key)).entries.append(Entry(0, main, copies))
    ordered = sorted(sections.values(), key=lambda s: _section_rank(order, s.key))
    number = 0
    for place, section in enumerate(ordered, 1):
        section.number = place
        section.entries.sort(key=lambda entry: _sort_key(entry.clip))
        for entry in section.entries:
            number += 1
            entry.number = number
    return ordered


def build_press_book(
    session: Session,
    options: BookOptions,
    rules: ValuationRules | None = None,
    progress: Callable[[str], None] | None = None,
) -> PressBook:
    """Choose, group and order the clips of a press book; compute its figures.

    :raises PressBookError: for an unknown campaign or too many clips.
    """
    progress = progress or (lambda _stage: None)
    campaign = None
    if options.campaign_id is not None:
        campaign = session.get(Campaign, options.campaign_id)
        if campaign is None:
            raise PressBookError(f"No campaign {options.campaign_id}.")
    progress("select")
    clips = book_clips(session, options)
    progress("figures")
    report = campaign_report(
        session,
        options.campaign_id,
        options.date_from,
        options.date_to,
        options.report_status,
        rules,
    )
    selection = Selection(options.campaign_id, options.date_from, options.date_to, options.statuses)
    months = month_by_medium(session, selection)
    progress("arrange")
    sections = arrange(clips, options.order)
    excerpts = _excerpts(session, clips)
    snapshots = _snapshots(session, options)
    for section in sections:
        for entry in section.entries:
            entry.excerpt = excerpts.get(entry.clip.id, "")
            entry.has_snapshot = entry.clip.id in snapshots
    days = [d for d in (clip_day(c) for c in clips) if d]
    period = (
        options.date_from or (min(days) if days else None),
        options.date_to or (max(days) if days else None),
    )
    if period[0] and period[1]:
        keys = month_keys(period[0], period[1])
    else:
        keys = []
    keys += [key for key in months if key not in keys]  # and "undated"
    return PressBook(
        options=options,
        campaign=campaign,
        report=report,
        months=months,
        month_keys=keys,
        sections=sections,
        period=period,
        made_at=datetime.now(PARIS),
    )


def recent_press_books(session: Session, user_id: int, limit: int = 10) -> list[Task]:
    """The press books a user asked for lately, newest first."""
    return list(
        session.scalars(
            select(Task)
            .where(Task.kind == TASK_KIND, Task.user_id == user_id)
            .order_by(Task.id.desc())
            .limit(limit)
            .options(defer(Task.file_data))
        )
    )


# -- Monthly press books, built by the scheduler ------------------------------------------------


def previous_month(now: datetime) -> tuple[date, date]:
    """The first and last days of the month before ``now``'s, in Paris."""
    first_of_this = now.astimezone(PARIS).date().replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


def campaigns_for_monthly_books(session: Session, date_from: date, date_to: date) -> list[Campaign]:
    """The top-level campaigns with at least one confirmed clip (theirs or a sub-campaign's)
    published in the period, by name."""
    found = []
    for campaign in session.scalars(
        select(Campaign).where(Campaign.parent_id.is_(None)).order_by(Campaign.name, Campaign.id)
    ):
        selection = Selection(campaign.id, date_from, date_to, (CoverageStatus.CONFIRMED,))
        if session.scalar(select(Coverage.id).where(*selection.where(session)).limit(1)):
            found.append(campaign)
    return found


def is_scheduled_press_book(task: Task) -> bool:
    """Tell whether a task is a press book the scheduler built (no owner)."""
    return (
        task.kind == TASK_KIND
        and task.user_id is None
        and bool((task.params or {}).get("scheduled"))
    )


def _scheduled_tasks(session: Session):
    return session.scalars(
        select(Task)
        .where(Task.kind == TASK_KIND, Task.user_id.is_(None))
        .order_by(Task.id.desc())
        .options(defer(Task.file_data))
    )


def scheduled_press_book(session: Session, campaign_id: int, month: str) -> Task | None:
    """The scheduled book built for a campaign and a month (``YYYY-MM``), if one is done."""
    for task in _scheduled_tasks(session):
        params = task.params or {}
        if (
            task.status == TaskStatus.DONE
            and params.get("scheduled") == month
            and params.get("campaign_id") == campaign_id
        ):
            return task
    return None


def scheduled_press_books(session: Session, limit: int = SCHEDULED_SHOWN) -> list[Task]:
    """The press books the scheduler built, newest first."""
    books = []
    for task in _scheduled_tasks(session):
        if is_scheduled_press_book(task):
            books.append(task)
            if len(books) >= limit:
                break
    return books
