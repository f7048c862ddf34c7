"""Figures computed from coverage, shared by the dashboard, the CLI and the API.

:func:`campaign_report` is the one implementation of the campaign totals: ``retombees report
--json`` prints it and the dashboard renders it. Sums and counts are computed by the database
(GROUP BY); see ``docs/valuation.md`` for each figure's definition and limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import String, and_, case, func, select
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from .base import CoverageStatus, Medium
from .campaign import Campaign
from .coverage import Coverage, CoverageCampaign
from .metrics import (
    PARIS,
    REVIEWED_STATUSES,
    Selection,
    ave_value,
    found_first,
    message_penetration,
    prominence,
    reach_by_scope,
    share_of_voice,
    tone_index,
)
from .valuation import ValuationRules

REACH_NOTE = (
    "potential contacts, not deduplicated: the sum of each clip's audience, so a person reached "
    "by several clips is counted each time"
)
AVE_NOTE = (
    "advertising value equivalence at gross rate-card prices (before discounts); it is not the "
    "value of communication (AMEC Barcelona Principles): read it beside reach, message "
    "penetration, tone and share of voice"
)


@dataclass
class Tally:
    """Clips counted by medium, in the reference user's order (press, TV, radio, web, partner)."""

    by_medium: dict[str, int] = field(default_factory=lambda: {m.value: 0 for m in Medium})

    @property
    def total(self) -> int:
        return sum(self.by_medium.values())

    def add(self, medium: Medium | None, count: int) -> None:
        """Count clips of a medium; a clip without medium yet counts as web."""
        self.by_medium[medium.value if medium else Medium.WEB.value] += count

    def as_json(self) -> dict:
        return {"total": self.total, "by_medium": dict(self.by_medium)}


def campaign_tally(
    session: Session,
    campaign_id: int,
    status: CoverageStatus = CoverageStatus.CONFIRMED,
    relevant_only: bool = False,
) -> Tally:
    """Count a campaign's clips of one status (confirmed by default) by medium."""
    query = (
        select(Coverage.medium, func.count())
        .join(CoverageCampaign, CoverageCampaign.coverage_id == Coverage.id)
        .where(CoverageCampaign.campaign_id == campaign_id, Coverage.status == status)
        .group_by(Coverage.medium)
    )
    if relevant_only:
        query = query.where(Coverage.relevant.is_(True))
    tally = Tally()
    for medium, count in session.execute(query):
        tally.add(medium, count)
    return tally


def status_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Count a campaign's clips per status."""
    rows = session.execute(
        select(Coverage.status, func.count())
        .join(CoverageCampaign, CoverageCampaign.coverage_id == Coverage.id)
        .where(CoverageCampaign.campaign_id == campaign_id)
        .group_by(Coverage.status)
    )
    counts = {s.value: 0 for s in CoverageStatus}
    counts.update({status.value: count for status, count in rows})
    return counts


# -- Campaign report ------------------------------------------------------------------------


class utc_hour(FunctionElement):
    """``YYYY-MM-DD HH`` of a UTC timestamp: the database groups by hour, months are made in
    Paris time from the hours (Paris is a whole number of hours from UTC)."""

    type = String()
    inherit_cache = True


@compiles(utc_hour)
def _utc_hour_default(element, compiler, **kw):
    raise CompileError("monthly figures need SQLite or PostgreSQL")


# The formats are written inline, not bound: PostgreSQL must see the same expression in the
# select list and in GROUP BY.
@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    return f"strftime('%Y-%m-%d %H', {compiler.process(column, **kw)})"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    return f"to_char({compiler.process(column, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


class utc_month_or_hour(FunctionElement):
    """``YYYY-MM`` of a UTC timestamp before the 28th of its month, else ``YYYY-MM-DD HH``.

    Paris is ahead of UTC by less than a day: a moment before the 28th (UTC) is in the same
    month in Paris, and only the hours of the last days of a month can be in the next one. The
    database groups by month, and by hour on those days only: about 1,200 groups a year instead
    of 8,760 hours, with the same months.
    """

    type = String()
    inherit_cache = True


@compiles(utc_month_or_hour)
def _utc_month_or_hour_default(element, compiler, **kw):
    raise CompileError("monthly figures need SQLite or PostgreSQL")


@compiles(utc_month_or_hour, "sqlite")
def _utc_month_or_hour_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    moment = compiler.process(column, **kw)
    return (
        f"CASE WHEN strftime('%d', {moment}) < '28' THEN strftime('%Y-%m', {moment}) "
        f"ELSE strftime('%Y-%m-%d %H', {moment}) END"
    )


@compiles(utc_month_or_hour, "postgresql")
def _utc_month_or_hour_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    moment = f"({compiler.process(column, **kw)} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN extract(day FROM {moment}) < 28 THEN to_char({moment}, 'YYYY-MM') "
        f"ELSE to_char({moment}, 'YYYY-MM-DD HH24') END"
    )


def month_of(key: str | None) -> str:
    """The Paris month (``YYYY-MM``, or ``undated``) of a :class:`utc_month_or_hour` group."""
    if key is None:
        return "undated"
    if len(key) == len("YYYY-MM"):
        return key
    moment = datetime.strptime(key, "%Y-%m-%d %H").replace(tzinfo=UTC)
    return moment.astimezone(PARIS).strftime("%Y-%m")


def _money(value) -> float:
    return round(float(value or 0), 2)


def _by_medium(session: Session, where: list, rules: ValuationRules) -> dict:
    estimated_reach = case(
        (Coverage.reach_breakdown["estimated"].as_boolean(), Coverage.reach), else_=0
    )
    estimated_ave = case(
        (
            and_(
                Coverage.ave_override_eur.is_(None),
                Coverage.ave_breakdown["estimated"].as_boolean(),
            ),
            Coverage.ave_eur,
        ),
        else_=0.0,
    )
    pages = func.coalesce(Coverage.page_fraction, Coverage.surface_cm2 / rules.print_page_area_cm2)
    # The rate warnings are counted in the same pass: both read the breakdowns in the rows.
    by_rate = and_(Coverage.ave_eur.is_not(None), Coverage.ave_override_eur.is_(None))
    fit = Coverage.ave_breakdown["rate_fit"].as_string()
    old = Coverage.ave_breakdown["rate_old"].as_boolean()
    rows = session.execute(
        select(
            Coverage.medium,
            func.count().label("clips"),
            func.sum(Coverage.reach).label("reach"),
            func.sum(ave_value()).label("ave"),
            func.sum(estimated_reach).label("estimated_reach"),
            func.sum(estimated_ave).label("estimated_ave"),
            func.count(Coverage.reach).label("with_reach"),
            func.count(ave_value()).label("with_ave"),
            func.count(Coverage.ave_override_eur).label("overridden"),
            func.count(Coverage.valued_at).label("valued"),
            func.sum(pages).label("pages"),
            func.sum(Coverage.surface_cm2).label("cm2"),
            func.sum(Coverage.duration_s).label("seconds"),
            func.sum(case((and_(by_rate, fit == "later"), 1), else_=0)).label("rate_later"),
            func.sum(case((and_(by_rate, fit == "earlier"), 1), else_=0)).label("rate_earlier"),
            func.sum(case((and_(by_rate, old), 1), else_=0)).label("rate_old"),
        )
        .where(found_first(where))
        .group_by(Coverage.medium)
    )
    tally = Tally()
    media = {m.value: {"total": 0, "reach": 0, "ave_eur": 0.0} for m in Medium}
    sums = dict.fromkeys(
        (
            "reach",
            "ave",
            "estimated_reach",
            "estimated_ave",
            "with_reach",
            "with_ave",
            "overridden",
            "valued",
            "rate_later",
            "rate_earlier",
            "rate_old",
        ),
        0,
    )
    size = {"press_pages": 0.0, "press_cm2": 0.0, "tv_seconds": 0, "radio_seconds": 0}
    for row in rows:
        tally.add(row.medium, row.clips)
        key = row.medium.value if row.medium else Medium.WEB.value
        media[key]["total"] += row.clips
        media[key]["reach"] += int(row.reach or 0)
        media[key]["ave_eur"] = _money(media[key]["ave_eur"] + float(row.ave or 0))
        for name in sums:
            sums[name] += getattr(row, name) or 0
        if row.medium == Medium.PRESS:
            size["press_pages"] = round(float(row.pages or 0), 3)
            size["press_cm2"] = float(row.cm2 or 0)
        elif row.medium in (Medium.TV, Medium.RADIO):
            size[f"{row.medium.value}_seconds"] = int(row.seconds or 0)
    return {"tally": tally, "media": media, "sums": sums, "size": size}


def _by_month(session: Session, where: list) -> dict:
    group = utc_month_or_hour(Coverage.published_at)
    rows = session.execute(
        select(group, func.count(), func.sum(Coverage.reach), func.sum(ave_value()))
        .where(*where)
        .group_by(group)
    )
    months: dict[str, dict] = {}
    for key, n, reach, ave in rows:
        month = months.setdefault(month_of(key), {"total": 0, "reach": 0, "ave_eur": 0.0})
        month["total"] += n
        month["reach"] += int(reach or 0)
        month["ave_eur"] = _money(month["ave_eur"] + float(ave or 0))
    return dict(sorted(months.items()))


def _clips(n: int) -> str:
    return f"{n} clip" if n == 1 else f"{n} clips"


def _warnings(sums: dict, total: int, rules) -> list[str]:
    warnings = list(rules.warnings)
    if total - sums["valued"]:
        warnings.append(
            f"{_clips(total - sums['valued'])} not valued yet: run `retombees registry revalue`"
        )
    if total - sums["with_ave"]:
        warnings.append(
            f"{_clips(total - sums['with_ave'])} without AVE (size, rate or audience missing: "
            "see each clip's breakdown)"
        )
    if total - sums["with_reach"]:
        warnings.append(
            f"{_clips(total - sums['with_reach'])} without reach (no usable audience figure)"
        )
    # Clips valued at a rate starting after them, expired, or many years old (AVE not overridden).
    later, earlier, old = sums["rate_later"], sums["rate_earlier"], sums["rate_old"]
    if later:
        warnings.append(f"{_clips(later)} valued at a rate dated after them (the earliest known)")
    if earlier:
        warnings.append(f"{_clips(earlier)} valued at an expired rate (the latest earlier one)")
    if old:
        warnings.append(
            f"{_clips(old)} valued at a rate {rules.rate_age_warning_years} or more years older "
            "than the clip"
        )
    if sums["overridden"]:
        warnings.append(f"{sums['overridden']} AVE set by hand (the reason is kept on each clip)")
    return warnings


def _share(part: float, whole: float) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def campaign_report(
    session: Session,
    campaign_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: CoverageStatus | None = CoverageStatus.CONFIRMED,
    rules: ValuationRules | None = None,
    benchmark_ids: Sequence[int] = (),
) -> dict:
    """Compute the totals of a campaign (with its sub-campaigns) or of all coverage.

    ``status`` None means every reviewed status (new, confirmed, rejected). The stored values
    of each clip are summed; ``rules`` give the page area (print pages) and the warnings.
    """
    rules = rules or ValuationRules()
    statuses = REVIEWED_STATUSES if status is None else (CoverageStatus(status),)
    selection = Selection(campaign_id, date_from, date_to, statuses)
    where = selection.where(session)
    media = _by_medium(session, where, rules)
    tally, sums = media["tally"], media["sums"]
    tone = tone_index(session, selection)
    campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
    sov = None
    if campaign_id is not None and benchmark_ids:
        sov = share_of_voice(
            session, campaign_id, list(benchmark_ids), date_from, date_to, statuses
        )
    return {
        **tally.as_json(),
        "reach": int(sums["reach"]),
        "ave_eur": _money(sums["ave"]),
        "by_month": _by_month(session, where),
        "by_scope": reach_by_scope(session, selection),
        "message_penetration": message_penetration(session, selection),
        "tone_index": tone.pop("index"),
        "filters": {
            "campaign": campaign.slug if campaign else None,
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            "status": "all" if status is None else CoverageStatus(status).value,
        },
        "reach_note": REACH_NOTE,
        "ave_note": AVE_NOTE,
        "value_by_medium": media["media"],
        "size": media["size"],
        "valued": {
            "reach": sums["with_reach"],
            "ave": sums["with_ave"],
            "overridden": sums["overridden"],
        },
        "estimated_share": {
            "reach": _share(sums["estimated_reach"], sums["reach"]),
            "ave": _share(sums["estimated_ave"], sums["ave"]),
        },
        "tone": tone,
        "prominence": prominence(session, selection),
        "share_of_voice": sov,
        "rules": rules.as_json(),
        "warnings": _warnings(sums, tally.total, rules),
    }


def headline_figures(
    session: Session,
    campaign_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: CoverageStatus | None = CoverageStatus.CONFIRMED,
) -> dict:
    """The headline figures of :func:`campaign_report` alone (clips by medium and in all,
    reach, AVE, message penetration, tone index), equal to the report's, for a comparison with
    another period: one pass over the covering index instead of the report's full set."""
    statuses = REVIEWED_STATUSES if status is None else (CoverageStatus(status),)
    selection = Selection(campaign_id, date_from, date_to, statuses)
    tally, reach, ave = Tally(), 0, 0.0
    rows = session.execute(
        select(Coverage.medium, func.count(), func.sum(Coverage.reach), func.sum(ave_value()))
        .where(*selection.where(session))
        .group_by(Coverage.medium)
    )
    for medium, n, medium_reach, medium_ave in rows:
        tally.add(medium, n)
        reach += int(medium_reach or 0)
        ave += float(medium_ave or 0)
    return {
        **tally.as_json(),
        "reach": reach,
        "ave_eur": _money(ave),
        "message_penetration": message_penetration(session, selection),
        "tone_index": tone_index(session, selection)["index"],
    }
