"""Trend lines drawn as SVG on the server: no script, no outside asset, a text alternative and a table beside.

The markup uses presentation attributes only (no ``style``), so the
Content-Security-Policy needs nothing for it. Each series has its own dash
pattern and marker besides its colour, so the lines stay apart in grey print
and for readers who do not tell the colours apart.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cooperation.yearly.trends import Trend

# Okabe–Ito colours (distinguishable with colour-vision deficiencies), with dash patterns.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442", "#999999", "#8B4513"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3", "8 3 2 3", "", "6 3"]
MARKERS = ["circle", "square", "diamond", "triangle"] * 3

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 190, 24, 48


def _svg(template: str, *args, **kwargs) -> SafeString:
    """``format_html`` with coordinates rounded to one decimal (every value escaped as usual)."""

    def rounded(value):
        return f"{value:.1f}" if isinstance(value, float) else value

    return format_html(template, *map(rounded, args), **{key: rounded(value) for key, value in kwargs.items()})


def _marker(shape: str, x: float, y: float, colour: str) -> SafeString:
    if shape == "circle":
        return _svg('<circle cx="{}" cy="{}" r="4" fill="{}"/>', x, y, colour)
    if shape == "square":
        return _svg('<rect x="{}" y="{}" width="8" height="8" fill="{}"/>', x - 4, y - 4, colour)
    if shape == "diamond":
        return _svg(
            '<polygon points="{},{} {},{} {},{} {},{}" fill="{}"/>',
            x,
            y - 5,
            x + 5,
            y,
            x,
            y + 5,
            x - 5,
            y,
            colour,
        )
    return _svg(
        '<polygon points="{},{} {},{} {},{}" fill="{}"/>',
        x,
        y - 5,
        x + 5,
        y + 4,
        x - 5,
        y + 4,
        colour,
    )


def trend_svg(trend: Trend, *, title: str, description: str, chart_id: str) -> SafeString:
    """A line chart of adoption (%, 0–100) per series over the fiscal years."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    count = len(trend.years)

    def x_at(index: int) -> float:
        return LEFT + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)

    def y_at(percent: float) -> float:
        return TOP + plot_height * (1 - percent / 100)

    parts = [
        _svg(
            '<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 {} {}" role="img" '
            'aria-labelledby="{id}-title {id}-desc" focusable="false">'
            '<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>',
            WIDTH,
            HEIGHT,
            title,
            description,
            id=chart_id,
        )
    ]
    for percent in range(0, 101, 20):
        y = y_at(percent)
        parts.append(
            _svg(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#cccccc" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#333333">{}%</text>',
                LEFT,
                y,
                LEFT + plot_width,
                y,
                LEFT - 6,
                y + 4,
                percent,
            )
        )
    for index, year in enumerate(trend.years):
        short = str(year)
        parts.append(
            _svg(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#333333">{}{}</text>',
                x_at(index),
                HEIGHT - BOTTOM + 18,
                short,
                "" if trend.closed[index] else "*",
            )
        )
    for number, series in enumerate(trend.series):
        colour = COLOURS[number % len(COLOURS)]
        dash = DASHES[number % len(DASHES)]
        points = [(x_at(i), y_at(p)) for i, p in enumerate(series.points) if p is not None]
        if len(points) > 1:
            parts.append(
                _svg(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
                    " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                    colour,
                    _svg(' stroke-dasharray="{}"', dash) if dash else "",
                )
            )
        parts.extend(_marker(MARKERS[number % len(MARKERS)], x, y, colour) for x, y in points)
        legend_y = TOP + 8 + number * 18
        legend_x = WIDTH - RIGHT + 16
        parts.append(
            _svg(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"{}/>',
                legend_x,
                legend_y,
                legend_x + 24,
                legend_y,
                colour,
                _svg(' stroke-dasharray="{}"', dash) if dash else "",
            )
        )
        parts.append(_marker(MARKERS[number % len(MARKERS)], legend_x + 12, legend_y, colour))
        parts.append(
            _svg(
                '<text x="{}" y="{}" font-size="11" fill="#333333">{}</text>',
                legend_x + 30,
                legend_y + 4,
                series.label if len(series.label) <= 14 else series.label[:13] + "…",
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def describe(trend: Trend) -> str:
    """A one-sentence text alternative: each series' first and last value."""
    pieces = []
    for series in trend.series:
        values = [(year, p) for year, p in zip(trend.years, series.points, strict=True) if p is not None]
        if values:
            (first_year, first), (last_year, last) = values[0], values[-1]
            pieces.append(f"{series.label}: {first_year} {first:.1f}% → {last_year} {last:.1f}%")
    return "; ".join(pieces)
