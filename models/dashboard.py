"""Dashboard figures beside the campaign report: clips by month and medium, top outlets and key
messages, the campaign shown by default and the period a period is compared with.

The totals themselves come from :func:`models.reports.campaign_report`; these queries use the
same :class:`~models.metrics.Selection` so that their figures add up to the report's.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from .base import CoverageStatus, Medium
from .campaign import Campaign
from .coverage import Coverage
from .metrics import REVIEWED_STATUSES, Selection, ave_value
from .outlet import Outlet
from .reports import Tally, month_of, utc_month_or_hour

UNDATED = "undated"
# The figures compared between two periods, in the order shown; ratios compare by difference.
RATIOS = ("message_penetration", "tone_index")
COMPARED = ("total", *(m.value for m in Medium), "reach", "ave_eur", *RATIOS)


def selection(
    campaign_id: int | None,
    date_from: date | None,
    date_to: date | None,
    status: CoverageStatus | None = CoverageStatus.CONFIRMED,
) -> Selection:
    """The clips :func:`~models.reports.campaign_report` counts for the same arguments."""
    statuses = REVIEWED_STATUSES if status is None else (CoverageStatus(status),)
    return Selection(campaign_id, date_from, date_to, statuses)


def month_by_medium(session: Session, chosen: Selection) -> dict[str, dict[str, int]]:
    """Count clips by month (Paris time) and medium: ``{"YYYY-MM": {"press": n, …}}``.

    A clip without medium yet counts as web, as in the report's tally.
    """
    group = utc_month_or_hour(Coverage.published_at)
    rows = session.execute(
        select(group, Coverage.medium, func.count())
        .where(*chosen.where(session))
        .group_by(group, Coverage.medium)
    )
    months: dict[str, Tally] = {}
    for at, medium, n in rows:  # grouped as the report groups its months
        months.setdefault(month_of(at), Tally()).add(medium, n)
    return {key: months[key].by_medium for key in sorted(months)}


def month_keys(date_from: date, date_to: date) -> list[str]:
    """Every ``YYYY-MM`` from the month of ``date_from`` to that of ``date_to``."""
    keys = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def top_outlets(session: Session, chosen: Selection, limit: int = 10) -> list[dict]:
    """The outlets with the most clips (then the most reach), with their reach and AVE.

    Clips without outlet are one row whose ``name`` is None.
    """
    clips = func.count().label("clips")
    reach = func.coalesce(func.sum(Coverage.reach), 0).label("reach")
    rows = session.execute(
        select(
            Outlet.id,
            Outlet.name,
            Outlet.medium,
            Outlet.scope,
            clips,
            reach,
            func.sum(ave_value()).label("ave"),
        )
        .select_from(Coverage)
        .outerjoin(Outlet, Coverage.outlet_id == Outlet.id)
        .where(*chosen.where(session))
        .group_by(Outlet.id, Outlet.name, Outlet.medium, Outlet.scope)
        .order_by(clips.desc(), reach.desc(), func.coalesce(Outlet.name, ""), Outlet.id)
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "name": row.name,
            "medium": row.medium.value if row.medium else None,
            "scope": row.scope.value if row.scope else None,
            "clips": row.clips,
            "reach": int(row.reach or 0),
            "ave_eur": round(float(row.ave or 0), 2),
        }
        for row in rows
    ]


def top_messages(penetration: dict) -> list[dict]:
    """The key messages of a report's ``message_penetration``, most carried first."""
    ranked = sorted(
        penetration["by_message"].items(), key=lambda item: (-item[1]["clips"], item[0])
    )
    return [{"label": label, **values} for label, values in ranked]


def default_campaign(session: Session) -> Campaign | None:
    """The first active umbrella campaign (top level, with sub-campaigns), if any."""
    child = aliased(Campaign)
    return session.scalar(
        select(Campaign)
        .where(
            Campaign.active,
            Campaign.parent_id.is_(None),
            select(child.id).where(child.parent_id == Campaign.id).exists(),
        )
        .order_by(Campaign.id)
        .limit(1)
    )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The period of equal length just before ``date_from``..``date_to`` (inclusive).

    Whole calendar months are compared with as many whole months (a year with the year before,
    a quarter with the quarter before); any other period with as many days.
    """
    if date_from.day == 1 and (date_to + timedelta(1)).day == 1:
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        return _add_months(date_from, -months), date_from - timedelta(1)
    days = (date_to - date_from).days + 1
    end = date_from - timedelta(1)
    return end - timedelta(days - 1), end


def _change(current: float, previous: float) -> float | None:
    """Relative change; None when there was nothing before."""
    return round((current - previous) / previous, 4) if previous else None


def _difference(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return round(current - previous, 4)


def _figure(report: dict, key: str):
    if key in {m.value for m in Medium}:
        return report["by_medium"][key]
    if key == "message_penetration":
        return report["message_penetration"]["any"]
    return report[key]


def compare(current: dict, previous: dict) -> list[dict]:
    """Compare two reports figure by figure (see :data:`COMPARED`).

    Counts, reach and AVE change relatively (``change`` 0.12 = +12 %); the message penetration
    and the tone index, already ratios, by their difference (``difference``).
    """
    rows = []
    for key in COMPARED:
        now, before = _figure(current, key), _figure(previous, key)
        ratio = key in RATIOS
        rows.append(
            {
                "figure": key,
                "current": now,
                "previous": before,
                "change": None if ratio else _change(now, before),
                "difference": _difference(now, before) if ratio else None,
            }
        )
    return rows
