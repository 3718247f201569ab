"""``/v1/things/{thing_id}/...``: a thing's events in, its dead letters, its MQTT credentials
(and revoking all of its access) and commands out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Discriminator, Field, Tag

from buurt.domain.ingestion import IngestSource
from buurt.services.things import ingest, link
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep, ThingLinkDep
from buurt.web.api.events import EventOut
from buurt.web.api.schemas import Attributes, Category, Instant, Page, PlaceModel, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/things/{thing_id}", tags=["things"], responses=responses(400, 401, 413, 422)
)
ThingId = Annotated[str, Path(max_length=64)]
MAX_BATCH = 1000


class ThingEventIn(Strict):
    """An event from a thing; its attributes must fit the thing kind's schema."""

    attributes: Attributes = Field(description='The reading, such as `{"power_w": 2400}`.')
    kind: Category | None = Field(default=None, description="Defaults to the thing kind's.")
    place: PlaceModel | None = Field(default=None, description="Defaults to the thing's.")
    occurred_at: Instant | None = Field(default=None, description="Defaults to now.")
    circle_id: str | None = Field(default=None, max_length=64, description="The thing's.")
    message_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00]*$",
        description="Chosen by the thing, unique for it: sending it again stores nothing new.",
    )


class ThingEventBatch(Strict):
    events: list[ThingEventIn] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"At most {MAX_BATCH} events."
    )


def _body_shape(value: Any) -> str:
    """A body with ``events`` is a batch, any other one event: errors then speak of one."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return "batch" if isinstance(value, dict) and "events" in value else "event"


EventOrBatch = Annotated[
    Annotated[ThingEventIn, Tag("event")] | Annotated[ThingEventBatch, Tag("batch")],
    Discriminator(_body_shape),
]


class PublishedEvents(BaseModel):
    items: list[EventOut]


class RejectedEventOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    thing_id: str
    received_at: datetime
    source: IngestSource
    payload: str = Field(description="What was sent, cut to its first 4,000 characters.")
    reason: str


class MqttCredentialsOut(BaseModel):
    username: str = Field(description="The thing's id.")
    password: str = Field(description="Shown only now; Buurt keeps only a hash.")
    events_topic: str
    commands_topic: str
    created_at: datetime


class RevokedAccessOut(BaseModel):
    model_config = {"from_attributes": True}

    thing_id: str
    tokens: int = Field(description="Bearer tokens of the thing that were live, now revoked.")
    mqtt_login: bool = Field(description="Whether the thing had an MQTT login, now removed.")
    revoked_at: datetime


class CommandIn(Strict):
    command: Category = Field(description="What the thing should do, such as `reserve`.")
    args: Attributes = Field(default_factory=dict)


class CommandOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    thing_id: str
    topic: str
    command: str
    args: dict[str, Any]
    sent_by: str
    sent_at: datetime


def _draft(body: ThingEventIn) -> dict[str, Any]:
    return {
        "attributes": body.attributes,
        "kind": body.kind,
        "place": body.place.to_domain() if body.place else None,
        "occurred_at": body.occurred_at,
        "circle_id": body.circle_id,
        "message_id": body.message_id,
        "raw": body.model_dump_json(exclude_unset=True),
    }


@router.post("/events", status_code=201, responses=responses(403, 404))
def publish(
    thing_id: ThingId,
    body: EventOrBatch,
    services: ServicesDep,
    principal: PrincipalDep,
) -> PublishedEvents:
    """Publish one event, or a batch `{"events": [...]}` of up to 1,000, from a thing: as the
    thing (its token) or its owner. A batch is stored all or nothing. An event that does not
    fit the thing kind's schema is refused (422) and kept at `GET .../rejected`."""
    bodies = body.events if isinstance(body, ThingEventBatch) else [body]
    published = ingest.publish_for_thing(services, principal, thing_id, [_draft(b) for b in bodies])
    return PublishedEvents(items=[EventOut.model_validate(e) for e in published])


@router.get("/rejected", responses=responses(403, 404))
def rejected(
    thing_id: ThingId,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[RejectedEventOut]:
    """What the thing sent that was not stored (dead letters) and why; for its owner."""
    page = ingest.rejected_events(services, principal, thing_id, cursor, limit)
    return page_of(RejectedEventOut, page)


@router.post("/mqtt-credentials", status_code=201, responses=responses(403, 404))
def issue_mqtt_credentials(
    thing_id: ThingId, services: ServicesDep, principal: PrincipalDep
) -> MqttCredentialsOut:
    """Issue the thing's MQTT login (replacing any earlier one); the password is shown once."""
    credential, secret = link.issue_mqtt_credentials(services, principal, thing_id)
    base = f"buurt/+/things/{thing_id}"
    return MqttCredentialsOut(
        username=credential.id,
        password=secret,
        events_topic=f"{base}/events",
        commands_topic=f"{base}/commands",
        created_at=credential.created_at,
    )


@router.delete("/mqtt-credentials", status_code=204, responses=responses(403, 404))
def revoke_mqtt_credentials(
    thing_id: ThingId, services: ServicesDep, principal: PrincipalDep
) -> None:
    """Revoke the thing's MQTT login; the broker refuses it from its next reload."""
    link.revoke_mqtt_credentials(services, principal, thing_id)


@router.post("/revoke-access", responses=responses(403, 404))
def revoke_access(
    thing_id: ThingId, services: ServicesDep, principal: PrincipalDep
) -> RevokedAccessOut:
    """Revoke all of the thing's access, for its owner: every bearer token (answered 401 from
    now on) and its MQTT login (the broker refuses it, and closes a connected session, on its
    reload within about a second). Doing it again revokes nothing new. Issue new credentials
    to let the thing back in."""
    return RevokedAccessOut.model_validate(link.revoke_all_access(services, principal, thing_id))


@router.post("/commands", status_code=202, responses=responses(403, 404, 503))
def send_command(
    thing_id: ThingId,
    body: CommandIn,
    services: ServicesDep,
    principal: PrincipalDep,
    thing_link: ThingLinkDep,
) -> CommandOut:
    """Send a command to the thing's command topic (QoS 1); for its owner. 503 when no MQTT
    broker is configured or reachable."""
    command = link.send_command(services, thing_link, principal, thing_id, body.command, body.args)
    return CommandOut.model_validate(command)
