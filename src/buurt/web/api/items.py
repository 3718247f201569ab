"""``/v1/items``: what a business sells. Public; changed by whoever acts for the business."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.stock import Item
from buurt.services import resources as res
from buurt.services.commerce import stock
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Attributes, Category, Name, Page, Strict, changes, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/items", tags=["stock"], responses=responses(400, 401, 413, 422))
ItemId = Annotated[str, Path(max_length=64)]


class ItemIn(Strict):
    business_id: str = Field(max_length=64)
    name: Name
    category: Category
    attributes: Attributes = Field(default_factory=dict)


class ItemUpdate(Strict):
    name: Name | None = None
    category: Category | None = None
    attributes: Attributes | None = None


class ItemOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    business_id: str
    name: str
    category: str
    attributes: Attributes
    created_at: datetime


@router.post("", status_code=201, responses=responses(403, 404))
def create(body: ItemIn, services: ServicesDep, principal: PrincipalDep) -> ItemOut:
    item = stock.create_item(services, principal, **body.model_dump())
    return ItemOut.model_validate(item)


@router.get("")
def list_items(
    services: ServicesDep,
    principal: PrincipalDep,
    business_id: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ItemOut]:
    """Items, oldest first; ``business_id`` gives one business's catalogue."""
    page = res.list_page(
        services,
        principal,
        Item,
        stock.ITEM_POLICY,
        where={"business_id": business_id, "category": category},
        after=cursor,
        limit=limit,
    )
    return page_of(ItemOut, page)


@router.get("/{item_id}", responses=responses(404))
def get(item_id: ItemId, services: ServicesDep, principal: PrincipalDep) -> ItemOut:
    return ItemOut.model_validate(res.get(services, principal, Item, stock.ITEM_POLICY, item_id))


@router.patch("/{item_id}", responses=responses(403, 404))
def update(
    item_id: ItemId, body: ItemUpdate, services: ServicesDep, principal: PrincipalDep
) -> ItemOut:
    item = stock.update_item(services, principal, item_id, changes(body))
    return ItemOut.model_validate(item)


@router.delete("/{item_id}", status_code=204, responses=responses(403, 404, 409))
def delete(item_id: ItemId, services: ServicesDep, principal: PrincipalDep) -> None:
    """Delete the item and its stock at every site (refused while reservations hold some)."""
    stock.delete_item(services, principal, item_id)
