"""Candidate lists of a posting key: for each H3 cell around its spots, the key's spots
within a reach of the cell's centre, so that most nearest-stock queries look at a few dozen
spots taken in one gather, with no search over buckets.

A key's **lists** keep its spots side by side, cell by cell (so a list's spots lie in a few
runs of memory), each spot's rows one after another (ascending slots). A key at few spots
keeps no cells: a query looks at all of them. A larger key keeps, per cell of resolution
``RESOLUTION`` within ``_RING`` cells of one of its spots, the positions of the spots that
lie within the cell's **reach** of its centre: the angle to its ``_SPOTS``-th nearest spot
(at most ``_MOST``) plus a cell's size. A cell whose list holds more than ``_SPLIT`` spots
(a dense neighbourhood, where the cell's own size would make its list long) is given up for
its children's lists, one resolution finer, which a query looks for first.

**Why an answer from a list is the answer.** A point ``t`` from the centre of its cell's list
has every spot within ``reach - t`` of it in the list (the triangle inequality on the
sphere); a spot outside is farther than that. So a list answers a query exactly when the
query's radius is no larger, or when the last site it answers is no farther: nothing outside
can come nearer. Otherwise (or for a point with no list, or while some site is at more than
one spot) the index searches its buckets instead. The reach kept is a metre short of the one
the list was drawn with, which covers the rounding of the angles either way.

**A query** walks its list once, in compiled code (``stock_kernels``). A key that lists its
rows compares each row with the point and the query's limits, and keeps each site's matching
rows; a key that lists its spots takes the spots within the radius nearest first and looks at
their rows until enough sites match and the next spot is farther than the last of them. Either
way only the sites answered come back to Python.

A changed quantity or price is a store into the key's rows (found by binary search); a row
added, removed or moved leaves the lists stale, and the index draws them again once the key
has been asked often enough to pay for it.
"""

from __future__ import annotations

import math
from functools import lru_cache
from types import ModuleType
from typing import NamedTuple

import h3.api.basic_int as h3
import numpy as np
import numpy.typing as npt

from buurt.engine.geometry import EARTH_RADIUS_M

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Positions = npt.NDArray[np.int32]

RESOLUTION = 8  # cells of about 0.7 km², as the spots' fine cells are
FINER = RESOLUTION + 1  # the children a dense cell's list is given up for
_SMALL = 1024  # a key at at most this many spots keeps no cells: a query looks at them all
_SPOTS = 16  # a cell's list reaches this many of the key's spots around its centre
_MOST = 3000.0 / EARTH_RADIUS_M  # ... but reaches no farther than this (plus a cell)
_SPLIT = 96  # a cell whose list holds more spots is given up for its children's lists
_RING = 1  # cells this far (in cells) from one of the key's spots get a list
# How far a point of a cell may be from its centre, generously (only how useful a list is
# depends on it: what it answers is exact whatever it is).
_CELL = {r: 1.25 * h3.average_hexagon_edge_length(r, "m") / EARTH_RADIUS_M for r in (8, 9)}
_BAND = 1500.0 / EARTH_RADIUS_M  # how far around its cells a chunk first looks for spots
_MARGIN = 1.0 / EARTH_RADIUS_M
_ROWS_PER_SPOT = 4  # a key of at most this many rows per spot lists its rows
_EMPTY: Positions = np.zeros(0, np.int32)


class Answered(NamedTuple):
    """What a list answers: its sites' numbers, nearest first, their distances in metres, and
    their matching slots (ascending), site ``j``'s from ``ends[j]`` to ``ends[j + 1]`` in
    ``slots``. Sites tied at the cut are all there: ``ordered`` puts them in order."""

    sites: list[int]
    metres: list[float]
    ends: list[int]
    slots: list[int]

    def ordered(self, limit: int) -> list[int] | None:
        """The positions of the ``limit`` sites to answer, when some are at equal distances
        (ordered then by first matching slot, as the search orders them); None when the
        sites are in order as they are."""
        metres = self.metres
        if len(metres) <= limit and len(set(metres)) == len(metres):
            return None
        ends, slots = self.ends, self.slots
        return sorted(range(len(metres)), key=lambda j: (metres[j], slots[ends[j]]))[:limit]


class Lists:
    """The spots and rows of one key and, for a key at many spots, its cells' lists.

    ``spots`` holds a row per spot, ``x, y, z, start`` (where its rows start in ``rows``),
    with ``count`` (its rows) and ``site`` beside it; ``rows`` holds a row per stock row,
    ``-available, available_from, price, slot``. ``cells`` numbers the cells with a list:
    its row of ``meta`` is ``begin, end`` (its spots' positions in ``listed``), its centre
    ``x, y, z`` and its reach (radians).
    """

    __slots__ = (
        "cells", "count", "listed", "meta", "numbers", "rows", "site", "spots", "table", "where",
    )  # fmt: skip

    def __init__(self, spots: FloatArray, count: IntArray, site: IntArray, rows: FloatArray,
                 numbers: IntArray, table: FloatArray | None) -> None:  # fmt: skip
        self.spots, self.count, self.site, self.rows = spots, count, site, rows
        # A key of few rows per spot lists its rows rather than its spots: ``table`` holds
        # them side by side, ``x, y, z`` (their spot's) and ``rows`` (of which ``rows`` is
        # then a view), and their site; a query compares every row of its list at once.
        self.table = table
        # The spots' numbers in the index, ascending, and where each is in ``spots``.
        self.where = np.argsort(numbers)
        self.numbers = numbers[self.where]
        self.cells: dict[int, int] | None = None  # None: every query looks at every spot
        self.meta: FloatArray = np.zeros((0, 6))
        self.listed: Positions = _EMPTY

    def store(self, slot: int, spot: int, numbers: FloatArray) -> None:
        """Copy a row's new numbers in."""
        at = int(self.where[int(np.searchsorted(self.numbers, spot))])
        start = int(self.spots[at, 3])
        slots = self.rows[start : start + int(self.count[at]), 3]
        self.rows[start + int(np.searchsorted(slots, slot)), :3] = numbers[:3]

    def nbytes(self) -> int:
        rows = self.rows if self.table is None else self.table
        arrays = (self.spots, self.count, self.site, rows, self.numbers, self.where,
                  self.meta, self.listed)  # fmt: skip
        return sum(a.nbytes for a in arrays)


def build(
    slots: IntArray,
    spot_of: IntArray,
    numbers: FloatArray,
    xyz: FloatArray,
    fine: IntArray,
    site: IntArray,
) -> Lists:
    """The lists of a key from its rows' slots (any order): ``spot_of`` and ``numbers`` are
    the index's per slot, ``xyz``, ``fine`` and ``site`` its spots' unit vectors, cells (of
    ``RESOLUTION``) and sites; every site must be at one spot."""
    where = spot_of[slots]
    cell = fine[where]
    order = np.lexsort((slots, where, cell))
    slots, where, cell = slots[order], where[order], cell[order]
    n = len(slots)
    starts = np.flatnonzero(np.r_[True, where[1:] != where[:-1]]) if n else slots
    table = None
    if n <= _ROWS_PER_SPOT * len(starts):
        table = np.empty((n, 8))
        table[:, :3] = xyz[where]
        table[:, 7] = site[where]
        rows = table[:, 3:7]
    else:
        rows = np.empty((n, 4))
    rows[:, :3] = numbers[slots, :3]
    rows[:, 3] = slots
    spots = np.empty((len(starts), 4))
    spots[:, :3] = xyz[where[starts]]
    spots[:, 3] = starts
    count = np.diff(np.r_[starts, n])
    lists = Lists(spots, count, site[where[starts]], rows, where[starts], table)
    if len(starts) > _SMALL:
        _draw(lists, _around(cell[starts]))
    return lists


def _around(cells: IntArray) -> list[int]:
    near: set[int] = set()
    for cell in np.unique(cells).tolist():
        near.update(_disk(cell))
    return sorted(near)


@lru_cache(maxsize=65_536)
def _disk(cell: int) -> tuple[int, ...]:
    return tuple(h3.grid_disk(cell, _RING))


@lru_cache(maxsize=65_536)
def _centre(cell: int) -> tuple[float, float, float]:
    lat, lon = h3.cell_to_latlng(cell)
    p, lam = math.radians(lat), math.radians(lon)
    return (math.cos(p) * math.cos(lam), math.cos(p) * math.sin(lam), math.sin(p))


class _Sky:
    """A key's spots sorted by latitude, for finding those near a few cells."""

    def __init__(self, xyz: FloatArray) -> None:
        self.order = np.argsort(xyz[:, 2], kind="stable")
        self.xyz = xyz[self.order]
        self.lat = np.arcsin(np.clip(self.xyz[:, 2], -1.0, 1.0))
        self.lon = np.arctan2(self.xyz[:, 1], self.xyz[:, 0])

    def near(self, lat: FloatArray, lon: FloatArray, width: float) -> IntArray:
        """Positions (in this order) of a superset of the spots within ``width`` of a point
        at one of ``lat``, ``lon``: a spot that near is as near in latitude, and, at
        latitude ``φ``, within ``asin(sin(width) / cos(φ))`` in longitude."""
        width += _MARGIN
        low, high = float(lat.min()) - width, float(lat.max()) + width
        lo, hi = np.searchsorted(self.lat, (low, high))
        farthest = max(abs(low), abs(high))
        if farthest >= math.pi / 2 or width >= math.pi / 4:
            return np.arange(lo, hi)
        spread = math.asin(min(1.0, math.sin(width) / math.cos(farthest))) + _MARGIN
        west, east = float(lon.min()) - spread, float(lon.max()) + spread
        if west < -math.pi or east > math.pi or east - west > math.pi:
            return np.arange(lo, hi)  # across the antimeridian: latitudes alone
        band = self.lon[lo:hi]
        (kept,) = ((band >= west) & (band <= east)).nonzero()
        kept += lo
        return kept


def _draw(lists: Lists, cells: list[int]) -> None:
    sky = _Sky(lists.spots[:, :3])
    coarse = _lists(sky, cells, RESOLUTION)
    dense = {c for c, (_, spots) in coarse.items() if len(spots) > _SPLIT}
    children = [child for c in sorted(dense) for child in h3.cell_to_children(c, FINER)]
    drawn = {c: v for c, v in coarse.items() if c not in dense} | _lists(sky, children, FINER)
    lists.cells = {cell: i for i, cell in enumerate(drawn)}
    parts = [np.sort(sky.order[spots]) for _, spots in drawn.values()]
    listed = np.concatenate(parts) if parts else _EMPTY.astype(np.int64)
    ends = np.cumsum([len(p) for p in parts], dtype=np.int64)
    if lists.table is not None:  # each spot's rows, one after another
        count = lists.count[listed]
        up_to = np.r_[0, count.cumsum()]
        start = lists.spots[listed, 3].astype(np.int64)
        listed = np.arange(up_to[-1]) + (start - up_to[:-1]).repeat(count)
        ends = up_to[ends]
    lists.listed = listed.astype(np.int32)
    meta = lists.meta = np.empty((len(drawn), 6))
    meta[:, 0], meta[:, 1] = np.r_[0, ends[:-1]], ends
    meta[:, 2:5] = [_centre(c) for c in drawn]
    meta[:, 5] = [reach - _MARGIN for reach, _ in drawn.values()]


def _lists(sky: _Sky, cells: list[int], resolution: int) -> dict[int, tuple[float, IntArray]]:
    """Each cell's reach and its spots (positions in ``sky``), a chunk of cells (siblings)
    at a time: the spots near the chunk are found first, within ``_BAND``; a cell whose
    reach goes past that is drawn again with as much."""
    out: dict[int, tuple[float, IntArray]] = {}
    by_parent: dict[int, list[int]] = {}
    for cell in cells:  # a chunk is a cell's siblings: a few kilometres across
        by_parent.setdefault(h3.cell_to_parent(cell, resolution - 1), []).append(cell)
    for chunk in by_parent.values():
        width = _BAND
        while chunk:
            drawn = _chunk(sky, chunk, resolution, width)
            out.update((c, v) for c, v in drawn.items() if v[0] <= width)
            wider = [c for c, v in drawn.items() if v[0] > width]
            width = max((drawn[c][0] for c in wider), default=width)
            chunk = wider
    return {c: out[c] for c in cells}


def _chunk(
    sky: _Sky, cells: list[int], resolution: int, width: float
) -> dict[int, tuple[float, IntArray]]:
    centres = np.array([_centre(c) for c in cells])
    lat = np.arcsin(np.clip(centres[:, 2], -1.0, 1.0))
    lon = np.arctan2(centres[:, 1], centres[:, 0])
    near = sky.near(lat, lon, width)
    dot = centres @ sky.xyz[near].T
    nth = min(_SPOTS, len(sky.xyz)) - 1
    if dot.shape[1] > nth:
        nearest = -np.partition(-dot, nth, axis=1)[:, nth]
        reach = np.minimum(np.arccos(np.minimum(nearest, 1.0)), _MOST) + _CELL[resolution]
    else:  # too few spots near: the farthest reach, which draws them again as wide
        reach = np.full(len(cells), _MOST + _CELL[resolution])
    # A spot is listed when its dot product with the centre is at least the reach's cosine;
    # the reach kept is a margin short of it, which covers the rounding.
    which, column = (dot >= np.cos(reach)[:, None]).nonzero()
    bounds = np.searchsorted(which, np.arange(len(cells) + 1)).tolist()
    spots = near[column]
    return {
        cell: (float(reach[j]), spots[bounds[j] : bounds[j + 1]]) for j, cell in enumerate(cells)
    }


def answer(
    lists: Lists,
    lat: float,
    lon: float,
    here: tuple[float, float, float],
    radius: float,
    limit: int,
    limits: tuple[float, float, float],
) -> Answered | None:
    """The ``limit`` nearest matching sites within ``radius`` (radians) of the point
    ``here`` (a unit vector of ``lat``, ``lon``), nearest first (see ``Answered.ordered``);
    None when the point's list cannot settle it. Only while every site is at one spot."""
    cells = lists.cells
    if cells is None:
        listed = _EMPTY
        free = math.pi  # everything is here: any radius is covered
    else:
        finer = h3.latlng_to_cell(lat, lon, FINER)
        i = cells.get(finer)
        if i is None:
            i = cells.get(h3.cell_to_parent(finer, RESOLUTION))
            if i is None:
                return None
        begin, end, cx, cy, cz, reach = lists.meta[i].tolist()
        x, y, z = here
        free = reach - math.acos(min(1.0, cx * x + cy * y + cz * z))
        if free <= 0.0:
            return None
        listed = lists.listed[int(begin) : int(end)]
    # The last site answered must be no farther than ``free``, or, with fewer than ``limit``
    # sites, the whole radius must be within it: nothing outside the list can come nearer.
    cut = math.cos(free) if free < math.pi else -math.inf
    q = np.array((*here, math.cos(radius), *limits, cut))  # as stock_kernels.QUESTION
    kernels = _kernels()
    if lists.table is not None:
        take, numbers, metres = kernels.by_row(
            lists.table, listed, cells is None, q, limit, radius <= free
        )
    else:
        take, numbers, metres = kernels.by_spot(
            lists.spots, lists.count, lists.site, lists.rows, listed, cells is None, q, limit,
            radius <= free,
        )  # fmt: skip
    if take < 0:
        return None
    got = numbers.tolist()
    return Answered(got[:take], metres.tolist(), got[take : 2 * take + 1], got[2 * take + 1 :])


@lru_cache(maxsize=1)
def _kernels() -> ModuleType:
    # Imported on the first query, not with the engine: numba and the compiled kernels take
    # about a third of a second to load, which a process that never asks for stock (a CLI
    # command, an MQTT gateway) should not pay.
    from buurt.engine import stock_kernels

    return stock_kernels
