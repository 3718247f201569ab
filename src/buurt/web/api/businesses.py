"""``/v1/businesses``: local shops, makers and services, and their sites."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.community import Business, Site
from buurt.services import resources as res
from buurt.services.cocreation import reviews
from buurt.services.community import businesses
from buurt.services.context import Services
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.schemas import Name, Page, PlaceModel, Strict, Text, changes, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/businesses", tags=["businesses"], responses=responses(400, 401, 413, 422)
)
BusinessId = Annotated[str, Path(max_length=64)]
SiteId = Annotated[str, Path(max_length=64)]
Kind = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", examples=["bakery"])]


class BusinessIn(Strict):
    circle_id: str = Field(max_length=64)
    name: Name
    kind: Kind
    description: Text = ""


class BusinessUpdate(Strict):
    name: Name | None = None
    kind: Kind | None = None
    description: Text | None = None


class BusinessOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    owner_member_id: str
    name: str
    kind: str
    description: str
    created_at: datetime
    rating: RatingOut | None = Field(
        default=None, description="Its verified reviews' rating summary (docs/cocreation.md)."
    )


class RatingOut(BaseModel):
    model_config = {"from_attributes": True}

    average: float = Field(
        description="Bayesian average: (5 * 3.0 + sum of ratings) / (5 + count)."
    )
    mean: float | None = Field(description="The plain mean of the ratings; none without any.")
    count: int


def _rated(services: Services, found: list[Business]) -> list[BusinessOut]:
    summaries = reviews.ratings(services, [b.id for b in found])
    return [
        BusinessOut.model_validate(b).model_copy(
            update={"rating": RatingOut.model_validate(summaries[b.id])}
        )
        for b in found
    ]


class SiteIn(Strict):
    name: Name
    place: PlaceModel
    address: Text = ""


class SiteUpdate(Strict):
    name: Name | None = None
    place: PlaceModel | None = None
    address: Text | None = None


class SiteOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    business_id: str
    name: str
    place: PlaceModel
    address: str
    created_at: datetime


@router.post("", status_code=201, responses=idempotent_responses(403))
def create(body: BusinessIn, principal: PrincipalDep, once: OnceDep) -> BusinessOut:
    """Register a business in one of your circles; you become its owner."""
    services = once.services(Business, BusinessOut)
    business = businesses.create_business(services, principal, **body.model_dump())
    return BusinessOut.model_validate(business)


@router.get("")
def list_businesses(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BusinessOut]:
    page = res.list_page(
        services,
        principal,
        Business,
        businesses.POLICY,
        where={"circle_id": circle_id, "kind": kind},
        after=cursor,
        limit=limit,
    )
    return Page[BusinessOut](items=_rated(services, list(page.items)), next_cursor=page.next_cursor)


@router.get("/{business_id}", responses=responses(404))
def get(business_id: BusinessId, services: ServicesDep, principal: PrincipalDep) -> BusinessOut:
    """A business, with its rating summary."""
    business = res.get(services, principal, Business, businesses.POLICY, business_id)
    return _rated(services, [business])[0]


@router.patch("/{business_id}", responses=responses(403, 404))
def update(
    business_id: BusinessId, body: BusinessUpdate, services: ServicesDep, principal: PrincipalDep
) -> BusinessOut:
    business = businesses.update_business(services, principal, business_id, changes(body))
    return BusinessOut.model_validate(business)


@router.delete("/{business_id}", status_code=204, responses=responses(403, 404, 409))
def delete(business_id: BusinessId, services: ServicesDep, principal: PrincipalDep) -> None:
    businesses.delete_business(services, principal, business_id)


@router.post("/{business_id}/sites", status_code=201, responses=responses(403, 404))
def add_site(
    business_id: BusinessId, body: SiteIn, services: ServicesDep, principal: PrincipalDep
) -> SiteOut:
    site = businesses.add_site(
        services,
        principal,
        business_id,
        name=body.name,
        place=body.place.to_domain(),
        address=body.address,
    )
    return SiteOut.model_validate(site)


@router.get("/{business_id}/sites", responses=responses(404))
def list_sites(
    business_id: BusinessId,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SiteOut]:
    res.get(services, principal, Business, businesses.POLICY, business_id)
    page = res.list_page(
        services,
        principal,
        Site,
        businesses.SITE_POLICY,
        where={"business_id": business_id},
        after=cursor,
        limit=limit,
    )
    return page_of(SiteOut, page)


@router.get("/{business_id}/sites/{site_id}", responses=responses(404))
def get_site(
    business_id: BusinessId, site_id: SiteId, services: ServicesDep, principal: PrincipalDep
) -> SiteOut:
    with services.uow() as uow:
        return SiteOut.model_validate(businesses.fetch_site(uow, principal, business_id, site_id))


@router.patch("/{business_id}/sites/{site_id}", responses=responses(403, 404))
def update_site(
    business_id: BusinessId,
    site_id: SiteId,
    body: SiteUpdate,
    services: ServicesDep,
    principal: PrincipalDep,
) -> SiteOut:
    update = changes(body, convert={"place": PlaceModel.to_domain})
    site = businesses.update_site(services, principal, business_id, site_id, update)
    return SiteOut.model_validate(site)


@router.delete("/{business_id}/sites/{site_id}", status_code=204, responses=responses(403, 404))
def delete_site(
    business_id: BusinessId, site_id: SiteId, services: ServicesDep, principal: PrincipalDep
) -> None:
    businesses.delete_site(services, principal, business_id, site_id)
