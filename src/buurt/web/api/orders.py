"""``/v1/orders``: orders for you, or for your business, and their lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.orders import Order, OrderSource, OrderStatus
from buurt.services import resources as res
from buurt.services.commerce import orders
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/orders", tags=["orders"], responses=responses(400, 401, 413, 422))
OrderId = Annotated[str, Path(max_length=64)]


class OrderOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    business_id: str
    member_id: str | None
    site_id: str | None
    source_kind: OrderSource
    source_id: str
    title: str
    quantity: int
    unit_price: float | None
    total: float | None
    status: OrderStatus
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    collected_at: datetime | None


class OrderTransition(Strict):
    status: OrderStatus = Field(
        description="`ready` and `collected` by the business; `cancelled` by the member while "
        "the order is placed, or by the business while it is placed or ready."
    )
    reason: str | None = Field(
        default=None, max_length=500, description="Why, when cancelling (required then)."
    )


@router.get("")
def list_orders(
    services: ServicesDep,
    principal: PrincipalDep,
    status: OrderStatus | None = None,
    business_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OrderOut]:
    """Your orders, and your businesses' orders, oldest first."""
    page = res.list_page(
        services,
        principal,
        Order,
        orders.POLICY,
        where={"status": status, "business_id": business_id},
        after=cursor,
        limit=limit,
    )
    return page_of(OrderOut, page)


@router.get("/{order_id}", responses=responses(404))
def get(order_id: OrderId, services: ServicesDep, principal: PrincipalDep) -> OrderOut:
    return OrderOut.model_validate(res.get(services, principal, Order, orders.POLICY, order_id))


@router.post("/{order_id}/transitions", responses=responses(403, 404, 409))
def transition(
    order_id: OrderId, body: OrderTransition, services: ServicesDep, principal: PrincipalDep
) -> OrderOut:
    """Move the order one step: placed → ready → collected, or cancelled."""
    order = orders.transition(services, principal, order_id, body.status, body.reason)
    return OrderOut.model_validate(order)
