"""The phases of ``buurt bench load`` and what they share: the plan of circles and events, the
circles' set-up, the readers' streams, and the publishers (one thread a circle, over HTTP and
MQTT), one at a time, as fast as the server answers, or at a rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from buurt.adapters.bus.shards import DEFAULT_SHARDS, stable_shard
from buurt.bench import load_mqtt
from buurt.bench.delivery import Bench, listen, publish, set_up_circle

Step = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
IDLE_EVENTS = 100  # as many as the same sitting's bench delivery sends
MAX_PER_READER = 900  # under the 1,000 moments an hour a member may ask for at most
DRAIN_SECONDS = 60  # how long the last moments may take to arrive after the last send


@dataclass(frozen=True)
class Plan:
    """What every configuration runs: ``events`` over ``circles`` circles."""

    events: int
    circles: int
    shards: int = DEFAULT_SHARDS
    mqtt_every: int = 0  # every n-th event of a circle goes over MQTT (0: none)

    @property
    def per_circle(self) -> int:
        return max(1, self.events // self.circles)

    def owned(self, workers: int) -> list[str]:
        """Each worker's ``--shards`` when ``workers`` workers share the shards evenly."""
        size = self.shards // workers
        return [f"{n * size}-{(n + 1) * size - 1}" for n in range(workers)]

    def worker_of(self, circle_id: str, workers: int) -> int:
        return min(stable_shard(circle_id, self.shards) // (self.shards // workers), workers - 1)


def plan(events: int, circles: int, mqtt_share: float = 0.0) -> Plan:
    """At least ``circles`` (made even), and enough that no reader is sent more than its
    hourly cap of moments; ``mqtt_share`` of the events over MQTT."""
    sent = events + events // 4 + IDLE_EVENTS  # the flood, the paced run, the idle events
    needed = max(circles, -(-sent // MAX_PER_READER))
    every = round(1 / mqtt_share) if mqtt_share > 0 else 0
    return Plan(events=events, circles=needed + needed % 2, mqtt_every=every)


def set_up(http: httpx.Client, chosen: Plan, prefix: str, step: Step, label: str) -> list[Bench]:
    """``chosen.circles`` circles, half of them in each half of the shards; circles made on
    the way whose half was full already are left without load."""
    halves: list[list[Bench]] = [[], []]
    want = chosen.circles // 2
    made = 0
    with step(f"{label}: set up {chosen.circles} circles", chosen.circles) as advance:
        while min(len(h) for h in halves) < want:
            bench = set_up_circle(http, f"{prefix}c{made}")
            made += 1
            half = halves[chosen.worker_of(bench.circle_id, 2)]
            if len(half) < want:
                half.append(bench)
                advance(1)
    return halves[0] + halves[1]


@contextmanager
def listening(base: str, benches: list[Bench], arrivals: dict[str, int]) -> Iterator[None]:
    for bench in benches:
        ready = threading.Event()
        thread = threading.Thread(
            target=listen, args=(base, bench.member, arrivals, ready), daemon=True
        )
        thread.start()
        if not ready.wait(30):
            raise TimeoutError("a reader's moments stream did not open within 30 s")
    yield  # the threads end when the server stops


def _wait(ids: list[str], arrivals: dict[str, int], seconds: float, poll: float = 0.002) -> None:
    deadline = time.monotonic() + seconds
    while any(i not in arrivals for i in ids) and time.monotonic() < deadline:
        time.sleep(poll)


def phase(
    base: str,
    chosen: Plan,
    benches: list[Bench],
    mqtt: list[load_mqtt.Publisher],
    per_circle: int,
    rate: float | None,
    arrivals: dict[str, int],
    step: Step,
    title: str,
) -> Sent:
    """``per_circle`` events from each circle's publisher, as fast as the server answers
    (``rate`` None) or at ``rate`` events/s in all; waits for their moments."""
    waiting = len(arrivals)
    sent = Sent()
    with step(title, per_circle * len(benches)) as advance:
        threads = [
            threading.Thread(
                target=_publisher,
                args=(base, chosen, bench, index, per_circle, rate, mqtt, sent, advance),
            )
            for index, bench in enumerate(benches)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _wait_count(waiting + sent.count, arrivals, DRAIN_SECONDS)
    sent.arrived = len(arrivals) - waiting
    sent.last_arrival = max(arrivals.values(), default=0)
    return sent


class Sent:
    """When each event of a phase was sent, and from which circle (its index): by event id
    over HTTP; over MQTT by circle and ``power_w`` until the ids are looked up."""

    def __init__(self) -> None:
        self.began = time.perf_counter_ns()
        self.last_arrival = 0  # perf_counter_ns of the phase's last moment
        self.arrived = 0
        self.http: dict[str, tuple[int, int]] = {}
        self.mqtt: dict[tuple[int, int], int] = {}
        self.mqtt_ids: dict[str, tuple[int, int]] = {}

    @property
    def count(self) -> int:
        return len(self.http) + len(self.mqtt)

    def found(self, index: int, ids: dict[int, str]) -> None:
        for (circle, power), began in self.mqtt.items():
            if circle == index and power in ids:
                self.mqtt_ids[ids[power]] = (began, index)

    def delivered(self, arrivals: dict[str, int]) -> dict[str, tuple[int, int]]:
        """The events whose moments arrived (over MQTT: those whose ids were found)."""
        sent = {**self.http, **self.mqtt_ids}
        return {e: t for e, t in sent.items() if e in arrivals}

    def latencies(self, arrivals: dict[str, int], way: str | None = None) -> Any:
        sent = {"http": self.http, "mqtt": self.mqtt_ids}.get(way or "")
        chosen = sent if sent is not None else {**self.http, **self.mqtt_ids}
        return np.array([(arrivals[e] - t) / 1e6 for e, (t, _) in chosen.items() if e in arrivals])

    def seconds(self) -> float:
        """From the first send to the last arrival."""
        return (self.last_arrival - self.began) / 1e9 if self.last_arrival else 0.0

    def rate(self) -> float:
        """Moments arrived per second (over MQTT counted before their ids are looked up)."""
        seconds = self.seconds()
        return min(self.arrived, self.count) / seconds if seconds else 0.0


def _wait_count(count: int, arrivals: dict[str, int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while len(arrivals) < count and time.monotonic() < deadline:
        time.sleep(0.002)


def idle(
    http: httpx.Client,
    chosen: Plan,
    benches: list[Bench],
    arrivals: dict[str, int],
    step: Step,
    label: str,
) -> float:
    """The p50 of events sent one at a time, round the circles, each waited for."""
    latencies = []
    count = min(IDLE_EVENTS, chosen.events)
    with step(f"{label}: {count} events one at a time", count) as advance:
        for number in range(count):
            began = time.perf_counter_ns()
            event_id = publish(http, benches[number % len(benches)].thing, 2500)
            _wait([event_id], arrivals, 10, poll=0.0002)  # as bench delivery waits
            if event_id in arrivals:
                latencies.append((arrivals[event_id] - began) / 1e6)
            advance(1)
    return round(float(np.percentile(latencies, 50)), 2) if latencies else 0.0


def _publisher(
    base: str,
    chosen: Plan,
    bench: Bench,
    index: int,
    count: int,
    rate: float | None,
    mqtt: list[load_mqtt.Publisher],
    sent: Sent,
    advance: Callable[[int], None],
) -> None:
    """One circle's events: over MQTT every ``mqtt_every``-th, the others over HTTP; at
    ``rate`` events/s over all circles (this one's turn spaced to fit), else back to back."""
    every = chosen.mqtt_every if mqtt else 0
    spacing = chosen.circles / rate if rate else 0.0
    start = time.perf_counter() + spacing * index / chosen.circles
    with httpx.Client(base_url=base, timeout=60) as http:
        for number in range(count):
            if spacing and (wait := start + number * spacing - time.perf_counter()) > 0:
                time.sleep(wait)
            began = time.perf_counter_ns()
            if every and number % every == every - 1:
                sent.mqtt[(index, mqtt[index].send())] = began
            else:
                sent.http[publish(http, bench.thing, 2500)] = (began, index)
            advance(1)


def percentiles(milliseconds: Any) -> dict[str, float]:
    if len(milliseconds) == 0:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    return {
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 2),
        "p99_ms": round(float(np.percentile(milliseconds, 99)), 2),
    }
