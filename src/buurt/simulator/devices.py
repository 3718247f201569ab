"""The fleet on the wire: one MQTT connection per thing, publishing readings with QoS 1.

A thing's login only lets it publish on its own events topic, so each simulated thing has its
own connection (paho, MQTT 3.1.1, as a small device would). Messages carry a ``message_id``,
so a redelivery is stored once; ``faulty`` makes a share of readings out of range, to show
the dead-letter store at work.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from buurt.mqtt.topics import events_topic
from buurt.simulator.fleet import SimulatedThing


@dataclass
class Counts:
    sent: int = 0
    acknowledged: int = 0
    faulty: int = 0
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acked(self) -> None:
        with self.lock:
            self.acknowledged += 1


class Connection:
    """One thing's MQTT client."""

    def __init__(self, sim: SimulatedThing, host: str, port: int, counts: Counts) -> None:
        self.sim = sim
        self.topic = events_topic(sim.thing.circle_id, sim.thing.id)
        # The client id a broker that ties ids to logins gives it anyway (see mqtt.mosquitto).
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=sim.thing.id)
        self.client.username_pw_set(sim.thing.id, sim.secret)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_publish = lambda *args: counts.acked()
        self.host, self.port = host, port
        self.ready = threading.Event()
        self.refusal: str | None = None
        self.client.on_connect = self._on_connect

    def _on_connect(self, c: Any, u: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self.refusal = str(reason)
        self.ready.set()

    def open(self) -> None:
        self.client.connect(self.host, self.port, keepalive=60)
        self.client.loop_start()

    def publish(self, payload: str) -> None:
        self.client.publish(self.topic, payload, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connect_fleet(
    fleet: list[SimulatedThing], host: str, port: int, counts: Counts, within: float = 15
) -> list[Connection]:
    """Connect every thing, retrying refused logins while the broker re-reads its files."""
    deadline = time.monotonic() + within
    connections = []
    for sim in fleet:
        while True:
            connection = Connection(sim, host, port, counts)
            connection.open()
            connection.ready.wait(5)
            if connection.ready.is_set() and connection.refusal is None:
                connections.append(connection)
                break
            connection.close()
            if time.monotonic() > deadline:
                raise ConnectionError(f"the broker refused {sim.thing.id}: {connection.refusal}")
            time.sleep(0.1)
    return connections


def drive(
    connections: list[Connection],
    counts: Counts,
    *,
    rate: float,
    duration: float | None,
    events: int | None = None,
    speed: float = 60.0,
    faulty: float = 0.0,
    tick: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Publish readings at ``rate`` per second across the fleet, round robin, until
    ``duration`` seconds or ``events`` messages. Simulated time runs ``speed`` times as fast
    as the wall clock, so a short run crosses day and night."""
    start_wall, start_sim = time.monotonic(), datetime.now(UTC)
    numbers = itertools.count()
    for connection in itertools.cycle(connections):
        now = time.monotonic()
        elapsed = now - start_wall
        if (duration is not None and elapsed >= duration) or (
            events is not None and counts.sent >= events
        ):
            return
        if stop is not None and stop.is_set():
            return
        due = counts.sent / rate
        if due > elapsed:
            time.sleep(min(due - elapsed, 0.05))
            if tick is not None:
                tick()
        at = start_sim + timedelta(seconds=elapsed * speed)
        attributes = connection.sim.reading(at)
        if faulty and connection.sim.rng.random() < faulty:
            attributes = {
                name: -1 if isinstance(v, int | float) and not isinstance(v, bool) else v
                for name, v in attributes.items()
            }
            attributes["glitch"] = True  # unknown to every kind's schema: a dead letter
            counts.faulty += 1
        body = {
            "attributes": attributes,
            "occurred_at": at.isoformat(),
            "message_id": f"{next(numbers)}-{start_sim.timestamp():.0f}",
        }
        connection.publish(json.dumps(body))
        counts.sent += 1
