"""What ``buurt bench load`` sets its figures against: the same sitting's ``bench delivery``
and ``bench ingest``, the issue's targets as ratios with pass marks, and the projection of the
matching tier from 1 and 2 workers to 8 and 32 (the method is in docs/operations.md)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

Step = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]

BASELINE_DELIVERY_EVENTS = 100
BASELINE_INGEST_EVENTS = 2_000


def baselines(step: Step) -> dict[str, Any]:
    """``buurt bench delivery`` and ``buurt bench ingest`` (their HTTP and MQTT rows), small,
    on this machine now."""
    from buurt.bench import delivery, ingest

    out: dict[str, Any] = {"delivery": delivery.run(BASELINE_DELIVERY_EVENTS, step)}
    with step(f"bench ingest, {BASELINE_INGEST_EVENTS} events a path", 1):
        try:
            rows = ingest.run(BASELINE_INGEST_EVENTS, 4)
        except RuntimeError as error:  # no Mosquitto here
            out["ingest"] = {"skipped": str(error)}
            return out
    out["ingest"] = {
        f.name: {"events_per_s": f.per_second, "p50_ms": f.p50_ms, "p99_ms": f.p99_ms} for f in rows
    }
    return out


def _mark(ratio: float | None, passed: bool | None, target: str) -> dict[str, Any]:
    return {"ratio": ratio, "target": target, "pass": passed}


def targets(figures: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets as ratios with a pass mark (``None`` where a figure is missing)."""
    out: dict[str, Any] = {}
    distributed = figures.get("distributed", {})
    one, two = distributed.get("workers_1"), distributed.get("workers_2")
    if one and two and one["events_per_s"] and one["events_per_cpu_s"]:
        ratio = round(two["events_per_s"] / one["events_per_s"], 3)
        out["throughput_2_over_1_worker"] = _mark(ratio, ratio >= 1.8, ">= 1.8")
        ratio = round(two["events_per_cpu_s"] / one["events_per_cpu_s"], 3)
        out["per_worker_events_per_cpu_s_2_over_1"] = _mark(
            ratio, abs(ratio - 1) <= 0.10, "0.90 to 1.10"
        )
    delivery = figures.get("baselines", {}).get("delivery")
    embedded = figures["embedded"]
    if delivery and delivery["end_to_end"]["p50_ms"] and embedded["idle_p50_ms"]:
        ratio = round(embedded["idle_p50_ms"] / delivery["end_to_end"]["p50_ms"], 3)
        out["embedded_idle_p50_over_bench_delivery"] = _mark(ratio, ratio <= 1.05, "<= 1.05")
    return out


PROJECTED = (8, 32)


def projection(distributed: dict[str, Any]) -> dict[str, Any]:
    """The matching tier at 8 and 32 workers, from the per-worker cost at 1 and 2.

    A worker's CPU per second is ``a * R / W + b * R`` at a stream of ``R`` events/s over
    ``W`` workers: ``a`` per event it matches (its shards'), ``b`` per event of the stream it
    follows anyway (the ordered consumer every process keeps its indexes current by). From
    ``c1`` (CPU per event of the 1-worker run) and ``c2`` (a worker's CPU per event of the
    stream in the 2-worker run): ``a = 2 (c1 - c2)``, ``b = 2 c2 - c1``. With a core per
    worker, the stream the tier carries is ``1 / (a / W + b)``."""
    one, two = distributed["workers_1"], distributed["workers_2"]
    if not one["delivered"] or not two["delivered"]:
        return {}
    c1 = one["processes"]["worker_1"]["cpu_s"] / one["delivered"]
    workers = [p["cpu_s"] for n, p in two["processes"].items() if n.startswith("worker_")]
    c2 = float(np.mean(workers)) / two["delivered"]
    a, b = max(2 * (c1 - c2), 0.0), max(2 * c2 - c1, 0.0)
    out: dict[str, Any] = {"a_ms": round(a * 1000, 3), "b_ms": round(b * 1000, 3)}
    for count in (1, 2, *PROJECTED):
        per_event = a / count + b
        rate = 1 / per_event if per_event else 0.0
        out[f"workers_{count}"] = {
            "events_per_s": round(rate, 1),
            "events_per_cpu_s": round(rate / count, 1),
            "speedup": round((a + b) / per_event, 2) if per_event else 0.0,
        }
    out["ceiling_events_per_s"] = round(1 / b, 1) if b else None
    return out
