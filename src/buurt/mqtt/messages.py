"""The MQTT wire format of things' events: what a thing publishes, read into a draft.

A thing publishes JSON on ``buurt/<circle id>/things/<thing id>/events`` (``topics``). Reading
never raises: a message becomes a draft for ``publish_events``, or the reason it cannot be one,
which the gateway stores as a dead letter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    ValidationError,
)

from buurt.domain.places import Place
from buurt.domain.time import as_utc
from buurt.services.things.kinds import describe

# A thing's reading is a few hundred bytes; anything far larger is a fault, kept as an excerpt.
MAX_PAYLOAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class ThingMessage:
    """One MQTT message as the gateway received it: the thing and circle named by its topic."""

    thing_id: str
    circle_id: str
    payload: bytes


def _in_utc(moment: datetime) -> datetime:
    return as_utc(moment, "occurred_at")  # raises a ValueError past the year 9999 in UTC


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
    occurred_at: Annotated[AwareDatetime, Field(strict=False), AfterValidator(_in_utc)] | None = (
        None
    )
    place: _Place | None = None
    # NUL is refused as over HTTP: PostgreSQL text cannot hold it, not even in a query.
    message_id: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[^\x00]*$"
    )


def read_message(message: ThingMessage) -> tuple[dict[str, Any] | None, str]:
    """A draft for ``publish_events``, or ``None`` and why the message cannot be one."""
    size = len(message.payload)
    if size > MAX_PAYLOAD_BYTES:
        return None, f"the payload is {size} bytes; at most {MAX_PAYLOAD_BYTES} are read"
    try:
        document = json.loads(message.payload)
    except RecursionError:
        return None, "the payload is nested too deeply to be read"
    except ValueError as error:  # not UTF-8, not JSON, or an integer of over 4,300 digits
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
