"""``/v1/intents``: a member's needs. Only the member sees and changes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, StrictFloat

from buurt.domain.activity import Intent, IntentStatus
from buurt.services import resources as res
from buurt.services.publishing import intents
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.schemas import (
    AreaModel,
    Attributes,
    Category,
    Instant,
    Page,
    Strict,
    Text,
    area_to_domain,
    changes,
    page_of,
)
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/intents", tags=["intents"], responses=responses(400, 401, 413, 422))
IntentId = Annotated[str, Path(max_length=64)]
Price = Annotated[StrictFloat, Field(ge=0, le=1_000_000, allow_inf_nan=False)]


class IntentIn(Strict):
    circle_id: str = Field(max_length=64)
    category: Category
    area: AreaModel = Field(description="Where: usually your place and a radius.")
    text: Text = ""
    window_start: Instant | None = None
    window_end: Instant | None = None
    max_price: Price | None = None
    attributes: Attributes = Field(default_factory=dict)


class IntentUpdate(Strict):
    category: Category | None = None
    area: AreaModel | None = None
    text: Text | None = None
    window_start: Instant | None = None
    window_end: Instant | None = None
    max_price: Price | None = None
    attributes: Attributes | None = None
    status: IntentStatus | None = Field(
        default=None, description="An open intent can become `withdrawn` or `fulfilled`."
    )


class IntentOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    member_id: str
    category: str
    area: AreaModel
    text: str
    window_start: datetime | None
    window_end: datetime | None
    max_price: float | None
    attributes: Attributes
    status: IntentStatus
    created_at: datetime


@router.post("", status_code=201, responses=idempotent_responses(403))
def publish(body: IntentIn, principal: PrincipalDep, once: OnceDep) -> IntentOut:
    """Publish a need: what, where, when and within which limits."""
    values = body.model_dump(exclude={"area"})
    services = once.services(Intent, IntentOut)
    intent = intents.publish_intent(services, principal, area=area_to_domain(body.area), **values)
    return IntentOut.model_validate(intent)


@router.get("")
def list_intents(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    status: IntentStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[IntentOut]:
    """Your intents."""
    page = res.list_page(
        services,
        principal,
        Intent,
        intents.POLICY,
        where={"circle_id": circle_id, "status": status},
        after=cursor,
        limit=limit,
    )
    return page_of(IntentOut, page)


@router.get("/{intent_id}", responses=responses(404))
def get(intent_id: IntentId, services: ServicesDep, principal: PrincipalDep) -> IntentOut:
    return IntentOut.model_validate(res.get(services, principal, Intent, intents.POLICY, intent_id))


@router.patch("/{intent_id}", responses=responses(403, 404, 409))
def update(
    intent_id: IntentId, body: IntentUpdate, services: ServicesDep, principal: PrincipalDep
) -> IntentOut:
    update = changes(
        body,
        nullable={"window_start", "window_end", "max_price"},
        convert={"area": area_to_domain},
    )
    return IntentOut.model_validate(intents.update_intent(services, principal, intent_id, update))


@router.delete("/{intent_id}", status_code=204, responses=responses(403, 404))
def delete(intent_id: IntentId, services: ServicesDep, principal: PrincipalDep) -> None:
    intents.delete_intent(services, principal, intent_id)
