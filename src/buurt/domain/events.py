"""Domain events: what a use case tells the rest of the system once its change is committed.

Use cases publish these on the ``Bus`` port after ``commit()``; the handlers that keep in-memory
state current (the engine's indexes, the consent mirror, live streams, the broker's files, the
webhook worker) subscribe to the types they need, wired in one map by ``buurt.bootstrap``. An
event is a fact about the past: frozen, named in the past tense, and carrying what its handlers
need (a snapshot of the entity, or its id).

Events cross processes when the bus is NATS, so each serialises to versioned JSON:
``{"type": "standing.created", "version": 1, "data": {...}}`` (``to_json`` / ``from_json``).
``type`` is stable: it is also the name live streams and webhooks use (``moment.created``).
A change to an event's fields that old readers cannot take raises its ``version``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.charter import CharterProposal
from buurt.domain.community import Circle, Site
from buurt.domain.consent import ConsentGrant
from buurt.domain.following import Update
from buurt.domain.moments import Moment
from buurt.domain.orders import Order
from buurt.domain.serialization import decode, encode
from buurt.domain.stock import Reservation, Stock

# A standing record: waits in the engine's indexes for the publications it matches.
Standing = Subscription | Offer | Intent


@dataclass(frozen=True)
class DomainEvent:
    """Base of every domain event; ``name`` and ``version`` identify it on the wire."""

    name: ClassVar[str] = ""
    version: ClassVar[int] = 1


# -- standings: what the engine's indexes hold ---------------------------------------------------


@dataclass(frozen=True)
class StandingCreated(DomainEvent):
    name = "standing.created"
    standing: Standing


@dataclass(frozen=True)
class StandingChanged(DomainEvent):
    name = "standing.changed"
    standing: Standing


@dataclass(frozen=True)
class StandingRemoved(DomainEvent):
    name = "standing.removed"
    standing: Standing


# -- publications and their moments ------------------------------------------------------------


@dataclass(frozen=True)
class EventPublished(DomainEvent):
    """An event (of a thing, member or business) was stored."""

    name = "event.created"
    event: Event


@dataclass(frozen=True)
class MomentCreated(DomainEvent):
    name = "moment.created"
    moment: Moment


@dataclass(frozen=True)
class MomentChanged(DomainEvent):
    """A moment moved in its lifecycle (accepted, declined, fulfilled, expired, ...)."""

    name = "moment.changed"
    moment: Moment


@dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    """A reservation was confirmed, or a pledge settled, into an order."""

    name = "order.placed"
    order: Order


@dataclass(frozen=True)
class OrderChanged(DomainEvent):
    """An order moved: ready, collected or cancelled."""

    name = "order.changed"
    order: Order


@dataclass(frozen=True)
class StockChanged(DomainEvent):
    """Stock was added or changed: its quantity, price or date, or what reservations hold
    of it (the snapshot's ``version`` says which state is newer)."""

    name = "stock.changed"
    stock: Stock


@dataclass(frozen=True)
class StockRemoved(DomainEvent):
    name = "stock.removed"
    stock: Stock


@dataclass(frozen=True)
class SiteSaved(DomainEvent):
    """A site was added or changed (it may have moved)."""

    name = "site.saved"
    site: Site


@dataclass(frozen=True)
class ReservationChanged(DomainEvent):
    """A reservation was made, confirmed, cancelled, or expired."""

    name = "reservation.changed"
    reservation: Reservation


@dataclass(frozen=True)
class ProposalUpdated(DomainEvent):
    """A followed proposal was updated (a comment, a campaign opened or settled) where
    engine workers match: the worker that owns the circle's shard tells its followers
    (ADR 0017). Inline matching tells them in the update's unit of work, and publishes their
    ``MomentCreated`` instead."""

    name = "proposal.updated"
    update: Update


# -- circles and members -----------------------------------------------------------------------


@dataclass(frozen=True)
class CircleSaved(DomainEvent):
    """A circle was created or changed (its timezone decides the engine's hours)."""

    name = "circle.saved"
    circle: Circle


@dataclass(frozen=True)
class MemberSettingsChanged(DomainEvent):
    """A member changed their profile, moments per hour or quiet hours."""

    name = "member.changed"
    member_id: str


@dataclass(frozen=True)
class MemberErased(DomainEvent):
    """A member erased their account; what it removed was published before this event."""

    name = "member.erased"
    member_id: str


# -- consent -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentGranted(DomainEvent):
    name = "consent.granted"
    grant: ConsentGrant


@dataclass(frozen=True)
class ConsentChanged(DomainEvent):
    name = "consent.changed"
    grant: ConsentGrant


@dataclass(frozen=True)
class ConsentRevoked(DomainEvent):
    name = "consent.revoked"
    grant: ConsentGrant


@dataclass(frozen=True)
class ConsentDeleted(DomainEvent):
    """A grant was deleted with its member's account (a revoked grant is kept, not deleted)."""

    name = "consent.deleted"
    grant_id: str


@dataclass(frozen=True)
class AggregateIncluded(DomainEvent):
    """An aggregate answer counted these members' records in a released bucket."""

    name = "aggregate.included"
    circle_id: str
    business_id: str
    query_id: str
    kind: str
    member_ids: frozenset[str] = field(default_factory=frozenset)


# -- things ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThingAccessChanged(DomainEvent):
    """A thing's MQTT login was issued, replaced or revoked."""

    name = "thing.access_changed"
    thing_id: str


@dataclass(frozen=True)
class ThingRemoved(DomainEvent):
    name = "thing.removed"
    thing_id: str


# -- the charter -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CharterProposalOpened(DomainEvent):
    name = "charter_proposal.opened"
    proposal: CharterProposal


@dataclass(frozen=True)
class CharterProposalClosed(DomainEvent):
    """A proposal's vote ended; when it passed, a new charter version is in force."""

    name = "charter_proposal.closed"
    proposal: CharterProposal


# -- webhooks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEndpointChanged(DomainEvent):
    """An endpoint was registered, changed, re-keyed, paused or removed."""

    name = "webhook.changed"
    endpoint_id: str


@dataclass(frozen=True)
class WebhookDeliveryQueued(DomainEvent):
    """A delivery is due now (queued again by its owner)."""

    name = "webhook_delivery.queued"
    delivery_id: str
    endpoint_id: str


def _all(kind: type[DomainEvent]) -> list[type[DomainEvent]]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub, *_all(sub)]
    return found


EVENT_TYPES: dict[str, type[DomainEvent]] = {kind.name: kind for kind in _all(DomainEvent)}


def to_json(event: DomainEvent) -> dict[str, Any]:
    """The event as versioned JSON (a ``dict`` ready for ``json.dumps``)."""
    return {"type": event.name, "version": event.version, "data": encode(event)}


def from_json(data: dict[str, Any]) -> DomainEvent:
    """The event ``to_json`` wrote; ``ValueError`` for an unknown type or a newer version."""
    kind = EVENT_TYPES.get(data.get("type", ""))
    if kind is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    if data.get("version") != kind.version:
        raise ValueError(f"{kind.name} version {data.get('version')} is not {kind.version}")
    return decode(kind, data["data"])
