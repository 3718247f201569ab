"""``/v1/follows``: the proposals and categories a member follows; their updates come as
moments (``GET /v1/moments``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from buurt.services.cocreation import following
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Category, Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/follows", tags=["proposals"], responses=responses(400, 401, 413, 422)
)
FollowId = Annotated[str, Path(max_length=64)]


class FollowProposal(Strict):
    proposal_id: str = Field(max_length=64, description="The proposal.")


class FollowCategory(Strict):
    circle_id: str = Field(max_length=64, description="The circle whose proposals.")
    category: Category = Field(description="Every proposal of this category and those under it.")


FollowIn = FollowProposal | FollowCategory


class FollowOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    member_id: str
    proposal_id: str | None
    category: str | None
    created_at: datetime


@router.post("", status_code=201, responses=responses(403, 404, 409))
def follow(body: FollowIn, services: ServicesDep, principal: PrincipalDep) -> FollowOut:
    """Follow a proposal, or a category of proposals in one of your circles."""
    made = following.follow(services, principal, **body.model_dump())  # one or the other
    return FollowOut.model_validate(made)


@router.get("")
def list_follows(
    services: ServicesDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[FollowOut]:
    """What you follow."""
    return page_of(FollowOut, following.mine(services, principal, cursor, limit))


@router.delete("/{follow_id}", status_code=204, responses=responses(404))
def unfollow(follow_id: FollowId, services: ServicesDep, principal: PrincipalDep) -> None:
    """Stop following."""
    following.unfollow(services, principal, follow_id)
