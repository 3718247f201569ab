"""Orders: seen by their member and by the business; moved by the party each step belongs to.

Placing an order is part of another use case (confirming a reservation, settling a pledge), so
``place_order`` adds it to that use case's unit of work; the caller commits and publishes
``OrderPlaced``. One order per source: placing the same reservation or pledge twice is a
``Conflict`` from the store, never a second order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from buurt.domain.community import Business
from buurt.domain.errors import InvalidInput, NotFound, PermissionDenied
from buurt.domain.events import OrderChanged
from buurt.domain.ids import new_id
from buurt.domain.orders import Order, OrderSource, OrderStatus
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal

MAX_QUANTITY = 10_000


class OrderPolicy:
    """The member the order is for, and whoever acts for the business, see it and move it."""

    name = "order"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Order) -> bool:
        return _party(principal, entity) is not None

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Order) -> bool:
        return self.visible(uow, principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        filters: list[Filter] = [{"business_id": sorted(principal.businesses)}]
        if principal.is_member:
            filters.append({"member_id": principal.id})
        return filters


POLICY = OrderPolicy()


def _party(principal: Principal, order: Order) -> PartyKind | None:
    """As whom the principal acts on this order: the business first (a shop owner ordering
    from their own shop acts as the shop), then the member."""
    if principal.acts_for(PartyKind.BUSINESS, order.business_id):
        return PartyKind.BUSINESS
    if order.member_id is not None and principal.acts_for(PartyKind.MEMBER, order.member_id):
        return PartyKind.MEMBER
    return None


def place_order(
    uow: UnitOfWork,
    *,
    business_id: str,
    member_id: str,
    source_kind: OrderSource,
    source_id: str,
    title: str,
    quantity: int,
    at: datetime,
    unit_price: float | None = None,
    site_id: str | None = None,
) -> Order:
    """Add an order to ``uow`` (the caller commits, then publishes ``OrderPlaced``)."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(f"an order is for 1 to {MAX_QUANTITY} units", "quantity")
    if unit_price is not None and unit_price < 0:
        raise InvalidInput("a price is never negative", "unit_price")
    business = uow.repo(Business).get(business_id)
    if business is None:
        raise NotFound("business", business_id)
    order = Order(
        id=new_id("order"),
        circle_id=business.circle_id,
        business_id=business_id,
        member_id=member_id,
        source_kind=source_kind,
        source_id=source_id,
        title=title,
        quantity=quantity,
        created_at=at,
        updated_at=at,
        unit_price=unit_price,
        site_id=site_id,
    )
    uow.repo(Order).add(order)
    return order


def transition(
    services: Services,
    principal: Principal,
    ident: str,
    status: OrderStatus,
    reason: str | None = None,
) -> Order:
    """Move an order one step, as the party the principal is on it."""
    with services.uow() as uow:
        order = resources.fetch_for_change(uow, principal, Order, POLICY, ident)
        party = _party(principal, order)
        if party is None:  # fetch_for_change let it through, so this cannot happen
            raise PermissionDenied("you are no party to this order")
        order.move_to(status, party, services.clock.now(), reason)
        services.commit(uow, OrderChanged(order))
    return order
