"""Small valid entities for tests of the store, and a way to commit them."""

from __future__ import annotations

from datetime import UTC, datetime

from buurt.domain.activity import Event
from buurt.domain.community import (
    Business,
    Circle,
    Member,
    Membership,
    Role,
    Site,
    Thing,
    ThingKind,
    Visibility,
)
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.places import Boundary, Place
from buurt.domain.webhooks import WebhookDelivery, WebhookEndpoint
from buurt.ports import UnitOfWorkFactory

NOW = datetime(2026, 11, 23, 15, 30, 12, 345678, tzinfo=UTC)
SQUARE = (Place(52.37, 4.89), Place(52.38, 4.89), Place(52.38, 4.90), Place(52.37, 4.90))
CELLS = frozenset({"881f1d4887fffff", "881f1d488bfffff"})
HERE = Place(52.3731, 4.8922)


def a_member(name: str = "Anna", email: str | None = None) -> Member:
    ident = new_id("member")
    return Member(ident, name, email or f"{ident.lower()}@example.org", "hash", NOW)


def a_circle(name: str = "Jordaan", boundary: Boundary | None = None) -> Circle:
    return Circle(
        new_id("circle"), name, boundary or Boundary(polygon=SQUARE), "Europe/Amsterdam", NOW
    )


def a_membership(circle: Circle, member: Member, role: Role = Role.MEMBER) -> Membership:
    return Membership(new_id("membership"), circle.id, member.id, role, NOW)


def a_business(circle: Circle, owner: Member) -> Business:
    return Business(new_id("business"), circle.id, owner.id, "Bakkerij", "bakery", NOW)


def a_site(business: Business) -> Site:
    return Site(new_id("site"), business.id, "Winkel", HERE, NOW)


def a_thing(circle: Circle) -> Thing:
    return Thing(
        new_id("thing"),
        circle.id,
        PartyKind.CIRCLE,
        circle.id,
        ThingKind.FRIDGE,
        "Buurtkoelkast",
        HERE,
        Visibility.CIRCLE,
        NOW,
        state={"door": "closed", "items": ["melk"]},
    )


def an_event(circle: Circle, source_id: str, message_id: str | None = None) -> Event:
    return Event(
        new_id("event"),
        circle.id,
        PartyKind.THING,
        source_id,
        "door.opened",
        HERE,
        NOW,
        NOW,
        {"seconds": 12},
        message_id,
    )


def an_endpoint() -> WebhookEndpoint:
    ident = new_id("webhook")
    return WebhookEndpoint(
        ident, "member", "mem_x", "https://example.org/hook", ["moment.created"], "s", NOW, NOW
    )


def a_delivery(endpoint: WebhookEndpoint, event_key: str = "moment.created:1") -> WebhookDelivery:
    return WebhookDelivery(
        new_id("delivery"), endpoint.id, "moment.created", event_key, {"n": 1}, NOW, NOW
    )


def add_all(uow: UnitOfWorkFactory, *entities: object) -> None:
    with uow() as work:
        for entity in entities:
            work.repo(type(entity)).add(entity)
        work.commit()
