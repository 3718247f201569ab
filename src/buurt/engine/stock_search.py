"""A nearest-stock query over one key's buckets: best bucket first, a batch at a time.

Each bucket's centre and reach bound the distance of every spot it holds from below (the
angle to the centre minus the reach, by the triangle inequality on the sphere). A query
computes that bound for all of the key's buckets in one pass, keeps those within the radius,
and answers them nearest bound first, in batches. A batch is one vectorised pass over its
spots' dot products with the point, one over their rows (one comparison of each row's numbers
with the query's limits) and one ``reduceat`` that tells, per spot, whether a row matched. The
search stops once ``limit`` sites are found no farther than the bound of the next bucket:
nothing left can come nearer. Distances in metres are computed for the answer alone.

The numbers a query compares are kept per slot as ``(-available, available_from, price,
-(slot + 1))``, so that a row matches exactly when each is at most ``(-min_quantity, at,
max_price, 0)``: one comparison of a row's four numbers, whose four true bytes read as one
32-bit word (the last always holds, and tells the answer which row it was).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from buurt.engine.geometry import EARTH_RADIUS_M, unit_vector
from buurt.engine.stock_buckets import Bucket, FloatArray, IntArray, Key, Spots

BoolArray = npt.NDArray[np.bool_]
_ALL_TRUE = int.from_bytes(b"\x01" * 4, "little")  # four true bytes
_FIRST_BATCH = 12  # spots per site asked for in the first batch; each next batch doubles


@dataclass(frozen=True, slots=True)
class Ask:
    lat: float
    lon: float
    radius_m: float
    limit: int
    min_quantity: int
    max_price: float
    at: float


Found = tuple[int, float, list[int]]
"""A matching spot: its number, its distance in metres and its matching slots (ascending)."""


@dataclass(slots=True)
class _Batch:
    """The rows of a batch of buckets, and its spots that match within the radius."""

    numbers: FloatArray
    ok: BoolArray  # which rows match
    places: FloatArray
    starts: IntArray
    counts: IntArray
    hit: IntArray  # the matching spots within the radius (positions in the batch)
    dot: FloatArray  # their dot products with the point


def search(key: Key, spots: Spots, ask: Ask) -> list[Found]:
    """The spots of the ``limit`` nearest matching sites, nearest first (a site at more than
    one spot has each of its matching spots no farther than the last site's)."""
    here = np.array(unit_vector(ask.lat, ask.lon))
    radius = min(ask.radius_m / EARTH_RADIUS_M, math.pi)
    # Rounding can take a dot product of unit vectors a hair past 1; the reach's margin
    # covers what arccos loses near 0.
    bound = np.arccos(np.minimum(key.centres @ here, 1.0)) - key.reach
    (near,) = np.nonzero(bound <= radius)
    if not len(near):
        return []
    near = near[np.argsort(bound[near], kind="stable")]
    frontier = bound[near].tolist()
    spots_up_to = np.cumsum(key.sizes[near])
    least_dot = math.cos(radius)
    limits = np.array([-ask.min_quantity, ask.at, ask.max_price, 0.0])
    batches: list[_Batch] = []
    want, done = _FIRST_BATCH * ask.limit, 0
    while done < len(near):
        end = min(len(near), max(done + 1, int(np.searchsorted(spots_up_to, want)) + 1))
        buckets = [key.listed[i] for i in near[done:end].tolist()]
        batches.append(_pass(buckets, limits, here, least_dot))
        done = end
        # A bound below 0 (the point within a bucket's reach) covers nothing yet.
        covered = math.cos(max(0.0, frontier[done])) if done < len(near) else -1.0
        if done < len(near) and _enough(batches, spots, covered, ask.limit):
            break
        want = 2 * int(spots_up_to[done - 1])
    return _nearest(batches, spots, ask.limit)


def _pass(buckets: list[Bucket], limits: FloatArray, here: FloatArray, least: float) -> _Batch:
    if len(buckets) == 1:
        (b,) = buckets
        places, numbers, starts, counts = b.places, b.numbers, b.starts, b.counts
    else:
        places = np.concatenate([b.places for b in buckets])
        numbers = np.concatenate([b.numbers for b in buckets])
        counts = places[:, 3].astype(np.int64)
        starts = np.cumsum(counts) - counts
    dot = places[:, :3] @ here
    ok = (numbers <= limits).view(np.uint32)[:, 0] == _ALL_TRUE
    matched = np.logical_or.reduceat(ok, starts) if len(numbers) else ok
    (hit,) = np.nonzero(matched & (dot >= least))
    return _Batch(numbers, ok, places, starts, counts, hit, dot[hit])


def _enough(batches: list[_Batch], spots: Spots, least_dot: float, limit: int) -> bool:
    """Whether ``limit`` sites are found with a dot product of at least ``least_dot``."""
    if spots.multi == 0:  # a spot is a site
        return sum(int(np.count_nonzero(b.dot >= least_dot)) for b in batches) >= limit
    inside = np.concatenate([b.places[b.hit[b.dot >= least_dot], 4] for b in batches])
    return len(np.unique(spots.site[inside.astype(np.int64)])) >= limit


def _nearest(batches: list[_Batch], spots: Spots, limit: int) -> list[Found]:
    dot = batches[0].dot if len(batches) == 1 else np.concatenate([b.dot for b in batches])
    if not len(dot):
        return []
    order = np.argsort(-dot, kind="stable")
    if spots.multi == 0:
        # Ties at the cut are settled below by the first matching row: take them all.
        end = min(limit, len(order))
        while end < len(order) and dot[order[end]] == dot[order[end - 1]]:
            end += 1
        chosen = order[:end]
    else:
        chosen = order  # every candidate: the sites are told apart below
    found = _found(batches, chosen)
    # Nearest first, then by the row first posted. The dot products put one batch's spots
    # in order of distance already; spots of several batches, or equal distances, are sorted.
    if len(batches) > 1 or any(a[1] == b[1] for a, b in itertools.pairwise(found)):
        found.sort(key=lambda f: (f[1], f[2][0]))
    if spots.multi == 0:
        return found[:limit]
    # A site's distance is that of its nearest matching spot; its other matching spots are
    # answered too, as far as the last site chosen.
    sites: list[int] = []
    for f in found:
        site = int(spots.site[f[0]])
        if site not in sites:
            sites.append(site)
            if len(sites) == limit:
                return [g for g in found if spots.site[g[0]] in sites and g[1] <= f[1]]
    return found


def _found(batches: list[_Batch], chosen: IntArray) -> list[Found]:
    """The chosen matching spots (positions among every batch's hits) with their rows."""
    if len(batches) == 1:
        return _rows(batches[0], chosen)
    offset = np.cumsum([0] + [len(b.dot) for b in batches])
    found: list[Found] = []
    for i, batch in enumerate(batches):
        mine = chosen[(chosen >= offset[i]) & (chosen < offset[i + 1])]
        if len(mine):
            found += _rows(batch, mine - offset[i])
    return found


def _rows(batch: _Batch, chosen: IntArray) -> list[Found]:
    """Some of a batch's hits with their matching slots, in one pass over their rows."""
    positions = batch.hit[chosen]
    counts = batch.counts[positions]
    ends = np.cumsum(counts)
    begins = ends - counts
    at = np.arange(int(ends[-1])) + np.repeat(batch.starts[positions] - begins, counts)
    ok = batch.ok[at]
    slots = (-1 - batch.numbers[at[ok], 3]).astype(np.int64).tolist()
    per = np.add.reduceat(ok, begins, dtype=np.int64).tolist()
    angle = np.arccos(np.minimum(batch.dot[chosen], 1.0)) * EARTH_RADIUS_M
    found: list[Found] = []
    start = 0
    spot = batch.places[positions, 4].astype(np.int64).tolist()
    for where, metres_to, n in zip(spot, angle.tolist(), per, strict=True):
        found.append((where, metres_to, slots[start : start + n]))
        start += n
    return found
