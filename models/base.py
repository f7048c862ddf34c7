"""Declarative base, shared column types and enumerations."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Medium(enum.StrEnum):
    """The five media of the reference tally."""

    PRESS = "press"
    TV = "tv"
    RADIO = "radio"
    WEB = "web"
    PARTNER = "partner"


class Scope(enum.StrEnum):
    LOCAL = "local"
    REGIONAL = "regional"
    NATIONAL = "national"
    SPECIALISED = "specialised"
    INTERNATIONAL = "international"


class SourceKind(enum.StrEnum):
    FEED = "feed"  # RSS or Atom feed of an outlet
    PODCAST = "podcast"  # podcast or radio feed (audio enclosures)
    VIDEO = "video"  # video channel feed (media:group, media:content)
    SITEMAP = "sitemap"  # news sitemap or sitemap index
    SECTION = "section"  # site section: start page, link patterns, depth limit
    SEARCH = "search"  # news-search or alert feed: items from many outlets


class CoverageOrigin(enum.StrEnum):
    CRAWL = "crawl"
    MANUAL = "manual"
    IMPORT = "import"


class SourceHealth(enum.StrEnum):
    UNKNOWN = "unknown"  # never fetched
    OK = "ok"
    FAILING = "failing"
    BLOCKED = "blocked"


class CoverageStatus(enum.StrEnum):
    FETCH = "fetch"  # added by address, its page not fetched yet
    PENDING = "pending"  # collected, not yet analysed
    PROCESSING = "processing"  # claimed by an NLP worker
    NEW = "new"  # analysed, awaiting review
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Tone(enum.StrEnum):
    """Tone of a clip toward the subject."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class RateKind(enum.StrEnum):
    """What a rate-card price buys."""

    PAGE = "page"  # one full printed page
    CM2 = "cm2"  # one square centimetre of print
    SPOT_30S = "spot_30s"  # a 30-second TV or radio spot
    CPM = "cpm"  # a thousand web ad impressions


class Prominence(enum.StrEnum):
    """Where the subject is mentioned in a clip."""

    TITLE = "title"
    LEAD = "lead"
    BODY = "body"


class Role(enum.StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    AGENCY = "agency"
    MANAGEMENT = "management"


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}
