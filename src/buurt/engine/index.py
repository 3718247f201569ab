"""``MatchIndex``: standings posted under (category, H3 cell), matched a list at a time.

A publication looks at its own cell (one per resolution in use) under its category and each
ancestor category, so the work per match follows the candidates in those few lists, never the
number of standings. Each list is checked in one vectorised pass (see ``postings``); the rare
rows that need more than the fast columns express are checked one by one with the reference
rules. Adds append in place (amortised growth) and removes leave tombstones that compaction
clears, so every change is visible to the very next ``match``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import h3
import h3.api.basic_int as h3i
import numpy as np
import numpy.typing as npt

from buurt.engine.bulk import BulkRows, circle_rows
from buurt.engine.checks import Check, Test
from buurt.engine.geometry import (
    chord_squared,
    circle_resolution,
    cover_circle,
    cover_ring,
    unit_vector,
)
from buurt.engine.model import (
    HOURS_PER_WEEK,
    CellsArea,
    CircleArea,
    Publication,
    Standing,
    category_ancestors,
)
from buurt.engine.postings import (
    Column,
    Postings,
    Value,
    fast_thresholds,
    prune_categories,
    to_microseconds,
)

_EMPTY = np.empty(0, dtype=np.int64)
_ROW_MASK = (1 << 32) - 1


@dataclass(slots=True)
class _Plan:
    """Where and how one standing is posted: one geometry row per cell (see ``postings``)."""

    categories: tuple[str, ...]
    cells: list[int]
    rows: npt.NDArray[np.float64]
    slow: bool
    values: dict[Column, Value] = field(default_factory=dict)


class MatchIndex:
    """An in-memory index of standings, answering which of them match a publication."""

    def __init__(self, timezone: str = "UTC", resolution: int = 8) -> None:
        if not 0 <= resolution <= 15:
            raise ValueError(f"resolution must be within 0..15, got {resolution}")
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._resolution = resolution
        self._by_category: dict[str, dict[int, Postings]] = {}
        # key -> where its rows were put: posting list ident << 32 | row (see ``remove``)
        self._where: dict[int, npt.NDArray[np.int64]] = {}
        self._registry: list[Postings] = []
        self._slow: dict[int, Standing] = {}
        self._resolutions: list[int] = []
        self._patterns: dict[frozenset[int], int] = {frozenset(range(HOURS_PER_WEEK)): 0}
        self._pattern_table = np.ones((1, HOURS_PER_WEEK), dtype=np.bool_)
        self._week_tests: dict[int, Test] = {}  # by hour of the week, for this table
        self._ancestors: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    # -- changes ---------------------------------------------------------------------------

    def add(self, standing: Standing) -> None:
        """Post a standing; a standing with the same key is replaced."""
        plan = self._plan(standing)
        self.remove(standing.key)
        places: list[int] = []
        key, rows, values, slow = standing.key, plan.rows, plan.values, plan.slow
        for category in plan.categories:
            for j, cell in enumerate(plan.cells):
                postings = self._postings(category, cell)
                row = postings.append(key, rows[j], values, slow)
                places.append(postings.ident << 32 | row)
        self._where[key] = np.array(places, dtype=np.int64)
        if slow:
            self._slow[key] = standing

    def extend(self, standings: Iterable[Standing]) -> None:
        """Add many standings, as ``add`` would one by one (a later duplicate key wins).

        A rebuild from the store goes through here: circles are covered in vectorised batches
        and every posting list is written once, as slices of a few shared arrays.
        """
        batch: dict[int, Standing] = {}
        for standing in standings:
            batch.pop(standing.key, None)
            batch[standing.key] = standing
        circles: list[Standing] = []
        thresholds: list[dict[Column, Value]] = []
        for key, standing in batch.items():
            self.remove(key)
            values = fast_thresholds(standing) if isinstance(standing.area, CircleArea) else None
            if values is not None:
                circles.append(standing)
                thresholds.append(values)
            else:
                self.add(standing)
        if circles:
            values_of = [self._with_times(s, v) for s, v in zip(circles, thresholds, strict=True)]
            self._post(circle_rows(circles, values_of, self._resolution))

    def _post(self, rows: BulkRows) -> None:
        """Post rows laid out by ``bulk.circle_rows`` (keys not in the index) and remember,
        for each key, the list and row each of its rows went to."""
        lists = [self._postings(c, cell) for c, cell in zip(rows.categories, rows.cells,
                                                            strict=True)]  # fmt: skip
        idents = np.array([p.ident for p in lists], dtype=np.int64)
        # A list that already holds rows keeps its live ones first (``Postings.load``).
        held = np.array([p.n - p.n_dead for p in lists], dtype=np.int64)
        places = (idents[rows.row_list] << 32) | (held[rows.row_list] + rows.row_rank)
        columns, constrained = rows.columns, rows.constrained
        spans = zip(lists, rows.offsets, rows.capacity, rows.lengths, strict=True)
        for j, (postings, o, c, n) in enumerate(spans):
            here = {col: a[o : o + c] for col, a in columns.items() if constrained[col][j]}
            postings.load(rows.keys[o : o + c], rows.geo[o : o + c], here, n)
        where = self._where
        pieces = np.split(places, np.cumsum(rows.per_standing)[:-1])
        for key, piece in zip(rows.standing_keys.tolist(), pieces, strict=True):
            where[key] = piece

    def remove(self, key: int) -> None:
        """Withdraw a standing; an unknown key is ignored.

        The row each list got is remembered, so a remove needs no search of the list unless
        a compaction has moved the row since.
        """
        places = self._where.pop(key, None)
        if places is None:
            return
        registry = self._registry
        for place in places.tolist():
            registry[place >> 32].kill(key, place & _ROW_MASK)
        self._slow.pop(key, None)

    def _postings(self, category: str, cell: int) -> Postings:
        """The posting list of (category, cell), created on first use."""
        by_cell = self._by_category.get(category)
        if by_cell is None:
            by_cell = self._by_category[category] = {}
        postings = by_cell.get(cell)
        if postings is None:
            postings = by_cell[cell] = self._new_postings(cell)
        return postings

    def _new_postings(self, cell: int) -> Postings:
        resolution = h3i.get_resolution(cell)
        if resolution not in self._resolutions:
            self._resolutions = sorted([*self._resolutions, resolution])
        postings = Postings(cell, unit_vector(*h3i.cell_to_latlng(cell)), len(self._registry))
        self._registry.append(postings)
        return postings

    def _plan(self, standing: Standing) -> _Plan:
        area = standing.area
        values = fast_thresholds(standing)
        slow = values is None or not isinstance(area, CircleArea | CellsArea)
        if isinstance(area, CircleArea):
            resolution = circle_resolution(area.radius_m, self._resolution)
            cell_array, relative = cover_circle(area.lat, area.lon, area.radius_m, resolution)
            cells = cell_array.tolist()
            rows = np.empty((len(cells), 4), dtype=np.float64)
            rows[:, :3] = relative
            chord2 = chord_squared(area.radius_m)
            if chord2 == np.inf:
                rows[:, 3] = np.inf
            else:
                rows[:, 3] = chord2 - np.einsum("ij,ij->i", rows[:, :3], rows[:, :3])
        else:
            if isinstance(area, CellsArea):
                # One row per list and key: differently written cells may be the same cell.
                cells = sorted({_cell_int(c) for c in area.cells})
            else:
                cells = cover_ring(area.ring, self._resolution)[1]
            rows = np.zeros((len(cells), 4), dtype=np.float64)
            rows[:, 3] = np.inf
        if slow:
            rows[:, 3] = np.nan
        plan = _Plan(prune_categories(standing.categories), cells, rows, slow)
        if values is not None and not slow:
            plan.values = self._with_times(standing, values)
        return plan

    def _with_times(self, standing: Standing, values: dict[Column, Value]) -> dict[Column, Value]:
        """Add the weekly pattern and absolute window columns to a row's values."""
        if standing.weekly is not None:
            values[("week",)] = self._pattern_id(standing.weekly.hours)
        if standing.absolute is not None:
            if standing.absolute.start is not None:
                values[("start",)] = to_microseconds(standing.absolute.start)
            if standing.absolute.end is not None:
                values[("end",)] = to_microseconds(standing.absolute.end)
        return values

    def _pattern_id(self, hours: frozenset[int]) -> int:
        found = self._patterns.get(hours)
        if found is None:
            found = len(self._patterns)
            self._patterns[hours] = found
            row = np.zeros((1, HOURS_PER_WEEK), dtype=np.bool_)
            row[0, sorted(hours)] = True
            self._pattern_table = np.concatenate([self._pattern_table, row])
            self._week_tests = {}
        return found

    # -- matching --------------------------------------------------------------------------

    def match(self, publication: Publication) -> npt.NDArray[np.int64]:
        """Sorted unique keys of the standings the publication matches."""
        ancestors = self._ancestors.get(publication.category)
        if ancestors is None:
            ancestors = category_ancestors(publication.category)
            if len(self._ancestors) < 100_000:
                self._ancestors[publication.category] = ancestors
        lat, lon, resolutions = publication.lat, publication.lon, self._resolutions
        if len(resolutions) == 1:  # the usual case, without a comprehension's frame
            cells: Sequence[int] = (h3i.latlng_to_cell(lat, lon, resolutions[0]),)
        else:
            cells = [h3i.latlng_to_cell(lat, lon, r) for r in resolutions]
        by_category = self._by_category
        found: list[npt.NDArray[np.int64]] = []
        check: Check | None = None
        for category in ancestors:
            by_cell = by_category.get(category)
            if by_cell is None:
                continue
            for cell in cells:
                postings = by_cell.get(cell)
                if postings is None or postings.n == postings.n_dead:
                    continue
                if check is None:
                    check = Check(
                        publication, self._zone, self._pattern_table, self._slow, self._week_tests
                    )
                keys = check(postings)
                if keys.shape[0]:
                    found.append(keys)
        if not found:
            return _EMPTY
        # The checks return new arrays, so they are sorted in place: ``ndarray.sort`` skips
        # the copy and the wrapper of ``np.sort``, a good part of its cost at these sizes.
        merged = found[0] if len(found) == 1 else np.concatenate(found)
        if len(cells) > 1:  # only cells areas can span resolutions and so repeat a key
            return np.unique(merged)
        # A standing posts under one category of any ancestor chain.
        merged.sort()
        return merged

    # -- accounting ------------------------------------------------------------------------

    def memory_bytes(self) -> int:
        """Bytes held by the index: arrays (shared buffers once) and the Python structures."""
        seen: set[int] = set()
        total = sys.getsizeof(self._by_category) + sys.getsizeof(self._where)
        total += sys.getsizeof(self._slow) + self._pattern_table.nbytes
        for by_cell in self._by_category.values():
            total += sys.getsizeof(by_cell)
            for cell, postings in by_cell.items():
                total += sys.getsizeof(cell) + sys.getsizeof(postings)
                total += sys.getsizeof(postings.cols)
                for array in postings.arrays():
                    base = array.base if isinstance(array.base, np.ndarray) else None
                    owner = array if base is None else base
                    total += sys.getsizeof(array) - (array.nbytes if base is None else 0)
                    if id(owner) not in seen:
                        seen.add(id(owner))
                        total += owner.nbytes
        total += sys.getsizeof(self._registry)
        for key, idents in self._where.items():
            total += sys.getsizeof(key) + sys.getsizeof(idents)
            base = idents.base
            if isinstance(base, np.ndarray) and id(base) not in seen:
                seen.add(id(base))
                total += base.nbytes
        return total


def _cell_int(cell: str) -> int:
    if not isinstance(cell, str) or not h3.is_valid_cell(cell):
        raise ValueError(f"not a valid H3 cell: {cell!r}")
    return int(h3.str_to_int(cell))
