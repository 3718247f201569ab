"""Revoking all of a thing's access, against a real Mosquitto: its bearer tokens answer 401,
its connected MQTT session is closed, and its login is refused from then on; another thing
of the same owner keeps all of its access."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import events_topic
from tests.actors import HOME, World, issue
from tests.integration.mqtt.devices import connect, eventually

NOT_AUTHORIZED = 5  # mosquitto_pub's exit code when the broker refuses the login


def _thing(world: World, name: str) -> dict[str, Any]:
    body = {"circle_id": world.circle["id"], "kind": "smart_meter", "name": name, "place": HOME}
    thing = world.ann.created("/v1/things", body)
    login = world.ann.created(f"/v1/things/{thing['id']}/mqtt-credentials", None)
    return {**thing, "password": login["password"]}


def _mosquitto_pub(broker: Mosquitto, thing: dict[str, Any], power: int) -> int:
    """Publish one reading as the thing, with a new connection; the tool's exit code."""
    body = json.dumps({"attributes": {"power_w": power}, "message_id": f"pub-{power}"})
    done = subprocess.run(
        ["mosquitto_pub", "-p", str(broker.port), "-u", thing["id"], "-P", thing["password"],
         "-q", "1", "-t", events_topic(thing["circle_id"], thing["id"]), "-m", body],
        capture_output=True, timeout=30,
    )  # fmt: skip
    return done.returncode


def _powers(world: World, thing_id: str) -> list[int]:
    listed = world.ann.get("/v1/events", params={"source_id": thing_id, "limit": 500})
    return sorted(e["attributes"]["power_w"] for e in listed.json()["items"])


def test_revoking_all_access_cuts_off_http_and_mqtt(
    world: World, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    meter, neighbour = _thing(world, "Meter"), _thing(world, "Neighbour")
    token = issue(world.ann, "thing", meter["id"])
    connect(mosquitto.port, neighbour["id"], neighbour["password"]).close()
    # Positive control: the token, a new MQTT connection and a live session all work. (One
    # connection per login: the live one comes after mosquitto_pub's, which would close it.)
    path = f"/v1/things/{meter['id']}/events"
    assert token.post(path, {"attributes": {"power_w": 1}}).status_code == 201
    assert eventually(lambda: _mosquitto_pub(mosquitto, meter, 2) == 0)
    live = connect(mosquitto.port, meter["id"], meter["password"])
    live.publish(
        events_topic(meter["circle_id"], meter["id"]), json.dumps({"attributes": {"power_w": 3}})
    )
    eventually(lambda: _powers(world, meter["id"]) == [1, 2, 3])

    revoked = world.ann.post(f"/v1/things/{meter['id']}/revoke-access")
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["tokens"], revoked.json()["mqtt_login"]) == (1, True)

    assert token.post(path, {"attributes": {"power_w": 4}}).status_code == 401
    # The broker closes the live session on its reload, and refuses the login from then on.
    eventually(lambda: not live.client.is_connected())
    eventually(lambda: _mosquitto_pub(mosquitto, meter, 5) == NOT_AUTHORIZED)
    live.close()
    assert _mosquitto_pub(mosquitto, neighbour, 6) == 0
    eventually(lambda: _powers(world, neighbour["id"]) == [6])
    assert _powers(world, meter["id"]) == [1, 2, 3]


def test_rotating_the_mqtt_password_closes_the_old_session_and_keeps_the_tokens(
    world: World, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    """What docs/things.md says rotation covers: the MQTT login only."""
    meter = _thing(world, "Meter")
    token = issue(world.ann, "thing", meter["id"])
    live = connect(mosquitto.port, meter["id"], meter["password"])
    path = f"/v1/things/{meter['id']}/mqtt-credentials"
    rotated = {**meter, "password": world.ann.created(path, None)["password"]}

    eventually(lambda: not live.client.is_connected())
    live.close()
    eventually(lambda: _mosquitto_pub(mosquitto, meter, 1) == NOT_AUTHORIZED)
    assert _mosquitto_pub(mosquitto, rotated, 2) == 0
    events = f"/v1/things/{meter['id']}/events"
    assert token.post(events, {"attributes": {"power_w": 3}}).status_code == 201
    eventually(lambda: _powers(world, meter["id"]) == [2, 3])
