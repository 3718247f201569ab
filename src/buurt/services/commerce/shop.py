"""What a shop owner's dashboard and a shop's public page show.

The dashboard is read as the business (``auth.as_business``): its moments, offers, open and
recent orders. The public page shows what any member of the circle may see: the business, its
sites, its offers that are not over, and what it has in stock now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from buurt.domain.activity import Offer, OfferStatus
from buurt.domain.campaigns import Campaign
from buurt.domain.community import Business, Site
from buurt.domain.errors import NotFound
from buurt.domain.ids import cursor_at
from buurt.domain.moments import Moment
from buurt.domain.orders import Order, OrderStatus
from buurt.domain.parties import PartyKind
from buurt.domain.reviews import Rating, Review
from buurt.domain.stock import Item, Stock
from buurt.services import resources
from buurt.services.cocreation import campaigns, reviews
from buurt.services.cocreation.campaigns import Standing
from buurt.services.community.businesses import POLICY as BUSINESS_POLICY
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import moments as moment_rules

MOMENTS = 30
RECENT = timedelta(days=30)
DONE_ORDERS = 10
REVIEWS = 20


@dataclass(frozen=True)
class Dashboard:
    business: Business
    sites: list[Site]
    moments: list[Moment]  # newest first
    offers: list[Offer]  # newest first
    open_orders: list[Order]  # placed or ready, oldest first: the next to prepare on top
    done_orders: list[Order]  # collected or cancelled, newest first
    reviews: list[Review]  # newest first, unanswered or not
    rating: Rating
    stock: list[Stock]  # by item name, then site
    items: dict[str, Item]  # by id
    campaigns: list[Standing]  # newest first, with what their pledges add up to


@dataclass(frozen=True)
class ShopPage:
    business: Business
    sites: list[Site]
    offers: list[Offer]  # active and not over
    reviews: list[Review]  # newest first, hidden ones left out
    rating: Rating
    stock: list[Stock]  # units free to reserve now, by item name, then site
    items: dict[str, Item]  # by id


def dashboard(services: Services, business: Principal) -> Dashboard:
    """The dashboard of ``business``, a principal of kind business."""
    now = services.clock.now()
    found: list[Moment] = []
    after: str | None = cursor_at("moment", now - RECENT)
    while after is not None:
        page = resources.list_page(
            services, business, Moment, moment_rules.POLICY, after=after, limit=500
        )
        found = (found + [m for m in page.items if m.recipient_kind == "business"])[-MOMENTS:]
        after = page.next_cursor
    found.reverse()
    with services.uow() as uow:
        record = uow.repo(Business).get(business.id)
        if record is None:
            raise NotFound("business", business.id)
        sites = sorted(uow.repo(Site).find(business_id=record.id), key=lambda s: s.name)
        offers = uow.repo(Offer).find(owner_kind=PartyKind.BUSINESS, owner_id=record.id)
        orders = uow.repo(Order).find(business_id=record.id)
    offers = sorted((o for o in offers if o.status is OfferStatus.ACTIVE), key=lambda o: o.id)
    offers.reverse()
    open_orders = sorted(
        (o for o in orders if o.status in (OrderStatus.PLACED, OrderStatus.READY)),
        key=lambda o: o.created_at,
    )
    done = sorted(
        (o for o in orders if o.status in (OrderStatus.COLLECTED, OrderStatus.CANCELLED)),
        key=lambda o: o.updated_at,
        reverse=True,
    )[:DONE_ORDERS]
    said, rating = _reviews(services, record.id)
    with services.uow() as uow:
        items = {i.id: i for i in uow.repo(Item).find(business_id=record.id)}
        site_names = {s.id: s.name for s in sites}
        stock = sorted(
            uow.repo(Stock).find(business_id=record.id),
            key=lambda s: (items[s.item_id].name.lower() if s.item_id in items else "",
                           site_names.get(s.site_id, "")),
        )  # fmt: skip
        running = sorted(
            (campaigns.standing(uow, c) for c in uow.repo(Campaign).find(business_id=record.id)),
            key=lambda s: s.campaign.id,
            reverse=True,
        )
    return Dashboard(
        record, sites, found, offers, open_orders, done, said, rating, stock, items, running
    )


def _reviews(services: Services, business_id: str) -> tuple[list[Review], Rating]:
    with services.uow() as uow:
        found = uow.repo(Review).find(business_id=business_id)
    shown = sorted((r for r in found if r.hidden_reason is None), key=lambda r: r.id)
    return shown[::-1][:REVIEWS], reviews.ratings(services, [business_id])[business_id]


def _name(items: dict[str, Item], item_id: str) -> str:
    item = items.get(item_id)
    return item.name.lower() if item is not None else ""


def public_page(services: Services, viewer: Principal, business_id: str) -> ShopPage:
    """A business as a member of its circle sees it (``NotFound`` for anyone else)."""
    now = services.clock.now()
    with services.uow() as uow:
        record = resources.fetch(uow, viewer, Business, BUSINESS_POLICY, business_id)
        sites = sorted(uow.repo(Site).find(business_id=record.id), key=lambda s: s.name)
        offers = uow.repo(Offer).find(
            owner_kind=PartyKind.BUSINESS, owner_id=record.id, status=OfferStatus.ACTIVE
        )
        items = {i.id: i for i in uow.repo(Item).find(business_id=record.id)}
        rows = uow.repo(Stock).find(business_id=record.id)
    valid = sorted((o for o in offers if not o.is_over(now)), key=lambda o: o.title.lower())
    said, rating = _reviews(services, record.id)
    site_names = {s.id: s.name for s in sites}
    on_hand = sorted(
        (s for s in rows if s.available > 0 and (s.available_from or now) <= now),
        key=lambda s: (_name(items, s.item_id), site_names.get(s.site_id, "")),
    )
    return ShopPage(record, sites, valid, said, rating, on_hand, items)
