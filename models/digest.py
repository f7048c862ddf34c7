"""Mail that tells people what happened: the daily digest and the weekly summary.

- The **daily digest** goes to each active press officer with an email address, once a day at
  or after ``digest_hour`` (Paris time): the clips that came into the review inbox since their
  previous digest (the last 24 hours for a first one) and the coverage published the day before
  and confirmed.
- The **weekly summary** goes to each active management user on ``weekly_summary_day``: the
  previous week's (Monday to Sunday, Paris time) confirmed coverage by medium, its reach and
  AVE, as :func:`models.reports.campaign_report` counts them, and its top outlets and clips.

Neither is sent when there is nothing to say. :func:`queue_due_digests` puts the messages due
in the outbox (:mod:`models.mail`), each under a key that makes it unique: calling it every
minute, or again after a restart, never queues the same digest twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .base import CoverageStatus, Role
from .coverage import Coverage
from .dashboard import top_outlets
from .mail import MailMessage, MailStatus
from .mail_render import RenderedMail, mail_locale, render_mail
from .metrics import PARIS, Selection
from .outlet import Outlet
from .reports import campaign_report
from .settings import WEEKDAYS
from .urls import web_link
from .user import User
from .valuation import ValuationRules

log = logging.getLogger("retombees.digest")

DIGEST_KIND = "digest"
WEEKLY_KIND = "weekly"
DEFAULT_WINDOW = timedelta(hours=24)  # of a first digest
TOP_NEW = 10  # new clips listed in a digest (the count says how many in all)
TOP_CONFIRMED = 20  # clips confirmed yesterday listed in a digest
TOP_OUTLETS = 5  # in the weekly summary
TOP_HEADLINES = 5  # in the weekly summary


# -- Times ----------------------------------------------------------------------------------


def paris_day(now: datetime) -> date:
    """The day in Paris at ``now`` (a timezone-aware moment)."""
    return now.astimezone(PARIS).date()


def digest_time(settings) -> time:
    """The Paris time of the digests (``digest_hour``, "H:MM")."""
    hours, minutes = str(settings.digest_hour).split(":")
    return time(int(hours), int(minutes))


def is_due(settings, now: datetime) -> bool:
    """Tell whether today's digest hour (Paris) has come."""
    return now.astimezone(PARIS).time().replace(tzinfo=None) >= digest_time(settings)


def previous_week(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week before the one of ``day``."""
    monday = day - timedelta(days=day.weekday() + 7)
    return monday, monday + timedelta(days=6)


def iso_week(day: date) -> str:
    """``YYYY-Www``, the ISO week of ``day``."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(user_id: int, day: date) -> str:
    return f"{DIGEST_KIND}:{user_id}:{day.isoformat()}"


def weekly_key(user_id: int, monday: date) -> str:
    """The key of the summary of the week starting ``monday`` for one user."""
    return f"{WEEKLY_KIND}:{user_id}:{iso_week(monday)}"


# -- Content --------------------------------------------------------------------------------


def _links(settings) -> dict:
    base = (getattr(settings, "base_url", "") or "").rstrip("/")
    return {
        "base_url": base,
        "review_url": f"{base}/review/",
        "coverage_url": f"{base}/coverage/",
    }


def _organisation(settings) -> str:
    return getattr(settings, "organisation_name", "") or "Retombées"


def _clip_lines(session: Session, where: list, order: list, limit: int, links: dict) -> list:
    rows = session.execute(
        select(
            Coverage.id,
            Coverage.title,
            Coverage.url,
            Coverage.medium,
            Coverage.published_at,
            Coverage.reach,
            Outlet.name,
        )
        .outerjoin(Outlet, Coverage.outlet_id == Outlet.id)
        .where(*where)
        .order_by(*order)
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "title": (row.title or "").strip(),
            "url": web_link(row.url),  # none for an address that is not http(s)
            "medium": row.medium.value if row.medium else None,
            "published_at": row.published_at,
            "reach": row.reach,
            "outlet": row.name,
            "link": f"{links['coverage_url']}{row.id}",
        }
        for row in rows
    ]


def _count(session: Session, where: list) -> int:
    return session.scalar(select(func.count()).select_from(Coverage).where(*where)) or 0


def previous_digest_at(session: Session, user_id: int, now: datetime) -> datetime | None:
    """When the user's last digest before ``now`` was written (failed ones left aside: their
    clips never reached the user)."""
    return session.scalar(
        select(func.max(MailMessage.created_at)).where(
            MailMessage.kind == DIGEST_KIND,
            MailMessage.user_id == user_id,
            MailMessage.status != MailStatus.FAILED,
            MailMessage.created_at < now,
        )
    )


def compose_daily_digest(
    session: Session, user: User, now: datetime, settings=None
) -> RenderedMail | None:
    """The daily digest of a press officer at ``now``, or None when there is nothing to say.

    It lists the clips awaiting review that were analysed (or added) since the user's previous
    digest, or in the last 24 hours for a first one — the ``TOP_NEW`` of widest reach, with
    their number — and the clips published the day before (Paris) and confirmed.
    ``settings`` gives the language, the organisation's name and the interface's address.
    """
    since = previous_digest_at(session, user.id, now) or now - DEFAULT_WINDOW
    arrived = func.coalesce(Coverage.processed_at, Coverage.created_at)
    new_where = [Coverage.status == CoverageStatus.NEW, arrived > since, arrived <= now]
    new_count = _count(session, new_where)
    today = paris_day(now)
    yesterday = today - timedelta(days=1)
    confirmed_where = Selection(None, yesterday, yesterday, (CoverageStatus.CONFIRMED,)).where(
        session
    )
    confirmed_count = _count(session, confirmed_where)
    if not new_count and not confirmed_count:
        return None
    links = _links(settings)
    by_reach = [Coverage.reach.desc().nulls_last()]
    new_clips = _clip_lines(
        session,
        new_where,
        [*by_reach, Coverage.published_at.desc().nulls_last(), Coverage.id.desc()],
        TOP_NEW,
        links,
    )
    confirmed = _clip_lines(
        session,
        confirmed_where,
        [*by_reach, Coverage.published_at, Coverage.id],
        TOP_CONFIRMED,
        links,
    )
    awaiting = _count(session, [Coverage.status == CoverageStatus.NEW])
    data = {
        **links,
        "organisation": _organisation(settings),
        "user": {"id": user.id, "username": user.username},
        "today": today,
        "yesterday": yesterday,
        "since": since,
        "new_count": new_count,
        "new_clips": new_clips,
        "awaiting_count": awaiting,
        "confirmed_count": confirmed_count,
        "confirmed_clips": confirmed,
    }
    return render_mail("daily_digest", DIGEST_KIND, mail_locale(user, settings), data)


def compose_weekly_summary(
    session: Session, user: User, now: datetime, settings=None
) -> RenderedMail | None:
    """The summary of last week (Monday to Sunday before ``now``'s week, Paris time) for a
    management user, or None when no clip of that week is confirmed.

    Clips by medium, reach and AVE are those of :func:`models.reports.campaign_report` for all
    campaigns and the week's days.
    """
    monday, sunday = previous_week(paris_day(now))
    selection = Selection(None, monday, sunday, (CoverageStatus.CONFIRMED,))
    if not _count(session, selection.where(session)):
        return None
    rules = ValuationRules.from_settings(settings) if settings is not None else None
    report = campaign_report(session, None, monday, sunday, rules=rules)
    if not report["total"]:
        return None
    links = _links(settings)
    headlines = _clip_lines(
        session,
        selection.where(session),
        [Coverage.reach.desc().nulls_last(), Coverage.published_at, Coverage.id],
        TOP_HEADLINES,
        links,
    )
    dashboard = (
        f"{links['base_url']}/dashboard/?campaign=&from={monday.isoformat()}"
        f"&to={sunday.isoformat()}&status=confirmed"
    )
    media = [
        {"medium": medium, **values}
        for medium, values in report["value_by_medium"].items()
        if values["total"]
    ]
    data = {
        **links,
        "dashboard_url": dashboard,
        "organisation": _organisation(settings),
        "user": {"id": user.id, "username": user.username},
        "monday": monday,
        "sunday": sunday,
        "week": iso_week(monday),
        "total": report["total"],
        "by_medium": report["by_medium"],
        "media": media,
        "reach": report["reach"],
        "ave_eur": report["ave_eur"],
        "outlets": top_outlets(session, selection, TOP_OUTLETS),
        "headlines": headlines,
    }
    return render_mail("weekly_summary", WEEKLY_KIND, mail_locale(user, settings), data)


# -- Queue ----------------------------------------------------------------------------------


def _recipients(session: Session, role: Role) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(
                User.role == role,
                User.active.is_(True),
                User.email.is_not(None),
                User.email != "",
            )
            .order_by(User.id)
        )
    )


def _queued(session: Session, key: str) -> bool:
    return session.scalar(select(MailMessage.id).where(MailMessage.key == key)) is not None


def _insert(session: Session):
    """The INSERT of the database's dialect, which can skip a row whose key is taken."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def queue_mail(
    session: Session, key: str, user: User | None, to_address: str, mail: RenderedMail, now
) -> MailMessage | None:
    """Put a message in the outbox under ``key``; None when that key is already there (another
    process queued it first). The caller commits.

    One ``INSERT … ON CONFLICT DO NOTHING``: two processes queuing the same digest at once
    store it once, and the caller's transaction goes on either way.
    """
    statement = (
        _insert(session)(MailMessage)
        .values(
            key=key,
            kind=mail.kind,
            user_id=user.id if user is not None else None,
            to_address=to_address,
            subject=mail.subject[:300],
            text_body=mail.text,
            html_body=mail.html,
            status=MailStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(MailMessage.id)
    )
    message_id = session.execute(statement).scalar()
    return None if message_id is None else session.get(MailMessage, message_id)


def queue_due_digests(session: Session, settings, now: datetime) -> list[str]:
    """Queue the digests and summaries due at ``now``; return the keys queued.

    At or after ``digest_hour`` (Paris), today's digest of each active officer with an email
    address, and on ``weekly_summary_day`` the summary of last week for each active management
    user with one. Each message once: its key is ``digest:{user}:{day}`` or
    ``weekly:{user}:{ISO week summarised}``. Nothing is queued when there is nothing to say.
    The caller commits.
    """
    if not is_due(settings, now):
        return []
    today = paris_day(now)
    queued: list[str] = []
    for user in _recipients(session, Role.OFFICER):
        key = digest_key(user.id, today)
        if _queued(session, key):
            continue
        mail = compose_daily_digest(session, user, now, settings)
        if mail is not None and queue_mail(session, key, user, user.email, mail, now):
            queued.append(key)
    if WEEKDAYS[today.weekday()] == settings.weekly_summary_day:
        monday, _sunday = previous_week(today)
        for user in _recipients(session, Role.MANAGEMENT):
            key = weekly_key(user.id, monday)
            if _queued(session, key):
                continue
            mail = compose_weekly_summary(session, user, now, settings)
            if mail is None:
                break  # the same week for everyone: nothing to say to any of them
            if queue_mail(session, key, user, user.email, mail, now):
                queued.append(key)
    if queued:
        log.info("queued %d digests: %s", len(queued), ", ".join(queued))
    return queued
