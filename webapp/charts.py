"""Charts drawn on the server as inline SVG: no JavaScript, no external file, same output for the
same figures.

The Content Security Policy forbids ``style=`` attributes: colours are presentation attributes
(``fill=``) and the rest is styled by classes in ``static/css/dashboard.css``. Every bar has a
``<title>`` (a tooltip, read by screen readers that enter the graphic); the chart as a whole is
an image with a title and a description, and the page shows the same figures as a table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# One colour per medium, the same on every chart (Okabe-Ito palette: told apart by colour-blind
# readers too).
MEDIUM_COLOURS = {
    "press": "#0072b2",
    "tv": "#d55e00",
    "radio": "#009e73",
    "web": "#cc79a7",
    "partner": "#e69f00",
}
BAR_COLOUR = "#1f4e8c"

WIDTH = 720
CHAR_WIDTH = 7  # average width of a 12 px character, to place legend entries and labels


@dataclass(frozen=True)
class Series:
    """One stacked layer: a key in the values, its label and its colour."""

    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class Category:
    """One bar: a key in the values, its label (in titles) and a shorter one under the axis."""

    key: str
    label: str
    short: str | None = None


def _num(x: float) -> str:
    """A coordinate with at most one decimal, the same on every run."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``maximum`` (steps of 1, 2 or 5 × 10ⁿ)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if step < 1 and maximum >= 1:
        step = 1
    ticks = [0.0]
    while ticks[-1] < maximum:
        ticks.append(round(ticks[-1] + step, 10))
    return [int(t) if float(t).is_integer() else t for t in ticks]


def _svg(
    chart_id: str, kind: str, title: str, description: str, height: float, body: list[str]
) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {_num(height)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _legend(series: Sequence[Series], y: float, left: float) -> list[str]:
    parts = ['<g class="legend">']
    x = left
    for s in series:
        parts.append(
            f'<rect class="swatch" x="{_num(x)}" y="{_num(y - 10)}" width="12" height="12" '
            f'fill="{escape(s.colour)}"/>'
            f'<text x="{_num(x + 16)}" y="{_num(y)}">{escape(s.label)}</text>'
        )
        x += 16 + len(s.label) * CHAR_WIDTH + 18
    parts.append("</g>")
    return parts


def stacked_bars(
    chart_id: str,
    title: str,
    categories: Sequence[Category],
    series: Sequence[Series],
    values: dict[str, dict[str, float]],
    number: Callable[[float], str] = str,
    description: str = "",
) -> Markup:
    """Draw one bar per category (e.g. months) stacked by series (e.g. media).

    A zero value draws nothing: there is one ``<rect class="bar">`` per non-zero pair.
    """
    left, right, top, bottom, legend_height = 56, 8, 12, 28, 28
    plot_height = 220
    height = top + plot_height + bottom + legend_height
    totals = [sum(values.get(c.key, {}).get(s.key, 0) for s in series) for c in categories]
    ticks = nice_ticks(max(totals, default=0))
    scale = plot_height / ticks[-1]
    base = top + plot_height
    body = ['<g class="axis">']
    for tick in ticks:
        y = base - tick * scale
        body.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{_num(y)}" y2="{_num(y)}"/>'
            f'<text class="tick" x="{left - 6}" y="{_num(y + 4)}" text-anchor="end">'
            f"{escape(number(tick))}</text>"
        )
    body.append("</g>")
    band = (WIDTH - left - right) / max(len(categories), 1)
    bar = band * 0.7
    every = max(1, math.ceil(len(categories) / 12))  # at most 12 labels under the axis
    body.append('<g class="bars">')
    for i, category in enumerate(categories):
        x = left + i * band + (band - bar) / 2
        y = base
        for s in series:
            value = values.get(category.key, {}).get(s.key, 0)
            if not value:
                continue
            h = value * scale
            y -= h
            body.append(
                f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(bar)}" '
                f'height="{_num(h)}" fill="{escape(s.colour)}">'
                f"<title>{escape(category.label)} · {escape(s.label)}: "
                f"{escape(number(value))}</title>"
                "</rect>"
            )
        if i % every == 0:
            body.append(
                f'<text class="category" x="{_num(x + bar / 2)}" y="{_num(base + 18)}" '
                'text-anchor="middle">'
                f"{escape(category.short or category.label)}</text>"
            )
    body.append("</g>")
    body += _legend(series, height - 8, left)
    return _svg(chart_id, "stacked", title, description, height, body)


def horizontal_bars(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float]],
    number: Callable[[float], str] = str,
    description: str = "",
    colour: str = BAR_COLOUR,
) -> Markup:
    """Draw one horizontal bar per ``(label, value)`` item, in the given order."""
    label_width, value_width, row, top = 210, 100, 26, 6
    height = top * 2 + row * max(len(items), 1)
    largest = max((value for _, value in items), default=0) or 1
    span = WIDTH - label_width - value_width
    body = ['<g class="bars">']
    for i, (label, value) in enumerate(items):
        y = top + i * row
        shown = label if len(label) <= 28 else label[:27] + "…"
        w = value / largest * span
        body.append(
            f'<text class="label" x="{label_width - 8}" y="{_num(y + 17)}" text-anchor="end">'
            f"{escape(shown)}</text>"
        )
        if value:
            body.append(
                f'<rect class="bar" x="{label_width}" y="{_num(y + 4)}" width="{_num(w)}" '
                f'height="{row - 8}" fill="{escape(colour)}">'
                f"<title>{escape(label)}: {escape(number(value))}</title></rect>"
            )
        body.append(
            f'<text class="value" x="{_num(label_width + w + 6)}" y="{_num(y + 17)}">'
            f"{escape(number(value))}</text>"
        )
    body.append("</g>")
    return _svg(chart_id, "bars", title, description, height, body)
