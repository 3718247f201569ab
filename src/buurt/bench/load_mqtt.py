"""The MQTT share of ``buurt bench load``: a Mosquitto for the run, ``buurt serve``'s gateway
on it, and one ``mosquitto_pub -l`` per circle (C, QoS 1) for its inverter's MQTT events.

``buurt serve --mqtt ... --mqtt-config-dir`` writes the broker's logins and ACL and has it
reload them; the broker starts with the gateway's login alone. A thing's MQTT event gets its
id from the server, so it carries a ``power_w`` of its own (``3000 + n``, above the 2,000 the
subscription asks for); after the run its id is found among the circle's stored events.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from buurt.bench.delivery import Bench
from buurt.bench.network import free_port
from buurt.mqtt.mosquitto import Mosquitto
from buurt.mqtt.topics import acl, events_topic
from buurt.services.things.link import broker_password_hash

GATEWAY = "buurt-bench-gateway"
FIRST_POWER = 3000


def available() -> str | None:
    """Why MQTT cannot be part of the run here, or None when it can."""
    for binary in ("mosquitto", "mosquitto_pub"):
        if shutil.which(binary) is None and not Path(f"/usr/sbin/{binary}").exists():
            return f"{binary} is missing (Debian: mosquitto, mosquitto-clients)"
    return None


@contextmanager
def broker(root: Path) -> Iterator[list[str]]:
    """A Mosquitto on a free loopback port knowing the gateway's login; yields the arguments
    that put ``buurt serve``'s gateway on it."""
    root.mkdir(mode=0o755)
    password = os.urandom(12).hex()
    (root / "passwd").write_text(f"{GATEWAY}:{broker_password_hash(password)}\n")
    (root / "acl").write_text(acl(GATEWAY))
    mosquitto = Mosquitto(root, free_port())
    mosquitto.start()
    try:
        url = f"mqtt://{GATEWAY}:{password}@127.0.0.1:{mosquitto.port}"
        yield ["--mqtt", url, "--mqtt-config-dir", str(root)]
    finally:
        mosquitto.stop()


def port_of(args: list[str]) -> int:
    return int(args[1].rsplit(":", 1)[1])


@dataclass
class Publisher:
    """One circle's ``mosquitto_pub -l``: a line written is a message sent."""

    process: subprocess.Popen[bytes]
    sent: int = 0

    def send(self) -> int:
        """Send the next event; its ``power_w``."""
        power = FIRST_POWER + self.sent
        self.sent += 1
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps({"attributes": {"power_w": power}}).encode() + b"\n")
        stdin.flush()
        return power

    def close(self) -> None:
        """Let it send what it was given, and wait for it to end."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def publisher(http: httpx.Client, port: int, bench: Bench, deadline_s: float = 30) -> Publisher:
    """The circle's inverter's MQTT login, and a ``mosquitto_pub -l`` connected with it (tried
    again until the broker has reloaded its logins: Buurt spaces its reloads)."""
    issued = http.post(f"/v1/things/{bench.thing_id}/mqtt-credentials", headers=bench.member)
    login = issued.json()
    topic = events_topic(bench.circle_id, bench.thing_id)
    binary = shutil.which("mosquitto_pub") or "mosquitto_pub"
    command = [binary, "-h", "127.0.0.1", "-p", str(port), "-u", login["username"],
               "-P", login["password"], "-t", topic, "-q", "1", "-l"]  # fmt: skip
    deadline = time.monotonic() + deadline_s
    while True:
        process = subprocess.Popen(  # noqa: S603 - the broker's own client, fixed arguments
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(0.5)
        if process.poll() is None:
            return Publisher(process)
        assert process.stdin is not None
        process.stdin.close()  # it exited: refused, the broker has not reloaded the login yet
        if time.monotonic() > deadline:
            raise TimeoutError("the broker did not take a thing's MQTT login within 30 s")


def event_ids(http: httpx.Client, bench: Bench) -> dict[int, str]:
    """The ids of the circle's stored MQTT events, by their ``power_w``."""
    found: dict[int, str] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500, "source_id": bench.thing_id}
        if cursor:
            params["cursor"] = cursor
        page = http.get("/v1/events", params=params, headers=bench.member).json()
        for event in page["items"]:
            power = event["attributes"].get("power_w")
            if event["source_id"] == bench.thing_id and power is not None and power >= FIRST_POWER:
                found[int(power)] = event["id"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found
