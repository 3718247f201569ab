"""Events: what things, members and businesses report. An event is a record: never changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from buurt.domain.activity import Event
from buurt.domain.categories import check_category
from buurt.domain.community import Thing
from buurt.domain.errors import InvalidInput, PermissionDenied
from buurt.domain.ids import new_id
from buurt.domain.ingestion import IngestSource, RejectedEvent
from buurt.domain.parties import PartyKind
from buurt.domain.places import Place
from buurt.domain.time import as_utc
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import pipeline
from buurt.services.things import registry
from buurt.services.things.batches import ThingBatch, refusal, thing_of_draft


class EventPolicy:
    """An event is seen by its source, and, for a thing's event, by whoever sees the thing."""

    name = "event"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Event) -> bool:
        if principal.acts_for(entity.source_kind.value, entity.source_id):
            return True
        if entity.source_kind is PartyKind.THING:
            thing = uow.repo(Thing).get(entity.source_id)
            return thing is not None and registry.POLICY.visible(uow, principal, thing)
        return False

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Event) -> bool:
        return False

    def personal(
        self, uow: UnitOfWork, principal: Principal, entity: Event
    ) -> resources.Use | None:
        """A member's thing's event is the member's thing data, like the thing itself."""
        if entity.source_kind is not PartyKind.THING:
            return None
        thing = uow.repo(Thing).get(entity.source_id)
        return None if thing is None else registry.POLICY.personal(uow, principal, thing)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        visible_things = uow.repo(Thing).page(
            any_of=registry.POLICY.scope(uow, principal), limit=500
        )
        filters: list[Filter] = [
            {"source_kind": PartyKind.BUSINESS, "source_id": sorted(principal.businesses)},
            {"source_kind": PartyKind.THING, "source_id": [t.id for t in visible_things.items]},
        ]
        if principal.kind is not PartyKind.BUSINESS:
            filters.append({"source_kind": principal.kind.value, "source_id": principal.id})
        return filters


POLICY = EventPolicy()


def new_event(
    uow: UnitOfWork,
    principal: Principal,
    *,
    kind: str,
    attributes: dict[str, Any],
    received_at: datetime,
    occurred_at: datetime | None = None,
    place: Place | None = None,
    circle_id: str | None = None,
) -> Event:
    """Build an event from the acting principal (its source); the caller stores it."""
    check_category(kind, "kind")
    if principal.kind is PartyKind.THING:
        thing = uow.repo(Thing).get(principal.id)
        if thing is None:
            raise PermissionDenied("the thing no longer exists")
        circle_id, place = thing.circle_id, place or thing.place
        thing.last_seen_at = received_at
        thing.state = {**thing.state, **attributes}
    elif circle_id is None or circle_id not in principal.circles:
        raise PermissionDenied("events can only be published in your own circles")
    if place is None:
        raise InvalidInput("an event needs a place", "place")
    occurred = as_utc(occurred_at, "occurred_at") if occurred_at else received_at
    return Event(
        new_id("event"),
        circle_id,
        PartyKind(principal.kind.value),
        principal.id,
        kind,
        place,
        occurred,
        received_at,
        attributes,
    )


def publish_events(
    services: Services,
    principal: Principal,
    drafts: Sequence[dict[str, Any]],
    *,
    source: IngestSource = IngestSource.HTTP,
    partial: bool = False,
    dead_letters: Sequence[RejectedEvent] = (),
) -> list[Event]:
    """Store a batch of events in one transaction, then publish them; the one way events
    are stored, whether they come over HTTP or MQTT.

    A thing's event (from a thing, or a draft naming ``thing_id``, which its owner or the
    MQTT ``BROKER`` may send) must fit its thing kind's schema, or it becomes a dead letter.
    All or nothing by default (HTTP): a batch with such an event stores only the dead letters
    and raises ``InvalidInput``. With ``partial`` (the MQTT gateway) the good events, their dead
    letters and the caller's ``dead_letters`` are stored together. A draft's ``message_id``
    makes a redelivered event a no-op: the stored event is returned instead.
    """
    now = services.clock.now()
    duplicates: list[Event] = []

    def write(uow: UnitOfWork) -> list[Event]:
        batch = ThingBatch(uow, principal, now, source)
        batch.prepare(drafts)
        events: list[Event] = []
        failed: list[int] = []
        for index, draft in enumerate(drafts):
            thing_id = thing_of_draft(principal, draft)
            if thing_id is None:
                events.append(new_event(uow, principal, received_at=now, **draft))
                continue
            before = len(batch.rejected)
            batch.take(thing_id, draft)
            if len(batch.rejected) > before:
                failed.append(index)
        batch.rejected[:0] = dead_letters
        if failed and not partial:
            uow.rollback()
            batch.store_rejected()
            uow.commit()
            raise refusal(batch.rejected[len(dead_letters) :], failed if len(drafts) > 1 else None)
        for event in events:
            uow.repo(Event).add(event)
        batch.store()
        duplicates.extend(batch.duplicates)
        return [*events, *batch.events]

    published = pipeline.publish(services, write, now)
    return [*published.records, *duplicates]
