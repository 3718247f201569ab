"""Two gateways on one PostgreSQL share the broker's load through an MQTT 5 shared
subscription: each message is stored once, and both gateways take some of them.

The control runs the same two gateways without a share group: each then takes every message,
and every message is stored twice, which is what the shared subscription is for.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from buurt.bootstrap import Buurt, build
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import events_topic, gateway_users
from tests.actors import HOME, World
from tests.instances import settings_for
from tests.integration.mqtt.conftest import GATEWAY_PASSWORD, admit, mqtt_settings, new_gateway_user
from tests.integration.mqtt.devices import connect, eventually

N = 200  # per thing: enough that a broker handing the share round would give both gateways some
pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture(params=["gateways", None], ids=["shared", "unshared"])
def share_group(request: pytest.FixtureRequest) -> str | None:
    """A group of the test's own: the broker keeps handing a group's share to the offline
    sessions of earlier tests' gateways (see ADR 0013), which would take messages away."""
    return f"{request.param}-{uuid.uuid4().hex[:8]}" if request.param else None


@pytest.fixture
def instance(
    database_url: str, broker: Mosquitto, gateway_user: str, share_group: str | None
) -> Iterator[Buurt]:
    """The first gateway's instance (the test's API runs on it)."""
    options = mqtt_settings(broker, gateway_user)
    built = build(settings_for(database_url, **options, mqtt_share_group=share_group))
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def second(database_url: str, broker: Mosquitto, share_group: str | None) -> Iterator[Buurt]:
    """A second process on the same store, with a login (so a session) of its own."""
    user = new_gateway_user()
    admit(broker, user, GATEWAY_PASSWORD)
    options = mqtt_settings(broker, user)
    built = build(settings_for(database_url, **options, mqtt_share_group=share_group))
    try:
        yield built
    finally:
        built.close()


def _thing(world: World, name: str) -> dict[str, Any]:
    body = {"circle_id": world.circle["id"], "kind": "smart_meter", "name": name, "place": HOME}
    thing = world.ann.created("/v1/things", body)
    login = world.ann.created(f"/v1/things/{thing['id']}/mqtt-credentials", None)
    return {**thing, "password": login["password"]}


def _stored(world: World, thing_id: str) -> Counter[int]:
    found: Counter[int] = Counter()
    cursor = None
    while True:
        params: dict[str, Any] = {"source_id": thing_id, "limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = world.ann.get("/v1/events", params=params).json()
        found.update(item["attributes"]["energy_wh"] for item in page["items"])
        if not (cursor := page.get("next_cursor")):
            return found


def _start(instance: Buurt) -> Gateway:
    instance.start_mqtt()
    assert instance.gateway is not None
    return instance.gateway


def test_gateways_of_one_share_group_store_each_message_once(
    world: World,
    instance: Buurt,
    second: Buurt,
    mosquitto: Mosquitto,
    share_group: str | None,
) -> None:
    meters = [_thing(world, "Meter A"), _thing(world, "Meter B")]
    first, other = _start(instance), _start(second)
    # The second process's files kept the first gateway's rights beside its own.
    granted = gateway_users((mosquitto.directory / "acl").read_text())
    assert {first.url.username, other.url.username} <= set(granted)

    devices = [connect(mosquitto.port, meter["id"], meter["password"]) for meter in meters]
    for device, meter in zip(devices, meters, strict=True):
        topic = events_topic(world.circle["id"], meter["id"])
        for i in range(N):
            # No message_id: nothing but the shared subscription keeps a message stored once.
            device.client.publish(topic, json.dumps({"attributes": {"energy_wh": i}}), qos=1)
    copies = 1 if share_group else 2
    total = copies * N * len(meters)
    eventually(lambda: first.stats.stored + other.stats.stored >= total, within=60)

    for meter in meters:
        assert _stored(world, meter["id"]) == Counter(dict.fromkeys(range(N), copies))
    if share_group:
        assert first.stats.stored > 0, (first.stats, other.stats)
        assert other.stats.stored > 0, (first.stats, other.stats)
    else:  # the control: each gateway took every message
        assert first.stats.stored == other.stats.stored == N * len(meters)
    for device in devices:
        device.close()
