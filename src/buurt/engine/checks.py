"""The exact test of one posting list against one publication, as a few numpy operations.

A ``Check`` is built once per publication and applied to each posting list it looks at. The
test for each optional column is prepared on first use and reused for the other lists.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from buurt.engine.geometry import unit_vector
from buurt.engine.model import Publication, Standing
from buurt.engine.postings import DEAD_KEY, EXACT_LIMIT, Column, Postings, sentinel, to_microseconds
from buurt.engine.predicates import COMPARE, kind_of
from buurt.engine.reference import hour_of_week, standing_matches

Test = Callable[[npt.NDArray[Any]], npt.NDArray[np.bool_]]

# The comparisons as ufuncs: called with a Python number first, they skip operator dispatch.
_UFUNCS: dict[str, np.ufunc] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


class Check:
    """Keys of a posting list's rows that match the publication, as a new array."""

    __slots__ = ("patterns", "publication", "slow", "tests", "unit", "weeks", "zone")

    def __init__(
        self,
        publication: Publication,
        zone: ZoneInfo,
        patterns: npt.NDArray[np.bool_],
        slow: Mapping[int, Standing],
        weeks: dict[int, Test],
    ) -> None:
        """``weeks`` caches the weekly-hours test by hour of the week, for as long as the
        caller keeps ``patterns`` unchanged."""
        self.publication = publication
        self.zone = zone
        self.patterns = patterns
        self.slow = slow
        self.weeks = weeks
        self.unit = unit_vector(publication.lat, publication.lon)
        self.tests: dict[Column, Test] = {}

    def __call__(self, postings: Postings) -> npt.NDArray[np.int64]:
        n = postings.n
        cx, cy, cz = postings.center
        ux, uy, uz = self.unit
        px, py, pz = ux - cx, uy - cy, uz - cz
        # ``dot`` sums exactly as ``@`` does, with less overhead per call.
        inside = postings.geo[:n].dot(np.array((px + px, py + py, pz + pz, 1.0)))
        mask = inside >= px * px + py * py + pz * pz
        tests = self.tests
        for column, array in postings.cols.items():
            test = tests.get(column)
            if test is None:
                test = tests[column] = self._prepare(column)
            mask &= test(array[:n])
        keys: npt.NDArray[np.int64] = postings.keys[:n][mask]
        if postings.n_slow:
            keys = np.concatenate([keys, self._slow_rows(postings)])
        return keys

    def _prepare(self, column: Column) -> Test:
        kind = column[0]
        if kind == "week":
            hour = hour_of_week(self.publication.at, self.zone)
            test = self.weeks.get(hour)
            if test is None:
                # ``take`` on a contiguous copy is faster than indexing the table's column.
                test = self.weeks[hour] = np.ascontiguousarray(self.patterns[:, hour]).take
            return test
        if kind == "start":
            return partial(np.greater_equal, to_microseconds(self.publication.at))
        if kind == "end":
            return partial(np.less, to_microseconds(self.publication.at))
        return _numeric_test(column, self.publication.attributes.get(column[1]))

    def _slow_rows(self, postings: Postings) -> npt.NDArray[np.int64]:
        rows = np.flatnonzero(np.isnan(postings.geo[: postings.n, 3]))
        keys = [
            key
            for key in postings.keys[rows].tolist()
            if key != DEAD_KEY and standing_matches(self.slow[key], self.publication, self.zone)
        ]
        return np.array(keys, dtype=np.int64)


def _numeric_test(column: Column, actual: object) -> Test:
    """Rows whose threshold in ``column`` admits the attribute value ``actual``."""
    if type(actual) is float and abs(actual) < EXACT_LIMIT:  # the usual case (not NaN)
        return partial(_UFUNCS[column[2]], actual)
    free = sentinel(column)
    if kind_of(actual) != "number":
        return partial(operator.eq, free)
    assert isinstance(actual, int | float)
    number = float(actual)
    compare = COMPARE[column[2]]
    if number == actual and abs(number) < EXACT_LIMIT:
        return partial(_UFUNCS[column[2]], number)

    # NaN, infinities and huge integers: compare exactly in Python, rows without a bound pass.
    def exact(array: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
        return np.array([t == free or compare(actual, t) for t in array.tolist()], dtype=np.bool_)

    return exact
