"""``/v1/circles``: neighbourhoods with a boundary, their members and admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Path
from pydantic import AfterValidator, BaseModel, Field

from buurt.domain.community import Circle, Role
from buurt.services import resources as res
from buurt.services.community import circles
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.schemas import (
    BoundaryModel,
    Name,
    Page,
    Strict,
    Text,
    boundary_to_domain,
    changes,
    page_of,
)
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/circles", tags=["circles"], responses=responses(400, 401, 413, 422))
CircleId = Annotated[str, Path(max_length=64)]
TIMEZONES = frozenset(available_timezones())


def _check_timezone(value: str) -> str:
    if value not in TIMEZONES:
        raise ValueError(f"{value!r} is not an IANA timezone name such as 'Europe/Amsterdam'")
    return value


# A plain string in the schema: an enum of every IANA name is long, changes with the tz
# database, and holds names that differ only in case (GMT0, GMT-0) that clients cannot
# generate distinct constants for. The server checks the name against its tz database.
Timezone = Annotated[
    str,
    AfterValidator(_check_timezone),
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$",
        examples=["Europe/Amsterdam"],
        description="An IANA timezone name, such as `Europe/Amsterdam`; the server checks it "
        "against its tz database (422 when unknown).",
    ),
]


class CircleIn(Strict):
    name: Name
    boundary: BoundaryModel
    timezone: Timezone = "Europe/Amsterdam"
    description: Text = ""


class CircleUpdate(Strict):
    name: Name | None = None
    boundary: BoundaryModel | None = None
    timezone: Timezone | None = None
    description: Text | None = None


class CircleOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    name: str
    description: str
    boundary: BoundaryModel
    timezone: str
    created_at: datetime


class MembershipOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    member_id: str
    role: Role
    joined_at: datetime


class RoleIn(Strict):
    role: Role


@router.post("", status_code=201, responses=idempotent_responses(403))
def create(body: CircleIn, principal: PrincipalDep, once: OnceDep) -> CircleOut:
    """Found a circle; you become its first admin."""
    circle = circles.create_circle(
        once.services(Circle, CircleOut),
        principal,
        name=body.name,
        boundary=boundary_to_domain(body.boundary),
        timezone=body.timezone,
        description=body.description,
    )
    return CircleOut.model_validate(circle)


@router.get("")
def list_circles(
    services: ServicesDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[CircleOut]:
    page = res.list_page(services, principal, Circle, circles.POLICY, after=cursor, limit=limit)
    return page_of(CircleOut, page)


@router.get("/{circle_id}", responses=responses(404))
def get(circle_id: CircleId, services: ServicesDep, principal: PrincipalDep) -> CircleOut:
    return CircleOut.model_validate(res.get(services, principal, Circle, circles.POLICY, circle_id))


@router.patch("/{circle_id}", responses=responses(403, 404))
def update(
    circle_id: CircleId, body: CircleUpdate, services: ServicesDep, principal: PrincipalDep
) -> CircleOut:
    """Change a circle (admins only)."""
    update = changes(body, convert={"boundary": boundary_to_domain})
    return CircleOut.model_validate(circles.update_circle(services, principal, circle_id, update))


@router.delete("/{circle_id}", status_code=204, responses=responses(403, 404, 409))
def delete(circle_id: CircleId, services: ServicesDep, principal: PrincipalDep) -> None:
    """Delete an empty circle (admins only)."""
    circles.delete_circle(services, principal, circle_id)


@router.post("/{circle_id}/memberships", status_code=201, responses=responses(403, 404, 409))
def join(circle_id: CircleId, services: ServicesDep, principal: PrincipalDep) -> MembershipOut:
    """Join a circle as a member."""
    return MembershipOut.model_validate(circles.join_circle(services, principal, circle_id))


@router.delete("/{circle_id}/memberships/me", status_code=204, responses=responses(404, 409))
def leave(circle_id: CircleId, services: ServicesDep, principal: PrincipalDep) -> None:
    """Leave a circle."""
    circles.leave_circle(services, principal, circle_id)


@router.put("/{circle_id}/memberships/{member_id}", responses=responses(403, 404, 409))
def set_role(
    circle_id: CircleId,
    member_id: Annotated[str, Path(max_length=64)],
    body: RoleIn,
    services: ServicesDep,
    principal: PrincipalDep,
) -> MembershipOut:
    """Make a member an admin, or an admin a member (admins only)."""
    membership = circles.set_role(services, principal, circle_id, member_id, body.role)
    return MembershipOut.model_validate(membership)
