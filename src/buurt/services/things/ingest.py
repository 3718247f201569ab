"""Things' ingestion use cases: events for a thing, its dead letters, batches off the broker.

Every event, over HTTP or MQTT, is stored by ``events.publish_events``. The MQTT gateway reads
the wire format (``buurt.mqtt.messages``) and hands drafts here; nothing is ever dropped: what
cannot be read or stored becomes a dead letter (``RejectedEvent``) with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from buurt.domain.activity import Event
from buurt.domain.community import Thing
from buurt.domain.ingestion import IngestSource, RejectedEvent
from buurt.ports import Page
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import events
from buurt.services.things import registry
from buurt.services.things.batches import BROKER


def publish_for_thing(
    services: Services, principal: Principal, thing_id: str, drafts: Sequence[dict[str, Any]]
) -> list[Event]:
    """Store events from a thing, sent by the thing itself or by its owner (all or nothing)."""
    return events.publish_events(
        services, principal, [{**draft, "thing_id": thing_id} for draft in drafts]
    )


def rejected_events(
    services: Services, principal: Principal, thing_id: str, after: str | None, limit: int
) -> Page[RejectedEvent]:
    """A thing's dead letters, oldest first; for its owner only."""
    with services.uow() as uow:
        resources.fetch_for_change(uow, principal, Thing, registry.POLICY, thing_id)
        return uow.repo(RejectedEvent).page(where={"thing_id": thing_id}, after=after, limit=limit)


def ingest_drafts(
    services: Services, drafts: Sequence[dict[str, Any]], dead: Sequence[RejectedEvent] = ()
) -> list[Event]:
    """Store a batch read off the broker in one transaction: each draft becomes an event or a
    dead letter, next to the dead letters of what could not be read at all. Returns the events
    (a redelivered message gives back its stored event)."""
    return events.publish_events(
        services, BROKER, drafts, source=IngestSource.MQTT, partial=True, dead_letters=dead
    )


def keep_dead_letters(services: Services, dead: Sequence[RejectedEvent]) -> None:
    """Store dead letters alone (when what carried them could not be stored otherwise)."""
    with services.uow() as uow:
        for rejected in dead:
            uow.repo(RejectedEvent).add(rejected)
        uow.commit()
