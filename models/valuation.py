"""Valuation of a clip: its reach and its advertising value equivalence (AVE), with breakdowns.

AVE = what the same space or airtime would cost as advertising, at the outlet's gross rate card
valid on the clip's date: print page fraction × page price (or cm² × price per cm²), broadcast
seconds ÷ 30 × price of a 30-second spot, web estimated views × CPM ÷ 1 000. It is not the value
of communication (AMEC Barcelona Principles): reports show it beside reach, tone, message
penetration and share of voice. Every clip keeps the formula, inputs, sources, ESTIMATED flags,
warnings and what was missing (``docs/valuation.md``); a person's override wins in totals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .base import Medium, RateKind, utcnow
from .coverage import Coverage
from .metrics import PARIS, campaign_clips, locate_prominence
from .outlet import Outlet, RateCard
from .reach import Figure, clip_reach, fmt

# Settings (RETOMBEES_*) that feed each rule, by field name.
SETTING_NAMES = {
    "web_article_share": "web_article_share",
    "web_impressions_per_view": "web_impressions_per_view",
    "weeks_per_month": "weeks_per_month",
    "broadcast_reach_share": "broadcast_reach_share",
    "print_page_area_cm2": "print_page_area_cm2",
    "multiplier": "ave_multiplier",
    "rate_age_warning_years": "rate_age_warning_years",
}


def multiplier_warning(multiplier: float) -> str:
    """The warning shown wherever an AVE carries a multiplier other than 1."""
    return (
        f"AVE multiplied by {fmt(multiplier)} (editorial 'credibility' multiplier): an arbitrary "
        "factor, not a market price; the AMEC Barcelona Principles reject it"
    )


@dataclass(frozen=True)
class ValuationRules:
    """Parameters of the valuation; the defaults and their grounds are in docs/valuation.md."""

    # Share of an outlet's monthly visits that view one article: the registry notes give
    # 0.01-0.05 % for an average article and recommend 0.02 % (ESTIMATED rule).
    web_article_share: float = 0.0002
    # Display ad impressions per article view (one ad slot seen per page).
    web_impressions_per_view: float = 1.0
    # Visits per week to visits per month: 52 weeks / 12 months.
    weeks_per_month: float = 4.33
    # Audience of one TV or radio passage as a share of the channel's or station's daily reach
    # (the quarter-hour average audience is about 10 % of the daily reach, registry notes).
    broadcast_reach_share: float = 0.10
    # Printable area of a page, to turn a surface into a page fraction when the outlet has no
    # price per cm²: 34.5 × 26 cm, the only printable area found by the registry research.
    print_page_area_cm2: float = 897.0
    # No multiplier by default; any other value is carried as a warning on every AVE.
    multiplier: float = 1.0
    # Warn when the rate used is this many years older than the clip.
    rate_age_warning_years: int = 5

    def __post_init__(self) -> None:
        if not 0 < self.web_article_share <= 1:
            raise ValueError("web_article_share must be above 0 and at most 1")
        if not 0 < self.broadcast_reach_share <= 1:
            raise ValueError("broadcast_reach_share must be above 0 and at most 1")
        positive = ("web_impressions_per_view", "weeks_per_month", "print_page_area_cm2")
        for name in (*positive, "multiplier"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be a positive number")

    @classmethod
    def from_settings(cls, settings) -> ValuationRules:
        """Build the rules from the ``RETOMBEES_*`` settings; one not defined keeps its default."""
        values = {}
        for f in fields(cls):
            raw = getattr(settings, SETTING_NAMES[f.name], None)
            if raw not in (None, ""):
                values[f.name] = int(raw) if f.type in (int, "int") else float(raw)
        return cls(**values)

    @property
    def warnings(self) -> list[str]:
        return [multiplier_warning(self.multiplier)] if self.multiplier != 1 else []

    def as_json(self) -> dict:
        return asdict(self)


# -- Rates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateChoice:
    """The rate card used for a clip and how well its dates fit the clip's day."""

    card: RateCard
    fit: str  # "covers", "earlier" (expired before the day) or "later" (starts after it)
    note: str | None = None


def choose_rate(outlet: Outlet, kind: RateKind, day: date) -> RateChoice | None:
    """Pick the outlet's card of ``kind`` valid on ``day``, else the nearest one, said so."""
    cards = [c for c in outlet.rate_cards if c.kind == kind]
    if not cards:
        return None
    covering = [
        c
        for c in cards
        if (c.valid_from is None or c.valid_from <= day)
        and (c.valid_to is None or day <= c.valid_to)
    ]
    if covering:
        return RateChoice(
            max(covering, key=lambda c: (c.valid_from or date.min, c.id or 0)), "covers"
        )
    earlier = [c for c in cards if c.valid_to is not None and c.valid_to < day]
    if earlier:
        card = max(earlier, key=lambda c: c.valid_to)
        note = (
            f"no {kind} rate of {outlet.name} valid on {day}: the most recent earlier one "
            f"(valid to {card.valid_to}) is used"
        )
        return RateChoice(card, "earlier", note)
    card = min(cards, key=lambda c: c.valid_from or date.min)
    note = (
        f"no {kind} rate of {outlet.name} valid on {day}: the earliest known one "
        f"(from {card.valid_from}) is used"
    )
    return RateChoice(card, "later", note)


def rate_on(outlet: Outlet, kind: RateKind, day: date) -> RateCard | None:
    """Return the outlet's rate card of ``kind`` valid on ``day`` (the nearest one if none is)."""
    choice = choose_rate(outlet, kind, day)
    return choice.card if choice else None


def _use_rate(figure: Figure, outlet: Outlet, choice: RateChoice, day: date, rules) -> str:
    """Record the rate as an input; return its label for the formula: ``(page, 2024)``."""
    card = choice.card
    unit = {RateKind.PAGE: "EUR/page", RateKind.CM2: "EUR/cm²", RateKind.SPOT_30S: "EUR/30 s"}
    figure.add(
        f"{card.kind} price",
        card.price_eur,
        unit.get(card.kind, "EUR/1000 impressions"),
        card.source or "outlet registry",
        card.estimated,
        year=card.year,
        valid_from=card.valid_from.isoformat() if card.valid_from else None,
        valid_to=card.valid_to.isoformat() if card.valid_to else None,
        note=card.unit_note,
    )
    old = bool(card.year and day.year - card.year >= rules.rate_age_warning_years)
    figure.extra.update(rate_fit=choice.fit, rate_old=old, rate_year=card.year)
    if choice.note:
        figure.warnings.append(choice.note)
    if old:
        figure.warnings.append(
            f"{outlet.name}: the {card.kind} rate dates from {card.year}, "
            f"{day.year - card.year} years before the clip"
        )
    return f"({card.kind}, {card.year or 'undated'})"


# -- Clips ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Valuation:
    """A clip's reach and AVE (None when they cannot be computed) with their breakdowns."""

    reach: int | None
    reach_breakdown: dict
    ave_eur: float | None
    ave_breakdown: dict


def clip_day(coverage: Coverage) -> date | None:
    """Return the clip's publication day in Paris."""
    return coverage.published_at.astimezone(PARIS).date() if coverage.published_at else None


def valuation_medium(coverage: Coverage, outlet: Outlet | None) -> tuple[Medium, str | None]:
    """Return the medium whose rule values the clip, and a note when it is not the clip's."""
    medium = coverage.medium or (outlet.medium if outlet else Medium.WEB)
    if medium != Medium.PARTNER:
        return medium, None
    if outlet and outlet.medium in (Medium.PRESS, Medium.TV, Medium.RADIO):
        return outlet.medium, f"partner relay valued as {outlet.medium}, {outlet.name}'s medium"
    return Medium.WEB, "partner relay valued as web"


def clip_size(coverage: Coverage, rules: ValuationRules | None = None) -> dict:
    """Return the clip's size: page fraction and/or cm² with the pages they make, or seconds."""
    rules = rules or ValuationRules()
    size: dict = {}
    if coverage.page_fraction:
        size["pages"] = coverage.page_fraction
    if coverage.surface_cm2:
        size["cm2"] = coverage.surface_cm2
        size.setdefault("pages", round(coverage.surface_cm2 / rules.print_page_area_cm2, 3))
    if coverage.duration_s:
        size["seconds"] = coverage.duration_s
    return size


def size_label(size: dict) -> str:
    """Write a size for people: ``0.5 page``, ``300 cm² (0.334 page)``, ``1 min 35 s``."""
    parts = []
    if "cm2" in size:
        parts.append(f"{fmt(size['cm2'])} cm² ({fmt(size['pages'], 3)} page)")
    elif "pages" in size:
        parts.append(f"{fmt(size['pages'], 3)} page")
    if "seconds" in size:
        minutes, seconds = divmod(size["seconds"], 60)
        parts.append(f"{minutes} min {seconds} s" if minutes else f"{seconds} s")
    return ", ".join(parts)


def _print_ave(figure: Figure, coverage: Coverage, outlet: Outlet, day: date, rules) -> None:
    fraction, surface = coverage.page_fraction, coverage.surface_cm2
    if not fraction and not surface:
        figure.missing.append("the clip's size: page fraction or surface in cm²")
        return
    per_cm2 = choose_rate(outlet, RateKind.CM2, day) if surface else None
    if per_cm2:
        figure.rule = "print_cm2"
        figure.definition = "price of the same surface at the gross rate per cm²"
        figure.add("surface", surface, "cm²", "clip", False)
        label = _use_rate(figure, outlet, per_cm2, day, rules)
        figure.value = surface * per_cm2.card.price_eur
        figure.formula = f"{fmt(surface)} cm² × {fmt(per_cm2.card.price_eur)} €/cm² {label}"
        return
    page = choose_rate(outlet, RateKind.PAGE, day)
    if page is None:
        figure.missing.append(f"a page price (or a price per cm²) of {outlet.name}")
        return
    if fraction:
        figure.rule = "print_page_fraction"
        figure.definition = "price of the same share of a page at the gross page rate"
        figure.add("page fraction", fraction, "page", "clip", False)
        label = _use_rate(figure, outlet, page, day, rules)
        figure.value = fraction * page.card.price_eur
        figure.formula = f"{fmt(fraction, 3)} page × {fmt(page.card.price_eur)} € {label}"
        return
    figure.rule = "print_surface_as_pages"
    figure.definition = "price of the same share of a page (surface ÷ page area), gross rate"
    area = rules.print_page_area_cm2
    figure.add("surface", surface, "cm²", "clip", False)
    figure.add(
        "printable page area",
        area,
        "cm²/page",
        "valuation rule print_page_area_cm2 (a 34.5 × 26 cm page)",
        True,
    )
    label = _use_rate(figure, outlet, page, day, rules)
    pages = surface / area
    figure.value = pages * page.card.price_eur
    figure.formula = (
        f"{fmt(surface)} cm² ÷ {fmt(area)} cm²/page = {fmt(pages, 3)} page"
        f" × {fmt(page.card.price_eur)} € {label}"
    )


def _broadcast_ave(figure: Figure, coverage: Coverage, outlet: Outlet, day: date, rules) -> None:
    figure.rule = "broadcast_seconds"
    figure.definition = "price of the same airtime at the gross rate of a 30-second spot"
    if not coverage.duration_s:
        figure.missing.append("the passage's duration in seconds")
        return
    spot = choose_rate(outlet, RateKind.SPOT_30S, day)
    if spot is None:
        figure.missing.append(f"a 30-second spot price of {outlet.name}")
        return
    figure.add("duration", coverage.duration_s, "s", "clip", False)
    label = _use_rate(figure, outlet, spot, day, rules)
    figure.value = coverage.duration_s / 30 * spot.card.price_eur
    figure.formula = f"{coverage.duration_s} s ÷ 30 × {fmt(spot.card.price_eur)} € {label}"


def _web_ave(figure: Figure, reach: Figure, outlet: Outlet, day: date, rules) -> None:
    figure.rule = "web_views_x_cpm"
    figure.definition = "price of the article's estimated ad impressions at the gross CPM"
    if reach.value is None:
        figure.missing.append(f"estimated views of the article (a web audience of {outlet.name})")
        return
    cpm = choose_rate(outlet, RateKind.CPM, day)
    if cpm is None:
        figure.missing.append(f"a CPM of {outlet.name}")
        return
    per_view = rules.web_impressions_per_view
    figure.add("estimated views", reach.value, "views", "reach of the clip", reach.estimated)
    figure.add(
        "ad impressions per view",
        per_view,
        "impressions/view",
        "valuation rule web_impressions_per_view (one ad slot seen per page)",
        True,
    )
    label = _use_rate(figure, outlet, cpm, day, rules)
    figure.value = reach.value * per_view * cpm.card.price_eur / 1000
    figure.formula = (
        f"{fmt(reach.value)} views × {fmt(per_view)} impression/view"
        f" × {fmt(cpm.card.price_eur)} € CPM {label} ÷ 1 000"
    )


def value_clip(
    coverage: Coverage, outlet: Outlet | None, rules: ValuationRules | None = None
) -> Valuation:
    """Compute a clip's reach and AVE with their breakdowns; nothing is written."""
    rules = rules or ValuationRules()
    medium, note = valuation_medium(coverage, outlet)
    reach = clip_reach(outlet, medium, rules)
    ave = Figure(rule={Medium.PRESS: "print", Medium.WEB: "web"}.get(medium, "broadcast"))
    day = clip_day(coverage)
    if day is None:
        day = utcnow().astimezone(PARIS).date()
        ave.warnings.append("the clip has no date: the rate valid today is used")
    if outlet is None:
        ave.missing.append("the clip's outlet")
    elif medium == Medium.PRESS:
        _print_ave(ave, coverage, outlet, day, rules)
    elif medium == Medium.WEB:
        _web_ave(ave, reach, outlet, day, rules)
    else:
        _broadcast_ave(ave, coverage, outlet, day, rules)
    if ave.value is not None:
        if rules.multiplier != 1:
            ave.add("multiplier", rules.multiplier, "×", "valuation rule multiplier", False)
            ave.value *= rules.multiplier
            ave.formula += f" × {fmt(rules.multiplier)} (multiplier)"
            ave.warnings.append(multiplier_warning(rules.multiplier))
        ave.value = round(ave.value, 2)
        ave.formula += f" = {fmt(ave.value)} €"
    for figure in (reach, ave):
        figure.extra["medium"] = medium.value
        if note:
            figure.warnings.insert(0, note)
    ave.extra.update(size=clip_size(coverage, rules), multiplier=rules.multiplier)
    ave.extra.setdefault("rate_fit", None)
    ave.extra.setdefault("rate_old", False)
    return Valuation(
        reach=None if reach.value is None else round(reach.value),
        reach_breakdown=reach.breakdown(),
        ave_eur=ave.value,
        ave_breakdown=ave.breakdown(),
    )


def apply_valuation(
    session: Session, coverage: Coverage, rules: ValuationRules | None = None
) -> Valuation:
    """Compute and store a clip's reach and AVE; locate its prominence if nobody set it.

    A person's ``ave_override_eur`` and its reason are kept: totals use the override.
    """
    valuation = value_clip(coverage, coverage.outlet, rules)
    coverage.reach = valuation.reach
    coverage.reach_breakdown = valuation.reach_breakdown
    coverage.ave_eur = valuation.ave_eur
    coverage.ave_breakdown = valuation.ave_breakdown
    coverage.valued_at = utcnow()
    if coverage.prominence is None:
        coverage.prominence = locate_prominence(coverage)
    session.add(coverage)
    return valuation


def set_ave_override(coverage: Coverage, amount_eur: float | None, reason: str = "") -> None:
    """Set a person's AVE for the clip (it wins in totals), or clear it with ``None``.

    :raises ValueError: for a negative amount or an override without a reason.
    """
    if amount_eur is None:
        coverage.ave_override_eur = coverage.ave_override_reason = None
        return
    reason = " ".join(reason.split())
    if amount_eur < 0:
        raise ValueError("The AVE cannot be negative.")
    if not reason:
        raise ValueError("Say why the AVE is overridden.")
    coverage.ave_override_eur = round(float(amount_eur), 2)
    coverage.ave_override_reason = reason


def revalue(
    session: Session, rules: ValuationRules | None = None, campaign_id: int | None = None
) -> int:
    """Compute again the stored values of every clip (or a campaign's); return how many."""
    query = select(Coverage.id).order_by(Coverage.id)
    if campaign_id is not None:
        query = query.where(Coverage.id.in_(campaign_clips(session, campaign_id)))
    ids = list(session.scalars(query))
    for start in range(0, len(ids), 500):  # bounded IN lists and memory
        clips = session.scalars(
            select(Coverage)
            .where(Coverage.id.in_(ids[start : start + 500]))
            .options(
                selectinload(Coverage.outlet).selectinload(Outlet.rate_cards),
                selectinload(Coverage.campaign_links),
            )
        )
        for clip in clips:
            apply_valuation(session, clip, rules)
        session.flush()
    return len(ids)
