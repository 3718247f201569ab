"""What erasing a member does to co-creation, inside the erasure's unit of work.

What others depend on stays, without the member: their proposals, comments and reviews (the
text stays, the author goes), their reports and moderation entries, and their pledges in
settled campaigns (as counts: the settlement's figures and the orders' business records).
What is only theirs goes: their supports (the proposals' counts drop), their follows, their
pledges in open campaigns. Their businesses go, and with them their campaigns and reviews.
"""

from __future__ import annotations

from datetime import datetime

from buurt.domain.campaigns import Campaign, CampaignStatus, Pledge, Settlement
from buurt.domain.cocreation import Comment, Proposal, ProposalStatus, Support
from buurt.domain.following import Follow
from buurt.domain.moderation import ModerationEntry, Report
from buurt.domain.parties import PartyKind
from buurt.domain.reviews import Review
from buurt.ports import UnitOfWork


def forget_member(uow: UnitOfWork, member_id: str, business_ids: list[str], at: datetime) -> None:
    for support in uow.repo(Support).find(member_id=member_id):
        proposal = uow.repo(Proposal).get(support.proposal_id)
        if proposal is not None:
            proposal.unsupported(support.created_at, at)
        uow.repo(Support).delete(support)
    for follow in uow.repo(Follow).find(member_id=member_id):
        uow.repo(Follow).delete(follow)
    for pledge in uow.repo(Pledge).find(member_id=member_id):
        campaign = uow.repo(Campaign).get(pledge.campaign_id)
        if campaign is not None and campaign.status is CampaignStatus.OPEN:
            uow.repo(Pledge).delete(pledge)
        else:
            pledge.member_id = None
    authors = [(PartyKind.MEMBER, [member_id]), (PartyKind.BUSINESS, business_ids)]
    for kind, ids in authors:
        for ident in ids:
            for proposal in uow.repo(Proposal).find(author_kind=kind, author_id=ident):
                proposal.author_id = None
            for comment in uow.repo(Comment).find(author_kind=kind, author_id=ident):
                comment.author_id = None
    for review in uow.repo(Review).find(member_id=member_id):
        review.member_id = None
    for report in uow.repo(Report).find(reporter_id=member_id):
        report.reporter_id = None
    for entry in uow.repo(ModerationEntry).find(moderator_id=member_id):
        entry.moderator_id = None
    for business_id in business_ids:
        _forget_business(uow, business_id, at)
    uow.flush()


def _forget_business(uow: UnitOfWork, business_id: str, at: datetime) -> None:
    """A business that goes takes its campaigns (their proposals open again) and reviews."""
    for review in uow.repo(Review).find(business_id=business_id):
        uow.repo(Review).delete(review)
    for campaign in uow.repo(Campaign).find(business_id=business_id):
        for pledge in uow.repo(Pledge).find(campaign_id=campaign.id):
            uow.repo(Pledge).delete(pledge)
        settled = uow.repo(Settlement).get(campaign.id)
        if settled is not None:
            uow.repo(Settlement).delete(settled)
        proposal = uow.repo(Proposal).get(campaign.proposal_id)
        if proposal is not None and proposal.status is ProposalStatus.CAMPAIGN:
            proposal.status = ProposalStatus.OPEN
            proposal.updated_at = at
        uow.flush()
        uow.repo(Campaign).delete(campaign)
