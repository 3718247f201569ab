"""Bookable things: the terms an owner sets for booking one of their things, and finding them.

A bookable is seen by whoever may book it (the circle's verified neighbours, or the members
named) and by the thing's owner; others get 404. Only the owner changes or removes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buurt.domain.bookings import Audience, Bookable
from buurt.domain.community import Thing
from buurt.domain.errors import InvalidInput
from buurt.domain.ids import new_id
from buurt.domain.places import Place
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.community.verification import is_verified
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.things import registry

MAX_RADIUS_M = 20_000
MAX_NEARBY = 100
_SCAN = 500


def owns(uow: UnitOfWork, principal: Principal, bookable: Bookable) -> bool:
    thing = uow.repo(Thing).get(bookable.thing_id)
    return thing is not None and registry.owns(principal, thing)


def may_book(uow: UnitOfWork, principal: Principal, bookable: Bookable) -> bool:
    """Is the principal a member the terms let book (the owner may always)?"""
    return principal.is_member and member_may_book(uow, principal.id, bookable)


def member_may_book(uow: UnitOfWork, member_id: str, bookable: Bookable) -> bool:
    """Do the terms let this member book (a named one, or a verified neighbour)?"""
    if bookable.audience is Audience.NAMED:
        return member_id in bookable.named_members
    return is_verified(uow, member_id, bookable.circle_id)


class BookablePolicy:
    name = "bookable"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Bookable) -> bool:
        return may_book(uow, principal, entity) or owns(uow, principal, entity)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Bookable) -> bool:
        return owns(uow, principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        # The candidates: a circle's bookables; ``visible`` then keeps those the principal
        # may book or owns (named audiences are few, so the check is cheap).
        return [{"circle_id": sorted(principal.circles | principal.admin_of)}]


POLICY = BookablePolicy()


def make_bookable(
    services: Services, principal: Principal, thing_id: str, terms: Mapping[str, Any]
) -> Bookable:
    """Make a thing its principal owns bookable on ``terms`` (the ``Bookable`` fields an
    owner sets); a thing is bookable once (``Conflict``)."""
    now = services.clock.now()
    with services.uow() as uow:
        thing = resources.fetch_for_change(uow, principal, Thing, registry.POLICY, thing_id)
        try:
            bookable = Bookable(
                id=new_id("bookable"),
                thing_id=thing.id,
                circle_id=thing.circle_id,
                created_at=now,
                updated_at=now,
                **terms,
            )
        except TypeError as error:  # an unknown term: the API's schema refuses it first
            raise InvalidInput(str(error), "terms") from error
        uow.repo(Bookable).add(bookable)
        uow.commit()
    return bookable


def change_bookable(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Bookable:
    with services.uow() as uow:
        bookable = resources.fetch_for_change(uow, principal, Bookable, POLICY, ident)
        bookable.change(changes)
        bookable.updated_at = services.clock.now()
        uow.commit()
    return bookable


def list_bookables(
    services: Services, principal: Principal, *, after: str | None, limit: int
) -> tuple[list[Bookable], str | None]:
    """A page of the bookables the principal may see, in id order."""
    page = resources.list_page(services, principal, Bookable, POLICY, after=after, limit=limit)
    with services.uow() as uow:
        items = [b for b in page.items if POLICY.visible(uow, principal, b)]
    return items, page.next_cursor


@dataclass(frozen=True)
class Nearby:
    bookable: Bookable
    thing: Thing
    distance_m: float


def nearby(
    services: Services, principal: Principal, place: Place, radius_m: float, limit: int
) -> list[Nearby]:
    """The bookables the principal may see within ``radius_m`` of ``place``, nearest first:
    where each thing stands now (a thing that reports its place moves with it)."""
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise InvalidInput(f"a radius is 1 to {MAX_RADIUS_M} metres", "radius")
    found: list[Nearby] = []
    after: str | None = None
    with services.uow() as uow:
        while True:
            page = uow.repo(Bookable).page(
                any_of=POLICY.scope(uow, principal), after=after, limit=_SCAN
            )
            for bookable in page.items:
                thing = uow.repo(Thing).get(bookable.thing_id)
                if thing is None or not POLICY.visible(uow, principal, bookable):
                    continue
                distance = place.distance_m(thing.place)
                if distance <= radius_m:
                    found.append(Nearby(bookable, thing, distance))
            if page.next_cursor is None:
                break
            after = page.next_cursor
    found.sort(key=lambda n: (n.distance_m, n.bookable.id))
    return found[: max(1, min(limit, MAX_NEARBY))]
