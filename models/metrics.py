"""AMEC-style metrics beside the AVE: message penetration, tone, prominence, reach by scope,
share of voice. Query functions take the session first and never commit.

A :class:`Selection` says which clips count: a campaign (with its sub-campaigns, each clip
once), a period of publication days in Paris time, and review statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Select,
    case,
    distinct,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import ColumnElement, UnaryExpression

from .base import CoverageStatus, Prominence, Tone
from .campaign import Campaign, KeyMessage
from .coverage import Coverage, CoverageCampaign
from .outlet import Outlet
from .text import fold

PARIS = ZoneInfo("Europe/Paris")
# "all" in reports: the clips a person can review; clips still collected or analysed are left out.
REVIEWED_STATUSES = (CoverageStatus.NEW, CoverageStatus.CONFIRMED, CoverageStatus.REJECTED)

# Prominence: where the subject is mentioned. A title is seen by nearly everyone who meets the
# clip, a lead by most readers, the body by fewer: a reading-depth convention, not a survey.
POSITION_WEIGHTS = {Prominence.TITLE: 1.0, Prominence.LEAD: 0.6, Prominence.BODY: 0.3}
# A negative clip subtracts; a neutral mention still brings visibility, so it counts half. A
# clip whose tone is unknown counts as neutral.
TONE_WEIGHTS = {Tone.POSITIVE: 1.0, Tone.NEUTRAL: 0.5, Tone.NEGATIVE: -1.0}
LEAD_CHARACTERS = 400  # extracted text often has no paragraph breaks: the lead is capped
# Past this many clip links, SQLite reads a campaign's clips through the status and period.
MANY_CAMPAIGN_CLIPS = 10_000


def paris_start(day: date) -> datetime:
    """Return midnight of ``day`` in Paris, in UTC."""
    return datetime.combine(day, time(), tzinfo=PARIS).astimezone(UTC)


def ave_value():
    """The AVE that counts in totals: a person's override, else the computed value."""
    return func.coalesce(Coverage.ave_override_eur, Coverage.ave_eur)


def campaign_family(session: Session, campaign_id: int) -> list[int]:
    """Return the campaign's id and those of its sub-campaigns, at any depth."""
    family, frontier = [campaign_id], [campaign_id]
    while frontier:
        children = session.scalars(
            select(Campaign.id).where(Campaign.parent_id.in_(frontier)).order_by(Campaign.id)
        )
        frontier = [c for c in children if c not in family]  # a cycle stops here
        family += frontier
    return family


def campaign_clips(session: Session, campaign_id: int) -> Select:
    """Select the ids of the clips of a campaign and its sub-campaigns (use with ``in_``)."""
    family = campaign_family(session, campaign_id)
    return select(CoverageCampaign.coverage_id).where(CoverageCampaign.campaign_id.in_(family))


def _in_campaign(session: Session, campaign_id: int) -> ColumnElement[bool]:
    """The condition that a clip is in the campaign or a sub-campaign (each clip once).

    SQLite's planner assumes that ``id IN (subquery)`` lists a few ids and reads each listed clip
    by id. For a campaign of many clips, reading the range of a status and period in
    ``ix_coverage_figures`` and checking each clip against the list is much faster: there ``+id``
    keeps the planner from using the list as the way in. PostgreSQL weighs both from its
    statistics.
    """
    clips = campaign_clips(session, campaign_id)
    if session.get_bind().dialect.name == "sqlite":
        listed = select(func.count()).select_from(clips.limit(MANY_CAMPAIGN_CLIPS).subquery())
        if session.scalar(listed) >= MANY_CAMPAIGN_CLIPS:
            unindexed = UnaryExpression(
                Coverage.id, operator=operators.custom_op("+"), type_=Coverage.id.type
            )
            return unindexed.in_(clips)
    return Coverage.id.in_(clips)


def found_first(where: list) -> ColumnElement[bool]:
    """The condition "one of the clips ``where`` selects", for a query reading their rows.

    A figure that reads more than ``ix_coverage_figures`` holds (JSON breakdowns, key messages)
    finds its clips in that index first and then reads only their rows: without it,
    PostgreSQL reads the whole table when the status and period cover a large part of it.
    """
    return Coverage.id.in_(select(Coverage.id).where(*where).correlate(None))


@dataclass(frozen=True)
class Selection:
    """Which clips a figure counts."""

    campaign_id: int | None = None
    date_from: date | None = None  # publication day in Paris, inclusive
    date_to: date | None = None  # inclusive
    statuses: tuple[CoverageStatus, ...] = (CoverageStatus.CONFIRMED,)

    def where(self, session: Session, status_on_rows: bool = False) -> list:
        """Return the SQL conditions on ``Coverage`` for these clips.

        ``status_on_rows``: for a query that another index drives (the full-text index), the
        statuses are said as "none of the others", a condition no index on ``status`` can
        answer, so that it is checked on the rows read anyway. As ``IN``, PostgreSQL may combine
        the index of the statuses with the words' (``BitmapAnd``) and read it whole: a million
        entries, 120 ms, to keep the 14,000 clips that carry a name.
        """
        if status_on_rows:
            others = [status for status in CoverageStatus if status not in self.statuses]
            conditions = [Coverage.status.not_in(others)]
        else:
            conditions = [Coverage.status.in_(self.statuses)]
        if self.campaign_id is not None:
            # IN (subquery): a clip in the umbrella and in a sub-campaign counts once.
            conditions.append(_in_campaign(session, self.campaign_id))
        if self.date_from is not None:
            conditions.append(Coverage.published_at >= paris_start(self.date_from))
        if self.date_to is not None:
            conditions.append(Coverage.published_at < paris_start(self.date_to + timedelta(1)))
        return conditions


def _share(part: int | float, whole: int | float) -> float | None:
    return round(part / whole, 4) if whole else None


def _json_elements(session: Session, column) -> tuple:
    """Unnest a JSON list column: return the table of its elements and each element's label.

    The label is the ``label`` of an object element when it is a string; None for any other
    element. A value that is not a list has no elements. SQLite unnests with ``json_each``,
    PostgreSQL with ``json_array_elements``.
    """
    if session.get_bind().dialect.name == "postgresql":
        lists = case(
            (func.json_typeof(column) == "array", column), else_=literal_column("'[]'::json")
        )
        elements = func.json_array_elements(lists).table_valued("value").alias("element")
        label = case(
            (
                func.json_typeof(elements.c.value) == "object",
                case(
                    (
                        func.json_typeof(elements.c.value.op("->")("label")) == "string",
                        elements.c.value.op("->>")("label"),
                    )
                ),
            )
        )
    else:
        lists = case((func.json_type(column) == "array", column), else_=literal_column("'[]'"))
        elements = func.json_each(lists).table_valued("value", "type").alias("element")
        # Nested CASE: json_type() would fail on a string element, whose value is plain text.
        label = case(
            (
                elements.c.type == "object",
                case(
                    (
                        func.json_type(elements.c.value, "$.label") == "text",
                        func.json_extract(elements.c.value, "$.label"),
                    )
                ),
            )
        )
    return elements, label


def message_penetration(session: Session, selection: Selection) -> dict:
    """Share of the clips carrying any key message, and each key message."""
    labels: list[str] = []
    if selection.campaign_id is not None:
        family = campaign_family(session, selection.campaign_id)
        labels = list(
            session.scalars(
                select(KeyMessage.label)
                .where(KeyMessage.campaign_id.in_(family))
                .order_by(KeyMessage.id)
            )
        )
    counts = dict.fromkeys(labels, 0)
    # The labels live in a JSON list per clip: the database unnests the lists and counts each
    # label once per clip, in one statement with the number of clips and of clips with a label.
    # The chosen clips are materialised first: joined to the unnesting function directly,
    # SQLite would read the whole table instead of the status and period range.
    chosen = (
        select(Coverage.id, Coverage.key_messages)
        .where(found_first(selection.where(session)))
        .cte("chosen")
        .prefix_with("MATERIALIZED")
    )
    elements, label = _json_elements(session, chosen.c.key_messages)
    pairs = (
        select(chosen.c.id.label("clip"), label.label("label"))
        .select_from(chosen)
        .join(elements, true())
        .where(label != "")
        .distinct()
        .cte("pairs")
    )
    rows = session.execute(
        union_all(
            select(literal("label"), pairs.c.label, func.count()).group_by(pairs.c.label),
            select(literal("carrying"), null(), func.count(distinct(pairs.c.clip))),
            select(literal("total"), null(), func.count()).select_from(chosen),
        )
    )
    total = carrying = 0
    found: dict[str, int] = {}
    for kind, name, n in rows:
        if kind == "total":
            total = n
        elif kind == "carrying":
            carrying = n
        else:
            found[name] = n
    counts.update({name: found[name] for name in labels if name in found})
    counts.update({name: found[name] for name in sorted(found) if name not in counts})
    return {
        "total": total,
        "clips_with_message": carrying,
        "any": _share(carrying, total),
        "by_message": {
            label: {"clips": n, "share": _share(n, total)} for label, n in counts.items()
        },
    }


def tone_index(session: Session, selection: Selection) -> dict:
    """Count clips by tone; index = (positive - negative) / clips whose tone is known."""
    rows = session.execute(
        select(Coverage.tone, func.count()).where(*selection.where(session)).group_by(Coverage.tone)
    )
    counts = {tone.value: 0 for tone in Tone} | {"unknown": 0}
    for tone, n in rows:
        counts[tone.value if tone else "unknown"] += n
    known = counts["positive"] + counts["neutral"] + counts["negative"]
    index = (counts["positive"] - counts["negative"]) / known if known else None
    return {"index": None if index is None else round(index, 4), **counts}


def prominence(
    session: Session,
    selection: Selection,
    position_weights: dict[Prominence, float] = POSITION_WEIGHTS,
    tone_weights: dict[Tone, float] = TONE_WEIGHTS,
) -> dict:
    """Count clips by where the subject is mentioned; score = mean of position × tone weights."""
    rows = session.execute(
        select(Coverage.prominence, Coverage.tone, func.count())
        .where(*selection.where(session))
        .group_by(Coverage.prominence, Coverage.tone)
    )
    counts = {p.value: 0 for p in Prominence} | {"unknown": 0}
    weighted = placed = 0.0
    for position, tone, n in rows:
        counts[position.value if position else "unknown"] += n
        if position is not None:
            weighted += position_weights[position] * tone_weights[tone or Tone.NEUTRAL] * n
            placed += n
    return {
        **counts,
        "score": round(weighted / placed, 4) if placed else None,
        "weights": {
            "position": {p.value: w for p, w in position_weights.items()},
            "tone": {t.value: w for t, w in tone_weights.items()},
        },
    }


def reach_by_scope(session: Session, selection: Selection) -> dict:
    """Clips, reach and AVE by the scope of their outlet (local, regional, national…)."""
    rows = session.execute(
        select(Outlet.scope, func.count(), func.sum(Coverage.reach), func.sum(ave_value()))
        .select_from(Coverage)
        .outerjoin(Outlet, Coverage.outlet_id == Outlet.id)
        .where(*selection.where(session))
        .group_by(Outlet.scope)
    )
    result: dict[str, dict] = {}
    for scope, n, reach, ave in rows:
        key = scope.value if scope else "unknown"
        result[key] = {"total": n, "reach": int(reach or 0), "ave_eur": round(float(ave or 0), 2)}
    return dict(sorted(result.items()))


def share_of_voice(
    session: Session,
    campaign_id: int,
    benchmark_ids: list[int],
    date_from: date | None = None,
    date_to: date | None = None,
    statuses: tuple[CoverageStatus, ...] = (CoverageStatus.CONFIRMED,),
) -> dict:
    """Clips (and reach) of a campaign against benchmark campaigns over the same period.

    The period defaults to the campaign's own dates. A benchmark is any campaign whose
    monitoring query watches a comparable subject (another site, a competitor).
    """
    campaign = session.get(Campaign, campaign_id)
    start = date_from or (campaign.start_date if campaign else None)
    end = date_to or (campaign.end_date if campaign else None)

    def count(cid: int) -> dict:
        where = Selection(cid, start, end, statuses).where(session)
        n, reach = session.execute(
            select(func.count(), func.sum(Coverage.reach)).where(*where)
        ).one()
        other = session.get(Campaign, cid)
        return {"slug": other.slug if other else None, "clips": n, "reach": int(reach or 0)}

    own = count(campaign_id)
    others = [count(cid) for cid in benchmark_ids if cid != campaign_id]
    clips = own["clips"] + sum(o["clips"] for o in others)
    reach = own["reach"] + sum(o["reach"] for o in others)
    return {
        "period": {
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
        },
        "campaign": own,
        "benchmarks": others,
        "share": _share(own["clips"], clips),
        "share_of_reach": _share(own["reach"], reach),
    }


def subject_terms(coverage: Coverage) -> list[str]:
    """The words that put the clip in its campaigns: query hits, evidence, key-message sentences."""
    terms = [hit for link in coverage.campaign_links for hit in link.hits or []]
    terms += [e.get("term", "") for e in coverage.relevance_evidence or [] if isinstance(e, dict)]
    terms += [m.get("sentence", "") for m in coverage.key_messages or [] if isinstance(m, dict)]
    folded = (fold(str(t)) for t in terms if t)
    return list(dict.fromkeys(t for t in folded if t))


def locate_prominence(coverage: Coverage) -> Prominence | None:
    """Say whether the subject is named in the title, the lead or only the body of the clip."""
    terms = subject_terms(coverage)
    if not terms:
        return None
    text = coverage.text or coverage.summary or ""
    lead = text.strip().split("\n\n", 1)[0][:LEAD_CHARACTERS]
    for place, part in (
        (Prominence.TITLE, coverage.title),
        (Prominence.LEAD, lead),
        (Prominence.BODY, text),
    ):
        words = f" {fold(part or '')} "
        if any(f" {term} " in words for term in terms):
            return place
    return None
