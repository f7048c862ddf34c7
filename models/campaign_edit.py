"""Editing a campaign by hand: checking what a person typed, saving it, and the territories.

A saved change to a campaign's key messages or territory asks for a new analysis of its clips
(``mark_campaign_stale``), as ``retombees rescore`` does. Trying a query on stored clips
before saving it is ``models.campaign_preview``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from .campaign import DEFAULT_TERRITORY, Campaign, KeyMessage, campaign_slugs, descendant_ids
from .coverage import mark_campaign_stale
from .importer import slugify
from .query import Query, QueryError, parse_query

# The gazetteers the analysis reads (nlp/components/territory.py loads the same folder): one
# ``<key>.json`` per territory; the files in sub-folders are counter-evidence, not territories.
TERRITORIES_DIR = Path(__file__).resolve().parent.parent / "nlp" / "data" / "territories"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Addresses under /campaigns/ that a campaign page must not shadow.
RESERVED_SLUGS = frozenset({"new", "preview"})
_EXCERPT = 70  # characters of a long query line shown around an error


@functools.cache
def available_territories(folder: Path = TERRITORIES_DIR) -> dict[str, str]:
    """Return the territories the analysis knows: key (a campaign's ``territory``) -> name."""
    found = {}
    for file in sorted(folder.glob("*.json")):
        try:
            name = json.loads(file.read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError, AttributeError):
            name = None  # the analysis refuses such a file: show its key, the NLP says why
        found[file.stem] = name or file.stem
    return found or {DEFAULT_TERRITORY: DEFAULT_TERRITORY}


# -- The monitoring query ------------------------------------------------------------------


@dataclass(frozen=True)
class QueryProblem:
    """Why a query cannot be used, and where: the line of the query with a caret under it."""

    reason: str  # English, as the query parser says it
    position: int  # 0-based offset in the whole query
    line: int  # 1-based
    column: int  # 1-based, in that line
    excerpt: str
    caret: str

    def as_json(self) -> dict:
        return self.__dict__.copy()


def query_problem(source: str, error: QueryError) -> QueryProblem:
    """Describe ``error`` with the line of ``source`` it is on and a caret under the spot."""
    position = max(0, min(error.position, len(source)))
    line_start = source.rfind("\n", 0, position) + 1
    line_end = source.find("\n", position)
    line = source[line_start : len(source) if line_end < 0 else line_end]
    line = line.rstrip("\r").replace("\t", " ")
    column = position - line_start  # 0-based
    excerpt, offset = line, column
    if len(line) > _EXCERPT:  # a long line: a window around the spot
        start = max(0, min(column - _EXCERPT // 2, len(line) - _EXCERPT))
        excerpt = line[start : start + _EXCERPT]
        offset = column - start
        if start:
            excerpt, offset = "…" + excerpt, offset + 1
        if start + _EXCERPT < len(line):
            excerpt += "…"
    return QueryProblem(
        reason=error.reason,
        position=position,
        line=source.count("\n", 0, position) + 1,
        column=column + 1,
        excerpt=excerpt,
        caret=" " * offset + "^",
    )


def check_query(source: str) -> tuple[Query | None, QueryProblem | None]:
    """Parse a monitoring query: the query, or what is wrong with it and where."""
    try:
        return parse_query(source), None
    except QueryError as error:
        return None, query_problem(source or "", error)


# -- Saving --------------------------------------------------------------------------------


@dataclass
class MessageRow:
    """A key message as edited: its id when it already exists, its label and phrasings."""

    id: int | None
    label: str
    phrasings: list[str] = field(default_factory=list)


@dataclass
class CampaignFields:
    """What a person sets on a campaign (an empty slug is made from the name)."""

    name: str
    slug: str = ""
    description: str = ""
    parent_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    active: bool = True
    territory: str = DEFAULT_TERRITORY
    query: str = ""  # empty: an umbrella, or a campaign fed only by hand and imports
    messages: list[MessageRow] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One thing to fix before saving: the field, a stable code and an English sentence."""

    field: str  # a CampaignFields name, or "messages-<index>" for a key message row
    code: str
    message: str
    query: QueryProblem | None = None


class CampaignEditError(ValueError):
    """The campaign cannot be saved as it is; ``problems`` lists why."""

    status = 400

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class SavedCampaign:
    campaign: Campaign
    created: bool
    reanalysed: int  # clips marked for a new analysis


def phrasings_from_text(text: str) -> list[str]:
    """Return the phrasings of a text box: one a line, blanks and repeats dropped."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        phrase = " ".join(line.split())
        if phrase:
            seen.setdefault(phrase, None)
    return list(seen)


def campaign_problems(
    session: Session, campaign: Campaign | None, fields: CampaignFields
) -> list[Problem]:
    """Return what prevents saving ``fields`` on ``campaign`` (None: a new campaign)."""
    problems: list[Problem] = []
    own_id = campaign.id if campaign is not None else None
    if not fields.name.strip():
        problems.append(Problem("name", "name_required", "The campaign needs a name."))
    slug = fields.slug.strip()
    if slug:
        if not SLUG.fullmatch(slug) or len(slug) > 100:
            message = "Use lower-case letters, digits and hyphens only (for example j-ai-10-ans)."
            problems.append(Problem("slug", "slug_invalid", message))
        elif slug in RESERVED_SLUGS:
            problems.append(Problem("slug", "slug_reserved", f'"{slug}" is reserved.'))
        elif campaign_slugs(session).get(slug, own_id) != own_id:
            message = "Another campaign already has this identifier."
            problems.append(Problem("slug", "slug_taken", message))
    problems += _parent_problems(session, own_id, fields.parent_id)
    if fields.start_date and fields.end_date and fields.end_date < fields.start_date:
        message = "The end date comes before the start date."
        problems.append(Problem("end_date", "end_before_start", message))
    current = campaign.territory if campaign is not None else None
    if fields.territory not in available_territories() and fields.territory != current:
        message = "The analysis knows no such territory."
        problems.append(Problem("territory", "territory_unknown", message))
    if fields.query.strip():
        _query, problem = check_query(fields.query)
        if problem is not None:
            problems.append(Problem("query", "query_invalid", problem.reason, problem))
    problems += _message_problems(campaign, fields.messages)
    return problems


def _parent_problems(session: Session, own_id: int | None, parent_id: int | None) -> list[Problem]:
    if parent_id is None:
        return []
    if session.get(Campaign, parent_id) is None:
        return [Problem("parent_id", "parent_unknown", "There is no such campaign.")]
    if own_id is not None and (parent_id == own_id or parent_id in descendant_ids(session, own_id)):
        message = "A campaign cannot be placed under itself or one of its sub-campaigns."
        return [Problem("parent_id", "parent_cycle", message)]
    return []


def _message_problems(campaign: Campaign | None, rows: list[MessageRow]) -> list[Problem]:
    problems = []
    own = {m.id for m in campaign.key_messages} if campaign is not None else set()
    labels: set[str] = set()
    for index, row in enumerate(rows):
        where = f"messages-{index}"
        label = " ".join(row.label.split())
        if row.id is not None and row.id not in own:
            problems.append(
                Problem(where, "message_unknown", "This message is not this campaign's.")
            )
        elif not label:
            problems.append(Problem(where, "message_label_required", "The message needs a label."))
        elif label.casefold() in labels:
            message = "Two messages have this label."
            problems.append(Problem(where, "message_duplicate", message))
        elif len(label) > 200:
            message = "The label is longer than 200 characters."
            problems.append(Problem(where, "message_label_long", message))
        labels.add(label.casefold())
    return problems


def save_campaign(
    session: Session, campaign: Campaign | None, fields: CampaignFields
) -> SavedCampaign:
    """Create (``campaign`` None) or update a campaign and its key messages.

    A person saving it clears ``needs_review``. When the key messages or the territory of an
    existing campaign change, its analysed clips are marked for a new analysis.

    :raises CampaignEditError: listing every problem, nothing changed.
    """
    problems = campaign_problems(session, campaign, fields)
    if problems:
        raise CampaignEditError(problems)
    created = campaign is None
    name = " ".join(fields.name.split())
    slug = fields.slug.strip() or _free_slug(session, name, None if created else campaign.id)
    if campaign is None:
        campaign = Campaign()
        session.add(campaign)
    before = None if created else _analysis_inputs(campaign.territory, campaign.key_messages)
    campaign.name, campaign.slug = name, slug
    campaign.description = fields.description.strip() or None
    campaign.parent_id = fields.parent_id
    campaign.start_date, campaign.end_date = fields.start_date, fields.end_date
    campaign.active = fields.active
    campaign.territory = fields.territory
    campaign.query = fields.query.strip()
    campaign.needs_review = False
    _apply_messages(campaign, fields.messages)
    session.flush()
    reanalysed = 0
    if not created and _analysis_inputs(campaign.territory, campaign.key_messages) != before:
        reanalysed = mark_campaign_stale(session, campaign.id)
    return SavedCampaign(campaign, created, reanalysed)


def _free_slug(session: Session, name: str, own_id: int | None) -> str:
    """Return a slug made from ``name`` that no other campaign has."""
    taken = {s for s, i in campaign_slugs(session).items() if i != own_id} | RESERVED_SLUGS
    base = slugify(name) or "campaign"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[:95]}-{n}"
    return slug


def _apply_messages(campaign: Campaign, rows: list[MessageRow]) -> None:
    existing = {m.id: m for m in campaign.key_messages}
    kept = []
    for row in rows:
        message = existing.get(row.id) if row.id is not None else None
        if message is None:
            message = KeyMessage()
        message.label = " ".join(row.label.split())
        message.phrasings = list(row.phrasings)
        kept.append(message)
    campaign.key_messages = kept  # the others are deleted (delete-orphan)


def _analysis_inputs(territory: str, messages: list[KeyMessage]) -> tuple:
    """What the analysis of a campaign's clips depends on (see nlp.job.clip_context)."""
    return territory, sorted((m.label, tuple(m.phrasings or ())) for m in messages)
