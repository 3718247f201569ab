"""Server-side SVG timelines for yes/no fields (occupied, available, charging).

A line chart of 0 and 1 says little; a band does: over the window, the spans a field was
"yes" are filled, the rest left light, on the same time axis as the line charts. The share
of the window that was "yes" is written under it, so the chart reads without seeing it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from buurt.web.pages.charts import LEFT, RIGHT, WIDTH, time_axis

HEIGHT = 96
TOP, BAND = 12, 34


@dataclass(frozen=True)
class Flags:
    """The readings of one yes/no field: ``(instant, value)`` pairs in time order."""

    field: str
    points: list[tuple[datetime, bool]]

    def share(self, start: datetime, end: datetime) -> float:
        """The part of ``[start, end]`` the field was yes (each reading holds till the next)."""
        total = (end - start).total_seconds() or 1.0
        return sum((b - a).total_seconds() for a, b in self.spans(start, end)) / total

    def spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        found: list[tuple[datetime, datetime]] = []
        for (at, value), following in zip(self.points, [*self.points[1:], None], strict=True):
            if not value:
                continue
            until = following[0] if following else end
            a, b = max(at, start), min(until, end)
            if a < b:
                found.append((a, b))
        return found


def flag_series(events: Iterable[tuple[datetime, dict[str, Any]]]) -> list[Flags]:
    points: dict[str, list[tuple[datetime, bool]]] = {}
    for at, attributes in events:
        for name, value in attributes.items():
            if isinstance(value, bool):
                points.setdefault(name, []).append((at, value))
    return [Flags(name, pts) for name, pts in sorted(points.items())]


def timeline(
    flags: Flags, start: datetime, end: datetime, zone: ZoneInfo, *, label: str, yes: str
) -> Markup:
    """The SVG band of ``flags`` over ``[start, end]``; ``label`` names it, ``yes`` is the
    word for its filled spans (both in the page's language)."""
    plot_w = WIDTH - LEFT - RIGHT
    span = (end - start).total_seconds() or 1.0

    def x(at: datetime) -> float:
        share = (at - start).total_seconds() / span
        return LEFT + max(0.0, min(1.0, share)) * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="xMidYMid meet" '
        f'data-field="{escape(flags.field)}" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<rect class="band" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{BAND}"/>',
    ]
    for a, b in flags.spans(start, end):
        parts.append(
            f'<rect class="yes" x="{x(a):.1f}" y="{TOP}" width="{max(1.0, x(b) - x(a)):.1f}" '
            f'height="{BAND}"><title>{escape(yes)}</title></rect>'
        )
    parts.append(
        f'<text class="unit" x="{LEFT - 6}" y="{TOP + BAND / 2 + 4:.1f}" text-anchor="end">'
        f"{escape(yes)}</text>"
    )
    parts.append(time_axis(start, end, zone, x, TOP + BAND))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
