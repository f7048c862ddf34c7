"""Sources: the feeds and pages the crawler collects from, with their health."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, case, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from .base import Base, SourceHealth, SourceKind, str_enum, utcnow

if TYPE_CHECKING:
    from .coverage import Coverage
    from .outlet import Outlet

# After n consecutive failures a source waits interval * 2**(n-1), capped at this.
MAX_BACKOFF = timedelta(days=1)


class Source(Base):
    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind, "source_kind"))
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"), index=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    interval_minutes: Mapped[int] = mapped_column(default=60)
    # Kind-specific settings: for a section {"allow": [regex…], "deny": [regex…], "depth": 1};
    # for a sitemap {"allow": [regex…]}.
    config: Mapped[dict] = mapped_column(default=dict)
    # HTTP validators sent back on the next fetch (conditional GET).
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    # Health, as shown on the sources page.
    health: Mapped[SourceHealth] = mapped_column(
        str_enum(SourceHealth, "source_health"), default=SourceHealth.UNKNOWN
    )
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status: Mapped[int | None]  # HTTP status of the last fetch
    warning: Mapped[str | None] = mapped_column(Text)  # e.g. a malformed but readable feed
    last_entry_count: Mapped[int | None]
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    outlet: Mapped[Outlet | None] = relationship(back_populates="sources")
    coverage: Mapped[list[Coverage]] = relationship(back_populates="source")

    def __init__(self, **fields):
        # Column defaults apply at insert; a new source behaves the same before it is saved.
        fields.setdefault("enabled", True)
        fields.setdefault("interval_minutes", 60)
        fields.setdefault("health", SourceHealth.UNKNOWN)
        fields.setdefault("consecutive_failures", 0)
        fields.setdefault("config", {})
        super().__init__(**fields)

    def record_success(
        self,
        when: datetime,
        *,
        status: int | None,
        entries: int | None,
        warning: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        not_modified: bool = False,
    ) -> None:
        """Mark a fetch that worked; a 304 keeps the previous validators and entry count."""
        self.health = SourceHealth.OK
        self.last_attempt_at = self.last_success_at = when
        self.last_status = status
        self.consecutive_failures = 0
        self.last_error = None
        if not not_modified:
            self.warning = warning
            self.last_entry_count = entries
            self.etag = etag
            self.last_modified = last_modified
        self.next_attempt_at = when + timedelta(minutes=self.interval_minutes)

    def record_failure(
        self, when: datetime, *, error: str, status: int | None, blocked: bool = False
    ) -> None:
        """Mark a failed fetch and push the next attempt back exponentially."""
        self.health = SourceHealth.BLOCKED if blocked else SourceHealth.FAILING
        self.last_attempt_at = when
        self.last_status = status
        self.last_error = error
        self.consecutive_failures += 1
        delay = timedelta(minutes=self.interval_minutes) * 2 ** (self.consecutive_failures - 1)
        self.next_attempt_at = when + min(delay, MAX_BACKOFF)

    def __repr__(self) -> str:
        return f"<Source {self.id} {self.kind} {self.url}>"


def due_sources(session: Session, now: datetime | None = None) -> list[Source]:
    """Return the enabled sources whose next attempt is due (or that were never fetched)."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Source)
            .where(
                Source.enabled, or_(Source.next_attempt_at.is_(None), Source.next_attempt_at <= now)
            )
            .order_by(Source.id)
        )
    )


SOURCES_PER_PAGE = 100


def sources_by_health(
    session: Session, limit: int | None = None, offset: int = 0, health: str | None = None
) -> list[Source]:
    """Sources failing and blocked first, then unknown, then the others, each by name; paused
    ones last. ``health`` keeps one health (``paused``: the paused sources)."""
    rank = case(
        (Source.health == SourceHealth.FAILING, 0),
        (Source.health == SourceHealth.BLOCKED, 1),
        (Source.health == SourceHealth.UNKNOWN, 2),
        else_=3,
    )
    query = (
        select(Source)
        .options(selectinload(Source.outlet))
        .order_by(Source.enabled.desc(), rank, Source.name, Source.id)
    )
    if health == "paused":
        query = query.where(Source.enabled.is_(False))
    elif health:
        query = query.where(Source.enabled.is_(True), Source.health == SourceHealth(health))
    return list(session.scalars(query.limit(limit).offset(offset)))


def source_by_url(session: Session, url: str) -> Source | None:
    """Return the source with exactly this address, if there is one."""
    return session.scalar(select(Source).where(Source.url == url.strip()))


def health_summary(session: Session) -> dict[str, int]:
    """Sources per health (paused ones apart) and in all, counted by the database."""
    counts = {health.value: 0 for health in SourceHealth}
    counts["paused"] = 0
    rows = session.execute(
        select(Source.enabled, Source.health, func.count()).group_by(Source.enabled, Source.health)
    )
    for enabled, health, count in rows:
        key = SourceHealth(health).value if enabled else "paused"
        counts[key] += count
    counts["total"] = sum(counts.values())
    return counts


def set_enabled(source: Source, enabled: bool, now: datetime | None = None) -> None:
    """Pause or resume a source; a resumed source is due at once."""
    source.enabled = enabled
    if enabled:
        source.next_attempt_at = now or utcnow()
