"""Settling campaigns: after its deadline each campaign is settled exactly once.

Met threshold: every pledge becomes an order (``commerce.orders.place_order``) and its pledger
gets a moment saying so. Missed: every pledge is released and its pledger told. All of one
campaign's settlement is one unit of work, so a process killed halfway leaves nothing of it,
and the next upkeep (the first runs when a server starts) does it again.

The claim comes first: the unit of work inserts the campaign's ``Settlement`` row before it
reads anything, so a second process settling the same campaign waits for the first and is
refused by the store (``Conflict``), and skips it. The orders' one-order-per-pledge rule holds
behind that.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from buurt.domain.campaigns import Campaign, CampaignStatus, Pledge, PledgeStatus, Settlement
from buurt.domain.cocreation import Proposal
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.errors import Conflict
from buurt.domain.events import DomainEvent, MomentCreated, OrderPlaced
from buurt.domain.following import UpdateKind
from buurt.domain.ids import new_id
from buurt.domain.moments import (
    Moment,
    MomentStatus,
    PublicationKind,
    Reason,
    ReasonCode,
    StandingKind,
)
from buurt.domain.orders import OrderSource
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork
from buurt.ports.store import Between
from buurt.services.cocreation import following
from buurt.services.commerce.orders import place_order
from buurt.services.consent import access_log
from buurt.services.consent.decision import Recipient
from buurt.services.context import Services
from buurt.services.webhooks.deliveries import enqueue_webhooks

log = logging.getLogger("buurt.settlement")
BATCH = 100
MOMENT_LIFETIME = timedelta(days=7)
TICK = timedelta(microseconds=1)


def settle_due(services: Services, now: datetime | None = None) -> list[Settlement]:
    """Settle every open campaign whose deadline has passed; those another process settles
    at the same time are left to it."""
    at = now or services.clock.now()
    settled: list[Settlement] = []
    cursor = None
    while True:
        with services.uow() as uow:
            page = uow.repo(Campaign).page(
                # Due at the deadline itself: pledging closes then (``Between`` ends before).
                where={"status": CampaignStatus.OPEN, "deadline": Between(None, at + TICK)},
                after=cursor,
                limit=BATCH,
            )
        for campaign in page.items:
            done = settle(services, campaign.id, at)
            if done is not None:
                settled.append(done)
        cursor = page.next_cursor
        if cursor is None:
            return settled


def settle(services: Services, campaign_id: str, at: datetime) -> Settlement | None:
    """Settle one due campaign; ``None`` when it is not due or is (being) settled already."""
    events: list[DomainEvent] = []
    try:
        with services.uow() as uow:
            claim = Settlement(campaign_id, settled_at=at)
            uow.repo(Settlement).add(claim)
            uow.flush()  # the claim, before anything is read
            campaign = uow.repo(Campaign).get(campaign_id)
            if campaign is None or not campaign.due(at):
                uow.rollback()
                return None
            pledges = uow.repo(Pledge).find(campaign_id=campaign.id)
            claim.pledges = len(pledges)
            claim.units = sum(p.quantity for p in pledges)
            claim.succeeded = campaign.met(claim.pledges, claim.units)
            log.info("settling campaign %s (%d pledges)", campaign.id, len(pledges))
            for pledge in pledges:
                events += _settle_pledge(uow, campaign, pledge, claim.succeeded, at)
            campaign.status = CampaignStatus.SUCCEEDED if claim.succeeded else CampaignStatus.FAILED
            campaign.settled_at = at
            campaign.updated_at = at
            events += _tell_followers(services, uow, campaign, pledges, claim.succeeded)
            services.commit(uow, *events)
    except Conflict:
        log.info("campaign %s is settled by another process", campaign_id)
        return None
    return claim


def _tell_followers(
    services: Services,
    uow: UnitOfWork,
    campaign: Campaign,
    pledges: list[Pledge],
    succeeded: bool,
) -> list[DomainEvent]:
    """The proposal's followers hear how its campaign ended, in the settlement's unit of work
    (its pledgers have their own moment): the events to commit with it."""
    proposal = uow.repo(Proposal).get(campaign.proposal_id)
    if proposal is None:  # pragma: no cover - a proposal with a campaign is never deleted
        return []
    outcome = "goes ahead" if succeeded else "did not reach its threshold"
    return following.tell(
        services,
        uow,
        proposal,
        UpdateKind.CAMPAIGN_SETTLED,
        (PublicationKind.CAMPAIGN, campaign.id),
        Reason(
            f"The campaign for {proposal.title} {outcome}",
            ReasonCode.CAMPAIGN_SETTLED,
            {"title": proposal.title, "succeeded": succeeded},
        ),
        told=frozenset(p.member_id for p in pledges if p.member_id is not None),
    )


def _settle_pledge(
    uow: UnitOfWork, campaign: Campaign, pledge: Pledge, succeeded: bool, at: datetime
) -> list[DomainEvent]:
    events: list[DomainEvent] = []
    if pledge.member_id is None:  # pragma: no cover - erasure removes open campaigns' pledges
        pledge.status = PledgeStatus.RELEASED
        return events
    if succeeded:
        order = place_order(
            uow,
            business_id=campaign.business_id,
            member_id=pledge.member_id,
            source_kind=OrderSource.PLEDGE,
            source_id=pledge.id,
            title=campaign.title,
            quantity=pledge.quantity,
            at=at,
            unit_price=campaign.unit_price,
        )
        pledge.status, pledge.order_id = PledgeStatus.ORDERED, order.id
        events.append(OrderPlaced(order))
        # The business now holds the pledger's purchase: a use of their data, in their log.
        access_log.record(
            uow,
            pledge.member_id,
            Recipient(PartyKind.BUSINESS, campaign.business_id),
            DataCategory.PURCHASE_HISTORY,
            Purpose.SERVICE_DELIVERY,
            f"order {order.id} from pledge {pledge.id}",
            role=f"the pledge to campaign {campaign.id}, which went ahead",
            at=at,
        )
        reason = Reason(
            f"{campaign.title} goes ahead: your pledge of {pledge.quantity} is order {order.id}",
            ReasonCode.CAMPAIGN_AHEAD,
            {"title": campaign.title, "quantity": pledge.quantity, "order_id": order.id},
        )
    else:
        pledge.status = PledgeStatus.RELEASED
        reason = Reason(
            f"{campaign.title} did not reach its threshold: your pledge is released",
            ReasonCode.CAMPAIGN_RELEASED,
            {"title": campaign.title},
        )
    pledge.updated_at = at
    moment = Moment(
        id=new_id("moment"),
        circle_id=campaign.circle_id,
        recipient_kind=PartyKind.MEMBER,
        recipient_id=pledge.member_id,
        source_kind=PublicationKind.CAMPAIGN,
        source_id=campaign.id,
        standing_kind=StandingKind.PLEDGE,
        standing_id=pledge.id,
        **reason.fields(),
        status=MomentStatus.DELIVERED,
        created_at=at,
        updated_at=at,
        expires_at=at + MOMENT_LIFETIME,
    )
    uow.repo(Moment).add(moment)
    enqueue_webhooks(uow, moment, "moment.created", at)
    events.append(MomentCreated(moment))
    return events
