"""Many circular standings turned into posting-list rows at once: covering and layout, vectorised.

``circle_rows`` is plain column work on arrays: it knows nothing of an index. Circles are
grouped by (centre cell, disk size) so one matrix product tests a whole group against the
candidate cells; rows are then sorted by posting list and each list gets a slice of a few
shared arrays (``BulkRows``). ``MatchIndex.extend`` hands the circles and their column values
here and posts the result; other standings go through ``MatchIndex.add`` one by one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import h3.api.basic_int as h3i
import numpy as np
import numpy.typing as npt

from buurt.engine.geometry import (
    EARTH_RADIUS_M,
    EDGES_PER_AREA,
    average_edge_m,
    cell_geometry,
    disk,
    disk_radius,
    res0_disk,
)
from buurt.engine.model import CircleArea, Standing
from buurt.engine.postings import (
    DEAD_KEY,
    Column,
    Value,
    dtype_of,
    prune_categories,
    sentinel,
)


@dataclass(frozen=True, slots=True)
class BulkRows:
    """New rows for many posting lists, as slices of a few shared arrays.

    List ``j`` is the posting list of (``categories[j]``, ``cells[j]``). Its slice of the
    shared arrays is ``[offsets[j], offsets[j] + capacity[j])``: ``keys`` and ``geo`` (the
    geometry rows of ``postings``) and, where ``constrained[column][j]``, ``columns[column]``
    (the other lists' rows do not constrain that column). The first ``lengths[j]`` entries of
    the slice are rows; the rest is spare room (``DEAD_KEY``, sentinels), ready for
    ``Postings.load``.

    Where each standing's rows went, for the index to remember: the rows of standing ``i``
    (key ``standing_keys[i]``) are the next ``per_standing[i]`` entries of ``row_list`` (the
    list ``j``) and ``row_rank`` (the row's place among the new rows of that list).
    """

    categories: list[str]
    cells: list[int]
    offsets: list[int]
    capacity: list[int]
    lengths: list[int]
    keys: npt.NDArray[np.int64]
    geo: npt.NDArray[np.float64]
    columns: dict[Column, npt.NDArray[Any]]
    constrained: dict[Column, list[bool]]
    standing_keys: npt.NDArray[np.int64]
    per_standing: npt.NDArray[np.int64]
    row_list: npt.NDArray[np.int64]
    row_rank: npt.NDArray[np.int64]


def _resolutions(radius: npt.NDArray[np.float64], finest: int) -> npt.NDArray[np.int64]:
    """``geometry.circle_resolution`` for many radii."""
    res = np.full(radius.shape[0], finest, dtype=np.int64)
    for r in range(finest, 0, -1):
        res[(res == r) & (2.0 * radius > EDGES_PER_AREA * average_edge_m(r))] -= 1
    return res


def _cover(
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    radius: npt.NDArray[np.float64],
    unit: npt.NDArray[np.float64],
    resolution: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(circle, cell, cell centre) for every cell of every circle's cover."""
    n = lat.shape[0]
    if resolution == 0:
        centres = np.zeros(n, dtype=np.int64)
        sizes = np.zeros(n, dtype=np.int64)
    else:
        centres = np.fromiter(
            (h3i.latlng_to_cell(a, b, resolution) for a, b in zip(lat.tolist(), lon.tolist(),
                                                                    strict=True)),
            dtype=np.int64, count=n,
        )  # fmt: skip
        sizes = np.fromiter(
            (disk_radius(c, r + 2.0 * cell_geometry(c)[2])
             for c, r in zip(centres.tolist(), radius.tolist(), strict=True)),
            dtype=np.int64, count=n,
        )  # fmt: skip
    order = np.lexsort((sizes, centres))
    c_sorted, s_sorted = centres[order], sizes[order]
    starts = np.flatnonzero(np.r_[True, (c_sorted[1:] != c_sorted[:-1]) |
                                  (s_sorted[1:] != s_sorted[:-1])])  # fmt: skip
    ends = np.r_[starts[1:], n]
    reach = radius / EARTH_RADIUS_M
    circles, cells, xyzs = [], [], []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        members = order[s:e]
        if resolution == 0:
            d_cells, d_xyz, d_radii = res0_disk()
        else:
            d_cells, d_xyz, d_radii = disk(int(c_sorted[s]), int(s_sorted[s]))
        limit = np.cos(np.minimum(np.pi, d_radii[None, :] + reach[members][:, None]))
        inside = unit[members] @ d_xyz.T >= limit
        ci, cj = np.nonzero(inside)
        circles.append(members[ci])
        cells.append(d_cells[cj])
        xyzs.append(d_xyz[cj])
    return np.concatenate(circles), np.concatenate(cells), np.concatenate(xyzs)


def circle_rows(
    standings: Sequence[Standing], values: Sequence[Mapping[Column, Value]], finest: int
) -> BulkRows:
    """The posting-list rows of circular standings with fast predicates (unique keys).

    ``values[i]`` holds standing ``i``'s column values (thresholds, weekly pattern id,
    absolute window); ``finest`` is the index's finest resolution.
    """
    n = len(standings)
    if len(values) != n:
        raise ValueError("one mapping of column values per standing")
    if n == 0:
        nothing = np.empty(0, dtype=np.int64)
        return BulkRows([], [], [], [], [], nothing, np.empty((0, 4), dtype=np.float64), {}, {},
                        nothing, nothing, nothing, nothing)  # fmt: skip
    areas = [s.area for s in standings]
    if not all(isinstance(a, CircleArea) for a in areas):
        raise ValueError("circle_rows takes circular standings only")
    lat = np.array([a.lat for a in areas], dtype=np.float64)  # type: ignore[union-attr]
    lon = np.array([a.lon for a in areas], dtype=np.float64)  # type: ignore[union-attr]
    radius = np.array([a.radius_m for a in areas], dtype=np.float64)  # type: ignore[union-attr]
    keys = np.array([s.key for s in standings], dtype=np.int64)
    phi, lam = np.radians(lat), np.radians(lon)
    unit = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    angle = radius / EARTH_RADIUS_M
    chord2 = np.where(angle >= math.pi, np.inf, (2.0 * np.sin(np.minimum(angle, 3.0) / 2)) ** 2)

    # Categories as a ragged table: standing i posts under names[cat_ids[ptr[i]:ptr[i+1]]].
    names: dict[str, int] = {}
    pruned: dict[tuple[str, ...], list[int]] = {}
    ptr = np.zeros(n + 1, dtype=np.int64)
    cat_ids: list[int] = []
    for i, standing in enumerate(standings):
        ids = pruned.get(standing.categories)
        if ids is None:
            ids = [names.setdefault(c, len(names)) for c in prune_categories(standing.categories)]
            pruned[standing.categories] = ids
        cat_ids.extend(ids)
        ptr[i + 1] = len(cat_ids)
    cats = np.array(cat_ids, dtype=np.int64)

    columns: dict[Column, npt.NDArray[Any]] = {}
    for i, row_values in enumerate(values):
        for column, value in row_values.items():
            array = columns.get(column)
            if array is None:
                array = columns[column] = np.full(n, sentinel(column), dtype=dtype_of(column))
            array[i] = value

    # One row per (cell, category) of each circle, every resolution in use together.
    parts: list[tuple[npt.NDArray[np.int64], ...]] = []
    geos: list[npt.NDArray[np.float64]] = []
    resolution = _resolutions(radius, finest)
    for res in np.unique(resolution).tolist():
        chosen = np.flatnonzero(resolution == res)
        circ, cell, xyz = _cover(lat[chosen], lon[chosen], radius[chosen], unit[chosen], res)
        circ = chosen[circ]
        rel = unit[circ] - xyz
        geo = np.empty((circ.shape[0], 4), dtype=np.float64)
        geo[:, :3] = rel
        geo[:, 3] = chord2[circ] - np.einsum("ij,ij->i", rel, rel)
        per = ptr[circ + 1] - ptr[circ]
        row = np.repeat(np.arange(circ.shape[0]), per)
        first = np.repeat(np.cumsum(per) - per, per)
        cat = cats[np.repeat(ptr[circ], per) + np.arange(row.shape[0]) - first]
        parts.append((circ[row], cell[row], cat))
        geos.append(geo[row])
    circ, cell, cat = (np.concatenate([p[k] for p in parts]) for k in range(3))
    return _layout(list(names), keys, columns, circ, cell, cat, np.concatenate(geos))


def _layout(
    category_names: list[str],
    keys: npt.NDArray[np.int64],
    columns: dict[Column, npt.NDArray[Any]],
    circ: npt.NDArray[np.int64],
    cell: npt.NDArray[np.int64],
    cat: npt.NDArray[np.int64],
    geo: npt.NDArray[np.float64],
) -> BulkRows:
    """Sort the rows (circle ``circ[r]`` under ``cell[r]``, category ``cat[r]``) by list."""
    n_names = max(1, len(category_names))
    cell_values, cell_index = np.unique(cell, return_inverse=True)
    pair = cell_index * n_names + cat
    pairs, list_of_row = np.unique(pair, return_inverse=True)

    # Rows sorted by list, each list followed by a little spare room for later appends.
    order = np.argsort(list_of_row, kind="stable")
    sorted_lists = list_of_row[order]
    starts = np.flatnonzero(np.r_[True, sorted_lists[1:] != sorted_lists[:-1]])
    lengths = np.diff(np.r_[starts, order.shape[0]])
    capacity = lengths + np.maximum(2, lengths >> 3)
    offsets = np.cumsum(capacity) - capacity
    segment = np.repeat(np.arange(starts.shape[0]), lengths)
    dest = offsets[segment] + np.arange(order.shape[0]) - starts[segment]
    total = int(capacity.sum())
    row_keys = np.full(total, DEAD_KEY, dtype=np.int64)
    row_keys[dest] = keys[circ][order]
    row_geo = np.zeros((total, 4), dtype=np.float64)
    row_geo[dest] = geo[order]
    row_cols: dict[Column, npt.NDArray[Any]] = {}
    constrained: dict[Column, list[bool]] = {}
    for column, values in columns.items():
        spread = np.full(total, sentinel(column), dtype=dtype_of(column))
        spread[dest] = values[circ][order]
        row_cols[column] = spread
        # Only lists with a row constraining the column get it.
        constraining = (values[circ][order] != sentinel(column)).astype(np.int64)
        constrained[column] = (np.add.reduceat(constraining, starts) > 0).tolist()
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0]) - starts[segment]

    by_circle = np.argsort(circ, kind="stable")
    pair_list = pairs.tolist()
    return BulkRows(
        categories=[category_names[p % n_names] for p in pair_list],
        cells=[int(cell_values[p // n_names]) for p in pair_list],
        offsets=offsets.tolist(),
        capacity=capacity.tolist(),
        lengths=lengths.tolist(),
        keys=row_keys,
        geo=row_geo,
        columns=row_cols,
        constrained=constrained,
        standing_keys=keys,
        per_standing=np.bincount(circ, minlength=keys.shape[0]),
        row_list=list_of_row[by_circle],
        row_rank=rank[by_circle],
    )
