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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3
import h3.api.basic_int as h3i
import numpy as np
import numpy.typing as npt

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
    category_matches,
)
from buurt.engine.postings import DEAD_KEY, Column, Postings, Value, sentinel
from buurt.engine.predicates import COMPARE, kind_of
from buurt.engine.reference import hour_of_week, standing_matches

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Beyond 2**53 a float64 cannot hold every integer, so such numbers take the exact slow path.
_EXACT_LIMIT = 2**53
_EMPTY = np.empty(0, dtype=np.int64)
_TIGHTEST = {"<": min, "<=": min, ">": max, ">=": max}


def to_microseconds(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (moment - _EPOCH) // _MICROSECOND


@dataclass(slots=True)
class _Plan:
    """Where and how one standing is posted."""

    categories: list[str]
    cells: list[int]
    centre: tuple[float, float, float] | None
    chord2: float
    slow: bool
    values: dict[Column, Value] = field(default_factory=dict)


def prune_categories(categories: Iterable[str]) -> list[str]:
    """Drop categories already implied by an ancestor in the same standing."""
    unique = sorted(set(categories))
    return [c for c in unique if not any(o != c and category_matches(o, c) for o in unique)]


def fast_thresholds(standing: Standing) -> dict[Column, Value] | None:
    """The numeric predicates as column thresholds, or ``None`` if one needs the slow path."""
    values: dict[Column, Value] = {}
    for predicate in standing.predicates:
        value = predicate.value
        if predicate.op in ("==", "!=") or kind_of(value) != "number":
            return None
        number = float(value)
        if number != value or abs(number) >= _EXACT_LIMIT:
            return None
        column: Column = ("num", predicate.field, predicate.op)
        old = values.get(column)
        values[column] = number if old is None else _TIGHTEST[predicate.op](old, number)
    return values


class MatchIndex:
    """An in-memory index of standings, answering which of them match a publication."""

    def __init__(self, timezone: str = "UTC", resolution: int = 8) -> None:
        if not 0 <= resolution <= 15:
            raise ValueError(f"resolution must be within 0..15, got {resolution}")
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._resolution = resolution
        self._by_category: dict[str, dict[int, Postings]] = {}
        self._where: dict[int, tuple[Postings, ...]] = {}
        self._slow: dict[int, Standing] = {}
        self._resolutions: list[int] = []
        self._patterns: dict[frozenset[int], int] = {frozenset(range(HOURS_PER_WEEK)): 0}
        self._pattern_table = np.ones((1, HOURS_PER_WEEK), dtype=np.bool_)
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
        lists: list[Postings] = []
        for category in plan.categories:
            by_cell = self._by_category.setdefault(category, {})
            for cell in plan.cells:
                postings = by_cell.get(cell)
                if postings is None:
                    postings = self._new_postings(cell)
                    by_cell[cell] = postings
                postings.append(standing.key, self._geo_row(plan, postings), plan.values)
                lists.append(postings)
        self._where[standing.key] = tuple(lists)
        if plan.slow:
            self._slow[standing.key] = standing

    def extend(self, standings: Iterable[Standing]) -> None:
        """Add many standings (a rebuild from the store goes through here)."""
        for standing in standings:
            self.add(standing)

    def remove(self, key: int) -> None:
        """Withdraw a standing; an unknown key is ignored."""
        lists = self._where.pop(key, None)
        if lists is None:
            return
        for postings in lists:
            postings.kill(key)
        self._slow.pop(key, None)

    def _new_postings(self, cell: int) -> Postings:
        resolution = h3i.get_resolution(cell)
        if resolution not in self._resolutions:
            self._resolutions = sorted([*self._resolutions, resolution])
        return Postings(cell, unit_vector(*h3i.cell_to_latlng(cell)))

    def _plan(self, standing: Standing) -> _Plan:
        area = standing.area
        values = fast_thresholds(standing)
        slow = values is None or not isinstance(area, CircleArea | CellsArea)
        centre: tuple[float, float, float] | None = None
        chord2 = np.inf
        if isinstance(area, CircleArea):
            resolution = circle_resolution(area.radius_m, self._resolution)
            cells = cover_circle(area.lat, area.lon, area.radius_m, resolution)
            centre, chord2 = unit_vector(area.lat, area.lon), chord_squared(area.radius_m)
        elif isinstance(area, CellsArea):
            cells = sorted(_cell_int(c) for c in area.cells)
        else:
            cells = cover_ring(area.ring, self._resolution)[1]
        plan = _Plan(prune_categories(standing.categories), cells, centre, chord2, slow)
        if values is not None and not slow:
            plan.values = values
            if standing.weekly is not None:
                plan.values[("week",)] = self._pattern_id(standing.weekly.hours)
            if standing.absolute is not None:
                if standing.absolute.start is not None:
                    plan.values[("start",)] = to_microseconds(standing.absolute.start)
                if standing.absolute.end is not None:
                    plan.values[("end",)] = to_microseconds(standing.absolute.end)
        return plan

    @staticmethod
    def _geo_row(plan: _Plan, postings: Postings) -> tuple[float, float, float, float]:
        if plan.slow:
            return (0.0, 0.0, 0.0, np.nan)
        if plan.centre is None or plan.chord2 == np.inf:
            return (0.0, 0.0, 0.0, np.inf)
        x = plan.centre[0] - postings.center[0]
        y = plan.centre[1] - postings.center[1]
        z = plan.centre[2] - postings.center[2]
        return (x, y, z, plan.chord2 - (x * x + y * y + z * z))

    def _pattern_id(self, hours: frozenset[int]) -> int:
        found = self._patterns.get(hours)
        if found is None:
            found = len(self._patterns)
            self._patterns[hours] = found
            row = np.zeros((1, HOURS_PER_WEEK), dtype=np.bool_)
            row[0, sorted(hours)] = True
            self._pattern_table = np.concatenate([self._pattern_table, row])
        return found

    # -- matching --------------------------------------------------------------------------

    def match(self, publication: Publication) -> npt.NDArray[np.int64]:
        """Sorted unique keys of the standings the publication matches."""
        ancestors = self._ancestors.get(publication.category)
        if ancestors is None:
            ancestors = category_ancestors(publication.category)
            if len(self._ancestors) < 100_000:
                self._ancestors[publication.category] = ancestors
        lat, lon = publication.lat, publication.lon
        cells = [h3i.latlng_to_cell(lat, lon, r) for r in self._resolutions]
        found: list[npt.NDArray[np.int64]] = []
        context: _Context | None = None
        for category in ancestors:
            by_cell = self._by_category.get(category)
            if by_cell is None:
                continue
            for cell in cells:
                postings = by_cell.get(cell)
                if postings is None or postings.n == postings.n_dead:
                    continue
                if context is None:
                    context = _Context(self, publication)
                keys = context.check(postings)
                if keys.shape[0]:
                    found.append(keys)
        if not found:
            return _EMPTY
        result: npt.NDArray[np.int64] = (
            np.sort(found[0]) if len(found) == 1 else np.unique(np.concatenate(found))
        )
        return result

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
        for key, lists in self._where.items():
            total += sys.getsizeof(key) + sys.getsizeof(lists)
        return total


class _Context:
    """What one publication needs to check posting lists, computed once per match."""

    __slots__ = ("at_us", "hour", "index", "lat", "lon", "publication", "unit")

    def __init__(self, index: MatchIndex, publication: Publication) -> None:
        self.index = index
        self.publication = publication
        self.unit = unit_vector(publication.lat, publication.lon)
        self.hour = -1
        self.at_us = to_microseconds(publication.at)

    def check(self, postings: Postings) -> npt.NDArray[np.int64]:
        n = postings.n
        cx, cy, cz = postings.center
        px, py, pz = self.unit[0] - cx, self.unit[1] - cy, self.unit[2] - cz
        inside = postings.geo[:n] @ np.array((px + px, py + py, pz + pz, 1.0))
        mask = inside >= px * px + py * py + pz * pz
        for column, array in postings.cols.items():
            mask &= self._column(column, array[:n])
        keys: npt.NDArray[np.int64] = postings.keys[:n][mask]
        if postings.n_slow:
            keys = np.concatenate([keys, self._slow_rows(postings)])
        return keys

    def _column(self, column: Column, array: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
        kind = column[0]
        if kind == "week":
            if self.hour < 0:
                self.hour = hour_of_week(self.publication.at, self.index._zone)
            allowed: npt.NDArray[np.bool_] = self.index._pattern_table[:, self.hour][array]
            return allowed
        if kind == "start":
            return np.asarray(array <= self.at_us)
        if kind == "end":
            return np.asarray(array > self.at_us)
        return _numeric(column, array, self.publication.attributes.get(column[1]))

    def _slow_rows(self, postings: Postings) -> npt.NDArray[np.int64]:
        rows = np.flatnonzero(np.isnan(postings.geo[: postings.n, 3]))
        slow, zone = self.index._slow, self.index._zone
        keys = [
            key
            for key in postings.keys[rows].tolist()
            if key != DEAD_KEY and standing_matches(slow[key], self.publication, zone)
        ]
        return np.array(keys, dtype=np.int64)


def _numeric(column: Column, array: npt.NDArray[Any], actual: object) -> npt.NDArray[np.bool_]:
    """Rows whose threshold in ``column`` admits the attribute value ``actual``."""
    free = sentinel(column)
    if kind_of(actual) != "number":
        return np.asarray(array == free)
    assert isinstance(actual, int | float)
    number = float(actual)
    compare = COMPARE[column[2]]
    if number == actual and abs(number) < _EXACT_LIMIT:
        return np.asarray(compare(number, array))
    # NaN, infinities and huge integers: compare exactly in Python, rows without a bound pass.
    return np.array([t == free or compare(actual, t) for t in array.tolist()], dtype=np.bool_)


def _cell_int(cell: str) -> int:
    if not isinstance(cell, str) or not h3.is_valid_cell(cell):
        raise ValueError(f"not a valid H3 cell: {cell!r}")
    return int(h3.str_to_int(cell))
