"""What the webhook delivery tests share: an instance that may call loopback receivers, moments
stored the way the moment pipeline stores them, and a running worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from buurt.adapters.webhooks import DeliveryWorker
from buurt.bootstrap import Buurt, build
from buurt.config import Settings
from buurt.domain.events import MomentCreated
from buurt.domain.ids import new_id
from buurt.domain.moments import Moment, MomentStatus
from buurt.services.context import Services
from buurt.services.webhooks.deliveries import enqueue_webhooks
from tests.actors import Actor

TOPICS = ["moment.created", "moment.changed"]


# A worker that may post to loopback receivers and retries within moments.
WEBHOOK_SETTINGS: dict[str, Any] = {
    "webhooks_allow_private": True,
    "webhooks_retry_base_seconds": 0.02,
    "webhooks_retry_cap_seconds": 0.2,
    "webhooks_max_attempts": 4,
    "webhooks_timeout_seconds": 30,
}
webhook_instance = pytest.mark.settings(**WEBHOOK_SETTINGS)  # for a module's ``pytestmark``


def build_instance(database_url: str) -> Buurt:
    """Another instance like the test's own, on the same store (a second process)."""
    return build(
        Settings(database_url=database_url, password_profile="CHEAPEST", **WEBHOOK_SETTINGS)
    )


def register(owner: Actor, url: str, topics: list[str] | None = None, **extra: Any) -> Any:
    return owner.created("/v1/webhooks", {"url": url, "topics": topics or TOPICS, **extra})


def store_moment(
    services: Services,
    circle_id: str,
    recipient_kind: str,
    recipient_id: str,
    *,
    in_transaction: bool = False,
) -> Moment:
    """Store a moment and publish it after commit, as the moment pipeline does; with
    ``in_transaction`` its deliveries are enqueued in the moment's own transaction too."""
    now = services.clock.now()
    moment = Moment(
        id=new_id("moment"),
        circle_id=circle_id,
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        source_kind="intent",
        source_id=new_id("intent"),
        standing_kind="offer",
        standing_id=new_id("offer"),
        reason="Fresh sourdough 300 m from you, within your budget",
        status=MomentStatus.DELIVERED,
        created_at=now,
        updated_at=now,
    )
    with services.uow() as uow:
        uow.repo(Moment).add(moment)
        if in_transaction:
            enqueue_webhooks(uow, moment, "moment.created")
        uow.commit()
    services.publish(MomentCreated(moment))
    return moment


@asynccontextmanager
async def running(worker: DeliveryWorker) -> AsyncIterator[DeliveryWorker]:
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


def deliveries(owner: Actor, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
    response = owner.get(f"/v1/webhooks/{webhook_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
