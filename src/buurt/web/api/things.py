"""``/v1/things``: connected objects, their events and their tokens' owner."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.community import Thing, ThingKind, Visibility
from buurt.domain.parties import PartyKind
from buurt.services import resources as res
from buurt.services.things import registry
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.kinds import OwnerKind
from buurt.web.api.schemas import Name, Page, PlaceModel, Strict, changes, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/things", tags=["things"], responses=responses(400, 401, 413, 422))
ThingId = Annotated[str, Path(max_length=64)]


class ThingIn(Strict):
    circle_id: str = Field(max_length=64)
    kind: ThingKind
    name: Name
    place: PlaceModel
    visibility: Visibility = Visibility.PRIVATE
    owner_kind: OwnerKind | None = Field(
        default=None, description="Defaults to you; `business` or `circle` for what you manage."
    )
    owner_id: str | None = Field(default=None, max_length=64)


class ThingUpdate(Strict):
    name: Name | None = None
    place: PlaceModel | None = None
    visibility: Visibility | None = None


class ThingOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    owner_kind: OwnerKind
    owner_id: str
    kind: ThingKind
    name: str
    place: PlaceModel
    visibility: Visibility
    state: dict[str, Any]
    created_at: datetime
    last_seen_at: datetime | None


@router.post("", status_code=201, responses=idempotent_responses(403))
def register(body: ThingIn, principal: PrincipalDep, once: OnceDep) -> ThingOut:
    """Register a thing; then issue it a token at `POST /v1/auth/tokens/issue`."""
    thing = registry.register_thing(
        once.services(Thing, ThingOut),
        principal,
        circle_id=body.circle_id,
        kind=body.kind,
        name=body.name,
        place=body.place.to_domain(),
        visibility=body.visibility,
        owner_kind=PartyKind(body.owner_kind) if body.owner_kind else None,
        owner_id=body.owner_id,
    )
    return ThingOut.model_validate(thing)


@router.get("")
def list_things(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: ThingKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ThingOut]:
    """Things you may see: public ones, your circles' shared ones, and your own."""
    page = res.list_page(
        services,
        principal,
        Thing,
        registry.POLICY,
        where={"circle_id": circle_id, "kind": kind},
        after=cursor,
        limit=limit,
    )
    return page_of(ThingOut, page)


@router.get("/{thing_id}", responses=responses(404))
def get(thing_id: ThingId, services: ServicesDep, principal: PrincipalDep) -> ThingOut:
    return ThingOut.model_validate(res.get(services, principal, Thing, registry.POLICY, thing_id))


@router.patch("/{thing_id}", responses=responses(403, 404))
def update(
    thing_id: ThingId, body: ThingUpdate, services: ServicesDep, principal: PrincipalDep
) -> ThingOut:
    update = changes(body, convert={"place": PlaceModel.to_domain})
    return ThingOut.model_validate(registry.update_thing(services, principal, thing_id, update))


@router.delete("/{thing_id}", status_code=204, responses=responses(403, 404, 409))
def delete(thing_id: ThingId, services: ServicesDep, principal: PrincipalDep) -> None:
    """Delete a thing; its tokens are revoked, its past events kept."""
    registry.delete_thing(services, principal, thing_id)
