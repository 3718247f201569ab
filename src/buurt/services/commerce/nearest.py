"""Finding stock near a place: the engine's ``StockIndex`` kept in step with the store.

``StockFinder`` loads every stock row and site at start, then follows ``StockChanged``,
``StockRemoved`` and ``SiteSaved``. It answers from memory, so a query never scans a table;
what it answers is as fresh as the last committed change it heard of (a reservation itself
is always checked by the store, so a stale answer can disappoint, never oversell).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import numpy as np

from buurt.domain.community import Site
from buurt.domain.errors import InvalidInput
from buurt.domain.places import Area, Place
from buurt.domain.stock import Stock, check_category
from buurt.engine.stock_index import NEVER, NearSite, StockColumns, StockIndex, StockRow
from buurt.ports import UnitOfWork

T = TypeVar("T")
MAX_LIMIT = 100
LOAD_BATCH = 500


@dataclass(frozen=True)
class StockQuery:
    """Sites with stock of ``category`` (and its sub-categories) or of one ``item_id``."""

    place: Place
    radius_m: float
    category: str | None = None
    item_id: str | None = None
    limit: int = 10
    min_quantity: int = 1
    max_price: float | None = None

    def __post_init__(self) -> None:
        if (self.category is None) == (self.item_id is None):
            raise InvalidInput("ask for a category or an item, one of the two", "category")
        if self.category is not None:
            check_category(self.category)
        if not 0 < self.radius_m <= Area.MAX_RADIUS_M:
            raise InvalidInput(
                f"radius must be above 0 and at most {Area.MAX_RADIUS_M:g}", "radius"
            )
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit is 1 to {MAX_LIMIT}", "limit")
        if self.min_quantity < 1:
            raise InvalidInput("min_quantity is at least 1", "min_quantity")
        if self.max_price is not None and not self.max_price >= 0:
            raise InvalidInput("max_price is 0 or more", "max_price")


class StockFinder:
    """The nearest-stock index of an instance; safe to share between threads."""

    def __init__(self) -> None:
        self._index = StockIndex()
        self._places: dict[str, Place] = {}
        self._rows: dict[str, Stock] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._index)

    def load(self, uow: UnitOfWork) -> None:
        """Read every site and stock row (at start, into an empty finder)."""
        for site in _every(uow, Site):
            self._places[site.id] = site.place
        rows = [s for s in _every(uow, Stock) if s.site_id in self._places]
        with self._lock:
            self._rows.update((s.id, s) for s in rows)
            self._index.load(_columns(rows, self._places))

    def stock_changed(self, stock: Stock) -> None:
        place = self._places.get(stock.site_id)
        if place is None:
            return  # a site not heard of yet: its SiteSaved brings it
        with self._lock:
            held = self._rows.get(stock.id)
            if held is not None and held.version > stock.version:
                return
            self._rows[stock.id] = stock
            self._index.put(_row(stock, place))

    def stock_removed(self, stock: Stock) -> None:
        with self._lock:
            self._rows.pop(stock.id, None)
            self._index.remove(stock.id)

    def site_saved(self, site: Site) -> None:
        with self._lock:
            moved = self._places.get(site.id) != site.place
            self._places[site.id] = site.place
            if moved:
                for stock in [s for s in self._rows.values() if s.site_id == site.id]:
                    self._index.put(_row(stock, site.place))

    def nearest(self, query: StockQuery, at: datetime) -> list[NearSite]:
        with self._lock:
            return self._index.nearest(
                query.place.lat,
                query.place.lon,
                category=query.category,
                item_id=query.item_id,
                radius_m=query.radius_m,
                limit=query.limit,
                min_quantity=query.min_quantity,
                max_price=math.inf if query.max_price is None else query.max_price,
                at=at.timestamp(),
            )

    def stock(self, stock_id: str) -> Stock | None:
        """The finder's snapshot of a stock row (what its answers were made from)."""
        return self._rows.get(stock_id)


def _row(stock: Stock, place: Place) -> StockRow:
    since = NEVER if stock.available_from is None else stock.available_from.timestamp()
    return StockRow(
        stock.id, stock.item_id, stock.site_id, stock.category, place.lat, place.lon,
        stock.available, stock.price, since, stock.version,
    )  # fmt: skip


def _columns(rows: list[Stock], places: dict[str, Place]) -> StockColumns:
    return StockColumns(
        stock_ids=[s.id for s in rows],
        item_ids=[s.item_id for s in rows],
        site_ids=[s.site_id for s in rows],
        categories=[s.category for s in rows],
        lat=np.array([places[s.site_id].lat for s in rows], dtype=np.float64),
        lon=np.array([places[s.site_id].lon for s in rows], dtype=np.float64),
        available=np.array([s.available for s in rows], dtype=np.int64),
        price=np.array([s.price for s in rows], dtype=np.float64),
        since=np.array(
            [NEVER if s.available_from is None else s.available_from.timestamp() for s in rows],
            dtype=np.float64,
        ),
        version=np.array([s.version for s in rows], dtype=np.int64),
    )


def _every(uow: UnitOfWork, kind: type[T]) -> Iterable[T]:
    after: str | None = None
    while True:
        page = uow.repo(kind).page(after=after, limit=LOAD_BATCH)
        yield from page.items
        if page.next_cursor is None:
            return
        after = page.next_cursor
