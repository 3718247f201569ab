"""``/v1/reservations``: a member holds units of a stock for a while, then confirms (an
order) or lets go; the member and the business see it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, StrictInt

from buurt.domain.stock import HOLD_MINUTES, MAX_HOLD, MAX_HOLD_MINUTES, Reservation
from buurt.domain.stock import ReservationStatus as Status
from buurt.services import resources as res
from buurt.services.commerce import reservations
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.orders import OrderOut
from buurt.web.api.schemas import Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/reservations", tags=["stock"], responses=responses(400, 401, 413, 422)
)
ReservationId = Annotated[str, Path(max_length=64)]


class ReservationIn(Strict):
    stock_id: str = Field(max_length=64)
    quantity: Annotated[StrictInt, Field(ge=1, le=MAX_HOLD)]
    hold_minutes: Annotated[StrictInt, Field(ge=1, le=MAX_HOLD_MINUTES)] = HOLD_MINUTES


class ReservationOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    business_id: str
    stock_id: str
    site_id: str
    item_id: str
    member_id: str | None
    quantity: int
    unit_price: float
    status: Status
    expires_at: datetime
    order_id: str | None
    moment_id: str | None
    created_at: datetime
    updated_at: datetime


class ConfirmedOut(BaseModel):
    reservation: ReservationOut
    order: OrderOut


@router.post("", status_code=201, responses=idempotent_responses(403, 404, 409))
def reserve(body: ReservationIn, principal: PrincipalDep, once: OnceDep) -> ReservationOut:
    """Hold units for you until ``expires_at``; 409 when fewer are free than you ask. With an
    ``Idempotency-Key``, a retry after a lost answer gets the first hold, never a second."""
    services = once.services(Reservation, ReservationOut)
    held = reservations.reserve(services, principal, **body.model_dump())
    return ReservationOut.model_validate(held)


@router.get("")
def list_reservations(
    services: ServicesDep,
    principal: PrincipalDep,
    status: Status | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReservationOut]:
    """Your reservations, and your businesses', oldest first."""
    page = res.list_page(
        services,
        principal,
        Reservation,
        reservations.POLICY,
        where={"status": status},
        after=cursor,
        limit=limit,
    )
    return page_of(ReservationOut, page)


@router.get("/{reservation_id}", responses=responses(404))
def get(
    reservation_id: ReservationId, services: ServicesDep, principal: PrincipalDep
) -> ReservationOut:
    found = res.get(services, principal, Reservation, reservations.POLICY, reservation_id)
    return ReservationOut.model_validate(found)


@router.post("/{reservation_id}/confirm", responses=responses(403, 404, 409))
def confirm(
    reservation_id: ReservationId, services: ServicesDep, principal: PrincipalDep
) -> ConfirmedOut:
    """Confirm a held reservation before it expires: the units are sold, an order placed."""
    done = reservations.confirm(services, principal, reservation_id)
    return ConfirmedOut(
        reservation=ReservationOut.model_validate(done.reservation),
        order=OrderOut.model_validate(done.order),
    )


@router.post("/{reservation_id}/cancel", responses=responses(403, 404, 409))
def cancel(
    reservation_id: ReservationId, services: ServicesDep, principal: PrincipalDep
) -> ReservationOut:
    """Let a held reservation go: its units are free again."""
    return ReservationOut.model_validate(reservations.cancel(services, principal, reservation_id))
