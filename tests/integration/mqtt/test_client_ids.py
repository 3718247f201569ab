"""Client ids are tied to logins: a thing with valid credentials that connects with the
gateway's client id, or another thing's, knocks nobody off, and no QoS 1 event is lost.

The attacker and the victims are the broker's own clients (``mosquitto_pub``); the positive
controls run the same stream without an attacker, and the same attack against a broker that
does not tie client ids to logins, where it does knock the gateway off.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buurt.bootstrap import Buurt
from buurt.mqtt.gateway import Gateway
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import acl, events_topic
from tests.actors import HOME, World
from tests.integration.mqtt.conftest import GATEWAY_USER
from tests.integration.mqtt.devices import connect, eventually
from tests.servers import free_port

N = 200
ATTACK_EVERY = 10  # events of the victim between two of the attacker's connections
TAKEOVER = "already connected, closing old connection"  # what Mosquitto logs when it happens


class LooseMosquitto(Mosquitto):
    """Mosquitto as Buurt configured it before client ids were tied to logins."""

    def config(self) -> str:
        lines = super().config().splitlines(keepends=True)
        return "".join(line for line in lines if not line.startswith("use_username_as_clientid"))


@pytest.fixture
def broker(request: pytest.FixtureRequest, mosquitto: Mosquitto) -> Iterator[Mosquitto]:
    """The session's broker; ``loose`` (indirectly) starts one without the tie."""
    if getattr(request, "param", "tied") == "tied":
        yield mosquitto
        return
    directory = Path(tempfile.mkdtemp(dir="/tmp", prefix="buurt-mqtt-loose-"))
    directory.chmod(0o755)
    (directory / "acl").write_text(acl(GATEWAY_USER))
    (directory / "passwd").write_text("")
    loose = LooseMosquitto(directory, free_port())
    loose.start()
    yield loose
    loose.stop()
    shutil.rmtree(directory, ignore_errors=True)


def _thing(world: World, name: str) -> dict[str, Any]:
    body = {"circle_id": world.circle["id"], "kind": "smart_meter", "name": name, "place": HOME}
    thing = world.ann.created("/v1/things", body)
    login = world.ann.created(f"/v1/things/{thing['id']}/mqtt-credentials", None)
    return {**thing, "password": login["password"]}


def _powers(world: World, thing_id: str) -> list[int]:
    listed = world.ann.get("/v1/events", params={"source_id": thing_id, "limit": 500})
    return sorted(e["attributes"]["power_w"] for e in listed.json()["items"])


def _reading(power: int, tag: str) -> str:
    return json.dumps({"attributes": {"power_w": power}, "message_id": f"{tag}-{power}"})


def _attack(broker: Mosquitto, attacker: dict[str, Any], client_id: str, power: int) -> None:
    """The attacker's own, legitimate publish, made under somebody else's client id."""
    subprocess.run(
        ["mosquitto_pub", "-p", str(broker.port), "-u", attacker["id"], "-P", attacker["password"],
         "-i", client_id, "-q", "1", "-t", events_topic(attacker["circle_id"], attacker["id"]),
         "-m", _reading(power, "attack")],
        check=True, timeout=30,
    )  # fmt: skip


def _stream(
    broker: Mosquitto, victim: dict[str, Any], targets: list[str], attacker: dict[str, Any] | None
) -> int:
    """The victim publishes N QoS 1 events on one connection; every ``ATTACK_EVERY`` events
    the attacker (if any) connects under the next target client id. Returns the attacks."""
    publisher = subprocess.Popen(
        ["mosquitto_pub", "-p", str(broker.port), "-u", victim["id"], "-P", victim["password"],
         "-i", victim["id"], "-q", "1", "-t", events_topic(victim["circle_id"], victim["id"]),
         "-l"],
        stdin=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert publisher.stdin is not None
    attacks = 0
    for power in range(N):
        publisher.stdin.write(_reading(power, "victim") + "\n")
        publisher.stdin.flush()
        if attacker is not None and power % ATTACK_EVERY == 0:
            _attack(broker, attacker, targets[attacks % len(targets)], attacks)
            attacks += 1
    publisher.stdin.close()
    assert publisher.wait(timeout=60) == 0
    return attacks


def _takeovers(broker: Mosquitto, *client_ids: str) -> list[str]:
    log = broker.log_file.read_text(errors="replace").splitlines()
    return [line for line in log if TAKEOVER in line and any(c in line for c in client_ids)]


@pytest.mark.parametrize("attacked", [False, True], ids=["no attacker", "attacker"])
def test_no_login_can_take_the_gateways_or_another_things_session(
    world: World, instance: Buurt, mosquitto: Mosquitto, gateway: Gateway, attacked: bool
) -> None:
    attacker, victim = _thing(world, "Attacker"), _thing(world, "Victim")
    for thing in (attacker, victim):  # the broker has read the new logins
        connect(mosquitto.port, thing["id"], thing["password"]).close()
    gateway_user = gateway.url.username
    # The gateway's session under both names it has ever had, and the victim's under both.
    targets = [gateway_user, instance.settings.mqtt_client_id, victim["id"], f"sim-{victim['id']}"]
    assert instance.settings.mqtt_client_id == "buurt-gateway"  # the documented default

    attacks = _stream(mosquitto, victim, targets, attacker if attacked else None)

    assert eventually(lambda: _powers(world, victim["id"]) == list(range(N)))
    # The attacker's own publishes still work: its login is valid, only the id was not its own.
    assert eventually(lambda: _powers(world, attacker["id"]) == list(range(attacks)))
    assert attacks == (N // ATTACK_EVERY if attacked else 0)
    assert gateway.stats.connections == 1  # never knocked off
    assert _takeovers(mosquitto, gateway_user, victim["id"]) == []


@pytest.mark.parametrize("broker", ["loose"], indirect=True)
def test_without_the_tie_a_thing_knocks_the_gateway_off(
    world: World, instance: Buurt, broker: Mosquitto, gateway: Gateway
) -> None:
    """The attack the tie prevents: on a broker without it, the same login takes over the
    gateway's session (the gateway reconnects, and the broker logs the takeover)."""
    attacker = _thing(world, "Attacker")
    connect(broker.port, attacker["id"], attacker["password"]).close()
    assert gateway.stats.connections == 1
    _attack(broker, attacker, instance.settings.mqtt_client_id, 0)
    eventually(lambda: gateway.stats.connections >= 2)
    assert _takeovers(broker, instance.settings.mqtt_client_id)
