"""A surplus starts a charger, over a real Mosquitto: Ann's private inverter publishes a solar
surplus, and Bob's automation sends his EV charger a command, under Ann's grant to Bob for
matching on that inverter's data. Once Ann revokes the grant, her surplus starts nothing."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from buurt.bootstrap import build
from buurt.cli.main import app
from buurt.domain.activity import Event
from buurt.domain.community import Thing
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import commands_topic, events_topic
from buurt.simulator import sunny_noon
from tests.actors import HOME, Actor, World
from tests.instances import settings_for
from tests.integration.mqtt.conftest import mqtt_settings
from tests.integration.mqtt.devices import connect, eventually

NEAR = {"lat": 52.3625, "lon": 4.9385}  # about 60 m from HOME


def _thing(owner: Actor, world: World, kind: str, name: str) -> dict[str, Any]:
    body = {"circle_id": world.circle["id"], "kind": kind, "name": name, "place": NEAR}
    thing = owner.created("/v1/things", body)  # private: its data is its owner's
    login = owner.created(f"/v1/things/{thing['id']}/mqtt-credentials", None)
    return {**thing, "password": login["password"]}


def _surplus(device: Any, world: World, inverter: dict[str, Any], watts: int) -> None:
    payload = json.dumps({"attributes": {"power_w": watts}})
    device.publish(events_topic(world.circle["id"], inverter["id"]), payload)


def _events(world: World, thing_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.ann.get(
        "/v1/events", params={"source_id": thing_id, "limit": 500}
    ).json()["items"]
    return items


def test_a_neighbours_surplus_starts_my_charger_until_the_grant_is_revoked(
    world: World, mosquitto: Mosquitto, gateway: Gateway
) -> None:
    inverter = _thing(world.ann, world, "solar_inverter", "Roof")
    charger = _thing(world.bob, world, "ev_charger", "Laadpaal")
    subscription = world.bob.created(
        "/v1/subscriptions",
        {
            "circle_id": world.circle["id"],
            "name": "Neighbour's surplus",
            "categories": ["energy/solar"],
            "area": {**HOME, "radius_m": 500},
            "predicates": ["power_w >= 2000"],
        },
    )
    rule = world.bob.created(
        "/v1/automations",
        {
            "subscription_id": subscription["id"],
            "thing_id": charger["id"],
            "command": "start_charging",
            "args": {"minutes": 60},
        },
    )
    grant = world.ann.created(
        "/v1/consents",
        {
            "recipient_kind": "member",
            "recipient_id": world.bob.id,
            "category": "thing_data",
            "purpose": "matching",
            "thing_id": inverter["id"],
        },
    )
    plug = connect(mosquitto.port, charger["id"], charger["password"])
    plug.subscribe(commands_topic(world.circle["id"], charger["id"]))
    roof = connect(mosquitto.port, inverter["id"], inverter["password"])

    _surplus(roof, world, inverter, 2600)
    (message,) = eventually(lambda: plug.received)
    command = json.loads(message.payload)
    assert command["command"] == "start_charging"
    assert command["args"]["minutes"] == 60
    (moment,) = world.bob.get("/v1/moments").json()["items"]
    assert command["args"]["because"] == {"moment_id": moment["id"], "reason": moment["reason"]}
    assert "power_w >= 2000" in moment["reason"]
    fired = eventually(
        lambda: (r := world.bob.get(f"/v1/automations/{rule['id']}").json())["fired_count"] and r
    )
    assert fired["fired_count"] == 1
    used = world.ann.get("/v1/me/access-log").json()["items"]
    assert [(e["principal_id"], e["grant_id"]) for e in used if moment["id"] in e["what"]] == [
        (world.bob.id, grant["id"])
    ]

    assert world.ann.delete(f"/v1/consents/{grant['id']}").status_code == 200
    _surplus(roof, world, inverter, 3100)
    # The moment (or its absence) commits with the event, and commands follow moments only:
    # once the event is stored, nothing more can be on its way.
    eventually(lambda: len(_events(world, inverter["id"])) == 2)
    assert len(world.bob.get("/v1/moments").json()["items"]) == 1
    assert len(plug.received) == 1
    assert world.bob.get(f"/v1/automations/{rule['id']}").json()["fired_count"] == 1
    plug.close()
    roof.close()


def test_the_simulators_sunny_noon_starts_the_charger_only_under_a_live_grant(
    database_url: str, broker: Mosquitto, gateway_user: str
) -> None:
    settings = mqtt_settings(broker, gateway_user)
    arguments = [
        "simulate", "--scenario", "sunny-noon", "--speed", "9000",
        "--mqtt", settings["mqtt_url"], "--mqtt-config-dir", str(broker.directory),
        "--db", database_url,
    ]  # fmt: skip
    env = {"BUURT_PASSWORD_PROFILE": "CHEAPEST"}

    revoked = CliRunner().invoke(app, [*arguments, "--revoked"], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert "received nothing, as it should" in revoked.output

    live = CliRunner().invoke(app, arguments, env=env)  # the same households, granted again
    assert live.exit_code == 0, live.output
    assert "The charger started charging" in live.output
    assert "power_w >= 2000" in live.output  # the moment's reason travelled with the command
    instance = build(settings_for(database_url))
    try:
        with instance.services.uow() as uow:
            [charger] = uow.repo(Thing).find(name=sunny_noon.CHARGER)
            said = uow.repo(Event).find(source_id=charger.id)
    finally:
        instance.close()
    assert any(e.attributes.get("charging") is True for e in said)  # it told us it charges
