"""Things over a real Mosquitto: stored events, the broker's ACL and logins, dead letters,
redelivery, and commands."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from buurt.mqtt.broker_files import BrokerFiles
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import commands_topic, events_topic
from buurt.mqtt.url import BrokerUrl
from buurt.services.context import Services
from tests.actors import HOME, World
from tests.integration.mqtt.devices import Device, connect, eventually
from tests.servers import free_port


def _thing(world: World, kind: str = "solar_inverter", name: str = "Roof") -> dict[str, Any]:
    body = {"circle_id": world.circle["id"], "kind": kind, "name": name, "place": HOME}
    thing = world.ann.created("/v1/things", body)
    login = world.ann.created(f"/v1/things/{thing['id']}/mqtt-credentials", None)
    assert login["username"] == thing["id"]
    return {**thing, "password": login["password"]}


def _events(world: World, thing_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.ann.get(
        "/v1/events", params={"source_id": thing_id, "limit": 500}
    ).json()["items"]
    return items


def _rejected(world: World, thing_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.ann.get(f"/v1/things/{thing_id}/rejected").json()["items"]
    return items


def test_an_event_published_over_mqtt_is_stored_and_visible(
    world: World, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    roof = _thing(world)
    device = connect(mosquitto.port, roof["id"], roof["password"])
    topic = events_topic(world.circle["id"], roof["id"])
    device.publish(topic, json.dumps({"attributes": {"power_w": 1200, "energy_wh": 5300}}))
    (event,) = eventually(lambda: _events(world, roof["id"]))
    assert event["attributes"] == {"power_w": 1200, "energy_wh": 5300}
    assert event["kind"] == "energy/solar"
    assert event["place"] == HOME
    assert world.ann.get(f"/v1/things/{roof['id']}").json()["state"]["power_w"] == 1200
    device.close()


def test_a_thing_cannot_publish_on_another_things_topic(
    world: World, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    roof, meter = _thing(world), _thing(world, "smart_meter", "Meter")
    device = connect(mosquitto.port, roof["id"], roof["password"])
    forged = json.dumps({"attributes": {"power_w": 9999}})
    device.publish(events_topic(world.circle["id"], meter["id"]), forged)
    device.publish(events_topic(world.circle["id"], roof["id"]), forged)
    # The broker keeps a publisher's order: once the second message is stored, the first
    # would have been too, had the broker let it through.
    eventually(lambda: _events(world, roof["id"]))
    assert _events(world, meter["id"]) == []
    assert _rejected(world, meter["id"]) == []
    device.close()


def test_a_wrong_password_is_refused_at_connect(
    world: World, mosquitto: Mosquitto, broker_files: BrokerFiles
) -> None:
    roof = _thing(world)
    connect(mosquitto.port, roof["id"], roof["password"]).close()
    intruder = Device(mosquitto.port, roof["id"], "not the password")
    assert not intruder.accepted
    assert intruder.reason == "Not authorized"
    intruder.close()
    revoked = world.ann.delete(f"/v1/things/{roof['id']}/mqtt-credentials")
    assert revoked.status_code == 204
    eventually(lambda: not _accepted(mosquitto.port, roof["id"], roof["password"]))


def _accepted(port: int, username: str, password: str) -> bool:
    device = Device(port, username, password)
    accepted = device.accepted
    device.close()
    return accepted


def test_malformed_payloads_end_in_the_dead_letter_store(
    world: World, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    fridge = _thing(world, "fridge", "Koelkast")
    device = connect(mosquitto.port, fridge["id"], fridge["password"])
    topic = events_topic(world.circle["id"], fridge["id"])
    bad = [
        b"level=40",
        json.dumps({"attributes": "full"}).encode(),
        json.dumps({"attributes": {"level": "full"}}).encode(),
        json.dumps({"attributes": {"level": 40}, "colour": "red"}).encode(),
        b'{"attributes": {"level": 40}, "pad": "' + b"x" * (1024 * 1024) + b'"}',
        json.dumps({"attributes": {"level": 40}}).encode(),
    ]
    for payload in bad:
        device.publish(topic, payload)
    rejected = eventually(
        lambda: len(_rejected(world, fridge["id"])) == 5 and _rejected(world, fridge["id"])
    )
    # Ids of one batch share a millisecond, so their order is not the arrival order.
    reason = {r["payload"][:40]: r["reason"] for r in rejected}
    assert len(reason) == 5
    assert "not JSON" in reason["level=40"]
    assert "attributes" in reason[bad[1].decode()]
    assert "level" in reason[bad[2].decode()]
    assert "colour" in reason[bad[3].decode()[:40]]
    (huge,) = [
        r for r in rejected if r["payload"].startswith('{"attributes": {"level": 40}, "pad"')
    ]
    assert "1048" in huge["reason"]
    assert "65536" in huge["reason"]
    assert len(huge["payload"]) < 5000
    assert all(r["source"] == "mqtt" for r in rejected)
    (stored,) = eventually(lambda: _events(world, fridge["id"]))
    assert stored["attributes"] == {"level": 40}
    device.close()


def test_a_redelivered_message_is_stored_once(
    world: World, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    meter = _thing(world, "smart_meter", "Meter")
    device = connect(mosquitto.port, meter["id"], meter["password"])
    topic = events_topic(world.circle["id"], meter["id"])
    for power in (100, 100, 200):
        body = {"attributes": {"power_w": power}, "message_id": f"reading-{power}"}
        device.publish(topic, json.dumps(body))
    eventually(lambda: len(_events(world, meter["id"])) == 2)
    eventually(lambda: gateway.stats.acknowledged >= 3)
    assert sorted(e["attributes"]["power_w"] for e in _events(world, meter["id"])) == [100, 200]
    device.close()


def test_commands_reach_the_thing_and_no_other(
    world: World, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    bike, other = _thing(world, "cargo_bike", "Bakfiets"), _thing(world, "cargo_bike", "Other")
    rider = connect(mosquitto.port, bike["id"], bike["password"])
    rider.subscribe(commands_topic(world.circle["id"], bike["id"]))
    snoop = connect(mosquitto.port, other["id"], other["password"])
    snoop.subscribe(commands_topic(world.circle["id"], bike["id"]))  # granted, never delivered
    snoop.subscribe(commands_topic(world.circle["id"], other["id"]))

    body = {"command": "reserve", "args": {"minutes": 30}}
    sent = world.ann.post(f"/v1/things/{bike['id']}/commands", body)
    assert sent.status_code == 202, sent.text
    assert sent.json()["topic"] == commands_topic(world.circle["id"], bike["id"])
    assert (
        world.ann.post(f"/v1/things/{other['id']}/commands", {"command": "ping"}).status_code == 202
    )

    (message,) = eventually(lambda: rider.received)
    command = json.loads(message.payload)
    assert command["command"] == "reserve"
    assert command["args"] == {"minutes": 30}
    assert command["id"] == sent.json()["id"]
    # The gateway's messages reach a subscriber in order: once the ping arrived, the
    # reservation would have too, had the ACL let it through.
    (ping,) = eventually(lambda: snoop.received)
    assert json.loads(ping.payload)["command"] == "ping"
    assert world.bob.post(f"/v1/things/{bike['id']}/commands", body).status_code == 404
    rider.close()
    snoop.close()


def test_a_command_without_a_connected_broker_is_refused(world: World, gateway: Gateway) -> None:
    bike = _thing(world, "cargo_bike", "Bakfiets")
    assert (
        world.ann.post(f"/v1/things/{bike['id']}/commands", {"command": "ping"}).status_code == 202
    )
    gateway.stop()
    refused = world.ann.post(f"/v1/things/{bike['id']}/commands", {"command": "ping"})
    assert refused.status_code == 503, refused.text
    assert "not connected" in refused.json()["detail"]


def test_a_gateway_with_a_wrong_password_does_not_start(
    services: Services, broker_url: BrokerUrl, broker_files: BrokerFiles
) -> None:
    wrong = dataclasses.replace(broker_url, password="not the gateway's password")
    gateway = Gateway(services, wrong, client_id="gateway-wrong-password")
    with pytest.raises(ConnectionError, match="refused the gateway"):
        gateway.start(timeout=5)


def test_a_gateway_without_a_broker_does_not_start(services: Services) -> None:
    away = BrokerUrl("127.0.0.1", free_port(), "buurt-gateway", "secret", tls=False)
    gateway = Gateway(services, away, client_id="gateway-no-broker")
    with pytest.raises(ConnectionError, match="no subscription"):
        gateway.start(timeout=5)
