"""``/v1/events``: what things, members and businesses report. Events are immutable records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.activity import Event
from buurt.services import resources as res
from buurt.services.publishing import events
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.kinds import SourceKind
from buurt.web.api.schemas import Attributes, Category, Instant, Page, PlaceModel, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/events", tags=["events"], responses=responses(400, 401, 413, 422))


class EventIn(Strict):
    kind: Category = Field(description="What happened, as a category path: `energy/solar`.")
    attributes: Attributes = Field(default_factory=dict)
    place: PlaceModel = Field(description="Where it happened.")
    occurred_at: Instant | None = Field(default=None, description="Defaults to now.")
    circle_id: str | None = Field(
        default=None, max_length=64, description="Required unless a thing publishes."
    )


class EventOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    source_kind: SourceKind
    source_id: str
    kind: str
    place: PlaceModel
    occurred_at: datetime
    received_at: datetime
    attributes: Attributes


def draft(body: EventIn) -> dict[str, object]:
    return {
        "kind": body.kind,
        "attributes": body.attributes,
        "place": body.place.to_domain(),
        "occurred_at": body.occurred_at,
        "circle_id": body.circle_id,
    }


@router.post("", status_code=201, responses=idempotent_responses(403))
def publish(body: EventIn, principal: PrincipalDep, once: OnceDep) -> EventOut:
    """Publish an event as yourself (a thing, a member or a business)."""
    services = once.services(Event, EventOut)
    (event,) = events.publish_events(services, principal, [draft(body)])
    return EventOut.model_validate(event)


@router.get("")
def list_events(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=200)] = None,
    source_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EventOut]:
    """Events you published, and those of things you may see."""
    page = res.list_page(
        services,
        principal,
        Event,
        events.POLICY,
        where={"circle_id": circle_id, "kind": kind, "source_id": source_id},
        after=cursor,
        limit=limit,
    )
    return page_of(EventOut, page)


@router.get("/{event_id}", responses=responses(404))
def get(
    event_id: Annotated[str, Path(max_length=64)], services: ServicesDep, principal: PrincipalDep
) -> EventOut:
    return EventOut.model_validate(res.get(services, principal, Event, events.POLICY, event_id))
