"""Reservations: a member holds units of a stock for a while, then confirms or lets go.

Never oversell: a hold adds to the stock's ``held`` with ``UnitOfWork.shift``, one statement
the store sums on the row as it is, under its rule that no more is held than is on hand. Of
any number of concurrent holds, exactly as many commit as there are units; the rest are a
``Conflict`` (409). Ending a reservation (confirming, cancelling, expiring) shifts the
reservation's own ``held`` to 0 under the rule that it stays 0 or more, so a confirmation
and an expiry racing for one reservation cannot both give its units back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from buurt.domain.community import Business
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from buurt.domain.events import OrderPlaced, ReservationChanged
from buurt.domain.ids import new_id
from buurt.domain.orders import Order, OrderSource
from buurt.domain.stock import (
    HOLD_MINUTES,
    MAX_HOLD,
    Item,
    Reservation,
    ReservationStatus,
    Stock,
    hold_until,
)
from buurt.ports import UnitOfWork
from buurt.ports.store import Between, Filter
from buurt.services import resources
from buurt.services.commerce.orders import place_order
from buurt.services.commerce.stock import announce
from buurt.services.context import Services
from buurt.services.principals import Principal

EXPIRY_BATCH = 200
TICK = timedelta(microseconds=1)


class ReservationPolicy:
    """The member it is for, and whoever acts for the business, see it."""

    name = "reservation"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Reservation) -> bool:
        return principal.acts_for("business", entity.business_id) or (
            entity.member_id is not None and principal.acts_for("member", entity.member_id)
        )

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Reservation) -> bool:
        return entity.member_id is not None and principal.acts_for("member", entity.member_id)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        filters: list[Filter] = [{"business_id": sorted(principal.businesses)}]
        if principal.is_member:
            filters.append({"member_id": principal.id})
        return filters


POLICY = ReservationPolicy()


def reserve(
    services: Services,
    principal: Principal,
    *,
    stock_id: str,
    quantity: int,
    hold_minutes: int = HOLD_MINUTES,
    moment_id: str | None = None,
) -> Reservation:
    """Hold ``quantity`` units for the member; ``Conflict`` when fewer are available."""
    if not principal.is_member:
        raise PermissionDenied("only a member reserves")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_HOLD:
        raise InvalidInput(f"a reservation holds 1 to {MAX_HOLD} units", "quantity")
    now = services.clock.now()
    expires_at = hold_until(now, hold_minutes)
    with services.uow() as uow:
        stock = uow.repo(Stock).get(stock_id)
        if stock is None:
            raise NotFound("stock", stock_id)
        if stock.available_from is not None and stock.available_from > now:
            raise Conflict(f"this stock is available from {stock.available_from.isoformat()}")
        business = uow.repo(Business).get(stock.business_id)
        if business is None:  # the reference keeps it; a stock without one cannot be
            raise NotFound("business", stock.business_id)
        reservation = Reservation(
            new_id("reservation"), business.circle_id, stock.business_id, stock.id,
            stock.site_id, stock.item_id, principal.id, quantity, stock.price, expires_at,
            now, now, held=quantity, moment_id=moment_id,
        )  # fmt: skip
        available = stock.available
        try:
            uow.shift(Stock, stock.id, held=quantity, version=1)
        except Conflict:
            raise Conflict(
                f"not enough units: {quantity} asked, {max(0, available)} available"
            ) from None
        uow.repo(Reservation).add(reservation)
        services.commit(uow, ReservationChanged(reservation))
    announce(services, [stock_id])
    return reservation


@dataclass(frozen=True)
class Confirmed:
    reservation: Reservation
    order: Order


def confirm(services: Services, principal: Principal, ident: str) -> Confirmed:
    """The member confirms: the units leave the stock and an order is placed."""
    now = services.clock.now()
    with services.uow() as uow:
        reservation = resources.fetch_for_change(uow, principal, Reservation, POLICY, ident)
        reservation.end(ReservationStatus.CONFIRMED, now)
        member_id = reservation.member_id
        if member_id is None:  # fetch_for_change let only its member through
            raise PermissionDenied("only the member confirms a reservation")
        item = uow.repo(Item).get(reservation.item_id)
        order = place_order(
            uow,
            business_id=reservation.business_id,
            member_id=member_id,
            source_kind=OrderSource.RESERVATION,
            source_id=reservation.id,
            title=item.name if item is not None else "item",
            quantity=reservation.quantity,
            at=now,
            unit_price=reservation.unit_price,
            site_id=reservation.site_id,
        )
        reservation.order_id = order.id
        _give_back(uow, reservation, sold=True)
        services.commit(uow, ReservationChanged(reservation), OrderPlaced(order))
    announce(services, [reservation.stock_id])
    return Confirmed(reservation, order)


def cancel(services: Services, principal: Principal, ident: str) -> Reservation:
    """The member lets go: the units go back to the stock."""
    with services.uow() as uow:
        reservation = resources.fetch_for_change(uow, principal, Reservation, POLICY, ident)
        reservation.end(ReservationStatus.CANCELLED, services.clock.now())
        _give_back(uow, reservation, sold=False)
        services.commit(uow, ReservationChanged(reservation))
    announce(services, [reservation.stock_id])
    return reservation


def _give_back(uow: UnitOfWork, reservation: Reservation, *, sold: bool) -> None:
    """End the hold in the store: the reservation's units first (the one race to win), then
    the stock's (sold units leave it)."""
    units = reservation.quantity
    try:
        uow.shift(Reservation, reservation.id, held=-units)
    except Conflict:
        raise Conflict("the reservation has just ended otherwise") from None
    by = {"held": -units, "version": 1}
    if sold:
        by["quantity"] = -units
    uow.shift(Stock, reservation.stock_id, **by)


def expire_due(services: Services, at: datetime | None = None) -> int:
    """Let every reservation whose time ran out go: its units return. Idempotent; a
    reservation confirmed meanwhile is left as it is. Returns how many expired."""
    now = at or services.clock.now()
    expired = 0
    while True:
        with services.uow() as uow:
            due = uow.repo(Reservation).page(
                # Between's end is exclusive; a hold ends at its expires_at itself.
                where={"status": ReservationStatus.HELD, "expires_at": Between(end=now + TICK)},
                limit=EXPIRY_BATCH,
            )
        ended = [r for r in due.items if _expire(services, r.id, now)]
        expired += len(ended)
        if len(due.items) < EXPIRY_BATCH or not ended:
            return expired


def _expire(services: Services, ident: str, now: datetime) -> bool:
    with services.uow() as uow:
        reservation = uow.repo(Reservation).get(ident)
        if reservation is None or not reservation.is_due(now):
            return False
        reservation.end(ReservationStatus.EXPIRED, now)
        try:
            _give_back(uow, reservation, sold=False)
            services.commit(uow, ReservationChanged(reservation))
        except Conflict:
            return False  # confirmed or cancelled meanwhile: theirs is the ending
    announce(services, [reservation.stock_id])
    return True
