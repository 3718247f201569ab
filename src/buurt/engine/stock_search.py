"""A nearest-stock query over one key's buckets: best bucket first, a batch at a time.

Each bucket's centre and reach bound the distance of every spot it holds from below
(``distance to the centre - reach``, by the triangle inequality on the sphere). A query
computes that bound for all of the key's buckets in one pass, keeps those within the radius,
and answers them nearest bound first, in batches. A batch is one vectorised pass over its
spots' distances, one over their rows (available, price, from when) and one ``reduceat``
that tells, per spot, whether it has a matching row and the smallest such slot. The search
stops once ``limit`` sites are found no farther than the bound of the next bucket: nothing
left can come nearer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from buurt.engine.geometry import EARTH_RADIUS_M, unit_vector
from buurt.engine.stock_buckets import Bucket, FloatArray, IntArray, Key, Spots, metres

_NONE = np.iinfo(np.int64).max  # "no matching row" where a spot's smallest slot goes
_FIRST_BATCH = 4  # spots per site asked for in the first batch; each next one doubles


@dataclass(frozen=True, slots=True)
class Ask:
    lat: float
    lon: float
    radius_m: float
    limit: int
    min_quantity: int
    max_price: float
    at: float


@dataclass(slots=True)
class _Batch:
    """The rows of a batch of buckets, and its spots that match within the radius."""

    slots: IntArray
    ok: npt.NDArray[np.bool_]  # which rows match
    starts: IntArray
    counts: IntArray
    hit: IntArray  # the matching spots within the radius (positions in the batch)
    spot: IntArray  # their spot numbers,
    d: FloatArray  # their distances,
    first: IntArray  # and their smallest matching slot


@dataclass(frozen=True, slots=True)
class Found:
    """A matching spot: its number, its distance and its matching slots (ascending)."""

    spot: int
    distance_m: float
    slots: list[int]


def search(
    key: Key, available: IntArray, price: FloatArray, since: FloatArray, spots: Spots, ask: Ask
) -> list[Found]:
    """The spots of the ``limit`` nearest matching sites, nearest first (a site at more than
    one spot has each of its matching spots no farther than the last site's)."""
    here = np.array(unit_vector(ask.lat, ask.lon))
    bound = metres(key.centres @ here) - key.reach
    (near,) = np.nonzero(bound <= ask.radius_m)
    if not len(near):
        return []
    near = near[np.argsort(bound[near], kind="stable")]
    frontier = bound[near]
    spots_up_to = np.cumsum(key.sizes[near])
    # The squared chord between unit vectors p and q is 2 - 2·p·q: a spot is within the
    # radius when its dot product with the point is at least this.
    least_dot = 1 - 2 * math.sin(min(ask.radius_m / EARTH_RADIUS_M, math.pi) / 2) ** 2
    batches: list[_Batch] = []
    want, done = _FIRST_BATCH * ask.limit, 0
    while done < len(near):
        end = min(len(near), max(done + 1, int(np.searchsorted(spots_up_to, want)) + 1))
        buckets = [key.listed[i] for i in near[done:end].tolist()]
        batches.append(_pass(buckets, (available, price, since), here, least_dot, ask))
        done = end
        edge = float(frontier[done]) if done < len(near) else math.inf
        if _enough(batches, spots, edge, ask.limit):
            break
        want = 2 * int(spots_up_to[done - 1])
    return _nearest(batches, spots, ask.limit)


def _pass(
    buckets: list[Bucket],
    numbers: tuple[IntArray, FloatArray, FloatArray],
    here: FloatArray,
    least_dot: float,
    ask: Ask,
) -> _Batch:
    available, price, since = numbers
    if len(buckets) == 1:
        (b,) = buckets
        xyz, spot, counts, starts, slots = b.xyz, b.spots, b.counts, b.starts, b.slots
    else:
        xyz = np.concatenate([b.xyz for b in buckets])
        spot = np.concatenate([b.spots for b in buckets])
        counts = np.concatenate([b.counts for b in buckets])
        slots = np.concatenate([b.slots for b in buckets])
        starts = np.cumsum(counts) - counts
    dot = xyz @ here
    ok = available[slots] >= ask.min_quantity
    if ask.at != math.inf:
        ok &= since[slots] <= ask.at
    if ask.max_price != math.inf:
        ok &= price[slots] <= ask.max_price
    # Per spot, the smallest matching slot (its rows are ascending, so a minimum over the
    # rows with the others masked out): _NONE where no row matches.
    first = np.minimum.reduceat(np.where(ok, slots, _NONE), starts) if len(slots) else slots
    (hit,) = np.nonzero((dot >= least_dot) & (first != _NONE))
    return _Batch(slots, ok, starts, counts, hit, spot[hit], metres(dot[hit]), first[hit])


def _enough(batches: list[_Batch], spots: Spots, edge: float, limit: int) -> bool:
    """Whether ``limit`` sites are found no farther than ``edge``."""
    if spots.multi == 0:  # a spot is a site
        return sum(int(np.count_nonzero(b.d <= edge)) for b in batches) >= limit
    inside = np.concatenate([b.spot[b.d <= edge] for b in batches])
    return len(np.unique(spots.site[inside])) >= limit


def _nearest(batches: list[_Batch], spots: Spots, limit: int) -> list[Found]:
    d = np.concatenate([b.d for b in batches])
    first = np.concatenate([b.first for b in batches])
    spot = np.concatenate([b.spot for b in batches])
    order = np.lexsort((first, d))  # nearest first, then by the row first posted
    if spots.multi == 0:
        chosen = order[:limit]
    elif len(order):
        # A site's distance is that of its nearest matching spot; its other matching spots
        # are answered too, as far as the last site chosen.
        site = spots.site[spot[order]]
        _, firsts = np.unique(site, return_index=True)
        picked = np.sort(firsts)[:limit]
        last = d[order[picked[-1]]]
        chosen = order[np.isin(site, site[picked]) & (d[order] <= last)]
    else:
        chosen = order
    which = np.repeat(np.arange(len(batches)), [len(b.d) for b in batches])
    offset = np.cumsum([0] + [len(b.d) for b in batches])
    rows: dict[int, list[int]] = {}
    for i, batch in enumerate(batches):
        mine = chosen[which[chosen] == i]
        if len(mine):
            rows.update(zip(mine.tolist(), _rows(batch, batch.hit[mine - offset[i]]), strict=True))
    return [Found(int(spot[j]), float(d[j]), rows[j]) for j in chosen.tolist()]


def _rows(batch: _Batch, positions: IntArray) -> list[list[int]]:
    """The matching slots of some spots of a batch, spot by spot, in one pass."""
    counts = batch.counts[positions]
    ends = np.cumsum(counts)
    begins = ends - counts
    at = np.arange(int(ends[-1])) + np.repeat(batch.starts[positions] - begins, counts)
    ok = batch.ok[at]
    slots = batch.slots[at[ok]].tolist()
    per = np.add.reduceat(ok, begins, dtype=np.int64).tolist()
    out, start = [], 0
    for n in per:
        out.append(slots[start : start + n])
        start += n
    return out
