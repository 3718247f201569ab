"""Things' ingestion use cases: events for a thing, its dead letters, MQTT messages, its MQTT
credentials and commands sent to it.

Every event, over HTTP or MQTT, is stored by ``events.publish_events``; this module only turns
what arrives into drafts for it, and never drops anything: what cannot be read becomes a dead
letter (``RejectedEvent``) with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictFloat, ValidationError

from buurt.domain.activity import Event
from buurt.domain.community import Thing
from buurt.domain.ingestion import IngestSource, RejectedEvent
from buurt.domain.places import Place
from buurt.ports import Page
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import events
from buurt.services.things import registry
from buurt.services.things.batches import BROKER, rejection
from buurt.services.things.kinds import describe

# A thing's reading is a few hundred bytes; anything far larger is a fault, kept as an excerpt.
MAX_PAYLOAD_BYTES = 64 * 1024


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


@dataclass(frozen=True)
class ThingMessage:
    """One MQTT message as the gateway received it: the thing and circle named by its topic."""

    thing_id: str
    circle_id: str
    payload: bytes


class _Place(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    lat: Annotated[StrictFloat, Field(ge=-90, le=90, allow_inf_nan=False)]
    lon: Annotated[StrictFloat, Field(ge=-180, le=180, allow_inf_nan=False)]


class MqttEvent(BaseModel):
    """What a thing publishes on ``buurt/<circle id>/things/<thing id>/events``. Only
    ``attributes`` is needed; ``message_id`` (unique per thing) makes redelivery harmless."""

    model_config = ConfigDict(extra="forbid", strict=True)

    attributes: dict[str, Any]
    kind: str | None = Field(default=None, max_length=200)
    occurred_at: Annotated[AwareDatetime, Field(strict=False)] | None = None
    place: _Place | None = None
    message_id: str | None = Field(default=None, min_length=1, max_length=100)


def ingest_messages(services: Services, messages: Sequence[ThingMessage]) -> list[Event]:
    """Store a batch of MQTT messages in one transaction: each becomes an event or a dead
    letter. Returns the events (a redelivered message gives back its stored event)."""
    now = services.clock.now()
    drafts: list[dict[str, Any]] = []
    dead: list[RejectedEvent] = []
    for message in messages:
        draft, reason = read_message(message)
        if draft is not None:
            drafts.append(draft)
        else:
            dead.append(
                rejection(message.thing_id, now, IngestSource.MQTT, message.payload, reason)
            )
    return events.publish_events(
        services,
        BROKER,
        drafts,
        source=IngestSource.MQTT,
        partial=True,
        dead_letters=dead,
    )


def read_message(message: ThingMessage) -> tuple[dict[str, Any] | None, str]:
    """A draft for ``publish_events``, or ``None`` and why the message cannot be one."""
    size = len(message.payload)
    if size > MAX_PAYLOAD_BYTES:
        return None, f"the payload is {size} bytes; at most {MAX_PAYLOAD_BYTES} are read"
    try:
        document = json.loads(message.payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"the payload is not JSON: {error}"
    try:
        body = MqttEvent.model_validate(document)
    except ValidationError as error:
        return None, describe(error, "the payload's fields")
    draft: dict[str, Any] = {
        "thing_id": message.thing_id,
        "circle_id": message.circle_id,
        "attributes": body.attributes,
        "kind": body.kind,
        "occurred_at": body.occurred_at,
        "place": Place(body.place.lat, body.place.lon) if body.place else None,
        "message_id": body.message_id,
        "raw": message.payload,
    }
    return draft, ""


def keep_dead_letters(services: Services, dead: Sequence[RejectedEvent]) -> None:
    """Store dead letters alone (when what carried them could not be stored otherwise)."""
    with services.uow() as uow:
        for rejected in dead:
            uow.repo(RejectedEvent).add(rejected)
        uow.commit()
