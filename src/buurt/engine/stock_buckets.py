"""The nearest-stock index's storage: places of sites, and buckets of sites per posting key.

A **spot** is a site at one place (a site whose rows all share its place, as the store keeps
them, is one spot). A **key** is what a query asks for: a category (its rows and those of its
sub-categories) or one item. Each key holds **buckets**, one per H3 cell its spots fall in;
a bucket lists its spots with their places, and each spot's rows of the key (their slots,
ascending) contiguously after one another, so a query answers a bucket with one vectorised
pass over its rows and one ``reduceat`` that folds them into their spots.

A bucket's arrays are rebuilt lazily: adding or removing a row turns the bucket's slots into
a set of members, and the next query of the key lays them out again. A bucket keeps a copy of
its rows' numbers (available, price, from when) in its own order: read through the rows' slots
from the index's flat arrays, a query's pass would wait on a cache miss per row (a million rows
do not fit in a cache), and did, most of its time. Changing a row's numbers is therefore a
store into the flat arrays and one into each of its (at most a few) buckets, found by binary
search.
"""

from __future__ import annotations

import math

import h3.api.basic_int as h3
import numpy as np
import numpy.typing as npt

from buurt.engine.geometry import EARTH_RADIUS_M, unit_vector
from buurt.engine.stock_lists import Lists

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FINE = 8  # categories: a cell of about 0.7 km², tens of sites of a city's key
COARSE = 7  # items: a cell of about 5 km², as an item is at far fewer sites than a category
# A bucket's reach is widened by this much, so rounding in a distance computed from a dot
# product (well under a metre) can never make its bound cut off a site it holds.
_REACH_MARGIN_M = 1.0
_EMPTY_INT: IntArray = np.zeros(0, np.int64)
_EMPTY_XYZ: FloatArray = np.zeros((0, 3))
_EMPTY_NUMBERS: FloatArray = np.zeros((0, 4))
_EMPTY_PLACES: FloatArray = np.zeros((0, 5))


def metres(dot: FloatArray) -> FloatArray:
    """Great-circle distances from the dot products of unit vectors: the squared chord is
    ``2 - 2·dot``, and the angle twice the arcsine of half the chord."""
    chord = np.sqrt(np.maximum(0.0, 2 - 2 * dot))
    result: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2))
    return result


class Spots:
    """Spots numbered as they first appear; a spot's number is reused once no row is there.

    ``multi`` counts the sites that are at more than one spot: while it is 0, a spot is a
    site and a query need not fold spots into sites.
    """

    def __init__(self) -> None:
        self.number: dict[tuple[int, float, float], int] = {}
        self.site: IntArray = np.zeros(0, np.int64)
        self.xyz: FloatArray = np.zeros((0, 3))
        self.fine: IntArray = np.zeros(0, np.int64)
        self.coarse: IntArray = np.zeros(0, np.int64)
        self.rows: IntArray = np.zeros(0, np.int64)
        self._place: list[tuple[int, float, float]] = []
        self._free: list[int] = []
        self._spots_of_site: dict[int, int] = {}
        self.multi = 0

    def of(self, site: int, lat: float, lon: float) -> int:
        """The spot of a site at a place, made if it is new (with no rows yet)."""
        spot = self.number.get((site, lat, lon))
        if spot is not None:
            return spot
        if self._free:
            spot = self._free.pop()
            self._place[spot] = (site, lat, lon)
        else:
            spot = len(self._place)
            self._place.append((site, lat, lon))
            if spot >= len(self.site):
                size = max(64, 2 * spot)
                self.site = np.resize(self.site, size)
                self.xyz = np.resize(self.xyz, (size, 3))
                self.fine = np.resize(self.fine, size)
                self.coarse = np.resize(self.coarse, size)
                self.rows = np.resize(self.rows, size)
        self.number[site, lat, lon] = spot
        fine = h3.latlng_to_cell(lat, lon, FINE)
        self.site[spot], self.xyz[spot], self.rows[spot] = site, unit_vector(lat, lon), 0
        self.fine[spot], self.coarse[spot] = fine, h3.cell_to_parent(fine, COARSE)
        count = self._spots_of_site.get(site, 0) + 1
        self._spots_of_site[site] = count
        self.multi += count == 2
        return spot

    def load(self, site: IntArray, lat: FloatArray, lon: FloatArray) -> IntArray:
        """The spot of every row of a bulk load into an empty index, its rows counted."""
        if not len(site):
            return np.zeros(0, np.int64)
        order = np.lexsort((lon, lat, site))
        s, la, lo = site[order], lat[order], lon[order]
        new = np.r_[True, (s[1:] != s[:-1]) | (la[1:] != la[:-1]) | (lo[1:] != lo[:-1])]
        starts = np.flatnonzero(new)
        spots = np.array(
            [self.of(int(s[i]), float(la[i]), float(lo[i])) for i in starts.tolist()], np.int64
        )
        per_row = np.empty(len(site), np.int64)
        per_row[order] = np.repeat(spots, np.diff(np.r_[starts, len(site)]))
        self.rows[spots] = np.diff(np.r_[starts, len(site)])
        return per_row

    def hold(self, spot: int) -> None:
        self.rows[spot] += 1

    def release(self, spot: int) -> None:
        """One row fewer at the spot; a spot with none left is forgotten."""
        self.rows[spot] -= 1
        if self.rows[spot] > 0:
            return
        site, lat, lon = self._place[spot]
        del self.number[site, lat, lon]
        self._free.append(spot)
        count = self._spots_of_site[site] - 1
        self.multi -= count == 1
        if count:
            self._spots_of_site[site] = count
        else:
            del self._spots_of_site[site]


class Bucket:
    """The spots of one key in one H3 cell, with their rows of the key.

    Settled, ``slots`` holds the rows spot by spot (ascending within a spot) and ``numbers``
    their numbers in the same order (the index's four per row, the last ``-(slot + 1)``);
    ``spots``, ``counts`` and ``starts`` (where its rows begin) describe the spots in that
    order, and ``places`` them again side by side as a query reads them, one row per spot:
    ``x, y, z, count, spot``; ``reach`` is the greatest angle (radians) between the cell's
    centre and a spot. A query reads ``places`` and ``numbers`` alone: two arrays per bucket
    to gather, not one per column. While rows come and go, ``members`` holds the slots and
    the arrays wait for ``settle``.
    """

    __slots__ = (
        "centre", "counts", "home", "members", "numbers", "places", "position", "reach",
        "slots", "spots", "starts",
    )  # fmt: skip

    def __init__(self, centre: FloatArray) -> None:
        self.centre = centre
        self.members: set[int] | None = set()
        self.slots, self.spots, self.counts, self.starts = (_EMPTY_INT,) * 4
        self.numbers, self.places = _EMPTY_NUMBERS, _EMPTY_PLACES
        self.reach = -math.inf
        self.position = -1  # in its key's arrays, once laid out
        # Where its spots' rows start in its key's ``rows`` (of which ``numbers`` is then a
        # view), while it is as a bulk load laid it out; None once laid out on its own.
        self.home: IntArray | None = None

    def settle(self, spot_of: IntArray, numbers: FloatArray, spots: Spots) -> None:
        members = self.members
        if members is None:
            return
        self.members = None
        self.home = None
        slots = np.fromiter(members, np.int64, len(members))
        where = spot_of[slots]
        order = np.lexsort((slots, where))
        slots, where = slots[order], where[order]
        starts = np.flatnonzero(np.r_[True, where[1:] != where[:-1]]) if len(slots) else slots
        self.slots, self.starts = slots, starts
        self.numbers = np.take(numbers, slots, axis=0)
        self.spots, self.counts = where[starts], np.diff(np.r_[starts, len(slots)])
        self.places = _places(spots.xyz[self.spots], self.counts, self.spots)
        self.reach = _reach(self.places[:, :3], self.centre) if len(slots) else -math.inf

    def store(self, slot: int, spot: int, numbers: FloatArray) -> None:
        """Copy a row's new numbers in (a bucket waiting to settle reads them then)."""
        if self.members is not None:
            return
        i = int(np.searchsorted(self.spots, spot))
        start = int(self.starts[i])
        rows = self.slots[start : start + int(self.counts[i])]
        self.numbers[start + int(np.searchsorted(rows, slot))] = numbers

    def add(self, slot: int) -> bool:
        """Take a row in; true if the bucket had been settled."""
        settled = self.members is None
        if settled:
            self.members = set(self.slots.tolist())
        assert self.members is not None
        self.members.add(slot)
        return settled

    def discard(self, slot: int) -> bool:
        settled = self.members is None
        if settled:
            self.members = set(self.slots.tolist())
        assert self.members is not None
        self.members.discard(slot)
        return settled


def _places(xyz: FloatArray, counts: IntArray, spots: IntArray) -> FloatArray:
    # Counts and spot numbers are far below 2**53: exact as floats.
    return np.concatenate([xyz, counts[:, None], spots[:, None]], axis=1, dtype=np.float64)


def _reach(xyz: FloatArray, centre: FloatArray) -> float:
    return float(metres(xyz @ centre).max() + _REACH_MARGIN_M) / EARTH_RADIUS_M


class Key:
    """The buckets of one posting key, and their centres and reaches side by side, so a
    query bounds the distance to every bucket in one vectorised pass."""

    __slots__ = (
        "asked", "buckets", "centres", "dirty", "listed", "lists", "reach", "resolution",
        "rows", "sizes", "stale",
    )  # fmt: skip

    def __init__(self, resolution: int) -> None:
        self.resolution = resolution
        self.buckets: dict[int, Bucket] = {}
        self.dirty: list[Bucket] = []
        self.stale = True  # the set of buckets changed since the arrays were laid out
        self.listed: list[Bucket] = []
        self.centres: FloatArray = _EMPTY_XYZ
        self.reach: FloatArray = np.zeros(0)
        self.sizes: IntArray = _EMPTY_INT  # spots per bucket
        # The numbers of every row of a bulk load, bucket by bucket: a query that looks at a
        # few rows of several buckets still laid out so reads them here, copying no others.
        self.rows: FloatArray = _EMPTY_NUMBERS
        # Its candidate lists (``stock_lists``), None while stale, and the queries asked of
        # it since they went stale.
        self.lists: Lists | None = None
        self.asked = 0

    def add(self, cell: int, slot: int) -> None:
        self.lists, self.asked = None, 0
        bucket = self.buckets.get(cell)
        if bucket is None:
            bucket = self.buckets[cell] = Bucket(_centre(cell))
            self.stale = True
            self.dirty.append(bucket)
        if bucket.add(slot):
            self.dirty.append(bucket)

    def discard(self, cell: int, slot: int) -> None:
        self.lists, self.asked = None, 0
        bucket = self.buckets.get(cell)
        if bucket is not None and bucket.discard(slot):
            self.dirty.append(bucket)

    def rows_of(self) -> IntArray:
        """The slots of the key's rows (a settled key's)."""
        if not self.listed:
            return _EMPTY_INT
        return np.concatenate([b.slots for b in self.listed])

    def settle(self, spot_of: IntArray, numbers: FloatArray, spots: Spots) -> None:
        """Lay out the buckets that changed, then the key's arrays if buckets came or went."""
        for bucket in self.dirty:
            bucket.settle(spot_of, numbers, spots)
            if bucket.position >= 0 and not self.stale:
                self.reach[bucket.position] = bucket.reach
                self.sizes[bucket.position] = len(bucket.spots)
        self.dirty.clear()
        if not self.stale:
            return
        self.stale = False
        for cell in [c for c, b in self.buckets.items() if not len(b.slots)]:
            del self.buckets[cell]
        self.listed = list(self.buckets.values())
        for position, bucket in enumerate(self.listed):
            bucket.position = position
        self.centres = np.array([b.centre for b in self.listed]).reshape(-1, 3)
        self.reach = np.array([b.reach for b in self.listed])
        self.sizes = np.array([len(b.spots) for b in self.listed], np.int64)


_CENTRES: dict[int, FloatArray] = {}


def _centre(cell: int) -> FloatArray:
    centre = _CENTRES.get(cell)
    if centre is None:
        centre = _CENTRES[cell] = np.array(unit_vector(*h3.cell_to_latlng(cell)))
    return centre


def fill(
    key: Key,
    slots: IntArray,
    cells: IntArray,
    spot_of: IntArray,
    numbers: FloatArray,
    spots: Spots,
) -> None:
    """Lay out a key's buckets at once from its rows (a bulk load): the rows sorted by cell,
    spot and slot, cut into buckets and spots with no loop over rows."""
    where = spot_of[slots]
    order = np.lexsort((slots, where, cells))
    slots, where, cells = slots[order], where[order], cells[order]
    n = len(slots)
    if not n:
        return
    copied = np.take(numbers, slots, axis=0)
    cut = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    spot_starts = np.flatnonzero(np.r_[True, (where[1:] != where[:-1]) | (cells[1:] != cells[:-1])])
    counts = np.diff(np.r_[spot_starts, n])
    spot_ids = where[spot_starts]
    xyz = spots.xyz[spot_ids]
    places = _places(xyz, counts, spot_ids)
    first_spot: IntArray = np.asarray(np.searchsorted(spot_starts, np.r_[cut, n]), np.int64)
    unique_cells = cells[cut].tolist()
    centres = np.array([_centre(c) for c in unique_cells])
    spot_centre = np.repeat(centres, np.diff(first_spot), axis=0)
    far = metres(np.einsum("ij,ij->i", xyz, spot_centre))
    farthest: FloatArray = np.asarray(np.maximum.reduceat(far, first_spot[:-1]), np.float64)
    reach: list[float] = ((farthest + _REACH_MARGIN_M) / EARTH_RADIUS_M).tolist()
    bounds: list[int] = first_spot.tolist()
    cut_list = [*cut.tolist(), n]
    for j, cell in enumerate(unique_cells):
        bucket = Bucket(centres[j])
        lo, hi = bounds[j], bounds[j + 1]
        bucket.members = None
        bucket.slots = slots[cut_list[j] : cut_list[j + 1]]
        bucket.numbers = copied[cut_list[j] : cut_list[j + 1]]
        bucket.places, bucket.spots, bucket.counts = places[lo:hi], spot_ids[lo:hi], counts[lo:hi]
        bucket.starts = spot_starts[lo:hi] - cut_list[j]
        bucket.home = spot_starts[lo:hi]
        bucket.reach = reach[j]
        key.buckets[cell] = bucket
    key.rows = copied
    key.stale = True
