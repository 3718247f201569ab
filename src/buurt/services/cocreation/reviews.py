"""Verified reviews: a member reviews a business once per fulfilment (a collected order from
it, or a fulfilled moment with it); the business answers once; the circle reads them; every
business's record carries its rating summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from buurt.domain.activity import Offer
from buurt.domain.cocreation import required_text
from buurt.domain.community import Business
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.ids import new_id
from buurt.domain.moments import Moment, MomentStatus, StandingKind
from buurt.domain.orders import Order, OrderStatus
from buurt.domain.parties import PartyKind
from buurt.domain.reviews import MAX_TEXT, FulfilmentKind, Rating, Review, rating_of
from buurt.ports import Page, UnitOfWork
from buurt.services.cocreation.proposals import in_circle
from buurt.services.community.verification import require_verified
from buurt.services.context import Services
from buurt.services.principals import Principal

NO_FULFILMENT = "you can review a business only for an order you collected or a moment fulfilled"


def _fulfilled_business(
    uow: UnitOfWork, member_id: str, kind: FulfilmentKind, ident: str
) -> str | None:
    """The business this member's fulfilment was with, or ``None`` if it is no fulfilment of
    theirs."""
    if kind is FulfilmentKind.ORDER:
        order = uow.repo(Order).get(ident)
        if order is None or order.member_id != member_id:
            return None
        return order.business_id if order.status is OrderStatus.COLLECTED else None
    moment = uow.repo(Moment).get(ident)
    if moment is None or moment.status is not MomentStatus.FULFILLED:
        return None
    if moment.recipient_kind is PartyKind.BUSINESS and moment.subject_member_id == member_id:
        return moment.recipient_id  # the business answered the member's need
    took_offer = moment.standing_kind is StandingKind.OFFER  # the member took an offer
    if (
        took_offer
        and moment.recipient_kind is PartyKind.MEMBER
        and moment.recipient_id == member_id
    ):
        offer = uow.repo(Offer).get(moment.standing_id)
        if offer is not None and offer.owner_kind is PartyKind.BUSINESS:
            return offer.owner_id
    return None


def write(
    services: Services,
    principal: Principal,
    *,
    fulfilment_kind: FulfilmentKind,
    fulfilment_id: str,
    rating: int,
    text: str,
) -> Review:
    body = required_text(text, "text", MAX_TEXT)
    with services.uow() as uow:
        if not principal.is_member:
            raise PermissionDenied("only members write reviews")
        business_id = _fulfilled_business(uow, principal.id, fulfilment_kind, fulfilment_id)
        business = uow.repo(Business).get(business_id) if business_id else None
        if business is None:
            raise PermissionDenied(NO_FULFILMENT)
        require_verified(uow, principal, business.circle_id, "review")
        if uow.repo(Review).find(fulfilment_kind=fulfilment_kind, fulfilment_id=fulfilment_id):
            raise Conflict("this fulfilment has its review already")
        review = Review(
            id=new_id("review"),
            circle_id=business.circle_id,
            business_id=business.id,
            member_id=principal.id,
            fulfilment_kind=fulfilment_kind,
            fulfilment_id=fulfilment_id,
            rating=rating,
            text=body,
            created_at=services.clock.now(),
        )
        uow.repo(Review).add(review)
        uow.commit()  # a second review of the same fulfilment at once: Conflict from the store
    return review


def _visible(principal: Principal, review: Review) -> bool:
    if not in_circle(principal, review.circle_id):
        return False
    return (
        review.hidden_reason is None
        or review.circle_id in principal.admin_of
        or review.member_id == principal.id
    )


def fetch(uow: UnitOfWork, principal: Principal, review_id: str) -> Review:
    review = uow.repo(Review).get(review_id)
    if review is None or not _visible(principal, review):
        raise NotFound("review", review_id)
    return review


def get(services: Services, principal: Principal, review_id: str) -> Review:
    with services.uow() as uow:
        return fetch(uow, principal, review_id)


def answer(services: Services, principal: Principal, review_id: str, text: str) -> Review:
    """The business answers a review of it, once."""
    body = required_text(text, "text", MAX_TEXT)
    with services.uow() as uow:
        review = fetch(uow, principal, review_id)
        if review.business_id not in principal.businesses:
            raise PermissionDenied("only the business reviewed answers a review")
        review.answered(body, services.clock.now())
        uow.commit()
    return review


def listing(
    services: Services,
    principal: Principal,
    where: Mapping[str, object],
    after: str | None,
    limit: int,
) -> Page[Review]:
    """Reviews in the principal's circles (filter by business or author), oldest first."""
    filters = {k: v for k, v in where.items() if v is not None}
    scope = [{"circle_id": sorted(principal.circles | principal.admin_of)}]
    with services.uow() as uow:
        page = uow.repo(Review).page(where=filters, any_of=scope, after=after, limit=limit)
    return Page([r for r in page.items if _visible(principal, r)], page.next_cursor)


def ratings(services: Services, business_ids: Iterable[str]) -> dict[str, Rating]:
    """Each business's rating summary, of its reviews that are not hidden."""
    with services.uow() as uow:
        return {
            ident: rating_of(
                [
                    r.rating
                    for r in uow.repo(Review).find(business_id=ident)
                    if r.hidden_reason is None
                ]
            )
            for ident in business_ids
        }
