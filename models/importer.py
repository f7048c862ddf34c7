"""Coverage import: rows of a CSV or XLSX file from a person or a clipping service.

The file is read (:func:`read_table`), every row checked on its own (:func:`validate`), then the
valid rows are matched against what is stored and written (:func:`import_table`). The caller
owns the transaction: nothing here commits, and a dry run or a blocked import adds nothing to
the session. The columns are documented in ``docs/import.md``.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .base import CoverageOrigin, CoverageStatus, Medium, utcnow
from .campaign import Campaign
from .coverage import Coverage, CoverageCampaign
from .import_file import COLUMNS, ImportFileError, RawRow, RawTable, read_table
from .import_rows import CoverageRow, validate, validate_row
from .manual import manual_key
from .outlet import Outlet
from .registry import OutletIndex, OutletNames
from .text import fold
from .valuation import ValuationRules, apply_valuation

__all__ = [
    "COLUMNS",
    "ImportConflictError",
    "ImportFileError",
    "ImportReport",
    "RawRow",
    "RawTable",
    "RowStatus",
    "import_rows",
    "import_table",
    "read_table",
    "validate",
    "validate_row",
]


class ImportConflictError(RuntimeError):
    """Another process stored some of the same clips, outlets or campaigns during the import."""


# -- Import ---------------------------------------------------------------------------------


class RowStatus(enum.StrEnum):
    """What the import did with a row."""

    IMPORTED = "imported"
    ALREADY = "already"  # stored before, or the same clip as an earlier row of the file
    INVALID = "invalid"
    WOULD_IMPORT = "would_import"  # valid, but a dry run or invalid rows kept it out


@dataclass(frozen=True)
class ReportRow:
    """One line of the report: a row number, its outcome and the clip concerned."""

    row: int
    status: RowStatus
    message: str
    coverage_id: int | None = None

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "status": self.status.value,
            "message": self.message,
            "coverage_id": self.coverage_id,
        }


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or would do) with each row."""

    source: str
    rows: list[ReportRow]
    new_outlets: list[str]  # created for review, or to be created when nothing was written
    new_campaigns: list[str]
    ignored_columns: list[str]
    dry_run: bool
    blocked: bool  # invalid rows stopped the import (no --skip-invalid)

    def count(self, status: RowStatus) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def written(self) -> bool:
        return not (self.dry_run or self.blocked)

    def as_json(self) -> dict:
        return {
            "rows": [row.as_json() for row in self.rows],
            **{status.value: self.count(status) for status in RowStatus},
            "new_outlets": self.new_outlets,
            "new_campaigns": self.new_campaigns,
            "ignored_columns": self.ignored_columns,
            "dry_run": self.dry_run,
        }


def slugify(name: str) -> str:
    """Return a URL-safe identifier for ``name``: ``"J'ai 10 ans"`` gives ``"j-ai-10-ans"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:100].rstrip("-")


class _Matcher:
    """The outlets and campaigns that rows name, found in the database or made for review."""

    def __init__(self, session: Session, *, create: bool) -> None:
        self.session, self.create = session, create
        stored = list(session.scalars(select(Outlet).order_by(Outlet.id)))
        self.by_id = {outlet.id: outlet for outlet in stored}
        self.domains = OutletIndex(stored)  # read once for the whole file
        self.names = OutletNames(stored)
        self.campaigns: dict[str, Campaign] = {}
        self.campaign_names: dict[str, Campaign] = {}
        for campaign in session.scalars(select(Campaign).order_by(Campaign.id)):
            self.campaigns[campaign.slug] = campaign
            self.campaign_names.setdefault(fold(campaign.name), campaign)
        self.file_names: dict[str, Outlet] = {}  # names of this file not in the database
        self.new_outlets: list[Outlet] = []
        self.new_campaigns: list[Campaign] = []

    def learn_names(self, rows: Iterable[CoverageRow]) -> None:
        """Note the outlet that an unknown name gets from its URLs, for the name's other rows."""
        for row in rows:
            key = fold(row.outlet)
            if row.url and key not in self.file_names and self._known(key) is None:
                outlet = self._by_url(row.url)
                if outlet is not None:
                    self.file_names[key] = outlet

    def _known(self, key: str) -> Outlet | None:
        return self.names.find(key)

    def _by_url(self, url: str) -> Outlet | None:
        outlet_id = self.domains.find(url)
        return self.by_id.get(outlet_id) if outlet_id is not None else None

    def find_outlet(self, row: CoverageRow) -> Outlet | None:
        """Return the outlet the row names, by name, address or an earlier row of the file."""
        key = fold(row.outlet)
        outlet = self._known(key) or (self._by_url(row.url) if row.url else None)
        return outlet or self.file_names.get(key)

    def outlet(self, row: CoverageRow) -> Outlet:
        """Return the outlet the row names, made (for review) when unknown."""
        outlet = self.find_outlet(row)
        if outlet is None:
            key = fold(row.outlet)
            partner = row.medium == Medium.PARTNER
            outlet = Outlet(
                name=row.outlet,
                medium=Medium.WEB if partner else row.medium,
                is_partner=partner,
                domains=[],
                needs_review=True,
            )
            self.file_names[key] = outlet
            self.new_outlets.append(outlet)
            if self.create:
                self.session.add(outlet)
        return outlet

    def campaign(self, row: CoverageRow) -> Campaign:
        """Return the campaign the row names (slug or name), made (for review) when unknown."""
        slug = slugify(row.campaign)
        campaign = (
            self.campaigns.get(row.campaign)
            or self.campaigns.get(slug)
            or self.campaign_names.get(fold(row.campaign))
        )
        if campaign is None:
            base, n = slug or "campaign", 1
            while slug in self.campaigns or not slug:
                n += 1
                slug = f"{base[:95]}-{n}"
            campaign = Campaign(slug=slug, name=row.campaign, query="", needs_review=True)
            self.campaigns[slug] = campaign
            self.campaign_names[fold(row.campaign)] = campaign
            self.new_campaigns.append(campaign)
            if self.create:
                self.session.add(campaign)
        return campaign


def _identities(row: CoverageRow, outlet: Outlet | None) -> tuple[str, ...]:
    """Return the keys under which the row's clip may be stored; it gets the first."""
    if row.url:
        return (row.url,)
    keys = [manual_key(row.published_on, outlet.name if outlet else row.outlet, row.title)]
    # The name as written too: an outlet created by an earlier import may have been renamed.
    keys.append(manual_key(row.published_on, row.outlet, row.title))
    return tuple(dict.fromkeys(keys))


def _stored(session: Session, identities: Iterable[str]) -> dict[str, tuple[int, CoverageOrigin]]:
    """Return the id and origin of the stored clips under these URLs or manual keys."""
    wanted = list(dict.fromkeys(identities))
    found: dict[str, tuple[int, CoverageOrigin]] = {}
    for column in (Coverage.url, Coverage.manual_key):
        for start in range(0, len(wanted), 500):  # bounded IN lists
            query = select(column, Coverage.id, Coverage.origin).where(
                column.in_(wanted[start : start + 500])
            )
            found.update(
                {identity: (id_, origin) for identity, id_, origin in session.execute(query)}
            )
    return found


def _coverage(
    row: CoverageRow, identity: str, outlet: Outlet, campaign: Campaign, source: str
) -> Coverage:
    decided = row.status in (CoverageStatus.CONFIRMED, CoverageStatus.REJECTED)
    return Coverage(
        url=row.url,
        manual_key=None if row.url else identity,
        origin=CoverageOrigin.IMPORT,
        outlet=outlet,
        title=row.title,
        text=row.text,
        author=row.author,
        published_at=row.published_at,
        programme=row.programme,
        duration_s=row.duration_s,
        page_fraction=row.page_fraction,
        surface_cm2=row.surface_cm2,
        status=row.status,
        medium=row.medium,
        medium_reason="given in the import file",
        # A person or a clipping service listed it for the campaign: it is about the subject.
        relevant=None if row.status == CoverageStatus.REJECTED else True,
        reviewed_at=utcnow() if decided else None,
        note=f"imported from {source}, row {row.number}",
        campaign_links=[CoverageCampaign(campaign=campaign, hits=[])],
    )


def _describe(row: CoverageRow, outlet: Outlet) -> str:
    title = row.title if len(row.title) <= 60 else row.title[:59] + "…"
    return f'"{title}" ({outlet.name}, {row.medium}, {row.published_on.isoformat()})'


def import_table(
    session: Session,
    table: RawTable,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    rules: ValuationRules | None = None,
) -> ImportReport:
    """Import the rows of a file read by :func:`read_table`; the caller commits.

    Nothing is added to the session on a dry run, nor when a row is invalid and
    ``skip_invalid`` is false. Imported clips are valued (reach and AVE) under ``rules``.

    :raises ImportConflictError: when another process stored one of the clips meanwhile.
    """
    results = validate(table.rows)
    valid = [result.row for result in results if result.row is not None]
    blocked = len(valid) < len(results) and not skip_invalid
    write = not (dry_run or blocked)
    matcher = _Matcher(session, create=write)
    matcher.learn_names(valid)
    identities = {row.number: _identities(row, matcher.find_outlet(row)) for row in valid}
    stored = _stored(session, (key for keys in identities.values() for key in keys))
    seen: dict[str, int] = {}
    report: list[ReportRow] = []
    added: list[tuple[int, Coverage]] = []
    try:
        for result in results:
            row = result.row
            if row is None:
                report.append(ReportRow(result.number, RowStatus.INVALID, "; ".join(result.errors)))
                continue
            keys = identities[row.number]
            earlier = next((seen[key] for key in keys if key in seen), None)
            if earlier is not None:
                message = f"same clip as row {earlier}"
                report.append(ReportRow(row.number, RowStatus.ALREADY, message))
                continue
            found = next((stored[key] for key in keys if key in stored), None)
            if found is not None:
                id_, origin = found
                how = "imported" if origin == CoverageOrigin.IMPORT else f"stored ({origin})"
                message = f"already {how}: coverage {id_}"
                report.append(ReportRow(row.number, RowStatus.ALREADY, message, id_))
                continue
            seen.update(dict.fromkeys(keys, row.number))
            outlet, campaign = matcher.outlet(row), matcher.campaign(row)
            if not write:
                message = f"would be imported: {_describe(row, outlet)}"
                report.append(ReportRow(row.number, RowStatus.WOULD_IMPORT, message))
                continue
            coverage = _coverage(row, keys[0], outlet, campaign, table.source)
            session.add(coverage)
            added.append((len(report), coverage))
            report.append(ReportRow(row.number, RowStatus.IMPORTED, _describe(row, outlet)))
        session.flush()
    except IntegrityError as exc:
        raise ImportConflictError(
            "another process stored some of the same clips, outlets or campaigns meanwhile; "
            "nothing was imported: run the import again"
        ) from exc
    for index, coverage in added:
        # Imported clips skip the analysis and the review inbox: they are valued here.
        apply_valuation(session, coverage, rules)
        line = report[index]
        report[index] = replace(line, message=f"imported: {line.message}", coverage_id=coverage.id)
    return ImportReport(
        source=table.source,
        rows=report,
        new_outlets=[outlet.name for outlet in matcher.new_outlets],
        new_campaigns=[campaign.name for campaign in matcher.new_campaigns],
        ignored_columns=table.ignored_columns,
        dry_run=dry_run,
        blocked=blocked,
    )


def import_rows(
    session: Session,
    path: Path | str,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    rules: ValuationRules | None = None,
) -> ImportReport:
    """Read and import a ``.csv`` or ``.xlsx`` file of coverage rows; the caller commits.

    :raises ImportFileError: when the file cannot be imported at all.
    :raises ImportConflictError: when another process stored one of the clips meanwhile.
    """
    return import_table(
        session, read_table(path), dry_run=dry_run, skip_invalid=skip_invalid, rules=rules
    )
