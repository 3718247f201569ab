"""Maps drawn on the server as SVG: a circle as H3 hexagons, with layers on top.

No tile server and nothing fetched at run time: the circle's boundary is covered with H3 cells
(resolution 10, about 130 m across), each drawn as a polygon in a local projection (degrees of
longitude shrunk by the cosine of the latitude, so hexagons look like hexagons), and the
layers are drawn on them:

- ``shade``: a value per cell (activity, demand), as the cell's fill in five steps; a cell
  whose value is withheld (an aggregate below the charter's minimum group size) is hatched
  and says so in its title;
- ``marks``: places (things, shops), each a labelled dot that links to its page;
- ``here``: one place to point at (the place a page links to the map for).

Every cell and mark has a ``<title>``, and ``legend`` says what the shades mean, so the map
reads with a screen reader too. The text in the SVG is at least 12 px at 375 px wide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import h3
from markupsafe import Markup, escape

from buurt.domain.places import Boundary, Place

RESOLUTION = 10
WIDTH = 640  # the drawing's own units; the SVG scales to its box
MARGIN = 8
SHADES = 5
MAX_CELLS = 4000  # a circle far larger than a neighbourhood is drawn coarser


@dataclass(frozen=True)
class Mark:
    place: Place
    label: str
    href: str | None = None
    kind: str = "thing"  # a CSS class: thing, shop, bike


@dataclass(frozen=True)
class Shade:
    """A value per cell; ``withheld`` cells are drawn hatched, with ``withheld_reason``."""

    values: Mapping[str, float]
    withheld: frozenset[str] = frozenset()
    withheld_reason: str = ""
    label: str = ""


def cells_of(boundary: Boundary, resolution: int = RESOLUTION) -> set[str]:
    """The cells that cover a circle's boundary (its own cells, at this resolution)."""
    if boundary.cells:
        found: set[str] = set()
        for cell in boundary.cells:
            own = h3.get_resolution(cell)
            if own == resolution:
                found.add(cell)
            elif own < resolution:
                found.update(h3.cell_to_children(cell, resolution))
            else:
                found.add(h3.cell_to_parent(cell, resolution))
        return found
    ring = [(p.lat, p.lon) for p in boundary.polygon]
    while True:
        cells = set(h3.polygon_to_cells(h3.LatLngPoly(ring), resolution))
        if len(cells) <= MAX_CELLS or resolution <= 6:
            return cells or {h3.latlng_to_cell(ring[0][0], ring[0][1], resolution)}
        resolution -= 1


class _Projection:
    def __init__(self, points: Iterable[tuple[float, float]]) -> None:
        lats, lons = zip(*points, strict=True)
        self.lat0 = (max(lats) + min(lats)) / 2
        self.squeeze = math.cos(math.radians(self.lat0))
        self.west, self.north = min(lons), max(lats)
        span_x = (max(lons) - min(lons)) * self.squeeze or 1e-6
        span_y = (max(lats) - min(lats)) or 1e-6
        self.scale = (WIDTH - 2 * MARGIN) / span_x
        self.height = span_y * self.scale + 2 * MARGIN

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        x = MARGIN + (lon - self.west) * self.squeeze * self.scale
        y = MARGIN + (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)


def _step(value: float, top: float) -> int:
    if top <= 0 or value <= 0:
        return 0
    return min(SHADES, 1 + int((SHADES - 1) * value / top))


def hex_map(
    cells: Iterable[str],
    *,
    title: str,
    shade: Shade | None = None,
    marks: Iterable[Mark] = (),
    here: Place | None = None,
    cell_title: str = "",
    cell_link: Callable[[str], str] | None = None,
) -> Markup:
    """The SVG of the cells with their layers; ``title`` names the map for screen readers."""
    drawn = sorted(set(cells))
    outlines = {cell: h3.cell_to_boundary(cell) for cell in drawn}
    points = [point for outline in outlines.values() for point in outline]
    marks = list(marks)
    points += [(m.place.lat, m.place.lon) for m in marks]
    if here is not None:
        points.append((here.lat, here.lon))
    if not points:
        return Markup("")
    projection = _Projection(points)
    top = max(shade.values.values(), default=0.0) if shade else 0.0
    # A map with links is a group of them; one without is a picture.
    linked = cell_link is not None or any(m.href for m in marks)
    role = "group" if linked else "img"
    parts = [
        f'<svg class="map" viewBox="0 0 {WIDTH} {projection.height:.0f}" role="{role}" '
        f'aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="map-title">{escape(title)}</title>',
        '<defs><pattern id="withheld" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="withheld-bg"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="withheld-line"/></pattern></defs>',
        '<g class="cells">',
    ]
    for cell in drawn:
        polygon = " ".join(f"{x},{y}" for x, y in (projection.xy(*p) for p in outlines[cell]))
        css, note = "cell", cell_title
        if shade is not None and cell in shade.withheld:
            css, note = "cell withheld", shade.withheld_reason
        elif shade is not None and cell in shade.values:
            value = shade.values[cell]
            css = f"cell shade-{_step(value, top)}"
            note = f"{shade.label}: {value:g}" if shade.label else f"{value:g}"
        label = f"<title>{escape(note)}</title>" if note else ""
        shape = f'<polygon class="{css}" points="{polygon}">{label}</polygon>'
        if cell_link is not None:
            shape = f'<a href="{escape(cell_link(cell))}" aria-label="{escape(note)}">{shape}</a>'
        parts.append(shape)
    parts.append('</g><g class="marks">')
    for mark in marks:
        x, y = projection.xy(mark.place.lat, mark.place.lon)
        dot = (
            f'<circle class="mark {escape(mark.kind)}" cx="{x}" cy="{y}" r="7">'
            f"<title>{escape(mark.label)}</title></circle>"
        )
        if mark.href:
            dot = f'<a href="{escape(mark.href)}" aria-label="{escape(mark.label)}">{dot}</a>'
        parts.append(dot)
    if here is not None:
        x, y = projection.xy(here.lat, here.lon)
        parts.append(
            f'<g class="here"><circle cx="{x}" cy="{y}" r="11"/><circle cx="{x}" cy="{y}" r="4"/>'
            "</g>"
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
