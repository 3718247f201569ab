"""Loading many circular standings at once: the covering and row building, vectorised.

Circles are grouped by (centre cell, disk size) so one matrix product tests a whole group
against the candidate cells; rows are then sorted by posting list and each list takes its
slice of a few shared arrays. Other standings go through ``MatchIndex.add`` one by one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

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
    dtype_of,
    fast_thresholds,
    prune_categories,
    sentinel,
)

if TYPE_CHECKING:
    from buurt.engine.index import MatchIndex


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


def load_circles(index: MatchIndex, standings: list[Standing]) -> None:
    """Post circular standings with fast predicates (keys not yet in the index, unique)."""
    n = len(standings)
    if n == 0:
        return
    areas = [s.area for s in standings]
    assert all(isinstance(a, CircleArea) for a in areas)
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
    category_names = list(names)

    columns: dict[Column, npt.NDArray[Any]] = {}
    for i, standing in enumerate(standings):
        values = fast_thresholds(standing)
        assert values is not None
        for column, value in index._with_times(standing, values).items():
            array = columns.get(column)
            if array is None:
                array = columns[column] = np.full(n, sentinel(column), dtype=dtype_of(column))
            array[i] = value

    resolution = _resolutions(radius, index._resolution)
    for res in np.unique(resolution).tolist():
        chosen = np.flatnonzero(resolution == res)
        circ, cell, xyz = _cover(lat[chosen], lon[chosen], radius[chosen], unit[chosen], res)
        circ = chosen[circ]
        rel = unit[circ] - xyz
        geo = np.empty((circ.shape[0], 4), dtype=np.float64)
        geo[:, :3] = rel
        geo[:, 3] = chord2[circ] - np.einsum("ij,ij->i", rel, rel)
        # One row per (cell, category) of each circle.
        per = ptr[circ + 1] - ptr[circ]
        row = np.repeat(np.arange(circ.shape[0]), per)
        first = np.repeat(np.cumsum(per) - per, per)
        cat = cats[np.repeat(ptr[circ], per) + np.arange(row.shape[0]) - first]
        circ, cell = circ[row], cell[row]
        _write(index, category_names, keys, columns, circ, cell, cat, geo[row])


def _write(
    index: MatchIndex,
    category_names: list[str],
    keys: npt.NDArray[np.int64],
    columns: dict[Column, npt.NDArray[Any]],
    circ: npt.NDArray[np.int64],
    cell: npt.NDArray[np.int64],
    cat: npt.NDArray[np.int64],
    geo: npt.NDArray[np.float64],
) -> None:
    cell_values, cell_index = np.unique(cell, return_inverse=True)
    pair = cell_index * len(category_names) + cat
    pairs, list_of_row = np.unique(pair, return_inverse=True)
    idents = np.array(
        [index._postings(category_names[int(p) % len(category_names)],
                         int(cell_values[int(p) // len(category_names)])).ident
         for p in pairs.tolist()], dtype=np.int32,
    )  # fmt: skip
    ident_of_row = idents[list_of_row]

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
    present: dict[Column, list[bool]] = {}
    for column, values in columns.items():
        spread = np.full(total, sentinel(column), dtype=dtype_of(column))
        spread[dest] = values[circ][order]
        row_cols[column] = spread
        # Only lists with a row constraining the column get it.
        constrained = (values[circ][order] != sentinel(column)).astype(np.int64)
        present[column] = (np.add.reduceat(constrained, starts) > 0).tolist()
    registry = index._registry
    # Where each row lands in its list: after the live rows the list already holds.
    held = np.array([registry[i].n - registry[i].n_dead for i in idents.tolist()], dtype=np.int64)
    row_in_list = np.empty(order.shape[0], dtype=np.int64)
    row_in_list[order] = np.arange(order.shape[0]) - starts[segment] + held[sorted_lists]
    places = (ident_of_row.astype(np.int64) << 32) | row_in_list
    spans = zip(offsets.tolist(), capacity.tolist(), lengths.tolist(), starts.tolist(),
                strict=True)  # fmt: skip
    for j, (o, c, n, s) in enumerate(spans):
        here = {col: a[o : o + c] for col, a in row_cols.items() if present[col][j]}
        registry[int(idents[sorted_lists[s]])].load(row_keys[o : o + c], row_geo[o : o + c],
                                                    here, n)  # fmt: skip

    by_circle = np.argsort(circ, kind="stable")
    counts = np.bincount(circ, minlength=keys.shape[0])
    where = index._where
    pieces = np.split(places[by_circle], np.cumsum(counts)[:-1])
    for key, piece in zip(keys.tolist(), pieces, strict=True):
        if piece.shape[0]:
            old = where.get(key)
            where[key] = piece if old is None else np.concatenate([old, piece])
        elif key not in where:
            where[key] = piece
