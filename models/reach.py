"""Reach ("contacts potentiels") of one clip, from its outlet's audience, with its breakdown.

The registry's audience figures have different definitions (copies per issue, readers, a
programme's average audience, a station's daily reach, site visits per month or week). The
unit text says which; :func:`audience_kind` reads it, and each medium accepts the kinds that
can be turned into the audience of one clip under a documented rule (``docs/valuation.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .base import Medium

if TYPE_CHECKING:
    from .outlet import Outlet
    from .valuation import ValuationRules

# What an audience figure counts, read from its unit.
COPIES = "copies"  # print circulation per issue
READERS = "readers"  # print readership per issue
PROGRAMME = "programme"  # average audience of the programme
DAILY_REACH = "daily_reach"  # people who watched or listened to the channel in a day
WEEKLY_REACH = "weekly_reach"  # the same over a week
VISITS_MONTH = "visits_month"  # site visits (or unique visitors) per month
VISITS_WEEK = "visits_week"  # site visits per week
PERCENT = "percent"  # a share of a population, not a head count
UNKNOWN = "unknown"

ACCEPTED = {
    Medium.PRESS: (COPIES, READERS),
    Medium.TV: (PROGRAMME, DAILY_REACH, WEEKLY_REACH),
    Medium.RADIO: (PROGRAMME, DAILY_REACH, WEEKLY_REACH),
    Medium.WEB: (VISITS_MONTH, VISITS_WEEK),
}


def audience_kind(unit: str | None) -> str:
    """Say what an audience unit such as ``copies/issue - diffusion (OJD)`` counts."""
    text = (unit or "").strip().lower()
    if not text:
        return UNKNOWN
    checks = (
        (PERCENT, lambda: re.match(r"[\d.,\s]*%", text) is not None),
        (VISITS_WEEK, lambda: "visit" in text and "week" in text),
        (VISITS_MONTH, lambda: "visit" in text and "month" in text),
        (COPIES, lambda: "copies" in text or "copy" in text),
        (READERS, lambda: "reader" in text),
        (PROGRAMME, lambda: "average" in text or "quarter-hour" in text),
        (WEEKLY_REACH, lambda: "week" in text),
        (DAILY_REACH, lambda: "daily" in text or "/day" in text or "per day" in text),
    )
    return next((kind for kind, test in checks if test()), UNKNOWN)


def fmt(value: float, digits: int = 2) -> str:
    """Write a number the French way, with spaces between thousands: ``1 057 901.2``."""
    if abs(value - round(value)) < 10 ** -(digits + 3):
        return f"{round(value):,}".replace(",", " ")
    text = f"{value:,.{digits}f}".replace(",", " ")
    return text.rstrip("0").rstrip(".")


@dataclass
class Figure:
    """A computed value (or None) and how it was made: the base of a stored breakdown."""

    rule: str
    value: float | None = None
    definition: str = ""
    formula: str = ""
    inputs: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def add(
        self,
        name: str,
        value,
        unit: str,
        source: str | None,
        estimated: bool,
        **more,
    ) -> None:
        """Record one input of the computation with its source and ESTIMATED flag."""
        self.inputs.append(
            {
                "name": name,
                "value": value,
                "unit": unit,
                "source": source,
                "estimated": bool(estimated),
                **more,
            }
        )

    @property
    def estimated(self) -> bool:
        return self.value is not None and any(i["estimated"] for i in self.inputs)

    def breakdown(self) -> dict:
        """Return the JSON stored beside the value on the clip."""
        return {
            "rule": self.rule,
            "value": self.value,
            "definition": self.definition,
            "formula": self.formula,
            "inputs": self.inputs,
            "warnings": self.warnings,
            "missing": self.missing,
            "estimated": self.estimated,
            **self.extra,
        }


def _audience_input(figure: Figure, outlet: Outlet, unit: str) -> None:
    source = outlet.audience_source or "outlet registry"
    if outlet.audience_year:
        source = f"{source} ({outlet.audience_year})"
    # The registry's own wording of the unit says what was counted (diffusion, daily reach…).
    figure.add(
        "audience", outlet.audience, outlet.audience_unit or unit, source, outlet.audience_estimated
    )


def clip_reach(outlet: Outlet | None, medium: Medium, rules: ValuationRules) -> Figure:
    """Compute the potential contacts of one clip of ``outlet`` valued as ``medium``."""
    rule = {Medium.PRESS: "print", Medium.TV: "broadcast", Medium.RADIO: "broadcast"}
    figure = Figure(rule=rule.get(medium, "web"))
    if outlet is None:
        figure.missing.append("the clip's outlet")
        return figure
    kind = audience_kind(outlet.audience_unit)
    if outlet.audience is None:
        what = f" ({outlet.audience_unit})" if outlet.audience_unit else ""
        figure.missing.append(f"a head-count audience of {outlet.name} in the registry{what}")
        return figure
    if kind not in ACCEPTED[medium]:
        figure.missing.append(
            f"a {medium.value} audience of {outlet.name}: the registry gives "
            f"{fmt(outlet.audience)} {outlet.audience_unit or '(no unit)'}"
        )
        return figure
    if medium == Medium.PRESS:
        _print_reach(figure, outlet, kind)
    elif medium == Medium.WEB:
        _web_reach(figure, outlet, kind, rules)
    else:
        _broadcast_reach(figure, outlet, kind, rules)
    return figure


def _print_reach(figure: Figure, outlet: Outlet, kind: str) -> None:
    if kind == READERS:
        figure.rule, figure.definition = "print_readership", "readers of an issue"
        _audience_input(figure, outlet, "readers")
        figure.value = float(outlet.audience)
        figure.formula = f"{fmt(outlet.audience)} readers"
        return
    _audience_input(figure, outlet, "copies")
    if outlet.readers_per_copy:
        figure.rule = "print_circulation_x_readers"
        figure.definition = "readers of an issue = copies per issue × readers per copy"
        figure.add(
            "readers per copy",
            outlet.readers_per_copy,
            "readers/copy",
            "outlet registry (ratio derived from a readership survey)",
            True,
        )
        figure.value = outlet.audience * outlet.readers_per_copy
        figure.formula = (
            f"{fmt(outlet.audience)} copies × {fmt(outlet.readers_per_copy)} readers per copy"
            f" = {fmt(round(figure.value))} readers"
        )
        return
    figure.rule = "print_circulation"
    figure.definition = "copies per issue (readers per copy unknown: one contact per copy)"
    figure.value = float(outlet.audience)
    figure.formula = f"{fmt(outlet.audience)} copies (circulation, readers per copy unknown)"
    figure.warnings.append(
        f"{outlet.name}: circulation used as reach (readers per copy unknown), "
        "which undercounts readers"
    )


def _broadcast_reach(figure: Figure, outlet: Outlet, kind: str, rules: ValuationRules) -> None:
    if kind == PROGRAMME:
        figure.rule = "broadcast_programme"
        figure.definition = "average audience of the programme"
        _audience_input(figure, outlet, "people")
        figure.value = float(outlet.audience)
        figure.formula = f"{fmt(outlet.audience)} (average audience of the programme)"
        return
    share = rules.broadcast_reach_share
    share_source = (
        "valuation rule broadcast_reach_share: a passage's audience ≈ 10 % of the daily "
        "reach (registry notes, quarter-hour average vs daily reach)"
    )
    _audience_input(figure, outlet, "people")
    if kind == WEEKLY_REACH:
        figure.rule = "broadcast_weekly_reach"
        figure.definition = "audience of one passage ≈ share × (weekly reach ÷ 7)"
        daily = outlet.audience / 7
        figure.add("days per week", 7, "days", "a weekly reach spread over 7 days", True)
        figure.add("share of the daily reach", share, "ratio", share_source, True)
        figure.value = daily * share
        figure.formula = (
            f"{fmt(outlet.audience)} per week ÷ 7 × {fmt(share * 100)} %"
            f" = {fmt(round(figure.value))}"
        )
        figure.warnings.append(
            f"{outlet.name}: weekly reach of the channel, not a programme audience"
        )
        return
    figure.rule = "broadcast_daily_reach"
    figure.definition = "audience of one passage ≈ share × daily reach of the channel or station"
    figure.add("share of the daily reach", share, "ratio", share_source, True)
    figure.value = outlet.audience * share
    figure.formula = (
        f"{fmt(outlet.audience)} daily reach × {fmt(share * 100)} % = {fmt(round(figure.value))}"
    )
    figure.warnings.append(f"{outlet.name}: daily reach of the station, not a programme audience")


def _web_reach(figure: Figure, outlet: Outlet, kind: str, rules: ValuationRules) -> None:
    figure.rule = "web_visits_share"
    figure.definition = "estimated views of the article = monthly visits × share of one article"
    _audience_input(figure, outlet, "visits/week" if kind == VISITS_WEEK else "visits/month")
    monthly, formula = float(outlet.audience), f"{fmt(outlet.audience)} visits/month"
    if kind == VISITS_WEEK:
        monthly = outlet.audience * rules.weeks_per_month
        figure.add(
            "weeks per month",
            rules.weeks_per_month,
            "weeks",
            "valuation rule weeks_per_month (52 ÷ 12)",
            False,
        )
        formula = f"{fmt(outlet.audience)} visits/week × {fmt(rules.weeks_per_month)}"
    if "visitor" in (outlet.audience_unit or "").lower():
        figure.warnings.append(
            f"{outlet.name}: unique visitors taken as visits (visits are more numerous)"
        )
    share = rules.web_article_share
    figure.add(
        "share of monthly visits that view one article",
        share,
        "ratio",
        "valuation rule web_article_share (registry notes: 0.01-0.05 %)",
        True,
    )
    figure.value = float(round(monthly * share))
    figure.formula = f"{formula} × {fmt(share * 100, 4)} % = {fmt(figure.value)} views"
