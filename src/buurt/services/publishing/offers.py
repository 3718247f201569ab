"""Offers: what a business, or a neighbour, supplies. Public; changed by their owner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from buurt.domain.activity import Offer
from buurt.domain.categories import check_category
from buurt.domain.errors import PermissionDenied
from buurt.domain.events import StandingChanged, StandingRemoved
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area
from buurt.domain.time import check_window
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import pipeline


class OfferPolicy:
    name = "offer"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Offer) -> bool:
        return True

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Offer) -> bool:
        return principal.acts_for(entity.owner_kind.value, entity.owner_id)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return None


POLICY = OfferPolicy()


def publish_offer(
    services: Services,
    principal: Principal,
    *,
    circle_id: str,
    category: str,
    title: str,
    area: Area,
    business_id: str | None = None,
    description: str = "",
    price: float | None = None,
    quantity: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    attributes: dict[str, Any] | None = None,
) -> Offer:
    """Offer as a business (``business_id``, or the business principal itself) or as a member."""
    if business_id is None and principal.kind.value == "business":
        business_id = principal.id
    owner_kind, owner_id = (
        (PartyKind.BUSINESS, business_id) if business_id else (PartyKind.MEMBER, principal.id)
    )
    if not principal.acts_for(owner_kind.value, owner_id) or circle_id not in principal.circles:
        raise PermissionDenied("you can only offer for yourself or your business, in your circle")
    check_category(category)
    check_window(valid_from, valid_until, "valid_until")
    offer = Offer(
        new_id("offer"),
        circle_id,
        owner_kind,
        owner_id,
        category,
        title,
        area,
        services.clock.now(),
        description,
        price,
        quantity,
        valid_from,
        valid_until,
        attributes or {},
    )
    pipeline.publish(services, lambda uow: _add(uow, offer), offer.created_at)
    return offer


def _add(uow: UnitOfWork, offer: Offer) -> list[Offer]:
    uow.repo(Offer).add(offer)
    return [offer]


def update_offer(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Offer:
    with services.uow() as uow:
        offer = resources.fetch_for_change(uow, principal, Offer, POLICY, ident)
        if "category" in changes:
            check_category(changes["category"])
        offer.change(changes)
        check_window(offer.valid_from, offer.valid_until, "valid_until")
        services.commit(uow, StandingChanged(offer))
    return offer


def delete_offer(services: Services, principal: Principal, ident: str) -> None:
    """Delete it; the engine stops matching it at once."""
    resources.delete(services, principal, Offer, POLICY, ident, StandingRemoved)
