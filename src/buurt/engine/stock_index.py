"""The nearest-stock index: stock rows by what they are and where, answered ring by ring.

Every stock row is posted under its item (``i:<item id>``) and its category and the
category's ancestors (``c:food/bread``, ``c:food``), each posting split by the H3 cell of the
row's site. A query walks the rings of cells around its point outwards and checks only the
rows of those cells, in one vectorised pass per ring, so its cost follows the stock near the
point, never the size of the index. It stops as soon as the rings walked so far surely hold
the ``limit`` nearest sites: on a hexagon grid with edge ``e`` the cells within ring ``k`` of
the point's cell cover every point within ``1.5·e·k - 2·e`` of it.

A row's changing numbers (available units, price, from when) live in flat arrays indexed by
the row's slot, so an update is a store into an array; the postings only hold slots and
places, and change only when a row is added, removed, or its site moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import h3.api.basic_int as h3
import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
RESOLUTION = 8
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


@dataclass(frozen=True, slots=True)
class NearSite:
    """A site with matching stock, its distance from the point, and the matching rows
    (stock ids, nearest site first; rows of a site in slot order)."""

    site_id: str
    distance_m: float
    stock_ids: tuple[str, ...]


class _Posting:
    """Slots and places of the rows of one (key, cell), in arrays that grow by doubling. A
    place is kept as a point on the unit sphere: the distance check is then a dot product."""

    __slots__ = ("n", "slots", "xyz")

    def __init__(self) -> None:
        self.slots: IntArray = np.empty(4, np.int64)
        self.xyz: FloatArray = np.empty((4, 3))
        self.n = 0

    def add(self, slot: int, xyz: tuple[float, float, float]) -> None:
        if self.n == len(self.slots):
            size = 2 * self.n
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


def keys_of(item_id: str, category: str) -> list[str]:
    parts = category.split("/")
    return [f"i:{item_id}", *(f"c:{'/'.join(parts[: i + 1])}" for i in range(len(parts)))]


@dataclass
class _Rows:
    """The changing numbers of every slot, in arrays that grow by doubling."""

    available: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    price: FloatArray = field(default_factory=lambda: np.zeros(0))
    since: FloatArray = field(default_factory=lambda: np.zeros(0))
    site: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))

    def grow(self, size: int) -> None:
        if size <= len(self.available):
            return
        size = max(size, 2 * len(self.available), 64)
        self.available = np.resize(self.available, size)
        self.price = np.resize(self.price, size)
        self.since = np.resize(self.since, size)
        self.site = np.resize(self.site, size)


class StockIndex:
    """Stock rows by key and H3 cell; synchronous, deterministic, no I/O. Not thread-safe:
    its owner serialises changes and queries."""

    def __init__(self, resolution: int = RESOLUTION) -> None:
        self.resolution = resolution
        self._postings: dict[tuple[str, int], _Posting] = {}
        self._rings: dict[tuple[int, int], list[int]] = {}
        self._rows = _Rows()
        self._slot: dict[str, int] = {}
        self._free: list[int] = []
        self._stock_ids: list[str] = []
        self._placed: list[tuple[str, str, int, int]] = []  # item, category, cell, version
        self._site_slot: dict[str, int] = {}
        self._site_ids: list[str] = []
        self._edge: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self._slot)

    def version_of(self, stock_id: str) -> int | None:
        slot = self._slot.get(stock_id)
        return None if slot is None else self._placed[slot][3]

    def put(self, row: StockRow) -> None:
        """Add a row, or take it as it now is; a row older than the one held is ignored."""
        slot = self._slot.get(row.stock_id)
        cell = h3.latlng_to_cell(row.lat, row.lon, self.resolution)
        if slot is not None:
            item, category, old_cell, version = self._placed[slot]
            if row.version < version:
                return
            if (item, category, old_cell) != (row.item_id, row.category, cell):
                self.remove(row.stock_id)
                slot = None
        if slot is None:
            slot = self._new_slot(row.stock_id)
            xyz = unit_vector(row.lat, row.lon)
            for key in keys_of(row.item_id, row.category):
                self._postings.setdefault((key, cell), _Posting()).add(slot, xyz)
        self._placed[slot] = (row.item_id, row.category, cell, row.version)
        rows = self._rows
        rows.available[slot] = row.available
        rows.price[slot] = row.price
        rows.since[slot] = row.available_from
        rows.site[slot] = self._site(row.site_id)

    def remove(self, stock_id: str) -> None:
        slot = self._slot.pop(stock_id, None)
        if slot is None:
            return
        item, category, cell, _ = self._placed[slot]
        for key in keys_of(item, category):
            posting = self._postings.get((key, cell))
            if posting is not None:
                posting.remove(slot)
                if posting.n == 0:
                    del self._postings[key, cell]
        self._rows.available[slot] = -1
        self._free.append(slot)

    def _new_slot(self, stock_id: str) -> int:
        if self._free:
            slot = self._free.pop()
            self._stock_ids[slot] = stock_id
        else:
            slot = len(self._stock_ids)
            self._stock_ids.append(stock_id)
            self._placed.append(("", "", 0, 0))
            self._rows.grow(slot + 1)
        self._slot[stock_id] = slot
        return slot

    def _site(self, site_id: str) -> int:
        slot = self._site_slot.get(site_id)
        if slot is None:
            slot = self._site_slot[site_id] = len(self._site_ids)
            self._site_ids.append(site_id)
        return slot

    def nearest(
        self,
        lat: float,
        lon: float,
        key: str,
        *,
        radius_m: float,
        limit: int,
        min_quantity: int = 1,
        max_price: float = math.inf,
        at: float = math.inf,
    ) -> list[NearSite]:
        """The ``limit`` nearest sites within ``radius_m`` with a row under ``key`` that has
        at least ``min_quantity`` available, costs at most ``max_price``, and is available
        at ``at`` (seconds since the epoch)."""
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
        for ring in range(last_ring + 1):
            postings = [
                p
                for c in self._ring(origin, ring)
                if (p := self._postings.get((key, c))) is not None
            ]
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
                if keep.any():
                    chord = np.sqrt(np.maximum(0.0, 2 - 2 * dot[keep]))
                    found_d.append(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2)))
                    found_slot.append(slots[keep])
            covered = 1.5 * small * ring - 2 * large
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
        rows_of: dict[int, list[str]] = {int(sites[i]): [] for i in chosen}
        for i in np.nonzero(np.isin(sites, sites[chosen]))[0]:
            rows_of[int(sites[i])].append(self._stock_ids[int(slots[i])])
        return [
            NearSite(self._site_ids[int(sites[i])], float(d[i]), tuple(rows_of[int(sites[i])]))
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
            lengths = [
                _distance(*ring[i - 1], *ring[i])  # consecutive vertices of the hexagon
                for i in range(len(ring))
            ]
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
