"""The nearest-stock index: the sites that have stock of a category or an item, nearest first.

Every stock row is posted under its category, the category's ancestors (``food/bread``,
``food``) and its item. A posting key keeps its *sites*, not its rows, bucketed by H3 cell
(``stock_buckets``), each site with its rows of the key side by side; a query answers site
first, as a database's nearest-neighbour scan with an ``EXISTS`` does: it bounds the distance
to every bucket of the key at once, takes the nearest buckets a batch at a time, and checks
their sites' distances and rows in one vectorised pass each (``stock_search``), so its cost
follows the stock near the point, never the number of rows of the key.

Most queries never get that far: a key also keeps candidate lists (``stock_lists``), for each
H3 cell around its spots the spots within a reach of the cell's centre, and a query answered
from its point's list (when the list provably holds the answer) looks at a few dozen spots
taken in one gather. The lists are drawn when the index is loaded; a row added, removed or
moved leaves its keys' lists stale until the key has been asked often enough to pay for
drawing them again, and the buckets answer meanwhile.

A row's changing numbers (available units, price, from when) live in flat arrays indexed by
the row's slot, so an update is a store into an array; a bucket changes only when a row is
added, removed, re-categorised, given another item, or its site moves, and is laid out again
only when a query next needs it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from buurt.engine.geometry import EARTH_RADIUS_M, unit_vector
from buurt.engine.stock_buckets import COARSE, FINE, Key, Spots, fill
from buurt.engine.stock_lists import Lists, answer, build
from buurt.engine.stock_search import Ask, Found, search

__all__ = ["EARTH_RADIUS_M", "NEVER", "NearSite", "StockColumns", "StockIndex", "StockRow"]

NEVER = -math.inf  # "available from" of stock that is there now

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class StockRow:
    """What the index keeps of one stock row."""

    stock_id: str
    item_id: str
    site_id: str
    category: str
    lat: float
    lon: float
    available: int
    price: float
    available_from: float = NEVER  # seconds since the epoch
    version: int = 1


@dataclass(frozen=True)
class StockColumns:
    """Many stock rows at once, column by column (what ``load`` takes)."""

    stock_ids: Sequence[str]
    item_ids: Sequence[str]
    site_ids: Sequence[str]
    categories: Sequence[str]
    lat: FloatArray
    lon: FloatArray
    available: IntArray
    price: FloatArray
    since: FloatArray
    version: IntArray


class NearSite(NamedTuple):
    """A site with matching stock, its distance from the point, and the matching rows
    (stock ids, nearest site first). A named tuple: a query makes one per site it answers,
    and a tuple is made several times faster than a frozen dataclass."""

    site_id: str
    distance_m: float
    stock_ids: tuple[str, ...]


def keys_of(category: str) -> list[str]:
    """The posting keys of a category: itself and its ancestors."""
    parts = category.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


_COLUMNS = ("site", "item", "category", "spot", "version")
# A key's stale lists are drawn again once it has been asked one query per this many of its
# rows since it changed: drawing them costs about as much as a few dozen searches per
# thousand rows.
_ROWS_PER_QUERY = 256
_GONE = 1.0  # the first number of a removed row: no query's -min_quantity is above it


@dataclass
class _Rows:
    """What every slot holds, in arrays that grow by doubling. ``numbers`` holds what a
    query compares, side by side: ``(-available, available_from, price, -(slot + 1))``."""

    numbers: FloatArray = field(default_factory=lambda: np.zeros((0, 4)))
    site: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    item: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    category: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    spot: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    version: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))

    def grow(self, size: int) -> None:
        if size <= len(self.site):
            return
        size = max(size, 2 * len(self.site), 64)
        self.numbers = np.resize(self.numbers, (size, 4))
        for name in _COLUMNS:
            setattr(self, name, np.resize(getattr(self, name), size))


class _Names:
    """Strings numbered in the order first seen."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.number: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        number = self.number.get(name)
        if number is None:
            number = self.number[name] = len(self.names)
            self.names.append(name)
        return number


class StockIndex:
    """Stock rows by category, item and place; synchronous, deterministic, no I/O. Not
    thread-safe: its owner serialises changes and queries."""

    def __init__(self) -> None:
        self._rows = _Rows()
        self._slot: dict[str, int] = {}
        self._free: list[int] = []
        self._stock_ids: list[str] = []
        self._sites, self._items, self._categories = _Names(), _Names(), _Names()
        self._spots = Spots()
        self._keys: dict[str, Key] = {}  # by category, its sub-categories' rows included
        self._item_keys: dict[int, Key] = {}
        self._keys_of: list[list[Key]] = []  # by category number

    def __len__(self) -> int:
        return len(self._slot)

    def put(self, row: StockRow) -> None:
        """Add a row, or take it as it now is; a row older than the one held is ignored."""
        rows = self._rows
        slot = self._slot.get(row.stock_id)
        if slot is not None and row.version < rows.version[slot]:
            return
        category, item = self._category(row.category), self._items(row.item_id)
        spot = self._spots.of(self._sites(row.site_id), row.lat, row.lon)
        posted = slot is not None and (
            (rows.category[slot], rows.item[slot], rows.spot[slot]) == (category, item, spot)
        )
        if posted:
            assert slot is not None
            numbers = rows.numbers[slot]
            numbers[:] = (-row.available, row.available_from, row.price, -(slot + 1))
            rows.version[slot] = row.version
            self._store(slot, numbers)
        else:
            # Held before the row lets go of its old spot: that may be this very spot, and
            # letting go of its last row first would forget it while the row still holds it.
            self._spots.hold(spot)
            if slot is None:
                slot = self._new_slot(row.stock_id)
            else:
                self._unpost(slot)
            rows.numbers[slot] = (-row.available, row.available_from, row.price, -(slot + 1))
            rows.version[slot] = row.version
            rows.site[slot], rows.item[slot] = self._spots.site[spot], item
            rows.category[slot], rows.spot[slot] = category, spot
            self._post(slot)

    def load(self, columns: StockColumns) -> None:
        """Take many rows at once into an empty index (far faster than ``put`` one by one)."""
        if self._slot:
            raise ValueError("load fills an empty index; put changes one row")
        n = len(columns.stock_ids)
        self._stock_ids = list(columns.stock_ids)
        self._slot = {ident: slot for slot, ident in enumerate(self._stock_ids)}
        rows, spots = self._rows, self._spots
        rows.grow(n)
        rows.numbers[:n, 0], rows.numbers[:n, 1] = -columns.available, columns.since
        rows.numbers[:n, 2], rows.numbers[:n, 3] = columns.price, -1 - np.arange(n)
        rows.version[:n] = columns.version
        rows.site[:n] = np.fromiter(map(self._sites, columns.site_ids), np.int64, n)
        rows.item[:n] = np.fromiter(map(self._items, columns.item_ids), np.int64, n)
        rows.category[:n] = np.fromiter(map(self._category, columns.categories), np.int64, n)
        rows.spot[:n] = spots.load(rows.site[:n], columns.lat, columns.lon)
        slots = np.arange(n, dtype=np.int64)
        fine, coarse = spots.fine[rows.spot[:n]], spots.coarse[rows.spot[:n]]
        numbers: dict[int, list[int]] = {}  # by key (its id): the categories it covers
        for number, keys in enumerate(self._keys_of):
            for key in keys:
                numbers.setdefault(id(key), []).append(number)
        for key in self._keys.values():
            under = np.isin(rows.category[:n], numbers[id(key)])
            fill(key, slots[under], fine[under], rows.spot, rows.numbers, spots)
            if not spots.multi:
                key.lists = self._build(slots[under])
        by_item = np.argsort(rows.item[:n], kind="stable")
        items = rows.item[by_item]
        cuts = np.flatnonzero(np.r_[True, items[1:] != items[:-1], True]).tolist() if n else []
        for start, end in itertools.pairwise(cuts):
            part = by_item[start:end]
            key = self._item_keys[int(items[start])] = Key(COARSE)
            fill(key, part, coarse[part], rows.spot, rows.numbers, spots)
            if not spots.multi:
                key.lists = self._build(part)

    def remove(self, stock_id: str) -> None:
        slot = self._slot.pop(stock_id, None)
        if slot is None:
            return
        self._unpost(slot)
        self._rows.numbers[slot, 0] = _GONE
        self._free.append(slot)

    def _category(self, name: str) -> int:
        number = self._categories(name)
        if number == len(self._keys_of):
            self._keys_of.append([self._keys.setdefault(key, Key(FINE)) for key in keys_of(name)])
        return number

    def _post(self, slot: int) -> None:
        rows, spots = self._rows, self._spots
        spot = int(rows.spot[slot])
        fine = int(spots.fine[spot])
        for key in self._keys_of[int(rows.category[slot])]:
            key.add(fine, slot)
        item = int(rows.item[slot])
        if item not in self._item_keys:
            self._item_keys[item] = Key(COARSE)
        self._item_keys[item].add(int(spots.coarse[spot]), slot)

    def _store(self, slot: int, numbers: FloatArray) -> None:
        rows, spots = self._rows, self._spots
        spot = int(rows.spot[slot])
        fine = int(spots.fine[spot])
        item_key = self._item_keys[int(rows.item[slot])]
        for key in self._keys_of[int(rows.category[slot])]:
            key.buckets[fine].store(slot, spot, numbers)
            if key.lists is not None:
                key.lists.store(slot, spot, numbers)
        item_key.buckets[int(spots.coarse[spot])].store(slot, spot, numbers)
        if item_key.lists is not None:
            item_key.lists.store(slot, spot, numbers)

    def _unpost(self, slot: int) -> None:
        rows, spots = self._rows, self._spots
        spot = int(rows.spot[slot])
        fine = int(spots.fine[spot])
        for key in self._keys_of[int(rows.category[slot])]:
            key.discard(fine, slot)
        self._item_keys[int(rows.item[slot])].discard(int(spots.coarse[spot]), slot)
        spots.release(spot)

    def _new_slot(self, stock_id: str) -> int:
        if self._free:
            slot = self._free.pop()
            self._stock_ids[slot] = stock_id
        else:
            slot = len(self._stock_ids)
            self._stock_ids.append(stock_id)
            self._rows.grow(slot + 1)
        self._slot[stock_id] = slot
        return slot

    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        category: str | None = None,
        item_id: str | None = None,
        radius_m: float,
        limit: int,
        min_quantity: int = 1,
        max_price: float = math.inf,
        at: float = math.inf,
    ) -> list[NearSite]:
        """The ``limit`` nearest sites within ``radius_m`` with a row of ``category`` (or a
        sub-category), or of ``item_id``, that has at least ``min_quantity`` available,
        costs at most ``max_price``, and is available at ``at`` (seconds since the epoch)."""
        if item_id is not None:
            key = self._item_keys.get(self._items.number.get(item_id, -1))
        elif category is not None:
            key = self._keys.get(category)
        else:
            raise ValueError("a query is for a category or an item")
        if key is None or limit < 1:
            return []
        rows, spots = self._rows, self._spots
        if spots.multi == 0 and radius_m >= 0:
            listed = self._listed(key, lat, lon, radius_m, limit, (-min_quantity, at, max_price))
            if listed is not None:
                return listed
        key.settle(rows.spot, rows.numbers, spots)
        ask = Ask(lat, lon, radius_m, limit, min_quantity, max_price, at)
        found = search(key, spots, ask)
        return self._answer(found)

    def _listed(
        self,
        key: Key,
        lat: float,
        lon: float,
        radius_m: float,
        limit: int,
        limits: tuple[float, float, float],
    ) -> list[NearSite] | None:
        """The answer from the key's candidate lists, or None if they cannot settle it (or
        are stale, and not yet asked often enough to be drawn again)."""
        lists = key.lists
        if lists is None:
            rows, spots = self._rows, self._spots
            key.settle(rows.spot, rows.numbers, spots)
            key.asked += 1
            slots = key.rows_of()
            if key.asked * _ROWS_PER_QUERY < len(slots):
                return None
            lists = key.lists = self._build(slots)
        radius = min(radius_m / EARTH_RADIUS_M, math.pi)
        got = answer(lists, lat, lon, unit_vector(lat, lon), radius, limit, limits)
        if got is None:
            return None
        # One lookup for every slot answered, and a site's ids are a slice of the tuple.
        ids = tuple(map(self._stock_ids.__getitem__, got.slots))
        names, ends, near = self._sites.names, got.ends, tuple.__new__
        found = [
            near(NearSite, (names[site], metres_to, ids[ends[j] : ends[j + 1]]))
            for j, (site, metres_to) in enumerate(zip(got.sites, got.metres, strict=True))
        ]
        order = got.ordered(limit)
        return found if order is None else [found[j] for j in order]

    def _build(self, slots: IntArray) -> Lists:
        rows, spots = self._rows, self._spots
        return build(slots, rows.spot, rows.numbers, spots.xyz, spots.fine, spots.site)

    def _answer(self, found: list[Found]) -> list[NearSite]:
        ids, names, site_of = self._stock_ids, self._sites.names, self._spots.site
        if self._spots.multi == 0:
            sites = site_of[[f[0] for f in found]].tolist()
            return [
                NearSite(names[site], metres_to, tuple(map(ids.__getitem__, slots)))
                for site, (_, metres_to, slots) in zip(sites, found, strict=True)
            ]
        # Some site is at more than one place (its rows are moving one by one): fold its
        # spots into it, its rows nearest first.
        by_site: dict[int, list[tuple[float, int]]] = {}
        distance: dict[int, float] = {}
        for spot, metres_to, slots in found:
            site = int(site_of[spot])
            distance.setdefault(site, metres_to)
            by_site.setdefault(site, []).extend((metres_to, s) for s in slots)
        return [
            NearSite(names[site], distance[site], tuple(ids[s] for _, s in sorted(pairs)))
            for site, pairs in by_site.items()
        ]


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    lat1_r, lat2_r = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((lat2_r - lat1_r) / 2) ** 2
        + math.cos(lat1_r) * math.cos(lat2_r) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
