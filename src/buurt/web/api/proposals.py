"""``/v1/proposals``: what neighbours want made, its discussion and its support."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field, StrictFloat

from buurt.domain.cocreation import Proposal, ProposalSort, ProposalStatus
from buurt.domain.parties import PartyKind
from buurt.ports.media import Media
from buurt.services.cocreation import discussion, proposals
from buurt.services.context import Services
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Category, Name, Page, Strict, changes, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/proposals", tags=["proposals"], responses=responses(400, 401, 413, 422)
)
ProposalId = Annotated[str, Path(max_length=64)]
Price = Annotated[StrictFloat, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
Description = Annotated[str, Field(min_length=1, max_length=5000, pattern=r"^[^\x00]*$")]
CommentText = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]


class ProposalIn(Strict):
    circle_id: str = Field(max_length=64)
    title: Name
    description: Description
    category: Category
    price_idea: Price | None = Field(default=None, description="What it might cost, roughly.")


class ProposalUpdate(Strict):
    title: Name | None = None
    description: Description | None = None
    category: Category | None = None
    price_idea: Price | None = None


class ProposalOut(BaseModel):
    id: str
    circle_id: str
    author_kind: PartyKind
    author_id: str | None
    title: str
    description: str
    category: str
    price_idea: float | None
    status: ProposalStatus
    support_count: int
    trend: float = Field(description="Recent support, decayed by half every 3 days.")
    hidden_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, proposal: Proposal, services: Services) -> ProposalOut:
        fields = {k: getattr(proposal, k) for k in cls.model_fields if k != "trend"}
        return cls(trend=proposals.trend(proposal, services.clock.now()), **fields)


class CommentIn(Strict):
    text: CommentText
    parent_id: str | None = Field(
        default=None, max_length=64, description="The comment this replies to."
    )


class CommentOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    proposal_id: str
    parent_id: str | None
    author_kind: PartyKind
    author_id: str | None
    text: str
    hidden_reason: str | None
    created_at: datetime


@router.post("", status_code=201, responses=responses(403, 404))
def propose(body: ProposalIn, services: ServicesDep, principal: PrincipalDep) -> ProposalOut:
    """Propose a product, a service or an activity to your circle."""
    made = proposals.propose(services, principal, **body.model_dump())
    return ProposalOut.of(made, services)


@router.get("")
def list_proposals(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    sort: ProposalSort = ProposalSort.RECENT,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ProposalOut]:
    """Your circles' proposals: by recent support (`recent`), `newest` or `most_supported`."""
    page = proposals.ranked(
        services,
        principal,
        sort=sort,
        circle_id=circle_id,
        category=category,
        cursor=cursor,
        limit=limit,
    )
    items = [ProposalOut.of(p, services) for p in page.items]
    return Page[ProposalOut](items=items, next_cursor=page.next_cursor)


@router.get("/{proposal_id}", responses=responses(404))
def get(proposal_id: ProposalId, services: ServicesDep, principal: PrincipalDep) -> ProposalOut:
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
    return ProposalOut.of(proposal, services)


@router.patch("/{proposal_id}", responses=responses(403, 404))
def update(
    proposal_id: ProposalId, body: ProposalUpdate, services: ServicesDep, principal: PrincipalDep
) -> ProposalOut:
    changed = proposals.update(
        services, principal, proposal_id, changes(body, nullable={"price_idea"})
    )
    return ProposalOut.of(changed, services)


@router.delete("/{proposal_id}", status_code=204, responses=responses(403, 404, 409))
def delete(
    proposal_id: ProposalId, request: Request, services: ServicesDep, principal: PrincipalDep
) -> None:
    """Delete your proposal, with its discussion and images, unless a campaign was made of it."""
    media: Media = request.app.state.instance.media
    for image_id in proposals.delete(services, principal, proposal_id):
        media.delete(image_id)  # after the commit, as ``proposals.delete`` asks


@router.put("/{proposal_id}/support", responses=responses(403, 404, 409))
def support(proposal_id: ProposalId, services: ServicesDep, principal: PrincipalDep) -> ProposalOut:
    """Support the proposal (verified neighbours of its circle, once each)."""
    return ProposalOut.of(discussion.support(services, principal, proposal_id), services)


@router.delete("/{proposal_id}/support", responses=responses(404))
def withdraw_support(
    proposal_id: ProposalId, services: ServicesDep, principal: PrincipalDep
) -> ProposalOut:
    """Withdraw your support."""
    return ProposalOut.of(discussion.withdraw_support(services, principal, proposal_id), services)


@router.post("/{proposal_id}/comments", status_code=201, responses=responses(403, 404))
def comment(
    proposal_id: ProposalId, body: CommentIn, services: ServicesDep, principal: PrincipalDep
) -> CommentOut:
    """Comment on the proposal, or reply to a comment (one level deep)."""
    made = discussion.comment(services, principal, proposal_id, body.text, body.parent_id)
    return CommentOut.model_validate(made)


@router.get("/{proposal_id}/comments", responses=responses(404))
def list_comments(
    proposal_id: ProposalId,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CommentOut]:
    page = discussion.comments(services, principal, proposal_id, cursor, limit)
    return page_of(CommentOut, page)
