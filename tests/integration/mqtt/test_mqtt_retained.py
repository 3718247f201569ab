"""Retained messages through a real Mosquitto: a retained reading is stored once, however often
the gateway restarts and subscribes again; one published while it is away is stored once too."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from buurt.bootstrap import Buurt
from buurt.mqtt import gateway as gateway_module
from buurt.mqtt.broker_files import BrokerFiles
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import events_topic
from buurt.mqtt.url import BrokerUrl
from tests.actors import HOME, World
from tests.integration.mqtt.devices import Device, connect, eventually


@dataclass
class Meter:
    """A smart meter, connected as itself."""

    device: Device
    thing_id: str
    topic: str

    def publish(self, energy_wh: int, *, retain: bool) -> None:
        body = json.dumps({"attributes": {"energy_wh": energy_wh}})  # no message_id to dedupe by
        self.device.client.publish(self.topic, body, qos=1, retain=retain).wait_for_publish(5)


@pytest.fixture
def meter(world: World, mosquitto: Mosquitto, broker_files: BrokerFiles) -> Iterator[Meter]:
    body = {"circle_id": world.circle["id"], "kind": "smart_meter", "name": "M", "place": HOME}
    thing = world.ann.created("/v1/things", body)
    login = world.ann.created(f"/v1/things/{thing['id']}/mqtt-credentials", None)
    device = connect(mosquitto.port, thing["id"], login["password"])
    topic = events_topic(world.circle["id"], thing["id"])
    yield Meter(device, thing["id"], topic)
    # The broker would keep the retained message for the next gateways of this session.
    device.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    device.close()


def _readings(world: World, thing_id: str) -> Counter[int]:
    page = world.ann.get("/v1/events", params={"source_id": thing_id, "limit": 500}).json()
    return Counter(event["attributes"]["energy_wh"] for event in page["items"])


@pytest.mark.parametrize("broker_sends_retained", [False, True], ids=["asked-not-to", "sends"])
def test_a_retained_reading_is_stored_once_across_gateway_restarts(
    world: World,
    instance: Buurt,
    broker_url: BrokerUrl,
    meter: Meter,
    broker_sends_retained: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if broker_sends_retained:  # as a broker that ignores MQTT 5's Retain Handling would
        monkeypatch.setattr(gateway_module, "RETAINED_NOT_SENT", 0)
    thing_id = meter.thing_id
    client_id = f"gateway-{uuid.uuid4().hex[:8]}"  # one persistent session across restarts
    gateway = Gateway(instance.services, broker_url, client_id=client_id)
    gateway.start()
    meter.publish(1, retain=True)
    eventually(lambda: _readings(world, thing_id) == {1: 1})
    gateway.stop()
    meter.publish(2, retain=True)  # while the gateway is away: queued in its session
    expected = Counter({1: 1, 2: 1})
    for restart in (10, 20):
        gateway = Gateway(instance.services, broker_url, client_id=client_id)
        gateway.start()
        # Positive control: a plain reading after the restart is stored. The broker sends what
        # a subscription brings before what is published after it, so once it is stored, a
        # retained copy would have been stored too.
        meter.publish(restart, retain=False)
        expected[restart] = 1
        eventually(lambda: restart in _readings(world, thing_id))  # noqa: B023
        gateway.stop()
        assert _readings(world, thing_id) == expected
        # Asked not to, the broker sends no retained copy; otherwise each is left out.
        assert (gateway.stats.retained > 0) is broker_sends_retained
