"""``/v1/campaigns``: all-or-nothing campaigns a business runs on a proposal, and pledges."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, StrictFloat

from buurt.domain.campaigns import (
    MAX_QUANTITY,
    MAX_THRESHOLD,
    CampaignStatus,
    Pledge,
    PledgeStatus,
    ThresholdKind,
)
from buurt.services.cocreation import campaigns
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import WHOLE, Instant, Name, Page, Strict
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/campaigns", tags=["campaigns"], responses=responses(400, 401, 413, 422)
)
CampaignId = Annotated[str, Path(max_length=64)]
PledgeId = Annotated[str, Path(max_length=64)]
Price = Annotated[StrictFloat, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
Threshold = Annotated[int, Field(ge=1, le=MAX_THRESHOLD), WHOLE]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY), WHOLE]


class CampaignIn(Strict):
    proposal_id: str = Field(max_length=64)
    business_id: str = Field(max_length=64, description="The business that runs it.")
    title: Name | None = Field(default=None, description="The proposal's title if left out.")
    unit_price: Price
    threshold_kind: ThresholdKind
    threshold: Threshold
    deadline: Instant
    max_units: Threshold | None = None


class CampaignOut(BaseModel):
    id: str
    circle_id: str
    proposal_id: str
    business_id: str
    title: str
    unit_price: float
    threshold_kind: ThresholdKind
    threshold: int
    max_units: int | None
    deadline: datetime
    status: CampaignStatus
    settled_at: datetime | None
    pledges: int = Field(description="How many pledges stand (or stood at settlement).")
    units: int = Field(description="How many units they add up to.")
    created_at: datetime

    @classmethod
    def of(cls, standing: campaigns.Standing) -> CampaignOut:
        c = standing.campaign
        fields = {k: getattr(c, k) for k in cls.model_fields if k not in ("pledges", "units")}
        return cls(pledges=standing.pledges, units=standing.units, **fields)


class PledgeIn(Strict):
    quantity: Quantity


class PledgeOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    campaign_id: str
    member_id: str | None
    quantity: int
    status: PledgeStatus
    order_id: str | None
    created_at: datetime
    updated_at: datetime


@router.post("", status_code=201, responses=responses(403, 404, 409))
def start(body: CampaignIn, services: ServicesDep, principal: PrincipalDep) -> CampaignOut:
    """Turn a proposal of your business's circle into a campaign."""
    return CampaignOut.of(campaigns.start(services, principal, **body.model_dump()))


@router.get("")
def list_campaigns(
    services: ServicesDep,
    principal: PrincipalDep,
    circle_id: Annotated[str | None, Query(max_length=64)] = None,
    proposal_id: Annotated[str | None, Query(max_length=64)] = None,
    status: CampaignStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CampaignOut]:
    """Your circles' campaigns, oldest first."""
    where = {"circle_id": circle_id, "proposal_id": proposal_id, "status": status}
    page = campaigns.listing(services, principal, where, cursor, limit)
    return Page[CampaignOut](
        items=[CampaignOut.of(s) for s in page.items], next_cursor=page.next_cursor
    )


@router.get("/{campaign_id}", responses=responses(404))
def get(campaign_id: CampaignId, services: ServicesDep, principal: PrincipalDep) -> CampaignOut:
    return CampaignOut.of(campaigns.get(services, principal, campaign_id))


@router.post("/{campaign_id}/pledges", status_code=201, responses=responses(403, 404, 409))
def pledge(
    campaign_id: CampaignId, body: PledgeIn, services: ServicesDep, principal: PrincipalDep
) -> PledgeOut:
    """Pledge a quantity (verified neighbours, once per campaign, before the deadline)."""
    made = campaigns.pledge(services, principal, campaign_id, body.quantity)
    return PledgeOut.model_validate(made)


@router.get("/{campaign_id}/pledges", responses=responses(404))
def my_pledges(
    campaign_id: CampaignId, services: ServicesDep, principal: PrincipalDep
) -> Page[PledgeOut]:
    """Your pledge to this campaign (a list of at most one)."""
    mine: list[Pledge] = campaigns.my_pledges(services, principal, campaign_id)
    return Page[PledgeOut](items=[PledgeOut.model_validate(p) for p in mine])


@router.patch("/{campaign_id}/pledges/{pledge_id}", responses=responses(404, 409))
def change_pledge(
    campaign_id: CampaignId,
    pledge_id: PledgeId,
    body: PledgeIn,
    services: ServicesDep,
    principal: PrincipalDep,
) -> PledgeOut:
    """Change your pledge's quantity before the deadline."""
    changed = campaigns.change_pledge(services, principal, campaign_id, pledge_id, body.quantity)
    return PledgeOut.model_validate(changed)


@router.delete("/{campaign_id}/pledges/{pledge_id}", status_code=204, responses=responses(404, 409))
def withdraw_pledge(
    campaign_id: CampaignId, pledge_id: PledgeId, services: ServicesDep, principal: PrincipalDep
) -> None:
    """Withdraw your pledge before the deadline."""
    campaigns.withdraw_pledge(services, principal, campaign_id, pledge_id)
