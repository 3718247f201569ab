"""Intents: a member's needs. Personal data: only the member sees and changes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from buurt.domain.activity import Intent
from buurt.domain.categories import check_category
from buurt.domain.errors import PermissionDenied
from buurt.domain.events import StandingChanged, StandingRemoved
from buurt.domain.ids import new_id
from buurt.domain.places import Area
from buurt.domain.time import check_window
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import pipeline


class IntentPolicy:
    name = "intent"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Intent) -> bool:
        return principal.acts_for("member", entity.member_id)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Intent) -> bool:
        return principal.acts_for("member", entity.member_id)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return [{"member_id": principal.id}] if principal.is_member else []


POLICY = IntentPolicy()


def publish_intent(
    services: Services,
    principal: Principal,
    *,
    circle_id: str,
    category: str,
    area: Area,
    text: str = "",
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    max_price: float | None = None,
    attributes: dict[str, Any] | None = None,
) -> Intent:
    if not principal.is_member or circle_id not in principal.circles:
        raise PermissionDenied("only a member of the circle can publish an intent in it")
    check_category(category)
    check_window(window_start, window_end)
    intent = Intent(
        new_id("intent"),
        circle_id,
        principal.id,
        category,
        area,
        services.clock.now(),
        text,
        window_start,
        window_end,
        max_price,
        attributes or {},
    )
    pipeline.publish(services, lambda uow: _add(uow, intent), intent.created_at)
    return intent


def _add(uow: UnitOfWork, intent: Intent) -> list[Intent]:
    uow.repo(Intent).add(intent)
    return [intent]


def update_intent(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Intent:
    with services.uow() as uow:
        intent = resources.fetch_for_change(uow, principal, Intent, POLICY, ident)
        if "category" in changes:
            check_category(changes["category"])
        intent.change(changes)
        check_window(intent.window_start, intent.window_end)
        services.commit(uow, StandingChanged(intent))
    return intent


def delete_intent(services: Services, principal: Principal, ident: str) -> None:
    """Delete it; the engine stops matching it at once."""
    resources.delete(services, principal, Intent, POLICY, ident, StandingRemoved)
