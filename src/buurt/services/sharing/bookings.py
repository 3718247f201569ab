"""Bookings: a member holds a bookable thing for an interval; its owner gets a moment.

The service checks the terms (who may book, duration, availability, not in the past) and
that the slot looks free, but the store is what makes an overlap impossible: two requests
racing for one slot both pass the service's look, and the second to commit gets
``Conflict`` from the store's exclusion rule. The booking, the owner's moment and its webhook
rows commit together before the caller is answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from buurt.domain.bookings import LONGEST, Bookable, Booking, BookingStatus, overlapping
from buurt.domain.community import Circle, Thing
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.events import MomentCreated
from buurt.domain.ids import new_id
from buurt.domain.moments import (
    Moment,
    MomentStatus,
    PublicationKind,
    Reason,
    ReasonCode,
    StandingKind,
)
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork
from buurt.ports.store import Between, Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.sharing import bookables
from buurt.services.webhooks.deliveries import enqueue_webhooks

MOMENT_LIFETIME = timedelta(days=7)
CALENDAR_DAYS = 14
MAX_CALENDAR = 500


class BookingPolicy:
    """The member who booked, and the thing's owner, see a booking; both may cancel it."""

    name = "booking"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Booking) -> bool:
        if principal.is_member and entity.member_id == principal.id:
            return True
        thing = uow.repo(Thing).get(entity.thing_id)
        return thing is not None and principal.acts_for(thing.owner_kind.value, thing.owner_id)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Booking) -> bool:
        return self.visible(uow, principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        owned = _owned_things(uow, principal)
        filters: list[Filter] = [{"thing_id": owned}] if owned else []
        if principal.is_member:
            filters.append({"member_id": principal.id})
        return filters


POLICY = BookingPolicy()


def _owned_things(uow: UnitOfWork, principal: Principal) -> list[str]:
    owners: list[tuple[PartyKind, str]] = [(PartyKind.BUSINESS, b) for b in principal.businesses]
    owners += [(PartyKind.CIRCLE, c) for c in principal.admin_of]
    if principal.is_member:
        owners.append((PartyKind.MEMBER, principal.id))
    ids: list[str] = []
    for kind, ident in owners:
        ids += [t.id for t in uow.repo(Thing).find(owner_kind=kind, owner_id=ident)]
    return sorted(ids)


def book(
    services: Services,
    principal: Principal,
    bookable_id: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    moment_id: str | None = None,
) -> Booking:
    """Book ``[starts_at, ends_at)``: ``InvalidInput`` for a slot the terms refuse,
    ``Conflict`` when it overlaps a booking (also one committed a moment ago). ``moment_id``
    names the moment it was booked from."""
    now = services.clock.now()
    with services.uow() as uow:
        bookable = resources.fetch(uow, principal, Bookable, bookables.POLICY, bookable_id)
        if not bookables.may_book(uow, principal, bookable):
            raise PermissionDenied("only the members the owner chose may book this thing")
        circle = uow.repo(Circle).get(bookable.circle_id)
        thing = uow.repo(Thing).get(bookable.thing_id)
        assert circle is not None  # foreign keys
        assert thing is not None
        bookable.check_interval(starts_at, ends_at, now, circle.timezone)
        if overlapping(_around(uow, bookable.id, starts_at, ends_at), starts_at, ends_at):
            raise Conflict("the thing is already booked for part of that time")
        booking = Booking(
            id=new_id("booking"),
            bookable_id=bookable.id,
            thing_id=thing.id,
            circle_id=bookable.circle_id,
            member_id=principal.id,
            starts_at=starts_at,
            ends_at=ends_at,
            created_at=now,
            updated_at=now,
            price=bookable.price_of(starts_at, ends_at),
            moment_id=moment_id,
        )
        uow.repo(Booking).add(booking)
        uow.flush()  # the store's overlap rule speaks before the moment is made
        moment = _owner_moment(uow, thing, booking, now)
        services.commit(uow, *([MomentCreated(moment)] if moment is not None else []))
    return booking


def cancel(services: Services, principal: Principal, ident: str) -> Booking:
    with services.uow() as uow:
        booking = resources.fetch_for_change(uow, principal, Booking, POLICY, ident)
        booking.cancel(services.clock.now())
        uow.commit()
    return booking


@dataclass(frozen=True)
class Slot:
    """A booked interval as a calendar shows it; ``booking_id`` and ``member_id`` only to the
    thing's owner and to the member who booked it."""

    starts_at: datetime
    ends_at: datetime
    booking_id: str | None
    member_id: str | None


def calendar(
    uow: UnitOfWork, principal: Principal, bookable: Bookable, since: datetime
) -> list[Slot]:
    """The booked intervals of the next ``CALENDAR_DAYS`` days from ``since``."""
    until = since + timedelta(days=CALENDAR_DAYS)
    owner = bookables.owns(uow, principal, bookable)
    slots = []
    for booking in _around(uow, bookable.id, since, until)[:MAX_CALENDAR]:
        if booking.status is not BookingStatus.BOOKED or booking.ends_at <= since:
            continue
        mine = owner or (principal.is_member and booking.member_id == principal.id)
        slots.append(
            Slot(
                booking.starts_at,
                booking.ends_at,
                booking.id if mine else None,
                booking.member_id if mine else None,
            )
        )
    return sorted(slots, key=lambda s: s.starts_at)


def calendar_of(services: Services, principal: Principal, bookable_id: str) -> list[Slot]:
    with services.uow() as uow:
        bookable = resources.fetch(uow, principal, Bookable, bookables.POLICY, bookable_id)
        return calendar(uow, principal, bookable, services.clock.now())


@dataclass(frozen=True)
class BookableView:
    """What a neighbour who may book a thing sees of it without seeing its data."""

    bookable: Bookable
    thing: Thing
    circle: Circle
    calendar: list[Slot]


def view_of_thing(services: Services, principal: Principal, thing_id: str) -> BookableView:
    """The terms and calendar of a thing's bookable, for whoever may see them (``NotFound``
    otherwise): an owner may keep a thing's readings private and still lend it to the
    neighbours its terms name."""
    with services.uow() as uow:
        found = uow.repo(Bookable).find(thing_id=thing_id)
        if not found or not bookables.POLICY.visible(uow, principal, found[0]):
            raise NotFound("thing", thing_id)
        bookable = found[0]
        thing = uow.repo(Thing).get(thing_id)
        circle = uow.repo(Circle).get(bookable.circle_id)
        assert thing is not None  # a bookable goes with its thing (foreign key)
        assert circle is not None
        slots = calendar(uow, principal, bookable, services.clock.now())
        return BookableView(bookable, thing, circle, slots)


def mine(services: Services, principal: Principal) -> list[Booking]:
    """The bookings the member made (not those of their things), the latest start first."""
    found: list[Booking] = []
    after: str | None = None
    while len(found) < MAX_CALENDAR:
        page = resources.list_page(
            services, principal, Booking, POLICY, where={"member_id": principal.id}, after=after
        )
        found += page.items
        if page.next_cursor is None:
            break
        after = page.next_cursor
    return sorted(found, key=lambda b: b.starts_at, reverse=True)


def is_free(uow: UnitOfWork, bookable_id: str, starts_at: datetime, ends_at: datetime) -> bool:
    """Is no part of ``[starts_at, ends_at)`` booked (as the store stands in ``uow``)?"""
    return not overlapping(_around(uow, bookable_id, starts_at, ends_at), starts_at, ends_at)


def _around(uow: UnitOfWork, bookable_id: str, start: datetime, end: datetime) -> list[Booking]:
    """Bookings of the bookable that start before ``end`` and may reach past ``start``."""
    # The terms can change, so a booking may be as long as any booking can be.
    since = start - LONGEST
    where = {"bookable_id": bookable_id, "starts_at": Between(since, end)}
    found: list[Booking] = []
    after: str | None = None
    while True:
        page = uow.repo(Booking).page(where=where, after=after, limit=500)
        found += page.items
        if page.next_cursor is None:
            return found
        after = page.next_cursor


def _owner_moment(uow: UnitOfWork, thing: Thing, booking: Booking, at: datetime) -> Moment | None:
    if thing.owner_kind not in (PartyKind.MEMBER, PartyKind.BUSINESS):
        return None  # a circle's thing has no one person to tell
    if thing.owner_kind is PartyKind.MEMBER and thing.owner_id == booking.member_id:
        return None  # the owner booked their own thing
    span = f"{booking.starts_at:%Y-%m-%d %H:%M} to {booking.ends_at:%Y-%m-%d %H:%M} UTC"
    price = "" if booking.price is None else f" for {booking.price:.2f}"
    moment = Moment(
        id=new_id("moment"),
        circle_id=booking.circle_id,
        recipient_kind=thing.owner_kind,
        recipient_id=thing.owner_id,
        source_kind=PublicationKind.BOOKING,
        source_id=booking.id,
        standing_kind=StandingKind.BOOKABLE,
        standing_id=booking.bookable_id,
        **Reason(
            f"{thing.name} is booked {span}{price}",
            ReasonCode.BOOKED,
            {
                "thing": thing.name,
                "starts_at": booking.starts_at.isoformat(),
                "ends_at": booking.ends_at.isoformat(),
                "price": booking.price,
            },
        ).fields(),
        status=MomentStatus.DELIVERED,
        created_at=at,
        updated_at=at,
        expires_at=at + MOMENT_LIFETIME,
    )
    uow.repo(Moment).add(moment)
    enqueue_webhooks(uow, moment, "moment.created", at)
    return moment
