"""``/v1/moments``: matches delivered to you, or made from your needs, and their lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from buurt.domain.moments import Moment, MomentStatus
from buurt.services import moments
from buurt.services import resources as res
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/moments", tags=["moments"], responses=responses(400, 401, 413, 422))
MomentId = Annotated[str, Path(max_length=64)]


class MomentOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    recipient_kind: str
    recipient_id: str
    subject_member_id: str | None
    source_kind: str
    source_id: str
    standing_kind: str
    standing_id: str
    reason: str
    status: MomentStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None


class Transition(Strict):
    status: MomentStatus


@router.get("")
def list_moments(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    status: MomentStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MomentOut]:
    page = res.list_page(
        services,
        principal,
        Moment,
        moments.POLICY,
        where={"circle_id": circle_id, "status": status},
        after=cursor,
        limit=limit,
    )
    return page_of(MomentOut, page)


@router.get("/{moment_id}", responses=responses(404))
def get(moment_id: MomentId, services: ServicesDep, principal: PrincipalDep) -> MomentOut:
    return MomentOut.model_validate(res.get(services, principal, Moment, moments.POLICY, moment_id))


@router.post("/{moment_id}/transitions", responses=responses(403, 404, 409))
def transition(
    moment_id: MomentId, body: Transition, services: ServicesDep, principal: PrincipalDep
) -> MomentOut:
    """Accept or decline (the recipient), then mark fulfilled or cancelled (either party)."""
    return MomentOut.model_validate(moments.transition(services, principal, moment_id, body.status))
