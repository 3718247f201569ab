"""Bookings on the fakes: the terms' rules, the memory store's overlap rule as strict as the
databases', and the thing's page data showing its calendar."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from buurt.domain.bookings import Audience, Bookable, Booking, BookingStatus
from buurt.domain.community import ThingKind, Visibility
from buurt.domain.errors import Conflict, InvalidInput, NotFound
from buurt.domain.ids import new_id
from buurt.services.context import Services
from buurt.services.sharing import bookables, bookings
from buurt.services.things import registry, views
from buurt.testing import FrozenClock
from tests.unit.services.conftest import HOME, START, Neighbour

ZONE = ZoneInfo("Europe/Amsterdam")
TERMS: dict[str, object] = {"audience": Audience.VERIFIED, "min_minutes": 30, "max_minutes": 240}


def _bike(services: Services, owner: Neighbour, circle_id: str) -> Bookable:
    thing = registry.register_thing(
        services,
        owner.principal,
        circle_id=circle_id,
        kind=ThingKind.CARGO_BIKE,
        name="Bakfiets",
        place=HOME,
        visibility=Visibility.CIRCLE,
    )
    return bookables.make_bookable(services, owner.principal, thing.id, TERMS)


def test_terms_that_contradict_themselves_are_refused() -> None:
    base = {"id": "bkb_1", "thing_id": "thg_1", "circle_id": "cir_1", "created_at": START}
    ok = Bookable(**base, updated_at=START, **TERMS)  # type: ignore[arg-type]
    assert ok.available(START, START + timedelta(hours=1), ZONE)
    for bad in ({"min_minutes": 300}, {"days": [0]}, {"opens": 600, "closes": 600}):
        with pytest.raises(InvalidInput):
            Bookable(**base, updated_at=START, **{**TERMS, **bad})  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        ok.change({"price_per_hour": -1.0})
    assert ok.price_per_hour is None  # a refused change changes nothing


def test_weekdays_and_hours_bound_a_booking() -> None:
    monday = START.replace(month=3, day=2)  # 2026-03-02, a Monday
    bookable = Bookable(
        "bkb_1",
        "thg_1",
        "cir_1",
        Audience.VERIFIED,
        30,
        600,
        START,
        START,
        days=[1],
        opens=480,
        closes=1200,
    )
    nine = monday.replace(hour=8)  # 09:00 in Amsterdam
    assert bookable.available(nine, nine + timedelta(hours=2), ZONE)
    assert not bookable.available(nine - timedelta(hours=2), nine, ZONE)  # before opening
    tuesday = nine + timedelta(days=1)
    assert not bookable.available(tuesday, tuesday + timedelta(hours=1), ZONE)


def test_the_memory_store_refuses_an_overlap_at_commit(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    bike = _bike(services, ada, circle_id)
    start = clock.now() + timedelta(hours=1)

    def booking(offset_minutes: int, status: BookingStatus = BookingStatus.BOOKED) -> Booking:
        at = start + timedelta(minutes=offset_minutes)
        return Booking(
            new_id("booking"),
            bike.id,
            bike.thing_id,
            circle_id,
            ada.id,
            at,
            at + timedelta(hours=1),
            START,
            START,
            status=status,
        )

    with services.uow() as first, services.uow() as second:
        first.repo(Booking).add(booking(0))
        second.repo(Booking).add(booking(30))  # overlaps the first
        first.commit()
        with pytest.raises(Conflict):
            second.commit()
    with services.uow() as uow:
        uow.repo(Booking).add(booking(60))  # the control: touching is not overlapping
        uow.repo(Booking).add(booking(30, BookingStatus.CANCELLED))  # nor is a cancelled one
        uow.commit()


def test_the_thing_page_shows_its_calendar_to_those_who_may_book(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    bike = _bike(services, ada, circle_id)
    start = clock.now() + timedelta(hours=2)
    made = bookings.book(services, ada.principal, bike.id, start, start + timedelta(hours=1))
    page = views.thing_view(services, ada.principal, bike.thing_id)
    assert page.bookable is not None
    assert [(s.starts_at, s.booking_id) for s in page.calendar] == [(start, made.id)]
    carol = Neighbour.register(services, "Carol")  # in no circle
    with pytest.raises(NotFound):
        bookings.calendar_of(services, carol.principal, bike.id)
