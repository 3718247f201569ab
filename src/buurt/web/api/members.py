"""``/v1/members``: registration and profiles. A profile is seen by the member and the admins
of the member's circles, and changed by the member alone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.community import Member
from buurt.domain.errors import PermissionDenied
from buurt.services import resources as res
from buurt.services.community import members
from buurt.web.api.circles import MembershipOut
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import WHOLE, Name, Page, Strict, changes, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/members", tags=["members"], responses=responses(400, 401, 413, 422))
MemberId = Annotated[str, Path(max_length=64)]
Email = Annotated[
    str,
    Field(
        max_length=320,
        pattern=r"^[^@ \t\r\n\x00]+@[^@ \t\r\n\x00]+\.[^@ \t\r\n\x00]+$",
        examples=["ann@example.org"],
    ),
]
Password = Annotated[str, Field(min_length=8, max_length=200, pattern=r"^[^\x00]*$")]
Hour = Annotated[int, Field(ge=0, le=23), WHOLE]
MomentsPerHour = Annotated[int, Field(ge=0, le=1000), WHOLE]


class Registration(Strict):
    name: Name
    email: Email
    password: Password
    circle_id: str | None = Field(default=None, max_length=64, description="A circle to join.")


class MemberUpdate(Strict):
    name: Name | None = None
    email: Email | None = None
    password: Password | None = None
    max_moments_per_hour: MomentsPerHour | None = None
    quiet_from_hour: Hour | None = None
    quiet_until_hour: Hour | None = None


class MemberOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    name: str
    email: str
    max_moments_per_hour: int
    quiet_from_hour: int | None
    quiet_until_hour: int | None
    created_at: datetime


@router.post("", status_code=201, responses=responses(404, 409), openapi_extra={"security": []})
def register(body: Registration, services: ServicesDep) -> MemberOut:
    """Create an account (no token needed); then log in at `POST /v1/auth/tokens`."""
    member = members.register_member(
        services,
        name=body.name,
        email=body.email,
        password=body.password,
        circle_id=body.circle_id,
    )
    return MemberOut.model_validate(member)


@router.get("")
def list_members(
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MemberOut]:
    """You, and the members of the circles you administer."""
    page = res.list_page(services, principal, Member, members.POLICY, after=cursor, limit=limit)
    return page_of(MemberOut, page)


@router.get("/me", responses=responses(403))
def me(services: ServicesDep, principal: PrincipalDep) -> MemberOut:
    """Your own profile (members only: a business or thing token is answered 403)."""
    if not principal.is_member:
        raise PermissionDenied(
            f"a {principal.kind.value} has no member profile; /v1/members/me is for members"
        )
    return MemberOut.model_validate(
        res.get(services, principal, Member, members.POLICY, principal.id)
    )


@router.get("/{member_id}", responses=responses(404))
def get(member_id: MemberId, services: ServicesDep, principal: PrincipalDep) -> MemberOut:
    what = f"GET /v1/members/{member_id}"
    return MemberOut.model_validate(
        res.get(services, principal, Member, members.POLICY, member_id, what)
    )


@router.get("/{member_id}/memberships", responses=responses(404))
def memberships(
    member_id: MemberId,
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[MembershipOut]:
    """The circles a member belongs to, with their role."""
    what = f"GET /v1/members/{member_id}/memberships"
    res.get(services, principal, Member, members.POLICY, member_id, what)
    found = members.circles_of(services, member_id)
    return [MembershipOut.model_validate(m) for m in found if circle_id in (None, m.circle_id)]


@router.patch("/{member_id}", responses=responses(403, 404, 409))
def update(
    member_id: MemberId, body: MemberUpdate, services: ServicesDep, principal: PrincipalDep
) -> MemberOut:
    """Change your profile, settings or password."""
    update = changes(body, nullable={"quiet_from_hour", "quiet_until_hour"})
    return MemberOut.model_validate(members.update_member(services, principal, member_id, update))
