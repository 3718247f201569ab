"""What a member finds in stock nearby, as pages show it: each site with its business, its
distance, and the stock rows that answer, with their items' names.

The nearest-stock index answers the question (``StockFinder``); this adds what a person needs
to choose: which shop, where, what the item is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from buurt.domain.community import Business, Site
from buurt.domain.stock import Item, Stock
from buurt.ports import UnitOfWork
from buurt.services.commerce.nearest import StockFinder, StockQuery
from buurt.services.context import Services


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_Identified)


@dataclass(frozen=True)
class OnHand:
    stock: Stock
    item: Item


@dataclass(frozen=True)
class SiteWithStock:
    site: Site
    business: Business
    distance_m: float
    rows: list[OnHand]  # as the index answered them


def find(services: Services, finder: StockFinder, query: StockQuery) -> list[SiteWithStock]:
    """The nearest sites with stock for ``query``, nearest first, read as they are now (a
    row sold out since the index answered is left out)."""
    found = finder.nearest(query, services.clock.now())
    stock_ids = [i for near in found for i in near.stock_ids]
    with services.uow() as uow:
        # Four reads for the whole answer, however many sites it has (no read per site).
        sites = by_id(uow, Site, [near.site_id for near in found])
        stock = by_id(uow, Stock, stock_ids)
        items = by_id(uow, Item, [s.item_id for s in stock.values()])
        businesses = by_id(uow, Business, [s.business_id for s in sites.values()])
    answer = []
    for near in found:
        site = sites.get(near.site_id)
        business = businesses.get(site.business_id) if site is not None else None
        rows = [
            OnHand(s, items[s.item_id])
            for i in near.stock_ids
            if (s := stock.get(i)) is not None and s.available > 0 and s.item_id in items
        ]
        if site is not None and business is not None and rows:
            answer.append(SiteWithStock(site, business, near.distance_m, rows))
    return answer


def by_id(uow: UnitOfWork, kind: type[T], ids: list[str]) -> dict[str, T]:
    """The entities of ``kind`` with these ids, by id, in one read (an id not found is left
    out)."""
    if not ids:
        return {}
    wanted = sorted(set(ids))
    page = uow.repo(kind).page(where={"id": wanted}, limit=len(wanted))
    return {e.id: e for e in page.items}
