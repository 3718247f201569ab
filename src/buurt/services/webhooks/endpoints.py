"""Webhook endpoints: registered, changed, re-keyed and removed by their owner only.

A member registers endpoints for themselves, a member who owns a business (or the business
itself) for the business. The URL is checked twice against server-side request forgery: here,
when it is registered or changed (every address the host resolves to must be public), and
again by the delivery worker before every attempt, because DNS answers change.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from typing import Any

from buurt.domain.errors import Conflict, InvalidInput, PermissionDenied
from buurt.domain.events import WebhookEndpointChanged
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.webhooks import (
    Target,
    WebhookEndpoint,
    WebhookRules,
    WebhookTopic,
    check_addresses,
    new_secret,
    parse_url,
)
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal

MAX_ENDPOINTS_PER_OWNER = 20


class WebhookPolicy:
    name = "webhook"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: WebhookEndpoint) -> bool:
        return principal.acts_for(entity.owner_kind, entity.owner_id)

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: WebhookEndpoint) -> bool:
        return self.visible(uow, principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        filters: list[Filter] = [
            {"owner_kind": "business", "owner_id": sorted(principal.businesses)}
        ]
        if principal.is_member:
            filters.append({"owner_kind": "member", "owner_id": principal.id})
        return filters


POLICY = WebhookPolicy()


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order; none if it does not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(rules: WebhookRules, url: str, field_name: str = "url") -> Target:
    """A webhook URL's parts if it may be called, else ``InvalidInput`` naming the field."""
    target = parse_url(url, field_name)
    check_addresses(target, resolve(target.host, target.port), rules, field_name)
    return target


def check_topics(topics: Sequence[str]) -> list[str]:
    if not topics:
        raise InvalidInput("a webhook endpoint needs at least one topic", "topics")
    known = {topic.value for topic in WebhookTopic}
    for topic in topics:
        if topic not in known:
            raise InvalidInput(
                f"{topic!r} is not a topic; topics are {', '.join(sorted(known))}", "topics"
            )
    return list(dict.fromkeys(topics))


def _owner(principal: Principal, business_id: str | None) -> tuple[PartyKind, str]:
    if business_id is None and principal.kind is PartyKind.BUSINESS:
        business_id = principal.id
    if business_id is not None:
        owner = (PartyKind.BUSINESS, business_id)
    elif principal.is_member:
        owner = (PartyKind.MEMBER, principal.id)
    else:
        raise PermissionDenied("webhook endpoints belong to a member or a business")
    if not principal.acts_for(*owner):
        raise PermissionDenied("you can only register webhooks for yourself or your business")
    return owner


def register(
    services: Services,
    principal: Principal,
    *,
    url: str,
    topics: Sequence[str],
    description: str = "",
    active: bool = True,
    business_id: str | None = None,
) -> WebhookEndpoint:
    """A new endpoint; its ``secret`` is shown to the caller now and never again."""
    owner_kind, owner_id = _owner(principal, business_id)
    checked_topics = check_topics(topics)
    check_url(services.webhook_rules, url)
    now = services.clock.now()
    endpoint = WebhookEndpoint(
        id=new_id("webhook"),
        owner_kind=owner_kind,
        owner_id=owner_id,
        url=url,
        topics=checked_topics,
        secret=new_secret(),
        created_at=now,
        updated_at=now,
        description=description,
        active=active,
    )
    with services.uow() as uow:
        repo = uow.repo(WebhookEndpoint)
        if len(repo.find(owner_kind=owner_kind, owner_id=owner_id)) >= MAX_ENDPOINTS_PER_OWNER:
            raise Conflict(f"an owner has at most {MAX_ENDPOINTS_PER_OWNER} webhook endpoints")
        repo.add(endpoint)
        services.commit(uow, WebhookEndpointChanged(endpoint.id))
    return endpoint


def update_endpoint(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> WebhookEndpoint:
    """Change url, description, topics or ``active``; activating clears why it was disabled."""
    changes = dict(changes)
    with services.uow() as uow:
        endpoint = resources.fetch_for_change(uow, principal, WebhookEndpoint, POLICY, ident)
        if "url" in changes:
            check_url(services.webhook_rules, changes["url"])
        if "topics" in changes:
            changes["topics"] = check_topics(changes["topics"])
        endpoint.change(changes)
        if changes.get("active") is True:
            endpoint.disabled_reason = None
        endpoint.updated_at = services.clock.now()
        services.commit(uow, WebhookEndpointChanged(endpoint.id))
    return endpoint


def rotate_secret(services: Services, principal: Principal, ident: str) -> WebhookEndpoint:
    """A new signing secret, in force for the next attempt; the old one stops at once."""
    with services.uow() as uow:
        endpoint = resources.fetch_for_change(uow, principal, WebhookEndpoint, POLICY, ident)
        endpoint.secret = new_secret()
        endpoint.updated_at = services.clock.now()
        services.commit(uow, WebhookEndpointChanged(endpoint.id))
    return endpoint


def delete_webhook(services: Services, principal: Principal, ident: str) -> None:
    """Remove an endpoint with its deliveries; its worker lane stops."""
    resources.delete(
        services, principal, WebhookEndpoint, POLICY, ident, lambda e: WebhookEndpointChanged(e.id)
    )
