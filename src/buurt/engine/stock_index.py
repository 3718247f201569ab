"""The nearest-stock index: stock rows by category and place, answered ring by ring.

Every stock row is posted under its category and the category's ancestors (``food/bread``,
``food``), each posting split by the H3 cell of the row's site; a query for one item walks
its category's postings and keeps that item's rows. A query walks the rings of cells around
its point outwards and checks only the rows of those cells, in one vectorised pass per ring,
so its cost follows the stock near the point, never the size of the index. It stops as soon
as the rings walked so far surely hold the ``limit`` nearest sites: on a hexagon grid with
edge ``e`` the cells within ring ``k`` of the point's cell cover every point within
``1.5·e·k - 2·e`` of it.

A row's changing numbers (available units, price, from when) live in flat arrays indexed by
the row's slot, so an update is a store into an array; the postings only hold slots and
places, and change only when a row is added, removed, re-categorised, or its site moves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import h3.api.basic_int as h3
import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
RESOLUTION = 9
NEVER = -math.inf  # "available from" of stock that is there now
_MARGIN = 0.1  # cells near a point differ in size by far less than this
_RINGS_CACHED = 200_000

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


@dataclass(frozen=True, slots=True)
class NearSite:
    """A site with matching stock, its distance from the point, and the matching rows
    (stock ids, nearest site first)."""

    site_id: str
    distance_m: float
    stock_ids: tuple[str, ...]


class _Posting:
    """Slots and places of the rows of one (key, cell), in arrays that grow by doubling. A
    place is kept as a point on the unit sphere: the distance check is then a dot product."""

    __slots__ = ("n", "slots", "xyz")

    def __init__(self, slots: IntArray | None = None, xyz: FloatArray | None = None) -> None:
        self.slots: IntArray = np.empty(4, np.int64) if slots is None else slots
        self.xyz: FloatArray = np.empty((4, 3)) if xyz is None else xyz
        self.n = 0 if slots is None else len(slots)

    def add(self, slot: int, xyz: tuple[float, float, float]) -> None:
        if self.n == len(self.slots):
            size = max(4, 2 * self.n)
            self.slots = np.resize(self.slots, size)
            self.xyz = np.resize(self.xyz, (size, 3))
        self.slots[self.n] = slot
        self.xyz[self.n] = xyz
        self.n += 1

    def remove(self, slot: int) -> None:
        (where,) = np.nonzero(self.slots[: self.n] == slot)
        for i in where[::-1]:
            last = self.n - 1
            self.slots[i] = self.slots[last]
            self.xyz[i] = self.xyz[last]
            self.n = last


def keys_of(category: str) -> list[str]:
    """The posting keys of a category: itself and its ancestors."""
    parts = category.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


_COLUMNS = ("available", "price", "since", "site", "item", "category", "cell", "version")


@dataclass
class _Rows:
    """What every slot holds, in arrays that grow by doubling."""

    available: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    price: FloatArray = field(default_factory=lambda: np.zeros(0))
    since: FloatArray = field(default_factory=lambda: np.zeros(0))
    site: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    item: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    category: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    cell: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    version: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))

    def grow(self, size: int) -> None:
        if size <= len(self.available):
            return
        size = max(size, 2 * len(self.available), 64)
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
    """Stock rows by category and H3 cell; synchronous, deterministic, no I/O. Not
    thread-safe: its owner serialises changes and queries."""

    def __init__(self, resolution: int = RESOLUTION) -> None:
        self.resolution = resolution
        self._postings: dict[tuple[str, int], _Posting] = {}
        self._rings: dict[tuple[int, int], list[int]] = {}
        self._rows = _Rows()
        self._slot: dict[str, int] = {}
        self._free: list[int] = []
        self._stock_ids: list[str] = []
        self._sites, self._items, self._categories = _Names(), _Names(), _Names()
        self._item_category: dict[str, str] = {}
        self._edge: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self._slot)

    def put(self, row: StockRow) -> None:
        """Add a row, or take it as it now is; a row older than the one held is ignored."""
        rows = self._rows
        slot = self._slot.get(row.stock_id)
        cell = h3.latlng_to_cell(row.lat, row.lon, self.resolution)
        category = self._categories(row.category)
        if slot is not None:
            if row.version < rows.version[slot]:
                return
            if (rows.category[slot], rows.cell[slot]) != (category, cell):
                self.remove(row.stock_id)
                slot = None
        if slot is None:
            slot = self._new_slot(row.stock_id)
            xyz = unit_vector(row.lat, row.lon)
            for key in keys_of(row.category):
                self._postings.setdefault((key, cell), _Posting()).add(slot, xyz)
        self._item_category[row.item_id] = row.category
        rows.available[slot] = row.available
        rows.price[slot] = row.price
        rows.since[slot] = row.available_from
        rows.site[slot] = self._sites(row.site_id)
        rows.item[slot] = self._items(row.item_id)
        rows.category[slot], rows.cell[slot], rows.version[slot] = category, cell, row.version

    def load(self, columns: StockColumns) -> None:
        """Take many rows at once into an empty index (far faster than ``put`` one by one)."""
        if self._slot:
            raise ValueError("load fills an empty index; put changes one row")
        n = len(columns.stock_ids)
        self._stock_ids = list(columns.stock_ids)
        self._slot = {ident: slot for slot, ident in enumerate(self._stock_ids)}
        rows = self._rows
        rows.grow(n)
        rows.available[:n], rows.price[:n] = columns.available, columns.price
        rows.since[:n], rows.version[:n] = columns.since, columns.version
        rows.site[:n] = np.fromiter(map(self._sites, columns.site_ids), np.int64, n)
        rows.item[:n] = np.fromiter(map(self._items, columns.item_ids), np.int64, n)
        rows.category[:n] = np.fromiter(map(self._categories, columns.categories), np.int64, n)
        self._item_category.update(zip(columns.item_ids, columns.categories, strict=True))
        cell_of: dict[tuple[float, float], int] = {}
        for lat, lon in zip(columns.lat.tolist(), columns.lon.tolist(), strict=True):
            if (lat, lon) not in cell_of:
                cell_of[lat, lon] = h3.latlng_to_cell(lat, lon, self.resolution)
        rows.cell[:n] = np.fromiter(
            (cell_of[p] for p in zip(columns.lat.tolist(), columns.lon.tolist(), strict=True)),
            np.int64,
            n,
        )
        lat_r, lon_r = np.radians(columns.lat), np.radians(columns.lon)
        xyz = np.stack(
            [np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)], axis=1
        )
        under: dict[str, list[int]] = {}
        for number, category in enumerate(self._categories.names):
            for key in keys_of(category):
                under.setdefault(key, []).append(number)
        for key, numbers in under.items():
            (slots,) = np.nonzero(np.isin(rows.category[:n], numbers))
            cells = rows.cell[slots]
            order = np.argsort(cells, kind="stable")
            slots, cells = slots[order], cells[order]
            starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
            for start, end in zip(starts, [*starts[1:], len(slots)], strict=True):
                part = slots[start:end].astype(np.int64)
                self._postings[key, int(cells[start])] = _Posting(part, xyz[part].copy())

    def remove(self, stock_id: str) -> None:
        slot = self._slot.pop(stock_id, None)
        if slot is None:
            return
        rows = self._rows
        cell = int(rows.cell[slot])
        for key in keys_of(self._categories.names[int(rows.category[slot])]):
            posting = self._postings.get((key, cell))
            if posting is not None:
                posting.remove(slot)
                if posting.n == 0:
                    del self._postings[key, cell]
        rows.available[slot] = -1
        self._free.append(slot)

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
        item = -1
        if item_id is not None:
            category = self._item_category.get(item_id)
            item = self._items.number.get(item_id, -1)
            if category is None or item < 0:
                return []
        if category is None:
            raise ValueError("a query is for a category or an item")
        origin = h3.latlng_to_cell(lat, lon, self.resolution)
        edge = self._edge_m(origin)
        small, large = edge * (1 - _MARGIN), edge * (1 + _MARGIN)
        last_ring = math.ceil((radius_m + 2 * large) / (1.5 * small))
        rows = self._rows
        found_d: list[FloatArray] = []
        found_slot: list[IntArray] = []
        here = np.array(unit_vector(lat, lon))
        # Great-circle distance d and chord c on the unit sphere: c = 2·sin(d / 2R), and the
        # squared chord between unit vectors p and q is 2 - 2·p·q: compare dot products.
        least_dot = 1 - 2 * math.sin(min(radius_m / EARTH_RADIUS_M, math.pi) / 2) ** 2
        # Rings go in batches of growing size (1, 2, 4, ... rings): a batch is one
        # vectorised pass, and the stop test runs after each batch.
        first = 0
        while first <= last_ring:
            last = min(last_ring, first + first // 2)
            postings = [
                p
                for ring in range(first, last + 1)
                for c in self._ring(origin, ring)
                if (p := self._postings.get((category, c))) is not None
            ]
            first = last + 1
            if postings:
                if len(postings) == 1:
                    slots, xyz = (
                        postings[0].slots[: postings[0].n],
                        postings[0].xyz[: postings[0].n],
                    )
                else:
                    slots = np.concatenate([p.slots[: p.n] for p in postings])
                    xyz = np.concatenate([p.xyz[: p.n] for p in postings])
                dot = xyz @ here
                keep = (
                    (dot >= least_dot)
                    & (rows.available[slots] >= min_quantity)
                    & (rows.price[slots] <= max_price)
                    & (rows.since[slots] <= at)
                )
                if item >= 0:
                    keep &= rows.item[slots] == item
                if keep.any():
                    chord = np.sqrt(np.maximum(0.0, 2 - 2 * dot[keep]))
                    found_d.append(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2)))
                    found_slot.append(slots[keep])
            covered = 1.5 * small * last - 2 * large
            if found_d and covered > 0 and self._enough(found_d, found_slot, covered, limit):
                break
        if not found_d:
            return []
        return self._answer(np.concatenate(found_d), np.concatenate(found_slot), limit)

    def _enough(
        self, found_d: list[FloatArray], found_slot: list[IntArray], covered: float, limit: int
    ) -> bool:
        d = np.concatenate(found_d)
        inside = np.concatenate(found_slot)[d <= covered]
        return len(inside) >= limit and len(np.unique(self._rows.site[inside])) >= limit

    def _answer(self, d: FloatArray, slots: IntArray, limit: int) -> list[NearSite]:
        order = np.lexsort((slots, d))
        d, slots = d[order], slots[order]
        sites = self._rows.site[slots]
        _, first = np.unique(sites, return_index=True)
        chosen = np.sort(first)[:limit]  # each site's nearest row, nearest sites first
        # A site's rows share its place, so the chosen sites' rows all lie within the
        # distance of the last one chosen: only that prefix is grouped.
        end = int(np.searchsorted(d, d[chosen[-1]], side="right"))
        rows_of: dict[int, list[str]] = {int(sites[i]): [] for i in chosen}
        for site, slot in zip(sites[:end].tolist(), slots[:end].tolist(), strict=True):
            rows = rows_of.get(site)
            if rows is not None:
                rows.append(self._stock_ids[slot])
        names = self._sites.names
        return [
            NearSite(names[int(sites[i])], float(d[i]), tuple(rows_of[int(sites[i])]))
            for i in chosen
        ]

    def _ring(self, origin: int, k: int) -> list[int]:
        cells = self._rings.get((origin, k))
        if cells is None:
            if len(self._rings) >= _RINGS_CACHED:
                self._rings.clear()
            cells = self._rings[origin, k] = _ring(origin, k)
        return cells

    def _edge_m(self, cell: int) -> float:
        edge = self._edge.get(cell)
        if edge is None:
            ring = h3.cell_to_boundary(cell)
            lengths = [_distance(*ring[i - 1], *ring[i]) for i in range(len(ring))]
            edge = self._edge[cell] = sum(lengths) / len(lengths)
        return edge


def _ring(origin: int, k: int) -> list[int]:
    if k == 0:
        return [origin]
    try:
        return list(h3.grid_ring(origin, k))
    except h3.H3BaseException:  # near a pentagon: the disk minus the inner disk
        inner = set(h3.grid_disk(origin, k - 1))
        return [c for c in h3.grid_disk(origin, k) if c not in inner]


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    return (
        math.cos(lat_r) * math.cos(lon_r),
        math.cos(lat_r) * math.sin(lon_r),
        math.sin(lat_r),
    )


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    lat1_r, lat2_r = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((lat2_r - lat1_r) / 2) ** 2
        + math.cos(lat1_r) * math.cos(lat2_r) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
