"""What a member's home page shows: their latest moments, their open needs, what the shops of
their circles offer now, the campaigns open for pledges, and their orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from buurt.domain.activity import Intent, IntentStatus, Offer, OfferStatus
from buurt.domain.campaigns import Campaign, CampaignStatus
from buurt.domain.community import Circle
from buurt.domain.ids import cursor_at
from buurt.domain.moments import Moment
from buurt.domain.orders import Order
from buurt.domain.reviews import FulfilmentKind, Review
from buurt.services import resources
from buurt.services.community.names import names
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import moments as moment_rules

MOMENTS = 20
RECENT = timedelta(days=30)
OFFERS = 12
CAMPAIGNS = 6
ORDERS = 10


@dataclass(frozen=True)
class Home:
    circles: list[Circle]
    moments: list[Moment]  # newest first
    needs: list[Intent]  # open, newest first
    offers: list[Offer]  # active and valid now, newest first
    names: dict[str, str]
    campaigns: list[Campaign]  # open for pledges in the member's circles, closing soonest first
    orders: list[Order]  # the member's, newest first
    reviewed: frozenset[str]  # the ids of those orders the member has reviewed


def home(services: Services, principal: Principal) -> Home:
    now = services.clock.now()
    moments: list[Moment] = []
    after: str | None = cursor_at("moment", now - RECENT)  # ids are time-ordered
    while after is not None:
        page = resources.list_page(
            services, principal, Moment, moment_rules.POLICY, after=after, limit=500
        )
        moments = (moments + [m for m in page.items if _personal(principal, m)])[-MOMENTS:]
        after = page.next_cursor
    moments.reverse()
    with services.uow() as uow:
        circles = sorted(
            (c for c in (uow.repo(Circle).get(i) for i in principal.circles) if c),
            key=lambda c: c.name,
        )
        needs = sorted(
            uow.repo(Intent).find(member_id=principal.id, status=IntentStatus.OPEN),
            key=lambda i: i.id,
            reverse=True,
        )
        offers = [
            o
            for c in circles
            for o in uow.repo(Offer).find(circle_id=c.id, status=OfferStatus.ACTIVE)
            if not o.is_over(now)
        ]
        offers = sorted(offers, key=lambda o: o.id, reverse=True)[:OFFERS]
        campaigns = sorted(
            (
                c
                for circle in circles
                for c in uow.repo(Campaign).find(circle_id=circle.id, status=CampaignStatus.OPEN)
                if c.deadline > now
            ),
            key=lambda c: c.deadline,
        )[:CAMPAIGNS]
        orders = sorted(
            uow.repo(Order).find(member_id=principal.id), key=lambda o: o.id, reverse=True
        )[:ORDERS]
        reviewed = frozenset(
            r.fulfilment_id
            for r in uow.repo(Review).find(member_id=principal.id)
            if r.fulfilment_kind is FulfilmentKind.ORDER
        )
        parties = [(m.recipient_kind.value, m.recipient_id) for m in moments]
        parties += [(o.owner_kind.value, o.owner_id) for o in offers]
        parties += [("business", c.business_id) for c in campaigns]
        parties += [("business", o.business_id) for o in orders]
        return Home(
            circles,
            moments,
            needs,
            offers,
            names(uow, parties),
            campaigns,
            orders,
            reviewed,
        )


def _personal(principal: Principal, moment: Moment) -> bool:
    """Their own moments; those of the shops they own are on the shop's dashboard."""
    return moment.recipient_kind == "member" or moment.subject_member_id == principal.id


def timezone_of(services: Services, circle_id: str) -> str:
    with services.uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
        return circle.timezone if circle else "UTC"
