"""Items, stock at a business's sites, and reservations that hold units of it for a while.

An item is what a business sells (a name, a category of the taxonomy, attributes). Stock is an
item at one site: ``quantity`` units on hand at a ``price``, of which ``held`` are held by
reservations, and from ``available_from`` on (when it is not there yet). The store keeps
``0 <= held <= quantity`` as a check of its own, so no interleaving of reservations and stock
edits can promise a unit twice: that is what "never oversell" rests on.

A reservation holds units until it expires::

    held ──> confirmed   (an order was placed; the units left the stock)
      │
      ├────> expired     (its time ran out; the units went back)
      └────> cancelled   (the member let go; the units went back)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from buurt.domain.changes import Changeable
from buurt.domain.errors import InvalidInput, InvalidTransition

MAX_QUANTITY = 1_000_000
MAX_PRICE = 1_000_000.0
MAX_HOLD = 10_000  # units one reservation may hold
HOLD_MINUTES = 15
MAX_HOLD_MINUTES = 24 * 60
_CATEGORY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}(/[a-z0-9][a-z0-9_-]{0,39}){0,4}$")


def check_category(category: str) -> str:
    if not isinstance(category, str) or not _CATEGORY.match(category):
        raise InvalidInput(f"{category!r} is not a category path like food/bread", "category")
    return category


def check_quantity(quantity: Any, name: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(f"{name} must be a whole number", name)
    if not 0 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"{name} must be between 0 and {MAX_QUANTITY}", name)
    return quantity


def check_price(price: Any) -> float:
    if isinstance(price, bool) or not isinstance(price, int | float):
        raise InvalidInput("price must be a number", "price")
    if not 0 <= price <= MAX_PRICE:  # NaN fails this too
        raise InvalidInput(f"price must be between 0 and {MAX_PRICE:g}", "price")
    return float(price)


@dataclass
class Item(Changeable):
    """Something a business sells, at any of its sites."""

    id: str
    business_id: str
    name: str
    category: str
    created_at: datetime
    attributes: dict[str, Any] = field(default_factory=dict)

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"name", "category", "attributes"})

    def __post_init__(self) -> None:
        check_category(self.category)


@dataclass
class Stock(Changeable):
    """An item at a site. ``category`` and ``business_id`` are the item's, kept here so that
    finding stock near a place needs no join; ``version`` counts every change, so that a
    mirror of stock (the nearest-stock index) never takes an older state for a newer one."""

    id: str
    business_id: str
    item_id: str
    site_id: str
    category: str
    quantity: int
    price: float
    created_at: datetime
    updated_at: datetime
    held: int = 0
    available_from: datetime | None = None
    version: int = 1

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"quantity", "price", "available_from"})

    @property
    def available(self) -> int:
        return self.quantity - self.held

    def change(self, changes: dict[str, Any] | Any) -> None:
        if "quantity" in changes:
            check_quantity(changes["quantity"])
        if "price" in changes:
            changes = {**changes, "price": check_price(changes["price"])}
        super().change(changes)
        self.version += 1


class ReservationStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass
class Reservation:
    """``quantity`` units of a stock held for a member until ``expires_at``."""

    id: str
    circle_id: str
    business_id: str
    stock_id: str
    site_id: str
    item_id: str
    member_id: str | None  # None once the member erased their account
    quantity: int
    unit_price: float
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    status: ReservationStatus = ReservationStatus.HELD
    # Units this reservation holds now: ``quantity`` while held, 0 once it ended. Ending one
    # takes them back with ``UnitOfWork.shift`` and the store keeps it at 0 or more, so of two
    # racing endings (a confirmation and an expiry) only one can commit.
    held: int = 0
    order_id: str | None = None
    moment_id: str | None = None

    def is_due(self, now: datetime) -> bool:
        return self.status is ReservationStatus.HELD and self.expires_at <= now

    def end(self, status: ReservationStatus, at: datetime) -> None:
        """Leave ``held``: confirmed, expired or cancelled (the caller moves the units)."""
        if self.status is not ReservationStatus.HELD:
            raise InvalidTransition(f"a {self.status} reservation cannot become {status}")
        if status is ReservationStatus.CONFIRMED and self.expires_at <= at:
            raise InvalidTransition("the reservation expired; reserve again")
        if status is ReservationStatus.HELD:
            raise InvalidTransition("a reservation is held only once")
        self.status = status
        self.updated_at = at


def hold_until(at: datetime, minutes: Any) -> datetime:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise InvalidInput("hold_minutes must be a whole number", "hold_minutes")
    if not 1 <= minutes <= MAX_HOLD_MINUTES:
        raise InvalidInput(f"a hold lasts 1 to {MAX_HOLD_MINUTES} minutes", "hold_minutes")
    return at + timedelta(minutes=minutes)
