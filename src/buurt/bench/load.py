"""The load benchmark: events in over HTTP and MQTT, stored, matched, and delivered over
Server-Sent Events, on the embedded default and on PostgreSQL + NATS JetStream with 1 and 2
engine workers, side by side in one run.

Each configuration starts its own processes and sets up the same workload: ``circles``
circles, each with a reader (a member subscribed to solar surplus, with the moments stream
open) and a solar inverter whose every event matches the reader's subscription. The circles
are chosen by their shard (``adapters/bus/shards.py``): half in shards ``0 .. S/2 - 1``, half
in ``S/2 .. S - 1``, so that the two workers of the 2-worker run (``--shards 0-7`` and
``--shards 8-15`` of 16) get the same share of the load; the 1-worker run owns them all.

1. **Idle**: ``IDLE_EVENTS`` events one after another, each waited for on its reader's
   stream: the latency ``buurt bench delivery`` measures, for the ratio to it.
2. **Flood**: one publishing thread per circle sends its inverter's events as fast as the
   server answers them (a closed loop over HTTP; every ``mqtt_every``-th event goes to the
   circle's ``mosquitto_pub`` instead, see ``load_mqtt``), ``events`` in all. events/s is the
   delivered events over the time from the first send to the last moment's arrival.
3. **Paced**: a quarter as many events at half the flood's events/s: the latency p50 and
   p99, from just before an event is sent to its moment's arrival on the reader's stream, of
   a system that keeps up (a flood's latency is its backlog's; it is kept apart).

Events per CPU-second: each process's user + system CPU time (``/proc/<pid>/stat``) over the
flood, divided by the events it handled (a worker: the events of its shards; ``buurt
serve``: all). On a shared two-core machine this shows scaling as a ratio where wall-clock
throughput cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from buurt.bench import load_mqtt
from buurt.bench.delivery import Bench
from buurt.bench.load_phases import (
    Plan,
    Step,
    idle,
    listening,
    percentiles,
    phase,
    plan,
    set_up,
)
from buurt.bench.load_targets import baselines as run_baselines
from buurt.bench.load_targets import projection, targets
from buurt.bench.processes import cpu_of, nats_server, serving, working

PACED_SHARE = 0.5  # the latency run's rate, as a share of the flood's events/s
PACED_SECONDS = 8  # about how long the latency run lasts
WORKER_COUNTS = (1, 2)


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
        benches = set_up(http, chosen, prefix, step, label)
        mqtt: list[load_mqtt.Publisher] = []
        stack.callback(_close_all, mqtt)
        if mqtt_port:
            mqtt += [load_mqtt.publisher(http, mqtt_port, b) for b in benches]
        with listening(base, benches, arrivals):
            idle_p50 = idle(http, chosen, benches, arrivals, step, label)
            before = cpu_of(list(pids.values()))
            flood = phase(
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
            paced = phase(
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
    flood_latency = percentiles(flood.latencies(arrivals))
    return {
        "published": flood.count,
        "delivered": len(delivered),
        "seconds": round(flood.seconds(), 3),
        "events_per_s": round(len(delivered) / flood.seconds(), 1) if flood.seconds() else 0.0,
        **percentiles(paced.latencies(arrivals)),
        "idle_p50_ms": idle_p50,
        "flood_p50_ms": flood_latency["p50_ms"],
        "flood_p99_ms": flood_latency["p99_ms"],
        # matching's cost: per worker (their mean), or per serve on the embedded default
        "events_per_cpu_s": round(float(np.mean([p["events_per_cpu_s"] for p in doing])), 1),
        "paced": {"events_per_s": round(rate, 1), "published": paced.count,
                  "delivered": len(paced.delivered(arrivals))},
        "http": {"published": len(paced.http), "delivered": len(paced.latencies(arrivals, "http")),
                 **percentiles(paced.latencies(arrivals, "http"))},
        "mqtt": {"published": len(paced.mqtt), "delivered": len(paced.latencies(arrivals, "mqtt")),
                 **percentiles(paced.latencies(arrivals, "mqtt"))},
        "processes": processes,
    }  # fmt: skip


def _close_all(publishers: list[load_mqtt.Publisher]) -> None:
    for publisher in publishers:
        publisher.close()


def _handled(
    chosen: Plan, benches: list[Bench], delivered: dict[str, tuple[int, int]], workers: int
) -> dict[str, int]:
    """The delivered events each worker matched: those of the circles in its shards."""
    counts = {f"worker_{n}": 0 for n in range(1, workers + 1)}
    for _, index in delivered.values():
        counts[f"worker_{chosen.worker_of(benches[index].circle_id, workers) + 1}"] += 1
    return counts
