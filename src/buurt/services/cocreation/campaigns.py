"""Campaigns and pledges: a business turns a proposal of its circle into a campaign; verified
neighbours pledge a quantity before its deadline, and change or withdraw it until then.

What a campaign has gathered is counted from its pledges, never kept as a running total, so
two pledges made at once cannot lose one another's count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from buurt.domain.campaigns import Campaign, Pledge, ThresholdKind, totals
from buurt.domain.cocreation import MAX_TITLE, required_text
from buurt.domain.community import Business
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.following import UpdateKind
from buurt.domain.ids import new_id
from buurt.domain.moments import PublicationKind, Reason, ReasonCode
from buurt.ports import Page, UnitOfWork
from buurt.ports.store import Filter
from buurt.services.cocreation import following, proposals
from buurt.services.community.verification import require_verified
from buurt.services.context import Services
from buurt.services.principals import Principal


class CampaignPolicy:
    """The circle sees its campaigns; whoever acts for the business changes them."""

    name = "campaign"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Campaign) -> bool:
        return proposals.in_circle(principal, entity.circle_id)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Campaign) -> bool:
        return entity.business_id in principal.businesses

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return [{"circle_id": sorted(principal.circles | principal.admin_of)}]


POLICY = CampaignPolicy()


@dataclass(frozen=True)
class Standing:
    """A campaign with what its pledges add up to now."""

    campaign: Campaign
    pledges: int
    units: int


def standing(uow: UnitOfWork, campaign: Campaign) -> Standing:
    return Standing(campaign, *totals(uow.repo(Pledge).find(campaign_id=campaign.id)))


def start(
    services: Services,
    principal: Principal,
    *,
    proposal_id: str,
    business_id: str,
    unit_price: float,
    threshold_kind: ThresholdKind,
    threshold: int,
    deadline: datetime,
    title: str | None = None,
    max_units: int | None = None,
) -> Standing:
    """Turn a proposal into a campaign, for a business of the proposal's circle."""
    now = services.clock.now()
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        business = uow.repo(Business).get(business_id)
        if business is None or business_id not in principal.businesses:
            raise PermissionDenied("only a business you act for runs a campaign")
        if business.circle_id != proposal.circle_id:
            raise PermissionDenied("a business runs campaigns in its own circle only")
        campaign = Campaign(
            id=new_id("campaign"),
            circle_id=proposal.circle_id,
            proposal_id=proposal.id,
            business_id=business.id,
            title=required_text(title or proposal.title, "title", MAX_TITLE),
            unit_price=unit_price,
            threshold_kind=threshold_kind,
            threshold=threshold,
            deadline=deadline,
            created_at=now,
            updated_at=now,
            max_units=max_units,
        )
        campaign.check(now)
        proposal.turned_into_campaign(now)
        uow.repo(Campaign).add(campaign)
        uow.flush()  # the campaign before the moments that name it
        told = following.tell(
            services,
            uow,
            proposal,
            UpdateKind.CAMPAIGN_OPENED,
            (PublicationKind.CAMPAIGN, campaign.id),
            Reason(
                f"{business.name} opened a campaign for {proposal.title}: pledge before "
                f"{campaign.deadline:%Y-%m-%d}",
                ReasonCode.CAMPAIGN_OPENED,
                {
                    "business": business.name,
                    "title": proposal.title,
                    "deadline": f"{campaign.deadline:%Y-%m-%d}",
                },
            ),
        )
        services.commit(uow, *told)
    return Standing(campaign, 0, 0)


def fetch(uow: UnitOfWork, principal: Principal, campaign_id: str) -> Campaign:
    campaign = uow.repo(Campaign).get(campaign_id)
    if campaign is None or not POLICY.visible(uow, principal, campaign):
        raise NotFound("campaign", campaign_id)
    return campaign


def get(services: Services, principal: Principal, campaign_id: str) -> Standing:
    with services.uow() as uow:
        return standing(uow, fetch(uow, principal, campaign_id))


def listing(
    services: Services,
    principal: Principal,
    where: Mapping[str, object],
    after: str | None,
    limit: int,
) -> Page[Standing]:
    filters = {k: v for k, v in where.items() if v is not None}
    with services.uow() as uow:
        page = uow.repo(Campaign).page(
            where=filters, any_of=POLICY.scope(uow, principal), after=after, limit=limit
        )
        return Page([standing(uow, c) for c in page.items], page.next_cursor)


def pledge(services: Services, principal: Principal, campaign_id: str, quantity: int) -> Pledge:
    """A verified neighbour pledges ``quantity`` units, once per campaign, before the deadline."""
    now = services.clock.now()
    with services.uow() as uow:
        campaign = fetch(uow, principal, campaign_id)
        require_verified(uow, principal, campaign.circle_id, "pledge")
        campaign.pledgeable(now)
        if uow.repo(Pledge).find(campaign_id=campaign.id, member_id=principal.id):
            raise Conflict("you pledged to this campaign already: change your pledge instead")
        campaign.room(standing(uow, campaign).units, quantity)
        made = Pledge(new_id("pledge"), campaign.id, principal.id, quantity, now, now)
        uow.repo(Pledge).add(made)
        uow.commit()
    return made


def _own(uow: UnitOfWork, principal: Principal, campaign: Campaign, pledge_id: str) -> Pledge:
    found = uow.repo(Pledge).get(pledge_id)
    if found is None or found.campaign_id != campaign.id or found.member_id != principal.id:
        raise NotFound("pledge", pledge_id)
    return found


def change_pledge(
    services: Services, principal: Principal, campaign_id: str, pledge_id: str, quantity: int
) -> Pledge:
    now = services.clock.now()
    with services.uow() as uow:
        campaign = fetch(uow, principal, campaign_id)
        mine = _own(uow, principal, campaign, pledge_id)
        campaign.pledgeable(now)
        campaign.room(standing(uow, campaign).units - mine.quantity, quantity)
        mine.quantity = quantity
        mine.updated_at = now
        uow.commit()
    return mine


def withdraw_pledge(
    services: Services, principal: Principal, campaign_id: str, pledge_id: str
) -> None:
    """Withdraw a pledge before the deadline: it is gone, as if never made."""
    now = services.clock.now()
    with services.uow() as uow:
        campaign = fetch(uow, principal, campaign_id)
        mine = _own(uow, principal, campaign, pledge_id)
        campaign.pledgeable(now)
        uow.repo(Pledge).delete(mine)
        uow.commit()


def my_pledges(services: Services, principal: Principal, campaign_id: str) -> list[Pledge]:
    with services.uow() as uow:
        campaign = fetch(uow, principal, campaign_id)
        if not principal.is_member:
            return []
        return uow.repo(Pledge).find(campaign_id=campaign.id, member_id=principal.id)
