"""A gateway killed mid-stream and restarted loses no acknowledged QoS 1 event, and stores
each exactly once (the devices send a ``message_id``)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from buurt.bench.processes import wait_for
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import events_topic
from tests.actors import BOUNDARY, HOME, PASSWORD
from tests.integration.mqtt.conftest import GATEWAY_PASSWORD, admit, new_gateway_user
from tests.integration.mqtt.devices import connect, eventually
from tests.servers import free_port

pytestmark = pytest.mark.slow
N = 1000


class Server:
    """``buurt serve --mqtt`` as a user runs it, in its own process."""

    def __init__(self, database: Path, mosquitto: Mosquitto) -> None:
        self.database = database
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Its own gateway login, so its own session (the broker names a session after it).
        user = new_gateway_user()
        admit(mosquitto, user, GATEWAY_PASSWORD)
        broker = f"mqtt://{user}:{quote(GATEWAY_PASSWORD)}@127.0.0.1:{mosquitto.port}"
        self.command = [
            sys.executable, "-m", "buurt", "serve", "--db", f"sqlite:///{database}",
            "--port", str(self.port), "--mqtt", broker,
            "--mqtt-config-dir", str(mosquitto.directory),
        ]  # fmt: skip
        self.env = {**os.environ, "BUURT_PASSWORD_PROFILE": "CHEAPEST"}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.database.parent / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(self.base, self.process)

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)
        self.process.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[Server]:
    running = Server(tmp_path / "buurt.db", mosquitto)
    yield running
    if running.process is not None and running.process.poll() is None:
        running.signal(signal.SIGKILL)


def _provision(base: str) -> tuple[str, str, str]:
    """A member, a circle, a smart meter and its MQTT login, through the API."""
    with httpx.Client(base_url=base) as http:
        email = f"{uuid.uuid4().hex}@example.org"
        http.post("/v1/members", json={"name": "Mia", "email": email, "password": PASSWORD})
        login = http.post("/v1/auth/tokens", json={"email": email, "password": PASSWORD})
        http.headers["Authorization"] = f"Bearer {login.json()['token']}"
        circle = http.post("/v1/circles", json={"name": "Buurt", "boundary": BOUNDARY}).json()
        thing = http.post(
            "/v1/things",
            json={"circle_id": circle["id"], "kind": "smart_meter", "name": "M", "place": HOME},
        ).json()
        secret = http.post(f"/v1/things/{thing['id']}/mqtt-credentials").json()["password"]
    return circle["id"], thing["id"], secret


def _stored(database: Path, thing_id: str) -> list[int]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT attributes FROM events WHERE source_id = ?", (thing_id,))
        return sorted(json.loads(attributes)["energy_wh"] for (attributes,) in rows)


def test_a_killed_gateway_loses_no_acknowledged_event(server: Server, mosquitto: Mosquitto) -> None:
    server.start()
    circle_id, thing_id, secret = _provision(server.base)
    device = connect(mosquitto.port, thing_id, secret)
    topic = events_topic(circle_id, thing_id)

    def publish_all() -> None:
        for i in range(N):
            body = {"attributes": {"power_w": 400, "energy_wh": i}, "message_id": f"m{i}"}
            device.client.publish(topic, json.dumps(body), qos=1)
            time.sleep(0.002)  # a steady stream, so the kill lands in the middle of it

    publisher = threading.Thread(target=publish_all)
    publisher.start()
    eventually(lambda: _stored(server.database, thing_id))
    server.signal(signal.SIGKILL)
    stored_at_kill = len(_stored(server.database, thing_id))
    publisher.join()
    # Every message is acknowledged by the broker: the device may forget them now.
    eventually(lambda: len(device.client._out_messages) == 0)
    assert 0 < stored_at_kill < N, stored_at_kill

    server.start()
    eventually(lambda: len(_stored(server.database, thing_id)) >= N, within=60)
    server.signal(signal.SIGTERM)  # the gateway acknowledges what it stored, then leaves
    assert _stored(server.database, thing_id) == list(range(N))
    device.close()
