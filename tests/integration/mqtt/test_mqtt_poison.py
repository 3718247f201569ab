"""Poison payloads through a real Mosquitto: each becomes a dead letter of its own, the other
things' messages are stored beside them, and no batch falls back to storing one by one."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import events_topic
from buurt.simulator.poison import POISON
from tests.actors import HOME, World
from tests.integration.mqtt.devices import connect, eventually


def _thing(world: World, name: str) -> dict[str, Any]:
    body = {"circle_id": world.circle["id"], "kind": "smart_meter", "name": name, "place": HOME}
    thing = world.ann.created("/v1/things", body)
    login = world.ann.created(f"/v1/things/{thing['id']}/mqtt-credentials", None)
    return {**thing, "password": login["password"]}


def _events(world: World, thing_id: str) -> int:
    page = world.ann.get("/v1/events", params={"source_id": thing_id, "limit": 500}).json()
    return len(page["items"])


def _rejected(world: World, thing_id: str) -> int:
    page = world.ann.get(f"/v1/things/{thing_id}/rejected", params={"limit": 500}).json()
    return len(page["items"])


def test_poison_is_dead_lettered_without_slowing_the_other_things(
    world: World, mosquitto: Mosquitto, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="buurt")
    bad, good = _thing(world, "Poisoner"), _thing(world, "Neighbour")
    poisoner = connect(mosquitto.port, bad["id"], bad["password"])
    neighbour = connect(mosquitto.port, good["id"], good["password"])
    bad_topic = events_topic(world.circle["id"], bad["id"])
    good_topic = events_topic(world.circle["id"], good["id"])
    for number, payload in enumerate(POISON.values()):
        poisoner.publish(bad_topic, payload)
        reading = {"attributes": {"power_w": number}, "message_id": f"m{number}"}
        neighbour.publish(good_topic, json.dumps(reading))
    eventually(lambda: gateway.stats.acknowledged >= 2 * len(POISON))
    # Positive control: every good message of the neighbour is stored.
    assert _events(world, good["id"]) == len(POISON)
    assert _rejected(world, bad["id"]) == len(POISON)
    assert _events(world, bad["id"]) == 0
    assert _rejected(world, good["id"]) == 0
    assert (gateway.stats.stored, gateway.stats.rejected) == (len(POISON), len(POISON))
    slow = [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert slow == [], [r.getMessage() for r in slow]
    poisoner.close()
    neighbour.close()
