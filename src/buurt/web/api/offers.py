"""``/v1/offers``: what businesses and neighbours supply. Public; changed by their owner."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.activity import Offer, OfferStatus
from buurt.services import resources as res
from buurt.services.publishing import offers
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.intents import Price
from buurt.web.api.kinds import SourceKind
from buurt.web.api.schemas import (
    AreaModel,
    Attributes,
    BoundedInt,
    Category,
    Instant,
    Name,
    Page,
    Strict,
    Text,
    area_to_domain,
    changes,
    page_of,
)
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/offers", tags=["offers"], responses=responses(400, 401, 413, 422))
OfferId = Annotated[str, Path(max_length=64)]


class OfferIn(Strict):
    circle_id: str = Field(max_length=64)
    category: Category
    title: Name
    area: AreaModel = Field(description="Where the offer applies: a shop and its delivery radius.")
    business_id: str | None = Field(
        default=None, max_length=64, description="Offer as this business; omit to offer as you."
    )
    description: Text = ""
    price: Price | None = None
    quantity: BoundedInt | None = None
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    attributes: Attributes = Field(default_factory=dict)


class OfferUpdate(Strict):
    category: Category | None = None
    title: Name | None = None
    area: AreaModel | None = None
    description: Text | None = None
    price: Price | None = None
    quantity: BoundedInt | None = None
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    attributes: Attributes | None = None
    status: OfferStatus | None = Field(
        default=None,
        description="`active` and `sold_out` go both ways; either may become `withdrawn` (final).",
    )


class OfferOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    owner_kind: SourceKind
    owner_id: str
    category: str
    title: str
    description: str
    area: AreaModel
    price: float | None
    quantity: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    attributes: Attributes
    status: OfferStatus
    created_at: datetime


@router.post("", status_code=201, responses=idempotent_responses(403))
def publish(body: OfferIn, principal: PrincipalDep, once: OnceDep) -> OfferOut:
    values = body.model_dump(exclude={"area"})
    services = once.services(Offer, OfferOut)
    offer = offers.publish_offer(services, principal, area=area_to_domain(body.area), **values)
    return OfferOut.model_validate(offer)


@router.get("")
def list_offers(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    status: OfferStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OfferOut]:
    page = res.list_page(
        services,
        principal,
        Offer,
        offers.POLICY,
        where={"circle_id": circle_id, "category": category, "status": status},
        after=cursor,
        limit=limit,
    )
    return page_of(OfferOut, page)


@router.get("/{offer_id}", responses=responses(404))
def get(offer_id: OfferId, services: ServicesDep, principal: PrincipalDep) -> OfferOut:
    return OfferOut.model_validate(res.get(services, principal, Offer, offers.POLICY, offer_id))


@router.patch("/{offer_id}", responses=responses(403, 404, 409))
def update(
    offer_id: OfferId, body: OfferUpdate, services: ServicesDep, principal: PrincipalDep
) -> OfferOut:
    update = changes(
        body,
        nullable={"price", "quantity", "valid_from", "valid_until"},
        convert={"area": area_to_domain},
    )
    return OfferOut.model_validate(offers.update_offer(services, principal, offer_id, update))


@router.delete("/{offer_id}", status_code=204, responses=responses(403, 404))
def delete(offer_id: OfferId, services: ServicesDep, principal: PrincipalDep) -> None:
    offers.delete_offer(services, principal, offer_id)
