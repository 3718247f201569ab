"""The circle map: hexagons covering the boundary, layers on top, text for screen readers."""

from __future__ import annotations

import re

import h3

from buurt.domain.places import Boundary, Place
from buurt.web.pages import maps

SQUARE = (Place(52.355, 4.925), Place(52.370, 4.925), Place(52.370, 4.950), Place(52.355, 4.950))


def test_a_polygon_is_covered_with_small_cells() -> None:
    cells = maps.cells_of(Boundary(polygon=SQUARE))
    assert 50 < len(cells) < 400
    assert {h3.get_resolution(c) for c in cells} == {maps.RESOLUTION}
    inside = h3.latlng_to_cell(52.362, 4.938, maps.RESOLUTION)
    assert inside in cells
    assert h3.latlng_to_cell(52.40, 4.80, maps.RESOLUTION) not in cells


def test_coarser_cells_of_a_boundary_are_drawn_as_their_children() -> None:
    parent = h3.latlng_to_cell(52.362, 4.938, maps.RESOLUTION - 1)
    assert maps.cells_of(Boundary(cells=frozenset({parent}))) == set(
        h3.cell_to_children(parent, maps.RESOLUTION)
    )


def test_the_map_draws_cells_marks_shades_and_withheld_cells() -> None:
    cells = sorted(maps.cells_of(Boundary(polygon=SQUARE)))
    shown, withheld = cells[0], cells[1]
    svg = str(
        maps.hex_map(
            cells,
            title="Map of <Javaplein>",
            shade=maps.Shade({shown: 12.0}, frozenset({withheld}), "fewer than 10 people", "needs"),
            marks=[maps.Mark(Place(52.362, 4.938), "Bakery & co", "/things/x", "shop")],
            here=Place(52.36, 4.93),
        )
    )
    assert svg.count("<polygon") == len(cells)
    assert "Map of &lt;Javaplein&gt;" in svg  # text is escaped
    assert 'class="cell shade-5"' in svg
    assert "<title>needs: 12</title>" in svg
    assert 'class="cell withheld"' in svg
    assert "<title>fewer than 10 people</title>" in svg
    assert '<a href="/things/x" aria-label="Bakery &amp; co">' in svg
    assert 'class="here"' in svg
    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert view is not None
    assert int(view[1]) == maps.WIDTH
    assert int(view[2]) > 100


def test_nothing_to_draw_draws_nothing() -> None:
    assert str(maps.hex_map([], title="empty")) == ""
