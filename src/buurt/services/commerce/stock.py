"""Items and stock: a business's catalogue and what each of its sites has of it.

Items and stock are public (anyone may see what a shop has); only whoever acts for the
business changes them. A stock edit can never take the quantity below what reservations
hold: the store refuses it, and the edit is a ``Conflict``. Every change is told to the
nearest-stock index with ``StockChanged`` (a snapshot read after the commit, so that of two
racing changes the index keeps the newer one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from buurt.domain.community import Business, Site
from buurt.domain.errors import Conflict, InvalidInput, NotFound
from buurt.domain.events import StockChanged, StockRemoved
from buurt.domain.ids import new_id
from buurt.domain.stock import (
    Item,
    Reservation,
    ReservationStatus,
    Stock,
    check_category,
    check_price,
    check_quantity,
)
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.community.businesses import POLICY as BUSINESS_POLICY
from buurt.services.context import Services
from buurt.services.principals import Principal


class _BusinessOwned:
    """Public; changed by whoever acts for the business the entity belongs to."""

    def __init__(self, name: str) -> None:
        self.name = name

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Item | Stock) -> bool:
        return True

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Item | Stock) -> bool:
        return principal.acts_for("business", entity.business_id)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return None


ITEM_POLICY = _BusinessOwned("item")
STOCK_POLICY = _BusinessOwned("stock")


def own_business(uow: UnitOfWork, principal: Principal, business_id: str) -> Business:
    return resources.fetch_for_change(uow, principal, Business, BUSINESS_POLICY, business_id)


def create_item(
    services: Services,
    principal: Principal,
    *,
    business_id: str,
    name: str,
    category: str,
    attributes: Mapping[str, Any] | None = None,
) -> Item:
    item = Item(
        new_id("item"), business_id, name, category, services.clock.now(), dict(attributes or {})
    )
    with services.uow() as uow:
        own_business(uow, principal, business_id)
        uow.repo(Item).add(item)
        uow.commit()
    return item


def update_item(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Item:
    """Change an item; a new category moves its stock in the index too."""
    if "category" in changes:
        check_category(changes["category"])
    with services.uow() as uow:
        item = resources.fetch_for_change(uow, principal, Item, ITEM_POLICY, ident)
        item.change(changes)
        stock = uow.repo(Stock).find(item_id=ident)
        for row in stock:
            if row.category != item.category:
                row.category = item.category
                row.version += 1
        uow.commit()
    _announce(services, [row.id for row in stock])
    return item


def delete_item(services: Services, principal: Principal, ident: str) -> None:
    """Delete an item and its stock; refused while a reservation holds some of it."""
    with services.uow() as uow:
        item = resources.fetch_for_change(uow, principal, Item, ITEM_POLICY, ident)
        stock = uow.repo(Stock).find(item_id=ident)
        for row in stock:
            _drop_stock(uow, row)
        uow.flush()
        uow.repo(Item).delete(item)
        services.commit(uow, *(StockRemoved(row) for row in stock))


def _drop_stock(uow: UnitOfWork, stock: Stock) -> None:
    if uow.repo(Reservation).find(stock_id=stock.id, status=ReservationStatus.HELD):
        raise Conflict("reservations hold some of this stock; let them end first")
    for reservation in uow.repo(Reservation).find(stock_id=stock.id):
        uow.repo(Reservation).delete(reservation)
    uow.flush()
    uow.repo(Stock).delete(stock)


def add_stock(
    services: Services,
    principal: Principal,
    *,
    item_id: str,
    site_id: str,
    quantity: int,
    price: float,
    available_from: datetime | None = None,
) -> Stock:
    """Put an item at a site (one stock per item and site: a second is a ``Conflict``)."""
    check_quantity(quantity)
    price = check_price(price)
    now = services.clock.now()
    with services.uow() as uow:
        item = resources.fetch_for_change(uow, principal, Item, ITEM_POLICY, item_id)
        _site_of(uow, item.business_id, site_id)
        stock = Stock(
            new_id("stock"), item.business_id, item.id, site_id, item.category, quantity,
            price, now, now, available_from=available_from,
        )  # fmt: skip
        uow.repo(Stock).add(stock)
        services.commit(uow, StockChanged(stock))
    return stock


def _site_of(uow: UnitOfWork, business_id: str, site_id: str) -> Site:
    site = uow.repo(Site).get(site_id)
    if site is None or site.business_id != business_id:
        raise InvalidInput(f"the business has no site {site_id!r}", "site_id")
    return site


def update_stock(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Stock:
    """Change quantity, price or date; a quantity below what is held is a ``Conflict``."""
    with services.uow() as uow:
        stock = resources.fetch_for_change(uow, principal, Stock, STOCK_POLICY, ident)
        stock.change(changes)
        stock.updated_at = services.clock.now()
        commit_checked(uow)
    _announce(services, [ident])
    return _read(services, ident)


def commit_checked(uow: UnitOfWork) -> None:
    """Commit stock changes; the store's rule on what is held becomes a plain ``Conflict``."""
    try:
        uow.commit()
    except Conflict as error:
        if "ck_stock_held" in error.detail:
            raise Conflict(
                "reservations hold more units than that; the quantity is unchanged"
            ) from None
        raise


def delete_stock(services: Services, principal: Principal, ident: str) -> None:
    with services.uow() as uow:
        stock = resources.fetch_for_change(uow, principal, Stock, STOCK_POLICY, ident)
        _drop_stock(uow, stock)
        services.commit(uow, StockRemoved(stock))


def _read(services: Services, ident: str) -> Stock:
    with services.uow() as uow:
        stock = uow.repo(Stock).get(ident)
    if stock is None:
        raise NotFound("stock", ident)
    return stock


def announce(services: Services, stock_ids: Sequence[str]) -> None:
    """Tell the handlers of stock as committed now (read in a new unit of work)."""
    _announce(services, stock_ids)


def _announce(services: Services, stock_ids: Sequence[str]) -> None:
    if not stock_ids:
        return
    with services.uow() as uow:
        rows = [s for ident in stock_ids if (s := uow.repo(Stock).get(ident)) is not None]
    services.publish(*(StockChanged(s) for s in rows))
