"""The delivery benchmark: publication over HTTP to moment over Server-Sent Events.

It starts ``buurt serve`` on the embedded default (SQLite file, in-process bus) in a scratch
directory, sets up a member with a subscription and a thing, keeps the member's moments
stream open, and publishes events one after another. Each event's latency runs from just
before its POST is sent to the moment's arrival on the stream. The peer, measured in the same
run on the same server, is the plain round trip of publishing an event that matches nothing:
the floor any delivery stands on.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from buurt.bench.processes import serving

Step = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
PASSWORD = "bench-password"  # noqa: S105 - a throwaway account of the benchmark
HOME = {"lat": 52.362, "lon": 4.938}
BOUNDARY = {"polygon": [[52.355, 4.925], [52.370, 4.925], [52.370, 4.950], [52.355, 4.950]]}


@contextmanager
def _server() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as scratch:
        database = f"sqlite:///{Path(scratch) / 'bench.db'}"
        with serving(database, Path(scratch) / "server.log") as server:
            yield server.base


def _token(http: httpx.Client, name: str) -> str:
    email = f"{name}@bench.example.org"
    http.post("/v1/members", json={"name": name, "email": email, "password": PASSWORD})
    response = http.post("/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    token: str = response.json()["token"]
    return token


@dataclass(frozen=True)
class Bench:
    """A circle set up for a benchmark: its member's and thing's authorisation headers."""

    circle_id: str
    member: dict[str, str]
    thing: dict[str, str]
    thing_id: str


def set_up(http: httpx.Client) -> tuple[dict[str, str], dict[str, str]]:
    """A member subscribed to solar surplus, and a public solar inverter with its token."""
    bench = set_up_circle(http, "reader")
    return bench.member, bench.thing


def set_up_circle(http: httpx.Client, name: str) -> Bench:
    """A circle of its own for the member ``name``, who is subscribed to solar surplus, with
    a public solar inverter in it and the inverter's token."""
    member = {"Authorization": f"Bearer {_token(http, name)}"}
    circle = http.post(
        "/v1/circles", json={"name": f"Bench {name}", "boundary": BOUNDARY}, headers=member
    )
    circle_id = circle.json()["id"]
    subscription = {
        "circle_id": circle_id,
        "name": "Solar surplus",
        "categories": ["energy"],
        "area": {**HOME, "radius_m": 500},
        "predicates": ["power_w > 2000"],
    }
    http.post("/v1/subscriptions", json=subscription, headers=member)
    me = http.get("/v1/members/me", headers=member).json()
    http.patch(f"/v1/members/{me['id']}", json={"max_moments_per_hour": 1000}, headers=member)
    thing = {"circle_id": circle_id, "kind": "solar_inverter", "name": "Roof", "place": HOME}
    made = http.post("/v1/things", json={**thing, "visibility": "public"}, headers=member)
    thing_id = made.json()["id"]
    issued = http.post(
        "/v1/auth/tokens/issue",
        json={"principal_kind": "thing", "principal_id": thing_id},
        headers=member,
    )
    token = {"Authorization": f"Bearer {issued.json()['token']}"}
    return Bench(circle_id, member, token, thing_id)


def listen(
    base: str, member: dict[str, str], arrivals: dict[str, int], ready: threading.Event
) -> None:
    """Read the member's moments stream until the server goes, noting when each moment's
    source (the event's id) arrived, in ``perf_counter_ns``."""
    url = f"{base}/v1/moments/stream"
    timeout = httpx.Timeout(10, read=60)  # the server pings every 15 s
    try:
        with httpx.stream("GET", url, headers=member, timeout=timeout) as stream:
            ready.set()
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    source = json.loads(line[5:])["source_id"]
                    arrivals[source] = time.perf_counter_ns()
    except httpx.TransportError:
        return  # the server stopped at the end of the run


def run(events: int, step: Step) -> dict[str, Any]:
    with _server() as base, httpx.Client(base_url=base, timeout=30) as http:
        member, thing = set_up(http)
        arrivals: dict[str, int] = {}
        ready = threading.Event()
        listener = threading.Thread(
            target=listen, args=(base, member, arrivals, ready), daemon=True
        )
        listener.start()
        ready.wait(10)
        sent: dict[str, int] = {}
        floor: list[float] = []
        # The two paths alternate event by event, so both see the same machine.
        with step("publish, alternating with a plain publish", events) as advance:
            for _ in range(events):
                began = time.perf_counter_ns()
                publish(http, thing, 1000)  # matches nothing: the plain round trip
                floor.append((time.perf_counter_ns() - began) / 1000)
                began = time.perf_counter_ns()
                event_id = publish(http, thing, 2500)
                sent[event_id] = began
                deadline = time.monotonic() + 5
                while event_id not in arrivals and time.monotonic() < deadline:
                    time.sleep(0.0002)
                advance(1)
        latencies = np.array([(arrivals[e] - t) / 1000 for e, t in sent.items() if e in arrivals])
        floor_us = np.array(floor)
    delivered = len(latencies)
    return {
        "events": events,
        "delivered": delivered,
        "end_to_end": _summary(latencies),
        "peers": {"plain_publish": _summary(floor_us)},
        "ratio_p50": float(np.percentile(floor_us, 50) / np.percentile(latencies, 50))
        if delivered
        else 0.0,
    }


def publish(http: httpx.Client, thing: dict[str, str], power: int) -> str:
    body = {"kind": "energy/solar", "attributes": {"power_w": power}, "place": HOME}
    event_id: str = http.post("/v1/events", json=body, headers=thing).json()["id"]
    return event_id


def _summary(micros: Any) -> dict[str, float]:
    if len(micros) == 0:
        return {"p50_ms": 0.0, "p99_ms": 0.0, "mean_ms": 0.0}
    return {
        "p50_ms": round(float(np.percentile(micros, 50)) / 1000, 2),
        "p99_ms": round(float(np.percentile(micros, 99)) / 1000, 2),
        "mean_ms": round(float(np.mean(micros)) / 1000, 2),
    }
