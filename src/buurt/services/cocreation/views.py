"""What the co-creation pages show: a circle's proposals with the viewer's support, and one
proposal with its discussion, its campaigns and the viewer's pledges."""

from __future__ import annotations

from dataclasses import dataclass

from buurt.domain.campaigns import Campaign, Pledge
from buurt.domain.cocreation import Comment, Proposal, Support
from buurt.domain.community import Business
from buurt.services.cocreation import campaigns, discussion, proposals
from buurt.services.cocreation.campaigns import Standing
from buurt.services.community.names import names
from buurt.services.context import Services
from buurt.services.principals import Principal

COMMENTS = 200


@dataclass(frozen=True)
class Thread:
    comment: Comment
    replies: list[Comment]


@dataclass(frozen=True)
class ProposalPage:
    proposal: Proposal
    supported: bool
    threads: list[Thread]
    campaigns: list[Standing]
    my_pledges: dict[str, Pledge]  # by campaign id
    names: dict[str, str]
    my_businesses: list[Business]  # that may turn it into a campaign


def proposal_page(services: Services, principal: Principal, proposal_id: str) -> ProposalPage:
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        supported = principal.is_member and bool(
            uow.repo(Support).find(proposal_id=proposal.id, member_id=principal.id)
        )
        found = [
            campaigns.standing(uow, c)
            for c in uow.repo(Campaign).find(proposal_id=proposal.id)
            if campaigns.POLICY.visible(uow, principal, c)
        ]
        mine = {
            p.campaign_id: p
            for s in found
            for p in uow.repo(Pledge).find(campaign_id=s.campaign.id, member_id=principal.id)
        }
        businesses = [
            b
            for b in (uow.repo(Business).get(i) for i in sorted(principal.businesses))
            if b is not None and b.circle_id == proposal.circle_id
        ]
    said = discussion.comments(services, principal, proposal_id, limit=COMMENTS).items
    threads = [
        Thread(c, [r for r in said if r.parent_id == c.id]) for c in said if c.parent_id is None
    ]
    parties = [(proposal.author_kind.value, proposal.author_id or "")]
    parties += [(c.author_kind.value, c.author_id or "") for c in said]
    parties += [("business", s.campaign.business_id) for s in found]
    with services.uow() as uow:
        named = names(uow, parties)
    return ProposalPage(proposal, supported, threads, found, mine, named, businesses)
