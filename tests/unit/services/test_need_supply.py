"""A need finds stock and shared things around it, on the fakes: a moment per option with its
reason, under the consent routing of offers; reserved or booked from the moment in one step.
Every refusal stands beside the same need with the cause taken away."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest

from buurt.domain.bookings import Audience, Bookable
from buurt.domain.community import ThingKind, Visibility
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.moments import Moment, StandingKind
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Place
from buurt.domain.stock import Stock
from buurt.services import resources
from buurt.services.commerce import stock as stock_cases
from buurt.services.community import businesses
from buurt.services.consent import grants
from buurt.services.context import Services
from buurt.services.matching import supply
from buurt.services.publishing import answering, intents, moments
from buurt.services.sharing import bookables
from buurt.services.things import ingest, registry
from buurt.testing import FrozenClock
from buurt.testing._store import _MemoryRepository
from tests.unit.services.conftest import HOME, START, Neighbour, admit

FAR = Place(52.3665, 4.9470)  # about 550 m from HOME, in the circle
NOON = START + timedelta(hours=3)  # 12:00 UTC, 14:00 in Amsterdam
TWO = NOON + timedelta(hours=2)


@dataclass
class Shop:
    business_id: str
    stock: Stock


@pytest.fixture
def shop(services: Services, ada: Neighbour, bob: Neighbour, circle_id: str) -> Shop:
    """Ada's bakery at HOME with three loaves at 4.50; Bob is a verified neighbour."""
    admit(services, bob, circle_id)
    bakery = businesses.create_business(
        services, ada.principal, circle_id=circle_id, name="Bakkerij", kind="bakery"
    )
    site = businesses.add_site(services, ada.principal, bakery.id, name="Oven", place=HOME)
    item = stock_cases.create_item(
        services, ada.principal, business_id=bakery.id, name="Sourdough", category="food/bread"
    )
    stock = stock_cases.add_stock(
        services, ada.principal, item_id=item.id, site_id=site.id, quantity=3, price=4.5
    )
    return Shop(bakery.id, stock)


def _need(
    services: Services, who: Neighbour, circle_id: str, category: str, **fields: Any
) -> list[Moment]:
    """Publish a need; the moments it made."""
    place = fields.pop("place", HOME)
    area = Area(center=place, radius_m=fields.pop("radius_m", 300))
    intent = intents.publish_intent(
        services, who.principal, circle_id=circle_id, category=category, area=area, **fields
    )
    page = resources.list_page(services, who.principal, Moment, moments.POLICY, limit=100)
    return [m for m in page.items if m.source_id == intent.id]


def _stock_moments(found: list[Moment]) -> list[Moment]:
    return [m for m in found if m.standing_kind is StandingKind.STOCK]


def test_a_need_finds_stock_and_reserves_from_its_moment(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str, shop: Shop
) -> None:
    found = _stock_moments(
        _need(services, bob, circle_id, "food/bread", text="two loaves", max_price=6.0)
    )
    assert len(found) == 1
    moment = found[0]
    # Without a grant the bakery learns nothing: the option comes to Bob alone.
    assert (moment.recipient_kind, moment.recipient_id) == (PartyKind.MEMBER, bob.id)
    assert moment.standing_id == shop.stock.id
    assert moment.reason == (
        "'Sourdough' at Oven (food/bread, 4.50 (your limit 6.00), 3 available now) "
        "answers the need 'two loaves', 0 m away"
    )
    held = answering.reserve(services, bob.principal, moment.id, quantity=2)
    assert (held.stock_id, held.quantity, held.moment_id) == (shop.stock.id, 2, moment.id)
    with pytest.raises(Conflict):  # one left
        answering.reserve(services, bob.principal, moment.id, quantity=2)
    assert answering.reserve(services, bob.principal, moment.id).quantity == 1  # the control
    with pytest.raises(NotFound):  # the bakery never saw this moment
        answering.reserve(services, ada.principal, moment.id)
    with pytest.raises(Conflict):  # a stock moment books nothing
        answering.book(services, bob.principal, moment.id)


def test_with_a_grant_the_bakery_is_told_and_only_the_member_reserves(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str, shop: Shop
) -> None:
    grants.grant(
        services,
        bob.principal,
        recipient_kind=PartyKind.BUSINESS,
        recipient_id=shop.business_id,
        category=DataCategory.INTENTS,
        purpose=Purpose.MATCHING,
    )
    moment = _stock_moments(_need(services, bob, circle_id, "food"))[0]
    assert (moment.recipient_kind, moment.recipient_id) == (PartyKind.BUSINESS, shop.business_id)
    assert moment.subject_member_id == bob.id
    with pytest.raises(PermissionDenied):  # the bakery sees it, but it is Bob's to act on
        answering.reserve(services, ada.principal, moment.id)
    assert answering.reserve(services, bob.principal, moment.id).moment_id == moment.id


def test_no_stock_moment_out_of_reach_out_of_stock_or_above_the_limit(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str, shop: Shop
) -> None:
    far = _need(services, bob, circle_id, "food/bread", place=FAR, radius_m=300)
    assert _stock_moments(far) == []
    assert (
        len(_stock_moments(_need(services, bob, circle_id, "food/bread", place=FAR, radius_m=800)))
        == 1
    )
    assert _stock_moments(_need(services, bob, circle_id, "food/bread", max_price=4.0)) == []
    assert len(_stock_moments(_need(services, bob, circle_id, "food/bread", max_price=4.5))) == 1
    assert _stock_moments(_need(services, bob, circle_id, "food/pastry")) == []
    stock_cases.update_stock(services, ada.principal, shop.stock.id, {"quantity": 0})
    assert _stock_moments(_need(services, bob, circle_id, "food/bread")) == []
    stock_cases.update_stock(services, ada.principal, shop.stock.id, {"quantity": 1})
    assert len(_stock_moments(_need(services, bob, circle_id, "food/bread"))) == 1


def test_a_need_reads_the_stock_it_found_in_batches_not_row_by_row(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str, shop: Shop
) -> None:
    bakery = shop.business_id
    for n in range(3):  # three more sites, with two rows each
        site = businesses.add_site(services, ada.principal, bakery, name=f"Oven {n}", place=HOME)
        for name in ("Rye", "Spelt"):
            item = stock_cases.create_item(
                services, ada.principal, business_id=bakery, name=f"{name} {n}",
                category="food/bread",
            )  # fmt: skip
            stock_cases.add_stock(
                services, ada.principal, item_id=item.id, site_id=site.id, quantity=2, price=4.0
            )
    gets: list[str] = []
    real_get = _MemoryRepository.get

    def get(self: _MemoryRepository[Any], ident: str) -> Any:
        if sys._getframe(1).f_globals["__name__"] == supply.__name__:
            gets.append(ident)
        return real_get(self, ident)

    with mock.patch.object(_MemoryRepository, "get", get):
        found = _stock_moments(_need(services, bob, circle_id, "food/bread"))
    assert len(found) == 7  # the control: every row of the four sites answers
    assert gets == [circle_id]  # the circle's, once: no read per site, row, item or business


def _bike(
    services: Services, owner: Neighbour, circle_id: str, **terms: Any
) -> tuple[Bookable, str]:
    thing = registry.register_thing(
        services,
        owner.principal,
        circle_id=circle_id,
        kind=ThingKind.CARGO_BIKE,
        name="Bakfiets",
        place=HOME,
        visibility=Visibility.CIRCLE,
    )
    base: dict[str, Any] = {"audience": Audience.VERIFIED, "min_minutes": 30, "max_minutes": 240}
    bookable = bookables.make_bookable(
        services, owner.principal, thing.id, {**base, "price_per_hour": 2.5, **terms}
    )
    return bookable, thing.id


def _bike_moments(found: list[Moment]) -> list[Moment]:
    return [m for m in found if m.standing_kind is StandingKind.BOOKABLE]


def _bike_need(
    services: Services, who: Neighbour, circle_id: str, start: datetime, end: datetime, **more: Any
) -> list[Moment]:
    found = _need(
        services, who, circle_id, "mobility", text="cargo bike", window_start=start,
        window_end=end, **more,
    )  # fmt: skip
    return _bike_moments(found)


def test_a_need_finds_a_free_bike_and_books_it_from_its_moment(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    admit(services, bob, circle_id)
    bike, _thing = _bike(services, ada, circle_id)
    found = _bike_need(services, bob, circle_id, NOON, TWO, max_price=6.0)
    assert len(found) == 1
    moment = found[0]
    assert moment.standing_id == bike.id
    assert (moment.recipient_kind, moment.recipient_id) == (PartyKind.MEMBER, bob.id)
    assert moment.reason == (
        "'Bakfiets' (mobility/cargo-bike, 5.00 (your limit 6.00)) is free "
        "2026-05-01 12:00 to 2026-05-01 14:00 UTC for the need 'cargo bike', 0 m away"
    )
    booking = answering.book(services, bob.principal, moment.id)
    assert (booking.starts_at, booking.ends_at, booking.moment_id) == (NOON, TWO, moment.id)
    with pytest.raises(Conflict):  # the window is taken now
        answering.book(services, bob.principal, moment.id)
    with pytest.raises(Conflict):  # a bike moment reserves no stock
        answering.reserve(services, bob.principal, moment.id)
    assert _bike_need(services, bob, circle_id, NOON, TWO) == []  # taken: no second moment
    assert len(_bike_need(services, bob, circle_id, TWO, TWO + timedelta(hours=1))) == 1


def test_no_bike_moment_for_whom_may_not_book_nor_above_the_limit(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    admit(services, bob, circle_id)
    bike, _thing = _bike(services, ada, circle_id, audience=Audience.NAMED, named_members=[ada.id])
    assert _bike_need(services, bob, circle_id, NOON, TWO) == []
    bookables.change_bookable(services, ada.principal, bike.id, {"named_members": [bob.id]})
    assert len(_bike_need(services, bob, circle_id, NOON, TWO)) == 1
    assert _bike_need(services, bob, circle_id, NOON, TWO, max_price=4.0) == []
    longer = TWO + timedelta(hours=3)  # five hours: longer than the terms allow
    assert _bike_need(services, bob, circle_id, NOON, longer) == []
    assert _bike_need(services, ada, circle_id, NOON, TWO) == []  # her own bike answers nothing


def test_a_bike_that_reports_its_place_is_found_there_and_not_moved_back(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    admit(services, bob, circle_id)
    bike, thing_id = _bike(services, ada, circle_id)
    assert len(_bike_need(services, bob, circle_id, NOON, TWO)) == 1  # at HOME, for now
    now = clock.now()
    ingest.publish_for_thing(
        services,
        ada.principal,
        thing_id,
        [{"place": FAR, "occurred_at": now, "attributes": {"available": True}}],
    )
    late = now - timedelta(minutes=5)  # an older fix, arriving late, does not move it back
    ingest.publish_for_thing(
        services,
        ada.principal,
        thing_id,
        [{"place": HOME, "occurred_at": late, "attributes": {"available": True}}],
    )
    nearby = bookables.nearby(services, bob.principal, FAR, 100, 10)
    assert [n.bookable.id for n in nearby] == [bike.id]
    assert bookables.nearby(services, bob.principal, HOME, 100, 10) == []
    assert _bike_need(services, bob, circle_id, NOON, TWO) == []  # not at HOME any more
    assert len(_bike_need(services, bob, circle_id, NOON, TWO, place=FAR)) == 1
