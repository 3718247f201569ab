"""A connected thing as tests drive it: a paho MQTT 3.1.1 client under the thing's login."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


class Device:
    """Connects as ``username`` and records what it receives."""

    def __init__(self, port: int, username: str, password: str, ca_file: str | None = None) -> None:
        self.received: list[mqtt.MQTTMessage] = []
        self.connack = threading.Event()
        self.reason: Any = None
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{username}-{time.monotonic_ns()}"
        )
        self.client.username_pw_set(username, password)
        if ca_file is not None:
            self.client.tls_set(ca_certs=ca_file)
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda c, u, message: self.received.append(message)
        self.client.max_inflight_messages_set(100)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(self, c: Any, u: Any, flags: Any, reason: Any, props: Any) -> None:
        self.reason = reason
        self.connack.set()

    @property
    def accepted(self) -> bool:
        self.connack.wait(5)
        return self.reason is not None and not self.reason.is_failure

    def publish(self, topic: str, payload: bytes | str) -> None:
        info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=5)

    def subscribe(self, topic: str) -> None:
        done = threading.Event()
        self.client.on_subscribe = lambda *args: done.set()
        self.client.subscribe(topic, qos=1)
        assert done.wait(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connect(
    port: int, username: str, password: str, within: float = 10, ca_file: str | None = None
) -> Device:
    """A connected device; retries while the broker has not yet re-read its password file."""
    deadline = time.monotonic() + within
    while True:
        device = Device(port, username, password, ca_file=ca_file)
        if device.accepted:
            return device
        device.close()
        if time.monotonic() > deadline:
            raise AssertionError(f"the broker refused {username}: {device.reason}")
        time.sleep(0.05)


def eventually(check: Callable[[], Any], within: float = 20) -> Any:
    """Poll ``check`` until it returns something truthy (not a timing assertion: the bound
    only keeps a broken build from hanging)."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {within} s: {check}")
        time.sleep(0.05)
