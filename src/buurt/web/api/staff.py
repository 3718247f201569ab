"""``/v1/businesses/{id}/staff``: the members who work for a business beside its owner.

Whoever acts for the business reads the list; its owner adds a member of the circle (by
email address or member id) and removes them; a member stops working for it by removing
themselves. A staff member acts for the shop from the pages' role switch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from buurt.services.community import staff
from buurt.web.api.deps import PrincipalDep, ServicesDep
from buurt.web.api.schemas import Strict
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/businesses/{business_id}/staff",
    tags=["businesses"],
    responses=responses(400, 401, 403, 404, 413, 422),
)
BusinessId = Annotated[str, Path(max_length=64)]
MemberId = Annotated[str, Path(max_length=64)]


class StaffIn(Strict):
    member: str = Field(
        min_length=1,
        max_length=320,
        pattern=r"^[^\x00]*$",
        description="The email address or member id of a member of the business's circle.",
        examples=["ann@example.org"],
    )


class StaffOut(BaseModel):
    model_config = {"from_attributes": True}

    member_id: str
    name: str
    added_at: datetime


class StaffList(BaseModel):
    items: list[StaffOut]


@router.get("")
def list_staff(
    business_id: BusinessId, services: ServicesDep, principal: PrincipalDep
) -> StaffList:
    """Who works for the business (for its owner, its tokens and its staff)."""
    found = staff.list_staff(services, principal, business_id)
    return StaffList(items=[StaffOut.model_validate(c) for c in found])


@router.post("", status_code=201, responses=responses(409))
def add_staff(
    business_id: BusinessId, body: StaffIn, services: ServicesDep, principal: PrincipalDep
) -> StaffOut:
    """Add a member of the circle to the staff (the owner). 404 when no member of the
    circle has that email address or id; 409 for the owner or someone on the staff already."""
    return StaffOut.model_validate(staff.add_staff(services, principal, business_id, body.member))


@router.delete("/{member_id}", status_code=204)
def remove_staff(
    business_id: BusinessId, member_id: MemberId, services: ServicesDep, principal: PrincipalDep
) -> None:
    """Remove a member from the staff (the owner), or stop working for the business (the
    member themselves)."""
    staff.remove_staff(services, principal, business_id, member_id)
