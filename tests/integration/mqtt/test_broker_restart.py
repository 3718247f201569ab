"""The broker goes away and comes back: the gateway reconnects and subscribes by itself."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurt.bootstrap import Buurt
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import events_topic
from tests.actors import HOME, World
from tests.integration.mqtt.devices import connect, eventually
from tests.servers import free_port


@pytest.fixture
def broker() -> Iterator[Mosquitto]:
    """A broker of this test alone, as it stops it (it keeps no state on disk)."""
    directory = Path(tempfile.mkdtemp(dir="/tmp", prefix="buurt-mqtt-restart-"))
    directory.chmod(0o755)
    broker = Mosquitto(directory, free_port())
    yield broker
    broker.stop()
    shutil.rmtree(directory, ignore_errors=True)


def test_the_gateway_comes_back_after_the_broker_restarts(
    world: World, instance: Buurt, broker: Mosquitto
) -> None:
    own_broker = broker
    body = {"circle_id": world.circle["id"], "kind": "smart_meter", "name": "Meter", "place": HOME}
    meter = world.ann.created("/v1/things", body)
    secret = world.ann.created(f"/v1/things/{meter['id']}/mqtt-credentials", None)["password"]
    own_broker.start()  # the instance wrote its files when the credentials were issued
    instance.start_mqtt()
    topic = events_topic(world.circle["id"], meter["id"])
    listed = lambda: world.ann.get("/v1/events", params={"source_id": meter["id"]}).json()  # noqa: E731
    try:
        device = connect(own_broker.port, meter["id"], secret)
        device.publish(topic, json.dumps({"attributes": {"power_w": 1}, "message_id": "1"}))
        eventually(lambda: len(listed()["items"]) == 1)
        device.close()

        own_broker.stop()  # without persistence: the gateway's session is gone with it
        own_broker.start()

        device = connect(own_broker.port, meter["id"], secret)

        def stored_after_restart() -> bool:
            # Until the gateway has subscribed again, a QoS 1 message has nobody to go to.
            device.publish(topic, json.dumps({"attributes": {"power_w": 2}, "message_id": "2"}))
            return len(listed()["items"]) == 2

        eventually(stored_after_restart)
        sent = world.ann.post(f"/v1/things/{meter['id']}/commands", {"command": "ping"})
        assert sent.status_code == 202, sent.text
        device.close()
    finally:
        instance.close()
