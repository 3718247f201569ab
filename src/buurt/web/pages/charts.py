"""Server-side SVG line charts: one numeric field of a thing over a time window.

The chart is plain inline SVG (no script, no external resource): a plot area with
horizontal grid lines at "nice" values (1, 2 or 5 times a power of ten), time ticks on
whole local hours of the circle's timezone (found by walking the window in quarter hours,
so daylight-saving days and half-hour offsets come out right), the unit over the value
axis, the readings as one polyline and the latest reading as a dot. Styling lives in the
page's CSS through class names, so the chart follows the page's colours.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 14, 28, 30
HOUR_STEPS = (1, 2, 3, 4, 6, 12, 24)
MAX_TIME_TICKS = 8


@dataclass(frozen=True)
class Series:
    """The readings of one field: ``(instant, value)`` pairs in time order."""

    field: str
    unit: str
    points: Sequence[tuple[datetime, float]]


def numeric_series(events: Iterable[tuple[datetime, dict[str, Any]]], unit_of: Any) -> list[Series]:
    """One series per numeric attribute (booleans and non-finite numbers left out)."""
    points: dict[str, list[tuple[datetime, float]]] = {}
    for at, attributes in events:
        for name, value in attributes.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                points.setdefault(name, []).append((at, float(value)))
    return [Series(name, unit_of(name), pts) for name, pts in sorted(points.items())]


def nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round values from at or below ``low`` to at or above ``high``, about ``most`` steps of
    1, 2 or 5 x 10^k apart."""
    if high - low < 1e-6 * max(1.0, abs(low)):  # a flat line: give it room around it
        pad = max(abs(low) * 0.1, 1.0)
        low, high = low - pad, high + pad
    raw = (high - low) / most
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    digits = max(0, 1 - math.floor(math.log10(step)))
    first = math.floor(low / step) * step
    ticks = [round(first, digits)]
    while ticks[-1] < high:
        ticks.append(round(first + step * len(ticks), digits))
    return ticks


def time_ticks(start: datetime, end: datetime, zone: ZoneInfo) -> list[datetime]:
    """Instants on whole local hours in the window, spaced so at most 8 are drawn."""
    span_hours = (end - start).total_seconds() / 3600
    step = next((h for h in HOUR_STEPS if span_hours / h <= MAX_TIME_TICKS), HOUR_STEPS[-1])
    quarter = timedelta(minutes=15)
    at = start.replace(second=0, microsecond=0)
    at += timedelta(minutes=(15 - at.minute % 15) % 15)
    ticks = []
    while at <= end:
        local = at.astimezone(zone)
        if local.minute == 0 and local.hour % step == 0 and at >= start:
            ticks.append(at)
        at += quarter
    return ticks


def format_number(value: float) -> str:
    """Short, readable numbers: 1 200, 3.5, 0.25, 12k for large ones."""
    if abs(value) >= 100_000:
        return f"{value / 1000:,.0f}k".replace(",", "\u202f")
    if value == int(value):
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def line_chart(
    series: Series,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Markup:
    """The SVG of one series over ``[start, end]``, time labels in ``zone``."""
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    values = [v for _, v in series.points] or [0.0]
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    span = (end - start).total_seconds() or 1.0

    def x(at: datetime) -> float:
        share = (at - start).total_seconds() / span
        return LEFT + max(0.0, min(1.0, share)) * plot_w

    def y(value: float) -> float:
        return TOP + plot_h - (value - low) / ((high - low) or 1.0) * plot_h

    title = f"{series.field}" + (f" ({series.unit})" if series.unit else "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMidYMid meet" data-field="{escape(series.field)}" '
        f'aria-label="{escape(title)}, last {round(span / 3600)} hours">',
        f"<title>{escape(title)}</title>",
    ]
    parts.append('<g class="grid">')
    for value in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
        )
    parts.append("</g>")
    parts.append('<g class="axis y">')
    for value in ticks:
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(format_number(value))}</text>"
        )
    if series.unit:
        parts.append(f'<text class="unit" x="{LEFT - 6}" y="{TOP - 14}" text-anchor="end">')
        parts.append(f"{escape(series.unit)}</text>")
    parts.append("</g>")
    parts.append(time_axis(start, end, zone, x, TOP + plot_h))
    points = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v in series.points)
    parts.append(f'<polyline class="line" points="{points}"/>')
    if series.points:
        last_at, last_value = series.points[-1]
        dot = f'cx="{x(last_at):.1f}" cy="{y(last_value):.1f}" r="3.5"'
        parts.append(f'<circle class="last" {dot}>')
        parts.append(f"<title>{escape(format_number(last_value))} {escape(series.unit)}</title>")
        parts.append("</circle>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def time_axis(start: datetime, end: datetime, zone: ZoneInfo, x: Any, baseline: float) -> str:
    parts = [
        '<g class="axis x">',
        f'<line x1="{LEFT}" x2="{x(end):.1f}" y1="{baseline}" y2="{baseline}"/>',
    ]
    for at in time_ticks(start, end, zone):
        local = at.astimezone(zone)
        label = local.strftime("%a") if local.hour == 0 else local.strftime("%H:%M")
        parts.append(
            f'<line x1="{x(at):.1f}" x2="{x(at):.1f}" y1="{baseline}" y2="{baseline + 4}"/>'
            f'<text x="{x(at):.1f}" y="{baseline + 17}" text-anchor="middle">{label}</text>'
        )
    parts.append("</g>")
    return "".join(parts)
