"""Webhook delivery to real HTTP receivers: signatures, retries, isolation, restarts, 410 Gone."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from buurt.adapters.store import SqlDeliveryClaims
from buurt.adapters.webhooks import DeliveryWorker
from buurt.bootstrap import Buurt
from buurt.domain.webhooks import IDEMPOTENCY_HEADER, WebhookRules, verify
from tests.actors import World
from tests.integration.webhook_world import (
    WEBHOOK_SETTINGS,
    build_instance,
    deliveries,
    register,
    running,
    store_moment,
    webhook_instance,
)
from tests.receivers import Receiver, eventually

pytestmark = webhook_instance


def partner_verifies(secret: str, header: str, body: bytes) -> bool:
    """Verification as docs/webhooks.md tells partners to do it, with the standard library."""
    fields = dict(item.split("=", 1) for item in header.split(","))
    signed = fields["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(fields["t"])) < 300
    return fresh and hmac.compare_digest(expected, fields["v1"])


async def test_a_moment_arrives_signed_with_the_endpoints_secret(
    instance: Buurt, world: World
) -> None:
    with Receiver() as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        async with running(instance.webhooks):
            moment = store_moment(
                instance.services, world.circle["id"], "business", world.bakery["id"]
            )
            await eventually(lambda: receiver.answered == 1, "the receiver answered")
            await eventually(
                lambda: deliveries(world.bakery_actor, webhook["id"])[0]["status"] == "delivered",
                "the delivery is recorded as delivered",
            )
    [got] = receiver.received
    header = got.headers["Buurt-Signature"]
    assert partner_verifies(webhook["secret"], header, got.body)
    assert not partner_verifies("whsec_someone-else", header, got.body)
    assert not partner_verifies(webhook["secret"], header, got.body.replace(b"}", b" }", 1))
    assert verify(webhook["secret"], header, got.body, instance.services.clock.now())
    body = json.loads(got.body)
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Buurt-Topic"] == "moment.created"
    assert got.headers["Buurt-Idempotency-Key"] == body["id"]
    assert got.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert got.path == "/hooks/buurt"
    assert body["topic"] == "moment.created"
    assert body["moment"]["id"] == moment.id
    assert body["moment"]["reason"] == moment.reason
    [delivery] = deliveries(world.bakery_actor, webhook["id"])
    assert delivery["id"] == body["id"]
    assert delivery["status"] == "delivered"
    assert delivery["attempts"] == 1
    assert delivery["last_status_code"] == 200


async def test_a_failing_partner_gets_the_same_idempotency_key_until_it_succeeds(
    instance: Buurt, world: World
) -> None:
    with Receiver([500, 503, 200]) as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        async with running(instance.webhooks):
            store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
            await eventually(lambda: receiver.answered == 3, "three attempts were answered")
            await eventually(
                lambda: deliveries(world.bakery_actor, webhook["id"])[0]["status"] == "delivered",
                "the delivery is recorded as delivered",
            )
    keys = [got.headers["Buurt-Idempotency-Key"] for got in receiver.received]
    [delivery] = deliveries(world.bakery_actor, webhook["id"])
    assert keys == [delivery["id"]] * 3
    assert len({got.body for got in receiver.received}) == 1
    assert delivery["attempts"] == 3
    assert delivery["last_status_code"] == 200
    assert delivery["delivered_at"] is not None


async def test_a_delivery_fails_after_its_last_attempt(instance: Buurt, world: World) -> None:
    with Receiver([500] * 10) as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        async with running(instance.webhooks):
            store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
            await eventually(
                lambda: deliveries(world.bakery_actor, webhook["id"])[0]["status"] == "failed",
                "the delivery failed",
            )
    [delivery] = deliveries(world.bakery_actor, webhook["id"])
    assert len(receiver.received) == delivery["attempts"] == 4  # webhooks_max_attempts
    assert delivery["last_status_code"] == 500
    assert delivery["last_error"] == "answered 500"


# A held request must not time out while the test looks: a timed-out attempt is retried, and
# its retry would be one more request in flight at the receiver (which still holds the first).
@pytest.mark.settings(**{**WEBHOOK_SETTINGS, "webhooks_timeout_seconds": 300})
async def test_a_slow_partner_does_not_hold_up_a_fast_one(instance: Buurt, world: World) -> None:
    count = 6
    share = instance.services.webhook_rules.concurrency_per_endpoint
    assert count > share  # else the bound below would hold without the lane's limit
    with Receiver(hold=True) as slow, Receiver() as fast:
        register(world.bakery_actor, slow.url)  # registered first, so its deliveries come first
        register(world.bakery_actor, fast.url)
        async with running(instance.webhooks):
            for _ in range(count):
                store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
            await eventually(lambda: fast.answered == count, "the fast partner got every moment")
            # The slow partner has not answered a single request yet, and no more of them are
            # in flight than one endpoint's share (its first may arrive after the fast ones).
            await eventually(lambda: len(slow.received) >= 1, "the slow partner was asked")
            assert slow.answered == 0
            held = [received.headers[IDEMPOTENCY_HEADER] for received in slow.received]
            assert len(held) == len(set(held)), f"a held delivery was sent again: {held}"
            assert len(held) <= share, f"{len(held)} in flight: {held}"
            slow.release()
            await eventually(lambda: slow.answered == count, "the slow partner got every moment")
    assert len(fast.received) == count


async def test_410_gone_disables_the_endpoint(instance: Buurt, world: World) -> None:
    services = instance.services
    with Receiver([410]) as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        async with running(instance.webhooks):
            store_moment(services, world.circle["id"], "business", world.bakery["id"])
            await eventually(
                lambda: (
                    not world.bakery_actor.get(f"/v1/webhooks/{webhook['id']}").json()["active"]
                ),
                "the endpoint is disabled",
            )
            store_moment(services, world.circle["id"], "business", world.bakery["id"])
    endpoint = world.bakery_actor.get(f"/v1/webhooks/{webhook['id']}").json()
    assert "410" in endpoint["disabled_reason"]
    [delivery] = deliveries(world.bakery_actor, webhook["id"])
    assert delivery["status"] == "failed"
    assert delivery["last_status_code"] == 410
    assert len(receiver.received) == 1


async def test_pending_deliveries_are_sent_after_a_restart(
    instance: Buurt, world: World, database_url: str
) -> None:
    with Receiver() as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        # No worker runs: the moments are acknowledged and their deliveries wait in the store.
        for _ in range(3):
            store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
        pending = deliveries(world.bakery_actor, webhook["id"], status="pending")
        assert len(pending) == 3
        assert receiver.received == []

        restarted = build_instance(database_url)  # another process on the same store
        try:
            async with running(restarted.webhooks):
                await eventually(lambda: receiver.answered == 3, "every delivery arrived")
                await eventually(
                    lambda: not deliveries(world.bakery_actor, webhook["id"], status="pending"),
                    "nothing is pending",
                )
        finally:
            restarted.close()
    keys = sorted(got.headers["Buurt-Idempotency-Key"] for got in receiver.received)
    assert keys == sorted(delivery["id"] for delivery in pending)


async def test_addresses_are_checked_again_at_delivery(instance: Buurt, world: World) -> None:
    """Registered while private addresses were allowed; the worker of an operator who does not
    allow them refuses to send (as it would after a DNS answer turned private)."""
    strict = WebhookRules(allow_private=False, max_attempts=1)
    assert instance.database is not None
    claims = SqlDeliveryClaims(instance.database)
    worker = DeliveryWorker(instance.services.uow_factory, instance.services.clock, strict, claims)
    with Receiver() as receiver:
        webhook = register(world.bakery_actor, f"http://localhost:{receiver.port}/hooks")
        async with running(worker):
            store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
            await eventually(
                lambda: deliveries(world.bakery_actor, webhook["id"])[0]["status"] == "failed",
                "the delivery was refused",
            )
    [delivery] = deliveries(world.bakery_actor, webhook["id"])
    assert "loopback" in delivery["last_error"]
    assert delivery["last_status_code"] is None
    assert receiver.received == []
