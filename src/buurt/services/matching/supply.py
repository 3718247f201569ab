"""What a new need finds besides offers: stock at the sites around it, and shared things it
may book. A candidate moment per option, nearest first.

- **Stock**: the stock finder (the engine's nearest-stock index, ``commerce.nearest``) names
  the sites within the need's reach with stock of its category (sub-categories included) that
  has a unit free at the needed time (``standings.needed_at``) within the need's
  ``max_price``. Each row is read again in the publishing unit of work, because the index may
  lag a commit by its handler: a moment never names stock the store no longer has.
- **Bookable things**: the circle's bookables whose thing's category (its kind's: a cargo bike
  is ``mobility/cargo-bike``) is the need's or under it, whose thing stands within the need's
  reach now (a thing that reports its place moves), that the need's member may book, whose
  terms allow the need's window (``bookings.slot_of_need``), that are free for all of it,
  and whose price for it is within ``max_price``. A need without a window books nothing.

Both are pulled once, when the need is published, not posted as standings: stock changes
hundreds of times for each need that would find it, and a bookable's slots are free or not
only for a given window, so re-matching every open need on each change would cost more than
it gives. A need sees the supply as it stands when it is published; what comes later is found
by asking again (``/v1/stock/nearest``, ``/v1/bookables/nearby``) or by a new need.

Like an offer, each option reaches its owner (the stock's business, the thing's owner) with
the member's need as their data, so the consent step sends it to the member alone unless
they granted that owner ``intents`` for ``matching``. Only businesses and things of the
need's own circle answer it: the relationship stays local.
"""

from __future__ import annotations

from datetime import datetime

import h3

from buurt.domain.activity import Intent
from buurt.domain.bookings import Bookable, slot_of_need
from buurt.domain.community import Business, Circle, Site, Thing
from buurt.domain.errors import InvalidInput
from buurt.domain.moments import Reason, ReasonCode, StandingKind
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Boundary, Place
from buurt.domain.stock import Item, Stock
from buurt.engine import geometry
from buurt.ports import UnitOfWork
from buurt.services.commerce.finding import by_id
from buurt.services.commerce.nearest import StockFinder, StockQuery
from buurt.services.matching import standings
from buurt.services.matching.candidates import Pair
from buurt.services.sharing.bookables import member_may_book
from buurt.services.sharing.bookings import is_free
from buurt.services.things.kinds import EVENT_KINDS

MAX_SITES = 10
"""Sites with stock a need is told of (their rows each make a moment), nearest first."""
MAX_STOCK = 10
MAX_BOOKABLES = 10


def stock_pairs(uow: UnitOfWork, intent: Intent, finder: StockFinder, at: datetime) -> list[Pair]:
    """A pair per stock row near the need that answers it."""
    place, radius = reach(intent.area)
    needed = standings.needed_at(intent, at)
    query = StockQuery(
        place,
        min(radius, Area.MAX_RADIUS_M),
        category=intent.category,
        limit=MAX_SITES,
        max_price=intent.max_price,
    )
    found = finder.nearest(query, needed)
    # Four reads for every site and row found (no read per site or row).
    sites = by_id(uow, Site, [near.site_id for near in found])
    rows = by_id(uow, Stock, [i for near in found for i in near.stock_ids])
    businesses = by_id(uow, Business, [s.business_id for s in rows.values()])
    items = by_id(uow, Item, [s.item_id for s in rows.values()])
    pairs: list[Pair] = []
    for near in found:
        site = sites.get(near.site_id)
        if site is None or not inside(intent.area, site.place):
            continue
        for stock_id in near.stock_ids:
            stock = rows.get(stock_id)
            if stock is None or not _answers(stock, intent, needed):
                continue
            business = businesses.get(stock.business_id)
            if business is None or business.circle_id != intent.circle_id:
                continue
            item = items.get(stock.item_id)
            reason = explain_stock(stock, item, site, intent, needed, at)
            recipient = (PartyKind.BUSINESS.value, business.id)
            pairs.append(
                Pair(StandingKind.STOCK, stock, 0, recipient, intent.member_id, reason, None)
            )
    return pairs[:MAX_STOCK]


def _answers(stock: Stock, intent: Intent, needed: datetime) -> bool:
    """The store's row, as it is now: a unit free, within the price, there when needed."""
    if stock.available < 1:
        return False
    if intent.max_price is not None and stock.price > intent.max_price:
        return False
    return stock.available_from is None or stock.available_from <= needed


def bookable_pairs(uow: UnitOfWork, intent: Intent, at: datetime) -> list[Pair]:
    """A pair per shared thing near the need that the member may book for its window."""
    slot = slot_of_need(intent.window_start, intent.window_end, at)
    circle = uow.repo(Circle).get(intent.circle_id)
    if slot is None or circle is None:
        return []
    starts_at, ends_at = slot
    place, radius = reach(intent.area)
    found: list[tuple[float, Pair]] = []
    shared = uow.repo(Bookable).find(circle_id=intent.circle_id)
    things = by_id(uow, Thing, [b.thing_id for b in shared])
    for bookable in shared:
        thing = things.get(bookable.thing_id)
        if thing is None or not _covers(intent.category, EVENT_KINDS[thing.kind]):
            continue
        distance = place.distance_m(thing.place)
        if distance > radius or not inside(intent.area, thing.place):
            continue
        recipient = _owner(thing, intent.member_id)
        if recipient is None or not member_may_book(uow, intent.member_id, bookable):
            continue
        try:
            bookable.check_interval(starts_at, ends_at, at, circle.timezone)
        except InvalidInput:
            continue  # too long, too short, or outside its days and hours
        price = bookable.price_of(starts_at, ends_at)
        if intent.max_price is not None and (price or 0.0) > intent.max_price:
            continue
        if not is_free(uow, bookable.id, starts_at, ends_at):
            continue
        reason = explain_bookable(thing, price, intent, slot, distance)
        pair = Pair(StandingKind.BOOKABLE, bookable, 0, recipient, intent.member_id, reason, None)
        found.append((distance, pair))
    found.sort(key=lambda found_pair: (found_pair[0], found_pair[1].standing.id))
    return [pair for _distance, pair in found[:MAX_BOOKABLES]]


def _owner(thing: Thing, member_id: str) -> tuple[str, str] | None:
    """Who a thing's option reaches: its owner (a member or business), or for the circle's
    own things the member alone; ``None`` for the member's own thing (it answers nothing)."""
    if thing.owner_kind is PartyKind.MEMBER and thing.owner_id == member_id:
        return None
    if thing.owner_kind in (PartyKind.MEMBER, PartyKind.BUSINESS):
        return (thing.owner_kind.value, thing.owner_id)
    return (PartyKind.MEMBER.value, member_id)


def _covers(category: str, other: str) -> bool:
    return other == category or other.startswith(category + "/")


def reach(area: Area) -> tuple[Place, float]:
    """A centre and a radius that hold the whole area."""
    centre = geometry.centre(area)
    if area.center is not None and area.radius_m is not None:
        return centre, area.radius_m
    if area.polygon:
        return centre, max(centre.distance_m(p) for p in area.polygon)
    farthest = 0.0
    for cell in area.cells:
        lat, lon = h3.cell_to_latlng(cell)
        edge = h3.average_hexagon_edge_length(h3.get_resolution(cell), unit="m")
        farthest = max(farthest, centre.distance_m(Place(lat, lon)) + 2 * edge)
    return centre, farthest


def inside(area: Area, place: Place) -> bool:
    """Is the place in the area (its circle, polygon or cells)?"""
    if area.center is not None and area.radius_m is not None:
        return area.center.distance_m(place) <= area.radius_m
    if area.polygon:
        return Boundary(polygon=area.polygon).contains(place)
    resolutions = {h3.get_resolution(cell) for cell in area.cells}
    return any(h3.latlng_to_cell(place.lat, place.lon, r) in area.cells for r in resolutions)


def _price(price: float | None, limit: float | None) -> str:
    shown = "free" if price is None or price == 0 else f"{price:.2f}"
    return shown + ("" if limit is None else f" (your limit {limit:.2f})")


def explain_stock(
    stock: Stock, item: Item | None, site: Site, intent: Intent, needed: datetime, at: datetime
) -> Reason:
    """Why a need got this stock, in the words of an offer's reason: what, price, when, where."""
    need = intent.text or intent.category
    name = item.name if item is not None else stock.category
    distance = geometry.centre(intent.area).distance_m(site.place)
    when = "now"
    later = stock.available_from is not None and stock.available_from > at
    if later and stock.available_from is not None:
        when = f"from {stock.available_from:%Y-%m-%d %H:%M} UTC"
    text = (
        f"'{name}' at {site.name} ({stock.category}, {_price(stock.price, intent.max_price)}, "
        f"{stock.available} available {when}) answers the need '{need}', "
        f"{round(distance, -1):.0f} m away"
    )
    args = {
        "item": name, "site": site.name, "category": stock.category, "price": stock.price,
        "limit": intent.max_price, "available": stock.available,
        "available_from": stock.available_from.isoformat() if later and stock.available_from
        else None,
        "need": need, "distance_m": round(distance, -1),
    }  # fmt: skip
    return Reason(text, ReasonCode.STOCK_ANSWERS_NEED, args)


def explain_bookable(
    thing: Thing,
    price: float | None,
    intent: Intent,
    slot: tuple[datetime, datetime],
    distance: float,
) -> Reason:
    need = intent.text or intent.category
    start, end = slot
    span = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    text = (
        f"'{thing.name}' ({EVENT_KINDS[thing.kind]}, {_price(price, intent.max_price)}) "
        f"is free {span} for the need '{need}', {round(distance, -1):.0f} m away"
    )
    args = {
        "thing": thing.name, "category": EVENT_KINDS[thing.kind], "price": price,
        "limit": intent.max_price, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
        "need": need, "distance_m": round(distance, -1),
    }  # fmt: skip
    return Reason(text, ReasonCode.BOOKABLE_FREE, args)
