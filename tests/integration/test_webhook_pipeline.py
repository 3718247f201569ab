"""Moments made by the real pipeline reach webhooks: a thing's event matches a member's
subscription, the moment and its delivery commit together, and the member's receiver gets it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from buurt.adapters.bus import InProcessBus
from buurt.bootstrap import Buurt
from buurt.domain.places import Place
from buurt.services.community.auth import authenticate
from buurt.services.publishing.events import publish_events
from tests.actors import HOME, Actor, World, issue
from tests.integration.webhook_world import (
    deliveries,
    register,
    running,
    webhook_instance,
)
from tests.receivers import Receiver, eventually

NEAR = {"lat": 52.3625, "lon": 4.9385}


pytestmark = webhook_instance


def _surplus(world: World) -> Actor:
    """Bob wants to hear of solar surplus; Ann's roof inverter is visible to the circle."""
    world.bob.created(
        "/v1/subscriptions",
        {
            "circle_id": world.circle["id"],
            "name": "Solar surplus",
            "categories": ["energy"],
            "area": {**HOME, "radius_m": 400},
            "predicates": ["power_w > 2000"],
        },
    )
    body = {
        "circle_id": world.circle["id"],
        "kind": "solar_inverter",
        "name": "Roof",
        "place": NEAR,
        "visibility": "circle",
    }
    thing = world.ann.created("/v1/things", body)
    return issue(world.ann, "thing", thing["id"])


def _publish(inverter: Actor, power: int) -> dict[str, Any]:
    body = {"kind": "energy/solar", "attributes": {"power_w": power}, "place": NEAR}
    return inverter.created("/v1/events", body)


def test_a_moment_and_its_delivery_commit_together(instance: Buurt, world: World) -> None:
    """With no after-commit handler at all, the delivery is there all the same: the pipeline
    wrote it in the moment's own transaction."""
    services = instance.services
    webhook = register(world.bob, "http://127.0.0.1:9/bob")
    inverter = _surplus(world)
    unheard = replace(services, bus=InProcessBus())  # a bus without handlers
    draft = {"kind": "energy/solar", "attributes": {"power_w": 2400}, "place": Place(**NEAR)}
    publish_events(unheard, authenticate(services, inverter.token), [draft])
    [moment] = world.bob.get("/v1/moments").json()["items"]
    [delivery] = deliveries(world.bob, webhook["id"])
    assert delivery["payload"]["moment"]["id"] == moment["id"]
    assert delivery["topic"] == "moment.created"


async def test_a_members_receiver_hears_of_its_moments(instance: Buurt, world: World) -> None:
    with Receiver() as receiver:
        register(world.bob, receiver.url)
        inverter = _surplus(world)
        async with running(instance.webhooks):
            _publish(inverter, 1500)  # below the predicate: no moment, nothing sent
            _publish(inverter, 2400)
            await eventually(lambda: receiver.answered == 1, "the moment arrived")
            [moment] = world.bob.get("/v1/moments").json()["items"]
            accepted = world.bob.post(
                f"/v1/moments/{moment['id']}/transitions", {"status": "accepted"}
            )
            assert accepted.status_code == 200, accepted.text
            await eventually(lambda: receiver.answered == 2, "the change arrived")
    created, changed = (json.loads(got.body) for got in receiver.received)
    assert created["topic"] == "moment.created"
    assert created["moment"]["id"] == moment["id"]
    assert created["moment"]["recipient_id"] == world.bob.id
    assert "Solar surplus" in created["moment"]["reason"]
    assert changed["topic"] == "moment.changed"
    assert changed["moment"]["status"] == "accepted"
