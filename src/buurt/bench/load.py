"""The load benchmark: events in over HTTP, stored, matched, and delivered over Server-Sent
Events, on the embedded default and on PostgreSQL + NATS JetStream with 1 and 2 engine
workers, side by side in one run.

Each configuration starts its own processes and sets up the same workload: ``circles``
circles, each with a reader (a member subscribed to solar surplus, with the moments stream
open) and a solar inverter whose every event matches the reader's subscription. The circles
are chosen by their shard (``adapters/bus/shards.py``): half in shards ``0 .. S/2 - 1``, half
in ``S/2 .. S - 1``, so that the two workers of the 2-worker run (``--shards 0-7`` and
``--shards 8-15`` of 16) get the same share of the load; the 1-worker run owns them all.

1. **Idle**: ``IDLE_EVENTS`` events one after another, each waited for on its reader's
   stream: the latency ``buurt bench delivery`` measures, for the ratio to it.
2. **Load**: one publishing thread per circle posts its inverter's events as fast as the
   server answers (a closed loop), ``events`` in all. Latency is from just before an event's
   POST to its moment's arrival on the reader's stream; events/s is the delivered events over
   the time from the first POST to the last arrival.

Events per CPU-second: each process's user + system CPU time (``/proc/<pid>/stat``) over the
load phase, divided by the events it handled (a worker: the events of its shards; ``buurt
serve``: all). On a shared two-core machine this shows scaling as a ratio where wall-clock
throughput cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from buurt.adapters.bus.shards import DEFAULT_SHARDS, stable_shard
from buurt.bench import load_mqtt
from buurt.bench.delivery import Bench, listen, publish, set_up_circle
from buurt.bench.load_targets import baselines as run_baselines
from buurt.bench.load_targets import projection, targets
from buurt.bench.processes import cpu_of, nats_server, serving, working

Step = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
IDLE_EVENTS = 50
PACED_SHARE = 0.5  # the latency run's rate, as a share of the flood's events/s
PACED_SECONDS = 8  # about how long the latency run lasts
MAX_PER_READER = 900  # under the 1,000 moments an hour a member may ask for at most
DRAIN_SECONDS = 60  # how long the last moments may take to arrive after the last POST
WORKER_COUNTS = (1, 2)


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


def run(
    events: int,
    circles: int,
    postgresql: str | None,
    nats: str | None,
    step: Step,
    baselines: bool = True,
    mqtt_share: float = 0.0,
) -> dict[str, Any]:
    notes = []
    if mqtt_share and (missing := load_mqtt.available()):
        notes.append(f"MQTT: {missing}; every event goes over HTTP")
        mqtt_share = 0.0
    chosen = plan(events, circles, mqtt_share)
    run_id = os.urandom(3).hex()
    figures: dict[str, Any] = {
        "events": chosen.per_circle * chosen.circles,
        "circles": chosen.circles,
        "shards": chosen.shards,
        "mqtt_share": round(1 / chosen.mqtt_every, 3) if chosen.mqtt_every else 0.0,
        "notes": notes,
    }
    with tempfile.TemporaryDirectory(prefix="buurt-bench-load-") as scratch:
        root = Path(scratch)
        figures["embedded"] = _embedded(chosen, root, run_id, step)
        if postgresql is None:
            figures["skipped"] = "distributed: no --postgresql URL was given"
        else:
            figures["distributed"] = _distributed_all(chosen, root, run_id, postgresql, nats, step)
    if baselines:
        figures["baselines"] = run_baselines(step)
    figures["targets"] = targets(figures)
    if "distributed" in figures:
        figures["projection"] = projection(figures["distributed"])
    return figures


# -- the configurations ------------------------------------------------------------------------


def _embedded(chosen: Plan, root: Path, run_id: str, step: Step) -> dict[str, Any]:
    database = f"sqlite:///{root / 'embedded.db'}"
    with ExitStack() as stack:
        args = _mqtt(stack, chosen, root / "mqtt-embedded")
        server = stack.enter_context(serving(database, root / "embedded.log", args=args))
        pids = {"serve": server.process.pid}
        port = load_mqtt.port_of(args) if args else None
        return _measure(server.base, chosen, f"{run_id}e", 1, pids, step, "embedded", port)


def _mqtt(stack: ExitStack, chosen: Plan, root: Path) -> list[str]:
    """A broker for the configuration when some events go over MQTT: ``serve``'s arguments."""
    return stack.enter_context(load_mqtt.broker(root)) if chosen.mqtt_every else []


def _distributed_all(
    chosen: Plan, root: Path, run_id: str, postgresql: str, nats: str | None, step: Step
) -> dict[str, Any]:
    with ExitStack() as stack:
        if nats is None:
            (root / "nats").mkdir()
            nats = stack.enter_context(nats_server(root / "nats"))
        return {
            f"workers_{n}": _distributed(chosen, root, run_id, postgresql, nats, n, step)
            for n in WORKER_COUNTS
        }


def _distributed(
    chosen: Plan, root: Path, run_id: str, postgresql: str, nats: str, workers: int, step: Step
) -> dict[str, Any]:
    stream = f"BENCH_LOAD_{run_id}_{workers}".upper()
    env = {
        "BUURT_BUS_URL": nats,
        "BUURT_BUS_STREAM": stream,
        "BUURT_MATCHING": "workers",
        "BUURT_SHARDS": str(chosen.shards),
    }
    label = f"{workers} worker{'s' if workers > 1 else ''}"
    try:
        with ExitStack() as stack:
            args = _mqtt(stack, chosen, root / f"mqtt-{workers}")
            log = root / f"serve-{workers}.log"
            server = stack.enter_context(serving(postgresql, log, env, args))
            pids = {"serve": server.process.pid}
            for n, shards in enumerate(chosen.owned(workers), start=1):
                log = root / f"worker-{workers}-{n}.log"
                process = stack.enter_context(working(postgresql, shards, log, env))
                pids[f"worker_{n}"] = process.pid
            port = load_mqtt.port_of(args) if args else None
            prefix = f"{run_id}w{workers}"
            return _measure(server.base, chosen, prefix, workers, pids, step, label, port)
    finally:
        _delete_stream(nats, stream)


def _delete_stream(url: str, stream: str) -> None:
    """The run's stream is the benchmark's own: leave the server as it was found."""
    import nats as client

    async def delete() -> None:
        connection = await client.connect(url, connect_timeout=5, max_reconnect_attempts=1)
        try:
            await connection.jetstream().delete_stream(stream)
        except client.js.errors.NotFoundError:
            pass
        finally:
            await connection.close()

    # A server gone already has nothing left on it to remove.
    with contextlib.suppress(OSError, TimeoutError, client.errors.Error):
        asyncio.run(delete())


# -- the measurement ---------------------------------------------------------------------------


def _set_up(http: httpx.Client, chosen: Plan, prefix: str, step: Step, label: str) -> list[Bench]:
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
def _listening(base: str, benches: list[Bench], arrivals: dict[str, int]) -> Iterator[None]:
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


def _measure(
    base: str,
    chosen: Plan,
    prefix: str,
    workers: int,
    pids: dict[str, int],
    step: Step,
    label: str,
    mqtt_port: int | None = None,
) -> dict[str, Any]:
    arrivals: dict[str, int] = {}
    with ExitStack() as stack, httpx.Client(base_url=base, timeout=60) as http:
        benches = _set_up(http, chosen, prefix, step, label)
        mqtt: list[load_mqtt.Publisher] = []
        stack.callback(_close_all, mqtt)
        if mqtt_port:
            mqtt += [load_mqtt.publisher(http, mqtt_port, b) for b in benches]
        with _listening(base, benches, arrivals):
            idle = _idle(http, chosen, benches, arrivals, step, label)
            before = cpu_of(list(pids.values()))
            flood = _phase(
                base,
                chosen,
                benches,
                mqtt,
                chosen.per_circle,
                None,
                arrivals,
                step,
                f"{label}: {chosen.per_circle * len(benches)} events, flood",
            )
            after = cpu_of(list(pids.values()))
            rate = PACED_SHARE * flood.rate()
            per_circle = max(
                2, min(chosen.per_circle // 4, int(rate * PACED_SECONDS) // len(benches))
            )
            paced = _phase(
                base,
                chosen,
                benches,
                mqtt,
                per_circle,
                rate,
                arrivals,
                step,
                f"{label}: {per_circle * len(benches)} events at {rate:.0f}/s",
            )
            if mqtt:
                for index, bench in enumerate(benches):
                    ids = load_mqtt.event_ids(http, bench)
                    flood.found(index, ids)
                    paced.found(index, ids)
    delivered = flood.delivered(arrivals)
    handled = _handled(chosen, benches, delivered, workers)
    processes = {}
    for (name, _), cpu_before, cpu_after in zip(pids.items(), before, after, strict=True):
        count = handled.get(name, len(delivered))
        cpu = cpu_after - cpu_before
        processes[name] = {
            "cpu_s": round(cpu, 3),
            "events": count,
            "events_per_cpu_s": round(count / cpu, 1) if cpu else 0.0,
        }
    doing = [p for n, p in processes.items() if n.startswith("worker_")] or [processes["serve"]]
    flood_latency = _percentiles(flood.latencies(arrivals))
    return {
        "published": flood.count,
        "delivered": len(delivered),
        "seconds": round(flood.seconds(), 3),
        "events_per_s": round(len(delivered) / flood.seconds(), 1) if flood.seconds() else 0.0,
        **_percentiles(paced.latencies(arrivals)),
        "idle_p50_ms": idle,
        "flood_p50_ms": flood_latency["p50_ms"],
        "flood_p99_ms": flood_latency["p99_ms"],
        # matching's cost: per worker (their mean), or per serve on the embedded default
        "events_per_cpu_s": round(float(np.mean([p["events_per_cpu_s"] for p in doing])), 1),
        "paced": {"events_per_s": round(rate, 1), "published": paced.count,
                  "delivered": len(paced.delivered(arrivals))},
        "http": {"published": len(paced.http), "delivered": len(paced.latencies(arrivals, "http")),
                 **_percentiles(paced.latencies(arrivals, "http"))},
        "mqtt": {"published": len(paced.mqtt), "delivered": len(paced.latencies(arrivals, "mqtt")),
                 **_percentiles(paced.latencies(arrivals, "mqtt"))},
        "processes": processes,
    }  # fmt: skip


def _phase(
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


def _close_all(publishers: list[load_mqtt.Publisher]) -> None:
    for publisher in publishers:
        publisher.close()


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


def _idle(
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


def _handled(
    chosen: Plan, benches: list[Bench], delivered: dict[str, tuple[int, int]], workers: int
) -> dict[str, int]:
    """The delivered events each worker matched: those of the circles in its shards."""
    counts = {f"worker_{n}": 0 for n in range(1, workers + 1)}
    for _, index in delivered.values():
        counts[f"worker_{chosen.worker_of(benches[index].circle_id, workers) + 1}"] += 1
    return counts


def _percentiles(milliseconds: Any) -> dict[str, float]:
    if len(milliseconds) == 0:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    return {
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 2),
        "p99_ms": round(float(np.percentile(milliseconds, 99)), 2),
    }
