"""The webhook outbox: who is owed a delivery, enqueueing twice, topics, redelivery."""

from __future__ import annotations

import json

from buurt.bootstrap import Buurt
from buurt.domain.events import MomentCreated
from buurt.domain.moments import Moment
from buurt.domain.webhooks import WebhookDelivery
from buurt.services.webhooks.deliveries import enqueue_webhooks
from tests.actors import Actor, World
from tests.integration.webhook_world import (
    deliveries,
    register,
    running,
    store_moment,
    webhook_instance,
)
from tests.receivers import Receiver, eventually

pytestmark = webhook_instance


def test_a_moment_enqueued_in_its_transaction_is_owed_once(instance: Buurt, world: World) -> None:
    """The pipeline enqueues in the moment's transaction; the handler enqueues after commit
    too. Together they owe the endpoint one delivery, not two."""
    webhook = register(world.bakery_actor, "http://127.0.0.1:9/unused")
    moment = store_moment(
        instance.services, world.circle["id"], "business", world.bakery["id"], in_transaction=True
    )
    instance.services.publish(MomentCreated(moment))  # published twice, even
    [delivery] = deliveries(world.bakery_actor, webhook["id"])
    assert delivery["status"] == "pending"
    assert delivery["payload"]["moment"]["id"] == moment.id


def test_removing_an_endpoint_removes_its_deliveries(instance: Buurt, world: World) -> None:
    webhook = register(world.bakery_actor, "http://127.0.0.1:9/unused")
    kept = register(world.bakery_actor, "http://127.0.0.1:9/kept")
    store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
    assert world.bakery_actor.delete(f"/v1/webhooks/{webhook['id']}").status_code == 204
    with instance.services.uow() as uow:
        endpoints = {d.endpoint_id for d in uow.repo(WebhookDelivery).find()}
    assert endpoints == {kept["id"]}


def test_an_uncommitted_moment_is_owed_nothing(instance: Buurt, world: World) -> None:
    register(world.bakery_actor, "http://127.0.0.1:9/unused")
    moment = store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
    with instance.services.uow() as uow:
        stored = uow.repo(Moment).get(moment.id)
        assert stored is not None
        stored.reason = "changed, then rolled back"
        assert enqueue_webhooks(uow, stored, "moment.changed")
        # leaving without commit rolls the moment's change and its deliveries back together
    with instance.services.uow() as uow:
        topics = [d.topic for d in uow.repo(WebhookDelivery).find()]
    assert topics == ["moment.created"]


def test_only_the_recipients_endpoints_for_that_topic_are_owed(
    instance: Buurt, world: World
) -> None:
    services = instance.services
    bakery_all = register(world.bakery_actor, "http://127.0.0.1:9/all")
    bakery_changes = register(world.bakery_actor, "http://127.0.0.1:9/changes", ["moment.changed"])
    paused = register(world.bakery_actor, "http://127.0.0.1:9/paused", active=False)
    ann_own = register(world.ann, "http://127.0.0.1:9/ann")
    bob_own = register(world.bob, "http://127.0.0.1:9/bob")

    store_moment(services, world.circle["id"], "business", world.bakery["id"])
    store_moment(services, world.circle["id"], "member", world.ann.id)

    def owed(actor: Actor, webhook: dict[str, str]) -> list[str]:
        return [d["topic"] for d in deliveries(actor, webhook["id"])]

    assert owed(world.bakery_actor, bakery_all) == ["moment.created"]
    assert owed(world.bakery_actor, bakery_changes) == []
    assert owed(world.bakery_actor, paused) == []
    assert owed(world.ann, ann_own) == ["moment.created"]
    assert owed(world.bob, bob_own) == []


async def test_a_moments_changes_reach_the_recipient(instance: Buurt, world: World) -> None:
    """Accepting a moment through the API publishes ``MomentChanged``; it is delivered."""
    with Receiver() as receiver:
        webhook = register(world.bakery_actor, receiver.url, ["moment.changed"])
        async with running(instance.webhooks):
            moment = store_moment(
                instance.services, world.circle["id"], "business", world.bakery["id"]
            )
            accepted = world.bakery_actor.post(
                f"/v1/moments/{moment.id}/transitions", {"status": "accepted"}
            )
            assert accepted.status_code == 200, accepted.text
            await eventually(lambda: receiver.answered == 1, "the change arrived")
    [got] = receiver.received
    body = json.loads(got.body)
    assert got.headers["Buurt-Topic"] == "moment.changed"
    assert body["moment"]["id"] == moment.id
    assert body["moment"]["status"] == "accepted"
    assert [d["topic"] for d in deliveries(world.bakery_actor, webhook["id"])] == ["moment.changed"]


async def test_the_owner_redelivers_with_the_same_idempotency_key(
    instance: Buurt, world: World
) -> None:
    with Receiver() as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        async with running(instance.webhooks):
            store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
            await eventually(
                lambda: deliveries(world.bakery_actor, webhook["id"])[0]["status"] == "delivered",
                "the first delivery is recorded",
            )
            [delivery] = deliveries(world.bakery_actor, webhook["id"])
            path = f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}"
            assert world.bob.post(f"{path}/redeliver").status_code == 404
            again = world.bakery_actor.post(f"{path}/redeliver")
            assert again.status_code == 202, again.text
            assert again.json()["status"] == "pending"
            await eventually(lambda: receiver.answered == 2, "the redelivery arrived")
            await eventually(
                lambda: world.bakery_actor.get(path).json()["status"] == "delivered",
                "the redelivery is recorded",
            )
    keys = [got.headers["Buurt-Idempotency-Key"] for got in receiver.received]
    assert keys == [delivery["id"], delivery["id"]]


async def test_deliveries_wait_while_an_endpoint_is_paused(instance: Buurt, world: World) -> None:
    with Receiver() as receiver:
        webhook = register(world.bakery_actor, receiver.url)
        path = f"/v1/webhooks/{webhook['id']}"
        store_moment(instance.services, world.circle["id"], "business", world.bakery["id"])
        assert world.bakery_actor.patch(path, {"active": False}).json()["active"] is False
        redeliver = f"{path}/deliveries/{deliveries(world.bakery_actor, webhook['id'])[0]['id']}"
        assert world.bakery_actor.post(f"{redeliver}/redeliver").status_code == 409
        async with running(instance.webhooks):
            # Activating wakes the worker for the endpoint; the delivery that waited goes out.
            world.bakery_actor.patch(path, {"active": True})
            await eventually(lambda: receiver.answered == 1, "the waiting delivery arrived")
    [delivery] = deliveries(world.bakery_actor, webhook["id"])
    assert receiver.received[0].headers["Buurt-Idempotency-Key"] == delivery["id"]
