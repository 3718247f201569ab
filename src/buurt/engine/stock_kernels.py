"""The compiled inner loops of a nearest-stock query answered from a candidate list.

A list holds a few dozen to a few hundred rows or spots. Compared with numpy, one array call at
a time, a query spent most of its time in the calls themselves (about thirty of them) and in the
copies between them; compiled, it walks the list once, keeps the matching sites nearest first,
and hands back only what the answer needs. ``stock_lists`` says what an answer from a list is
and when a list cannot settle a query; these functions round a dot product as the bucket search
does (``x·x' + y·y' + z·z'``, ``geometry.dots``) and keep ties in the list's order, so a list
and the search answer alike to the last bit.

Each takes the question as one array, ``QUESTION``: the point's unit vector, the least dot
product within the radius, the query's limits (``-min_quantity``, the latest ``available_from``,
the highest price) and ``cut``, the least dot product the last site answered may have for the
list to settle the query; and ``covered``, whether the whole radius is within the list's reach.

Each returns ``(take, numbers, metres)``: ``take`` is how many sites it answers, nearest first
(ties at the cut included), or -1 when the list cannot settle the query; ``numbers`` holds
their site numbers, then ``take + 1`` bounds, then the matching slots (a site's ascending,
from one bound to the next); ``metres`` their distances from the point. Two arrays, not five:
each array handed back to Python costs about as much as a few sites' arithmetic.

Compiled with numba on first use and cached beside the module, so a process pays the compilation
once per machine (about 4.5 s) and the loading (about 0.15 s) once per process.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from buurt.engine.geometry import EARTH_RADIUS_M

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Positions = npt.NDArray[np.int32]
Answer = tuple[int, IntArray, FloatArray]
QUESTION = ("x", "y", "z", "least_dot", "least_available", "latest", "most", "cut")


def _metres(dot: float) -> float:
    """The distance of a dot product of unit vectors (a hair past 1 from rounding is 0)."""
    return math.acos(min(1.0, dot)) * EARTH_RADIUS_M


def _nearest_first(dot: FloatArray) -> IntArray:
    """Positions by descending ``dot``, equal ones in their order (a stable sort)."""
    return np.argsort(-dot, kind="mergesort")


def _by_row(
    table: FloatArray, listed: Positions, every: bool, q: FloatArray, limit: int, covered: bool
) -> Answer:
    """The answer from rows ``x, y, z, -available, available_from, price, slot, site`` (a
    site's rows side by side, ascending slots): those of ``listed``, or all with ``every``."""
    n = len(table) if every else len(listed)
    hx, hy, hz, least_dot = q[0], q[1], q[2], q[3]
    least_available, latest, most, cut = q[4], q[5], q[6], q[7]
    group_site = np.empty(n, np.int64)
    group_dot = np.empty(n)
    group_start = np.empty(n + 1, np.int64)
    hit_slot = np.empty(n, np.int64)
    groups = 0
    hits = 0
    at = -1.0
    for k in range(n):
        r = k if every else listed[k]
        d = table[r, 0] * hx + table[r, 1] * hy + table[r, 2] * hz
        if (
            d >= least_dot
            and table[r, 3] <= least_available
            and table[r, 4] <= latest
            and table[r, 5] <= most
        ):
            site = table[r, 7]
            if groups == 0 or site != at:  # the next site's matching rows
                at = site
                group_site[groups] = np.int64(site)
                group_dot[groups] = d  # a site's rows share its spot, and its dot product
                group_start[groups] = hits
                groups += 1
            hit_slot[hits] = np.int64(table[r, 6])
            hits += 1
    group_start[groups] = hits
    order = _nearest_first(group_dot[:groups])
    if groups >= limit:
        take = limit
        last = group_dot[order[take - 1]]
        while take < groups and group_dot[order[take]] == last:
            take += 1  # ties at the cut are settled by the caller, by first matching slot
        if last < cut:
            return _unsettled()
    else:
        if not covered:
            return _unsettled()
        take = groups
    # Site numbers, then bounds, then slots, as the module's docstring says.
    numbers = np.empty(2 * take + 1 + group_start[groups], np.int64)
    metres = np.empty(take)
    numbers[take] = 0
    w = 2 * take + 1
    for j in range(take):
        g = order[j]
        numbers[j] = group_site[g]
        metres[j] = _metres(group_dot[g])
        for h in range(group_start[g], group_start[g + 1]):
            numbers[w] = hit_slot[h]
            w += 1
        numbers[take + 1 + j] = w - 2 * take - 1
    return take, numbers[:w], metres


def _by_spot(
    spots: FloatArray,
    count: IntArray,
    site: IntArray,
    rows: FloatArray,
    listed: Positions,
    every: bool,
    q: FloatArray,
    limit: int,
    covered: bool,
) -> Answer:
    """The answer from spots ``x, y, z, start`` (their ``count`` rows ``-available,
    available_from, price, slot`` from ``start`` in ``rows``): those of ``listed``, or all
    with ``every``. Spots are taken nearest first until ``limit`` of them have a matching row
    and the next is farther than the last of those."""
    n = len(spots) if every else len(listed)
    hx, hy, hz, least_dot = q[0], q[1], q[2], q[3]
    least_available, latest, most, cut = q[4], q[5], q[6], q[7]
    inside_dot = np.empty(n)
    inside = np.empty(n, np.int64)
    m = 0
    for k in range(n):
        p = k if every else listed[k]
        d = spots[p, 0] * hx + spots[p, 1] * hy + spots[p, 2] * hz
        if d >= least_dot:
            inside_dot[m] = d
            inside[m] = p
            m += 1
    order = _nearest_first(inside_dot[:m])
    chosen = np.empty(m, np.int64)
    matching = np.empty(m, np.int64)
    hits = 0
    last = 0.0
    for j in range(m):
        d = inside_dot[order[j]]
        if hits >= limit and d < last:
            break
        p = inside[order[j]]
        start = np.int64(spots[p, 3])
        found = 0
        for r in range(start, start + count[p]):
            if rows[r, 0] <= least_available and rows[r, 1] <= latest and rows[r, 2] <= most:
                found += 1
        if found:
            chosen[hits] = j
            matching[hits] = found
            hits += 1
            if hits == limit:
                last = d
    if hits >= limit:
        if last < cut:
            return _unsettled()
    elif not covered:
        return _unsettled()
    numbers = np.empty(2 * hits + 1 + matching[:hits].sum(), np.int64)
    metres = np.empty(hits)
    numbers[hits] = 0
    w = 2 * hits + 1
    for h in range(hits):
        j = chosen[h]
        p = inside[order[j]]
        numbers[h] = site[p]
        metres[h] = _metres(inside_dot[order[j]])
        start = np.int64(spots[p, 3])
        for r in range(start, start + count[p]):
            if rows[r, 0] <= least_available and rows[r, 1] <= latest and rows[r, 2] <= most:
                numbers[w] = np.int64(rows[r, 3])
                w += 1
        numbers[hits + 1 + h] = w - 2 * hits - 1
    return hits, numbers, metres


def _unsettled() -> Answer:
    return -1, np.empty(0, np.int64), np.empty(0)


# Compiled here, once: ``njit`` is untyped, the functions above are what mypy checks.
_compile = njit(cache=True, nogil=True)
_metres = _compile(_metres)
_nearest_first = _compile(_nearest_first)
_unsettled = _compile(_unsettled)
by_row = _compile(_by_row)
by_spot = _compile(_by_spot)
