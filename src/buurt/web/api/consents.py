"""``/v1/consents``: a member's purpose-bound, revocable consent grants."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.parties import PartyKind
from buurt.services import resources as res
from buurt.services.consent import grants
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.idempotency import OnceDep, idempotent_responses
from buurt.web.api.kinds import RecipientKind
from buurt.web.api.schemas import Instant, Page, Strict, changes, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/consents", tags=["consents"], responses=responses(400, 401, 413, 422)
)
ConsentId = Annotated[str, Path(max_length=64)]


class ConsentIn(Strict):
    recipient_kind: RecipientKind
    recipient_id: str = Field(max_length=64)
    category: DataCategory
    purpose: Purpose
    expires_at: Instant | None = None
    thing_id: str | None = Field(
        default=None, max_length=64, description="The thing, for the `thing_data` category."
    )


class ConsentUpdate(Strict):
    expires_at: Instant | None = None


class ConsentOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    member_id: str
    recipient_kind: RecipientKind
    recipient_id: str
    category: DataCategory
    purpose: Purpose
    thing_id: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


@router.post("", status_code=201, responses=idempotent_responses(403, 404))
def grant(body: ConsentIn, principal: PrincipalDep, once: OnceDep) -> ConsentOut:
    """Grant a recipient the use of one category of your data for one purpose."""
    fields = {**body.model_dump(), "recipient_kind": PartyKind(body.recipient_kind)}
    services = once.services(ConsentGrant, ConsentOut)
    return ConsentOut.model_validate(grants.grant(services, principal, **fields))


@router.get("")
def list_consents(
    services: ServicesDep,
    principal: PrincipalDep,
    recipient_id: Annotated[str | None, Query(max_length=64)] = None,
    category: DataCategory | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ConsentOut]:
    """Your grants, live and revoked."""
    page = res.list_page(
        services,
        principal,
        ConsentGrant,
        grants.POLICY,
        where={"recipient_id": recipient_id, "category": category},
        after=cursor,
        limit=limit,
    )
    return page_of(ConsentOut, page)


@router.get("/{consent_id}", responses=responses(404))
def get(consent_id: ConsentId, services: ServicesDep, principal: PrincipalDep) -> ConsentOut:
    consent = res.get(services, principal, ConsentGrant, grants.POLICY, consent_id)
    return ConsentOut.model_validate(consent)


@router.patch("/{consent_id}", responses=responses(403, 404, 409))
def update(
    consent_id: ConsentId, body: ConsentUpdate, services: ServicesDep, principal: PrincipalDep
) -> ConsentOut:
    """Change when a grant expires (`null`: never)."""
    update = changes(body, nullable={"expires_at"})
    return ConsentOut.model_validate(grants.update_grant(services, principal, consent_id, update))


@router.delete("/{consent_id}", responses=responses(403, 404))
def revoke(consent_id: ConsentId, services: ServicesDep, principal: PrincipalDep) -> ConsentOut:
    """Revoke a grant, at once. The grant is kept, marked revoked, for your access log."""
    return ConsentOut.model_validate(grants.revoke(services, principal, consent_id))
