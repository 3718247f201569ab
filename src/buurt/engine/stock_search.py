"""A nearest-stock query over one key's buckets: best bucket first, a batch at a time.

Each bucket's centre and reach bound the distance of every spot it holds from below (the
angle to the centre minus the reach, by the triangle inequality on the sphere). A query
computes that bound for all of the key's buckets in one pass, keeps those within the radius,
and answers them nearest bound first, in batches. The first batch is looked at nearest spot
first: one vectorised pass over its spots' dot products with the point, then one comparison
of the rows of its few nearest spots with the query's limits; that settles most queries. When
it does not, every batch is one pass over its spots' dot products, given to their rows, and
one over the rows. The search stops once ``limit`` sites are found no farther than the bound
of the next bucket: nothing left can come nearer. Distances in metres are computed for the
answer alone.

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

from buurt.engine.geometry import EARTH_RADIUS_M, dots, unit_vector
from buurt.engine.stock_buckets import Bucket, FloatArray, Key, Spots

_ALL_TRUE = int.from_bytes(b"\x01" * 4, "little")  # four true bytes
_FIRST_BATCH = 12  # spots per site asked for in the first batch; each next batch doubles
_LOOK = 3  # spots per site asked for whose rows a first look at the first batch compares


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
    """The rows of a batch of buckets that match and are within the radius, in the batch's
    order (a spot's rows one after another, ascending): their dot products with the point
    (the same for every row of a spot), their ``-(slot + 1)`` and their spots (as floats)."""

    dot: FloatArray
    slot: FloatArray
    spot: FloatArray


def search(key: Key, spots: Spots, ask: Ask) -> list[Found]:
    """The spots of the ``limit`` nearest matching sites, nearest first (a site at more than
    one spot has each of its matching spots no farther than the last site's)."""
    here = np.array(unit_vector(ask.lat, ask.lon))
    radius = min(ask.radius_m / EARTH_RADIUS_M, math.pi)
    # Rounding can take a dot product of unit vectors a hair past 1; the reach's margin
    # covers what arccos loses near 0.
    bound = np.arccos(np.minimum(key.centres @ here, 1.0))
    bound -= key.reach
    (near,) = (bound <= radius).nonzero()
    if not len(near):
        return []
    frontier = bound[near]
    order = frontier.argsort(kind="stable")
    near, frontier = near[order], frontier[order]
    spots_up_to = key.sizes[near].cumsum()
    least_dot = math.cos(radius)
    limits = np.array((-ask.min_quantity, ask.at, ask.max_price, 0.0))
    listed, batches = key.listed, []
    want, done, total = _FIRST_BATCH * ask.limit, 0, len(near)
    end = min(total, int(spots_up_to.searchsorted(want)) + 1)
    buckets = [listed[i] for i in near[:end].tolist()]
    if spots.multi == 0:
        # A bound below 0 (the point within a bucket's reach) covers nothing yet.
        covered = math.cos(max(0.0, float(frontier[end]))) if end < total else None
        found = _first_look(key, buckets, here, limits, least_dot, ask.limit, covered)
        if found is not None:
            return found
    while True:
        end = min(total, max(done + 1, int(spots_up_to.searchsorted(want)) + 1))
        buckets = [listed[i] for i in near[done:end].tolist()]
        batches.append(_pass(buckets, limits, here, least_dot))
        done = end
        if done == total:
            break
        # A bound below 0 (the point within a bucket's reach) covers nothing yet.
        covered = math.cos(max(0.0, float(frontier[done])))
        if _enough(batches, spots, covered, ask.limit):
            break
        want = 2 * int(spots_up_to[done - 1])
    return _nearest(batches, spots, ask.limit)


def _first_look(
    key: Key,
    buckets: list[Bucket],
    here: FloatArray,
    limits: FloatArray,
    least: float,
    limit: int,
    covered: float | None,
) -> list[Found] | None:
    """The answer from the rows of the first batch's nearest spots alone (``_LOOK`` per site
    asked for), or None if they do not settle it: too few of them match, a spot not looked at
    is as near as the last one answered, or buckets not taken (``covered`` is the least dot
    product they can hold) may hold nearer ones. Most queries end here, having compared a
    few dozen rows rather than every row of the batch (hundreds, or thousands for a group)."""
    if len(buckets) == 1:
        (b,) = buckets
        places, numbers, counts, starts = b.places, b.numbers, b.counts, b.starts
    else:
        places = np.concatenate([b.places for b in buckets])
        counts = np.concatenate([b.counts for b in buckets])
        homes = [b.home for b in buckets if b.home is not None]
        if len(homes) == len(buckets):  # all still as loaded: read the few rows looked at
            numbers, starts = key.rows, np.concatenate(homes)
        else:
            numbers = np.concatenate([b.numbers for b in buckets])
            starts = counts.cumsum() - counts
    dot = dots(places, here)
    # Nearest first (ties in the batch's order); the spots within the radius lead.
    order = (-dot).argsort(kind="stable")
    inside = int(np.count_nonzero(dot >= least))
    look = order[: min(inside, _LOOK * limit)]
    rest = float(dot[order[len(look)]]) if inside > len(look) else -math.inf
    if not len(look):
        return [] if covered is None else None
    # The looked-at spots' rows, one after another, and which of them match.
    count = counts[look]
    ends = count.cumsum()
    begins = ends - count
    looked = numbers[np.arange(int(ends[-1])) + (starts[look] - begins).repeat(count)]
    ok = (looked <= limits).view(np.uint32)[:, 0] == _ALL_TRUE
    per = np.add.reduceat(ok, begins)
    (hit,) = per.nonzero()
    if len(hit) < limit:
        if rest > -math.inf or covered is not None:
            return None
        n = len(hit)
    else:
        n = limit
        last = dot[look[hit[n - 1]]]
        while n < len(hit) and dot[look[hit[n]]] == last:
            n += 1  # ties at the cut are settled below by the first matching row
        if rest >= last or (covered is not None and last < covered):
            return None
    chosen = look[hit[:n]]
    # A spot that is not a hit has no matching row: the matching rows up to the first hit
    # not chosen are those of the chosen spots.
    (rows,) = ok[: begins[hit[n]] if n < len(hit) else len(ok)].nonzero()
    slots = (~looked[rows, 3].astype(np.int64)).tolist()  # ~(-(s + 1)) is s
    metres_to = (np.arccos(np.minimum(dot[chosen], 1.0)) * EARTH_RADIUS_M).tolist()
    found: list[Found] = []
    start = 0
    for where, far, many in zip(
        places[chosen, 4].tolist(), metres_to, per[hit[:n]].tolist(), strict=True
    ):
        found.append((int(where), far, slots[start : start + many]))
        start += many
    if any(a == b for a, b in itertools.pairwise(metres_to)):
        found.sort(key=lambda f: (f[1], f[2][0]))
    return found


def _pass(buckets: list[Bucket], limits: FloatArray, here: FloatArray, least: float) -> _Batch:
    if len(buckets) == 1:
        (b,) = buckets
        places, numbers, counts = b.places, b.numbers, b.counts
    else:
        places = np.concatenate([b.places for b in buckets])
        numbers = np.concatenate([b.numbers for b in buckets])
        counts = np.concatenate([b.counts for b in buckets])
    # A spot's dot product is given to each of its rows: the rows are then filtered, and
    # later sorted, with no per-spot fold of their answers.
    dot = dots(places, here).repeat(counts)
    ok = (numbers <= limits).view(np.uint32)[:, 0] == _ALL_TRUE
    ok &= dot >= least
    (rows,) = ok.nonzero()
    return _Batch(dot[rows], numbers[rows, 3], places[:, 4].repeat(counts)[rows])


def _enough(batches: list[_Batch], spots: Spots, least_dot: float, limit: int) -> bool:
    """Whether ``limit`` sites are found with a dot product of at least ``least_dot``."""
    if spots.multi == 0:  # a spot is a site: count the spots, each by its first row
        found = 0
        for b in batches:
            spot = b.spot[b.dot >= least_dot]
            found += int(np.count_nonzero(spot[1:] != spot[:-1])) + bool(len(spot))
        return found >= limit
    inside = np.concatenate([b.spot[b.dot >= least_dot] for b in batches])
    return len(np.unique(spots.site[inside.astype(np.int64)])) >= limit


def _nearest(batches: list[_Batch], spots: Spots, limit: int) -> list[Found]:
    if len(batches) == 1:
        dot, slot, spot = batches[0].dot, batches[0].slot, batches[0].spot
    else:
        dot = np.concatenate([b.dot for b in batches])
        slot = np.concatenate([b.slot for b in batches])
        spot = np.concatenate([b.spot for b in batches])
    if not len(dot):
        return []
    # Stable: rows of equal dot products keep the batches' order, so each spot's rows stay
    # together and ascending.
    order = (-dot).argsort(kind="stable")
    dot, slot, spot = dot[order], slot[order], spot[order]
    (cuts,) = (spot[1:] != spot[:-1]).nonzero()
    begins = [0, *(cuts + 1).tolist()]
    end = len(begins)
    if spots.multi == 0:
        # Ties at the cut are settled below by the first matching row: take them all.
        end = min(limit, end)
        while end < len(begins) and dot[begins[end]] == dot[begins[end - 1]]:
            end += 1
    rows = begins[end] if end < len(begins) else len(dot)
    slots = (~slot[:rows].astype(np.int64)).tolist()  # ~(-(s + 1)) is s
    chosen = begins[:end]
    metres_to = (np.arccos(np.minimum(dot[chosen], 1.0)) * EARTH_RADIUS_M).tolist()
    found: list[Found] = [
        (int(where), far, slots[start:stop])
        for where, far, start, stop in zip(
            spot[chosen].tolist(), metres_to, chosen, [*chosen[1:], rows], strict=True
        )
    ]
    # Nearest first, then by the row first posted. The dot products put one batch's spots
    # in order of distance already; spots of several batches, or equal distances, are sorted.
    if len(batches) > 1 or any(a == b for a, b in itertools.pairwise(metres_to)):
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
