"""Subscriptions: standing interests of a member or a business. Private to their owner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from buurt.domain.activity import Subscription
from buurt.domain.categories import check_category
from buurt.domain.errors import InvalidInput, PermissionDenied
from buurt.domain.events import StandingChanged, StandingCreated, StandingRemoved
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area
from buurt.domain.time import check_window
from buurt.engine import parse_predicate
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal


def check_predicate(text: str) -> str:
    """A predicate the engine can evaluate, or a 422 naming it (the engine's parser decides)."""
    try:
        parse_predicate(text)
    except ValueError as error:
        raise InvalidInput(str(error), "predicates") from None
    return text


class SubscriptionPolicy:
    name = "subscription"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Subscription) -> bool:
        return principal.acts_for(entity.owner_kind.value, entity.owner_id)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Subscription) -> bool:
        return self.visible(uow, principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        filters: list[Filter] = [
            {"owner_kind": PartyKind.BUSINESS, "owner_id": sorted(principal.businesses)}
        ]
        if principal.is_member:
            filters.append({"owner_kind": PartyKind.MEMBER, "owner_id": principal.id})
        return filters


POLICY = SubscriptionPolicy()


def _check(
    categories: Sequence[str], predicates: Sequence[str], hours: Sequence[int] | None
) -> None:
    if not categories:
        raise InvalidInput("a subscription needs at least one category", "categories")
    for category in categories:
        check_category(category, "categories")
    for predicate in predicates:
        check_predicate(predicate)
    if hours is not None and any(not 0 <= h < 168 for h in hours):
        raise InvalidInput("weekly_hours are hours of the week, 0 to 167", "weekly_hours")


def subscribe(
    services: Services,
    principal: Principal,
    *,
    circle_id: str,
    name: str,
    categories: list[str],
    area: Area,
    business_id: str | None = None,
    predicates: list[str] | None = None,
    weekly_hours: list[int] | None = None,
    active_from: datetime | None = None,
    active_until: datetime | None = None,
) -> Subscription:
    if business_id is None and principal.kind.value == "business":
        business_id = principal.id
    owner_kind, owner_id = (
        (PartyKind.BUSINESS, business_id) if business_id else (PartyKind.MEMBER, principal.id)
    )
    if not principal.acts_for(owner_kind.value, owner_id) or circle_id not in principal.circles:
        raise PermissionDenied(
            "you can only subscribe for yourself or your business, in your circle"
        )
    _check(categories, predicates or [], weekly_hours)
    check_window(active_from, active_until, "active_until")
    subscription = Subscription(
        new_id("subscription"),
        circle_id,
        owner_kind,
        owner_id,
        name,
        categories,
        area,
        services.clock.now(),
        predicates or [],
        weekly_hours,
        active_from,
        active_until,
    )
    with services.uow() as uow:
        uow.repo(Subscription).add(subscription)
        services.commit(uow, StandingCreated(subscription))
    return subscription


def update_subscription(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Subscription:
    with services.uow() as uow:
        subscription = resources.fetch_for_change(uow, principal, Subscription, POLICY, ident)
        subscription.change(changes)
        _check(subscription.categories, subscription.predicates, subscription.weekly_hours)
        check_window(subscription.active_from, subscription.active_until, "active_until")
        services.commit(uow, StandingChanged(subscription))
    return subscription


def delete_subscription(services: Services, principal: Principal, ident: str) -> None:
    """Delete it; the engine stops matching it at once."""
    resources.delete(services, principal, Subscription, POLICY, ident, StandingRemoved)
