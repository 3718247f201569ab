"""The webhook outbox: enqueueing deliveries for moments, listing them, delivering them again.

``enqueue_webhooks(uow, moment, topic)`` writes one pending delivery for every active endpoint
of the moment's recipient that subscribed to the topic, inside the caller's unit of work: called
in the transaction that stores the moment, a committed moment always has its deliveries, and a
crash can lose neither. The delivery worker (``buurt.adapters.webhooks``) sends what is pending.

``MomentWebhooks`` runs after the commit: it wakes the worker for the endpoints concerned, and
enqueues again what a use case did not enqueue in its own transaction (harmless twice: one
delivery per endpoint and event key). It goes to the store only for a recipient that has an
endpoint (``EndpointOwners``): every process of a deployment hears every moment, and most
recipients have none, so this keeps a transaction per moment off the hot path of API replicas
and engine workers alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from buurt.domain.errors import Conflict, NotFound
from buurt.domain.events import MomentChanged, MomentCreated, WebhookDeliveryQueued
from buurt.domain.ids import cursor_at, new_id
from buurt.domain.moments import Moment
from buurt.domain.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookTopic
from buurt.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.webhooks.endpoints import POLICY

log = logging.getLogger("buurt.webhooks")
MOMENT_TOPICS = frozenset({WebhookTopic.MOMENT_CREATED.value, WebhookTopic.MOMENT_CHANGED.value})


def event_key(topic: str, moment: Moment) -> str:
    """What a delivery is about; the same change of the same moment always has the same key."""
    return f"{topic}:{moment.id}:{moment.status}:{moment.updated_at.isoformat()}"


def moment_payload(delivery_id: str, topic: str, moment: Moment) -> dict[str, Any]:
    """The JSON body partners receive (documented in docs/webhooks.md)."""

    def instant(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": delivery_id,
        "topic": topic,
        "occurred_at": instant(moment.updated_at),
        "moment": {
            "id": moment.id,
            "circle_id": moment.circle_id,
            "recipient_kind": moment.recipient_kind,
            "recipient_id": moment.recipient_id,
            "subject_member_id": moment.subject_member_id,
            "source_kind": moment.source_kind,
            "source_id": moment.source_id,
            "standing_kind": moment.standing_kind,
            "standing_id": moment.standing_id,
            "reason": moment.reason,
            "status": str(moment.status),
            "created_at": instant(moment.created_at),
            "updated_at": instant(moment.updated_at),
            "expires_at": instant(moment.expires_at),
        },
    }


def enqueue_webhooks(
    uow: UnitOfWork, moment: Moment, topic: str, at: datetime | None = None
) -> list[WebhookDelivery]:
    """The deliveries owed for ``moment`` on ``topic``, added to ``uow`` where missing.

    Call it in the unit of work that stores the moment, before ``commit()``. Returns every
    delivery of this event, including those an earlier call already added.
    """
    when = at or moment.updated_at
    key = event_key(topic, moment)
    endpoints = uow.repo(WebhookEndpoint).find(
        owner_kind=moment.recipient_kind, owner_id=moment.recipient_id
    )
    deliveries = uow.repo(WebhookDelivery)
    owed: list[WebhookDelivery] = []
    for endpoint in endpoints:
        if not endpoint.wants(topic):
            continue
        existing = deliveries.find(endpoint_id=endpoint.id, event_key=key)
        if existing:
            owed += existing
            continue
        ident = new_id("delivery")
        delivery = WebhookDelivery(
            id=ident,
            endpoint_id=endpoint.id,
            topic=topic,
            event_key=key,
            payload=moment_payload(ident, topic, moment),
            created_at=when,
            next_attempt_at=when,
        )
        deliveries.add(delivery)
        owed.append(delivery)
    return owed


class EndpointOwners:
    """The parties that have (or had) a webhook endpoint: loaded from the store at start and
    kept by ``WebhookEndpointChanged``. It may hold a party whose endpoints are gone (that costs
    one read), never miss one that has an endpoint once its change is heard."""

    def __init__(self) -> None:
        self._owners: set[tuple[str, str]] = set()

    def load(self, uow: UnitOfWork) -> None:
        self._owners |= {(e.owner_kind, e.owner_id) for e in uow.repo(WebhookEndpoint).find()}

    def changed(self, uow: UnitOfWork, endpoint_id: str) -> None:
        endpoint = uow.repo(WebhookEndpoint).get(endpoint_id)
        if endpoint is not None:
            self._owners.add((endpoint.owner_kind, endpoint.owner_id))

    def __contains__(self, party: tuple[str, str]) -> bool:
        return party in self._owners


class MomentWebhooks:
    """The after-commit handler of moment events: enqueue what a moment is owed, then wake the
    worker for the endpoints concerned; nothing at all for a recipient with no endpoint.

    It never raises: the moment is committed already and its caller must get its answer. If
    the store fails here, the notification of a moment that was not enqueued in its own
    transaction is lost; that is why use cases call ``enqueue_webhooks`` themselves.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        wake: Callable[[str], None],
        owners: EndpointOwners,
    ):
        self._uow_factory = uow_factory
        self._clock = clock
        self._wake = wake
        self._owners = owners

    def __call__(self, event: MomentCreated | MomentChanged) -> None:
        moment = event.moment
        if (moment.recipient_kind, moment.recipient_id) not in self._owners:
            return
        try:
            for endpoint_id in self._enqueue(event.moment, event.name):
                self._wake(endpoint_id)
        except Exception:
            log.exception("could not enqueue webhooks for %s", event.name)

    def _enqueue(self, moment: Moment, topic: str) -> set[str]:
        for _ in range(2):
            try:
                with self._uow_factory() as uow:
                    owed = enqueue_webhooks(uow, moment, topic, self._clock.now())
                    uow.commit()
                return {delivery.endpoint_id for delivery in owed}
            except Conflict:
                continue  # another enqueue of the same event won the race; read what it wrote
        return set()


def list_deliveries(
    services: Services,
    principal: Principal,
    endpoint_id: str,
    *,
    status: DeliveryStatus | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page[WebhookDelivery]:
    """An endpoint's deliveries, oldest first, for its owner."""
    where: dict[str, Any] = {"endpoint_id": endpoint_id}
    if status is not None:
        where["status"] = status
    with services.uow() as uow:
        resources.fetch(uow, principal, WebhookEndpoint, POLICY, endpoint_id)
        return uow.repo(WebhookDelivery).page(where=where, after=after, limit=limit)


RECENT = timedelta(days=7)


def recent_deliveries(
    services: Services, principal: Principal, endpoint_id: str, *, limit: int = 5
) -> list[WebhookDelivery]:
    """An endpoint's newest deliveries of the last week, newest first, for its owner."""
    since = cursor_at("delivery", services.clock.now() - RECENT)
    newest: list[WebhookDelivery] = []
    after: str | None = since
    with services.uow() as uow:
        resources.fetch(uow, principal, WebhookEndpoint, POLICY, endpoint_id)
        while after is not None:
            page = uow.repo(WebhookDelivery).page(
                where={"endpoint_id": endpoint_id}, after=after, limit=500
            )
            newest = [*newest, *page.items][-limit:]
            after = page.next_cursor
    return newest[::-1]


def _delivery(uow: UnitOfWork, endpoint: WebhookEndpoint, delivery_id: str) -> WebhookDelivery:
    delivery = uow.repo(WebhookDelivery).get(delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("delivery", delivery_id)
    return delivery


def get_delivery(
    services: Services, principal: Principal, endpoint_id: str, delivery_id: str
) -> WebhookDelivery:
    with services.uow() as uow:
        endpoint = resources.fetch(uow, principal, WebhookEndpoint, POLICY, endpoint_id)
        return _delivery(uow, endpoint, delivery_id)


def redeliver(
    services: Services, principal: Principal, endpoint_id: str, delivery_id: str
) -> WebhookDelivery:
    """Send a delivery again, with a fresh set of attempts and the same idempotency key."""
    with services.uow() as uow:
        endpoint = resources.fetch_for_change(uow, principal, WebhookEndpoint, POLICY, endpoint_id)
        if not endpoint.active:
            raise Conflict("the webhook endpoint is not active; activate it first")
        delivery = _delivery(uow, endpoint, delivery_id)
        delivery.retry_now(services.clock.now())
        services.commit(uow, WebhookDeliveryQueued(delivery.id, delivery.endpoint_id))
    return delivery
