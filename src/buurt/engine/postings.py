"""Posting lists, and how a standing becomes their rows.

One posting list holds the standings of one (H3 cell, category), as contiguous numpy columns.

Every row carries its key and a geometry row ``(x, y, z, q)``: the standing's centre on the
unit sphere relative to the list's cell centre, and ``q = chord(radius)^2 - |centre|^2``. A
point ``p`` (relative to the same cell centre) is inside iff ``2 c.p + q >= |p|^2``, which is
one matrix-vector product per list. Working relative to the cell centre keeps the numbers
small, so the test stays exact to well under a millimetre. ``q`` also encodes the row's state:
``+inf`` always inside (cells areas, already exact by the list's cell), ``NaN`` checked one by
one (polygons, unusual predicates), ``-inf`` deleted (a tombstone until the list compacts).

Optional columns appear only in lists that need them (see ``Column``). The helpers at the end
turn a standing's categories, predicates and times into those columns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from buurt.engine.model import Standing, category_matches
from buurt.engine.predicates import kind_of

DEAD_KEY = np.iinfo(np.int64).min
INT64_MIN = int(np.iinfo(np.int64).min)
INT64_MAX = int(np.iinfo(np.int64).max)

# ("week",) pattern id; ("num", field, op) threshold; ("start",)/("end",) microseconds.
Column: TypeAlias = tuple[str, ...]
NumericOp: TypeAlias = Literal["<", "<=", ">", ">="]
Value: TypeAlias = float | int


def sentinel(column: Column) -> Value:
    """The value of a column for a row that does not constrain it."""
    kind = column[0]
    if kind == "week":
        return 0
    if kind == "start":
        return INT64_MIN
    if kind == "end":
        return INT64_MAX
    return np.inf if column[2] in ("<", "<=") else -np.inf


def dtype_of(column: Column) -> type[np.generic]:
    kind = column[0]
    if kind == "week":
        return np.int32
    if kind in ("start", "end"):
        return np.int64
    return np.float64


class Postings:
    """Rows ``[0, n)`` of the arrays are live or tombstoned; the rest is spare capacity.

    Spare rows of optional columns always hold the sentinel, so an append only writes the
    columns its row constrains.
    """

    __slots__ = ("cell", "center", "cols", "geo", "ident", "keys", "n", "n_dead", "n_slow")

    def __init__(self, cell: int, center: tuple[float, float, float], ident: int) -> None:
        self.cell = cell
        self.ident = ident
        self.center = center
        self.n = 0
        self.n_dead = 0
        self.n_slow = 0
        self.keys: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self.geo: npt.NDArray[np.float64] = np.empty((0, 4), dtype=np.float64)
        self.cols: dict[Column, npt.NDArray[Any]] = {}

    def _grow(self, needed: int) -> None:
        capacity = max(4, needed, self.n + self.n // 2)
        keys = np.empty(capacity, dtype=np.int64)
        keys[: self.n] = self.keys[: self.n]
        geo = np.empty((capacity, 4), dtype=np.float64)
        geo[: self.n] = self.geo[: self.n]
        self.keys, self.geo = keys, geo
        for column, old in self.cols.items():
            new = np.full(capacity, sentinel(column), dtype=dtype_of(column))
            new[: self.n] = old[: self.n]
            self.cols[column] = new

    def append(
        self, key: int, geo: npt.NDArray[np.float64], values: dict[Column, Value], slow: bool
    ) -> int:
        """Add a row; its index."""
        if self.n >= self.keys.shape[0]:
            self._grow(self.n + 1)
        i = self.n
        self.keys[i] = key
        self.geo[i] = geo
        for column, value in values.items():
            array = self.cols.get(column)
            if array is None:
                array = np.full(self.keys.shape[0], sentinel(column), dtype=dtype_of(column))
                self.cols[column] = array
            array[i] = value
        if slow:
            self.n_slow += 1
        self.n = i + 1
        return i

    def load(
        self,
        keys: npt.NDArray[np.int64],
        geo: npt.NDArray[np.float64],
        columns: dict[Column, npt.NDArray[Any]],
        n: int,
    ) -> None:
        """Take ``n`` rows in bulk; the arrays may be longer (spare capacity, sentinels in the
        columns) and ``columns`` holds only those the rows constrain. A fresh list keeps them
        as views of the caller's arrays, appending into the spare rows until they run out."""
        if self.n:
            self.compact()
            own = dict(self.cols)
            self.cols = {}
            for column in {*own, *columns}:
                old = own.get(column)
                new = columns.get(column)
                self.cols[column] = np.concatenate([
                    old if old is not None else np.full(self.n, sentinel(column),
                                                        dtype=dtype_of(column)),
                    new[:n] if new is not None else np.full(n, sentinel(column),
                                                            dtype=dtype_of(column)),
                ])  # fmt: skip
            keys = np.concatenate([self.keys, keys[:n]])
            geo = np.concatenate([self.geo, geo[:n]])
            n += self.n
        else:
            self.cols = dict(columns)
        self.keys, self.geo = keys, geo
        self.n = n
        self.n_dead = 0
        self.n_slow = int(np.count_nonzero(np.isnan(geo[:n, 3])))

    def kill(self, key: int, hint: int) -> None:
        """Tombstone the row of ``key`` (a list holds at most one per key), found at ``hint``
        unless a compaction moved it; compact once half the rows are dead."""
        keys, geo = self.keys, self.geo
        if hint < self.n and keys[hint] == key:
            rows = [hint]
        else:
            rows = (keys[: self.n] == key).nonzero()[0].tolist()
        for i in rows:
            if self.n_slow and geo[i, 3] != geo[i, 3]:  # NaN marks a row checked one by one
                self.n_slow -= 1
            keys[i] = DEAD_KEY
            geo[i, 3] = -np.inf
            self.n_dead += 1
        if self.n_dead * 2 > self.n:
            self.compact()

    def compact(self) -> None:
        live = self.keys[: self.n] != DEAD_KEY
        self.keys = self.keys[: self.n][live].copy()
        self.geo = self.geo[: self.n][live].copy()
        for column, array in list(self.cols.items()):
            kept = array[: self.n][live]
            if np.any(kept != sentinel(column)):
                self.cols[column] = kept.copy()
            else:
                del self.cols[column]
        self.n = int(self.keys.shape[0])
        self.n_dead = 0

    def arrays(self) -> list[npt.NDArray[Any]]:
        return [self.keys, self.geo, *self.cols.values()]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Beyond 2**53 a float64 cannot hold every integer, so such numbers take the exact slow path.
EXACT_LIMIT = 2**53
_TIGHTEST = {"<": min, "<=": min, ">": max, ">=": max}


def to_microseconds(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (moment - _EPOCH) // _MICROSECOND


@lru_cache(maxsize=4096)
def prune_categories(categories: tuple[str, ...]) -> tuple[str, ...]:
    """Drop categories already implied by an ancestor in the same standing (memoised: most
    standings share a few category combinations)."""
    unique = sorted(set(categories))
    return tuple(c for c in unique if not any(o != c and category_matches(o, c) for o in unique))


def fast_thresholds(standing: Standing) -> dict[Column, Value] | None:
    """The numeric predicates as column thresholds, or ``None`` if one needs the slow path."""
    values: dict[Column, Value] = {}
    for predicate in standing.predicates:
        value = predicate.value
        if predicate.op in ("==", "!=") or kind_of(value) != "number":
            return None
        number = float(value)
        if number != value or abs(number) >= EXACT_LIMIT:
            return None
        column: Column = ("num", predicate.field, predicate.op)
        old = values.get(column)
        values[column] = number if old is None else _TIGHTEST[predicate.op](old, number)
    return values
