"""Acting on a moment in one step: reserve the stock, or book the thing, that answered a need.

A need's moment about stock (``standing_kind`` ``stock``) or a bookable thing (``bookable``)
names what answered it; its member reserves or books from it without looking the stock or
the thing up again. The moment is the member's to act on when the need was theirs (they are
its subject), whoever received it: without a grant the member alone, with one the owner of
the stock or thing too. Anyone else who may see the moment (that owner) gets 403, anyone else
404; a moment of another kind, or one that expired or was declined, is a 409. The reservation
or booking is made by its own use case, with every rule it has (never oversell, never
overlap), and names the moment it came from.
"""

from __future__ import annotations

from datetime import datetime

from buurt.domain.activity import Intent
from buurt.domain.bookings import Booking, slot_of_need
from buurt.domain.errors import Conflict, InvalidInput, PermissionDenied
from buurt.domain.moments import Moment, MomentStatus, PublicationKind, StandingKind
from buurt.domain.stock import HOLD_MINUTES, Reservation
from buurt.services import resources
from buurt.services.commerce import reservations
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import moments
from buurt.services.sharing import bookings

_OPEN = {MomentStatus.DELIVERED, MomentStatus.ACCEPTED}


def reserve(
    services: Services,
    principal: Principal,
    moment_id: str,
    *,
    quantity: int = 1,
    hold_minutes: int = HOLD_MINUTES,
) -> Reservation:
    """Hold ``quantity`` units of the stock the moment names, for its member."""
    moment = _own_moment(services, principal, moment_id, StandingKind.STOCK)
    return reservations.reserve(
        services,
        principal,
        stock_id=moment.standing_id,
        quantity=quantity,
        hold_minutes=hold_minutes,
        moment_id=moment.id,
    )


def book(
    services: Services,
    principal: Principal,
    moment_id: str,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Booking:
    """Book the thing the moment names for ``[starts_at, ends_at)``: by default the need's
    window (from the next minute, when it has begun)."""
    moment = _own_moment(services, principal, moment_id, StandingKind.BOOKABLE)
    if (starts_at is None) != (ends_at is None):
        raise InvalidInput("give both starts_at and ends_at, or neither", "starts_at")
    if starts_at is None or ends_at is None:
        starts_at, ends_at = _window(services, moment)
    return bookings.book(
        services, principal, moment.standing_id, starts_at, ends_at, moment_id=moment.id
    )


def _own_moment(
    services: Services, principal: Principal, moment_id: str, kind: StandingKind
) -> Moment:
    with services.uow() as uow:
        moment = resources.fetch(uow, principal, Moment, moments.POLICY, moment_id)
    mine = principal.is_member and moment.subject_member_id == principal.id
    if not mine or moment.source_kind is not PublicationKind.INTENT:
        raise PermissionDenied("only the member whose need it answers acts on this moment")
    if moment.standing_kind is not kind:
        what = "stock to reserve" if kind is StandingKind.STOCK else "a thing to book"
        raise Conflict(f"this moment names no {what}")
    if moment.status not in _OPEN:
        raise Conflict(f"the moment is {moment.status}")
    return moment


def _window(services: Services, moment: Moment) -> tuple[datetime, datetime]:
    with services.uow() as uow:
        intent = uow.repo(Intent).get(moment.source_id)
    slot = None
    if intent is not None:
        slot = slot_of_need(intent.window_start, intent.window_end, services.clock.now())
    if slot is None:
        raise InvalidInput(
            "the need has no window left to book; give starts_at and ends_at", "starts_at"
        )
    return slot
