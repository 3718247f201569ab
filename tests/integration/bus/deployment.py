"""The deployment the engine-worker tests share, against a real nats-server (or a 3-node
cluster) and the session's PostgreSQL: an API instance in this process that stores events
(``BUURT_MATCHING=workers``: it matches nothing itself) in circles spread over the shards, the
workers as processes or in this process, and the receiving side that counts each moment where
it arrives (the store, the ``moment.created`` events on the stream, and the per-party core
NATS subjects that live streams follow).

Each circle has a public thing, two subscribers whose caps stay out of the way (each event
must give exactly two moments to them) and a third who keeps the default cap.

``BUURT_TEST_WORKER_EVENTS`` sets how many events a load publishes (default 240; the issue's
figure for a full run is 100,000).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from fastapi.testclient import TestClient

from buurt.adapters.bus.nats import DUPLICATE_WINDOW_SECONDS
from buurt.adapters.bus.shards import Sharding
from buurt.adapters.bus.workers import consumer_name
from buurt.bootstrap import Buurt, build
from buurt.bootstrap.worker import EngineWorker
from buurt.domain.events import MomentCreated, from_json
from buurt.domain.moments import Moment
from buurt.web.app import create_app
from tests.actors import BOUNDARY, Actor, issue, register
from tests.conftest import _database
from tests.instances import settings_for
from tests.integration.test_relevance_restart import NEAR, subscribe
from tests.jetstream import (
    NatsCluster,
    NatsServer,
    delete_stream,
    stored,
)

SHARDS = 8
EVENTS = int(os.environ.get("BUURT_TEST_WORKER_EVENTS", "240"))
# How long a load and its matching may take: bounds for a broken run, at the least 20 events a
# second, so that a full run (100,000 events, tens of minutes on 2 cores) is not cut short.
LOAD_SECONDS = max(300.0, EVENTS / 20)
CAP = 10  # a member's moments an hour, by default
UNCAPPED = 1000  # the highest cap a member may set: the subscribers who must get every moment
# Circles enough that no uncapped subscriber reaches their cap within the hour of a load.
PER_HALF = max(2, math.ceil(EVENTS / (2 * 0.9 * UNCAPPED)))
ACK_WAIT = 2.0  # seconds: a SIGKILLed worker's messages come again this soon
_numbers = itertools.count()


@dataclass
class Deployment:
    """The API instance, the settings its workers share, and what was published."""

    database_url: str
    nats: NatsServer
    stream: str
    api: Buurt
    client: TestClient
    things: dict[str, Actor] = field(default_factory=dict)  # circle id -> its public thing
    subscribers: dict[str, list[str]] = field(default_factory=dict)
    capped: dict[str, str] = field(default_factory=dict)  # circle id -> a member at the cap
    published: list[tuple[str, str]] = field(default_factory=list)  # (event id, circle id)

    @property
    def sharding(self) -> Sharding:
        return Sharding(SHARDS)

    def settings(self, **options: Any) -> Any:
        return settings_for(
            self.database_url,
            bus_url=self.nats.url,
            bus_stream=self.stream,
            matching="workers",
            shards=SHARDS,
            worker_ack_wait_seconds=ACK_WAIT,
            **options,
        )

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "BUURT_DATABASE_URL": self.database_url,
            "BUURT_BUS_URL": self.nats.url,
            "BUURT_BUS_STREAM": self.stream,
            "BUURT_MATCHING": "workers",
            "BUURT_SHARDS": str(SHARDS),
            "BUURT_WORKER_ACK_WAIT_SECONDS": str(ACK_WAIT),
            "BUURT_PASSWORD_PROFILE": "CHEAPEST",
        }

    def shard(self, circle_id: str) -> int:
        return self.sharding.circle_shard(circle_id)

    def publish(self, count: int, *, every: Callable[[int], None] = lambda n: None) -> None:
        """``count`` events, round the circles, as fast as the API takes them."""
        circles = sorted(self.things)
        for n in range(count):
            circle_id = circles[n % len(circles)]
            body = {"kind": "energy/solar", "attributes": {"power_w": n}, "place": NEAR}
            event = self.things[circle_id].created("/v1/events", body)
            self.published.append((event["id"], circle_id))
            every(n + 1)

    def expected(self) -> set[tuple[str, str]]:
        return {(e, member) for e, circle in self.published for member in self.subscribers[circle]}

    def stored_moments(self) -> list[tuple[str, str]]:
        with self.api.services.uow() as uow:
            rows = uow.repo(Moment).values(
                ("source_id", "recipient_id"), {"circle_id": list(self.things)}
            )
        return [(source, recipient) for source, recipient in rows]

    def uncapped(self, moments: list[tuple[str, str]]) -> list[tuple[str, str]]:
        capped = set(self.capped.values())
        return [m for m in moments if m[1] not in capped]


@contextmanager
def deployed(
    request: pytest.FixtureRequest, tmp_path: Path, server: NatsServer | NatsCluster
) -> Iterator[Deployment]:
    """The API instance on a fresh stream and the session's PostgreSQL, with its circles."""
    stream = f"WORKERS_{next(_numbers)}_{os.getpid()}"
    with ExitStack() as stack:
        url = stack.enter_context(_database(request, tmp_path, "postgres"))
        stack.callback(delete_stream, server, stream)
        if isinstance(server, NatsCluster):
            replicated_stream(server, stream)
        settings = settings_for(
            url, bus_url=server.url, bus_stream=stream, matching="workers", shards=SHARDS
        )
        api = build(settings)
        stack.callback(api.close)
        assert api.outbox is not None
        api.outbox.start_thread()  # what a failed fast path leaves, the relay sends
        stack.callback(api.outbox.stop_thread)
        client = stack.enter_context(TestClient(create_app(api, workers=False)))
        found = Deployment(url, server, stream, api, client)  # type: ignore[arg-type]
        neighbourhood(found, PER_HALF)
        yield found


def replicated_stream(cluster: NatsCluster, stream: str) -> None:
    """The stream at R3, made before any process starts (as docs/operations.md says)."""

    async def make() -> None:
        client = await nats.connect(cluster.url.split(","))
        try:
            await client.jetstream(timeout=10).add_stream(
                name=stream,
                subjects=["buurt.events.>"],
                num_replicas=3,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
            )
        finally:
            await client.close()

    asyncio.run(make())


def neighbourhood(deployment: Deployment, per_half: int = 2) -> None:
    """Circles until each half of the shards (0-3, 4-7) has ``per_half`` of them; in each,
    a public thing and two subscribers whose caps stay out of the way."""
    admin = register(deployment.client, "Ada Admin")
    halves: Counter[int] = Counter()
    while min(halves[0], halves[1]) < per_half:
        circle = admin.created(
            "/v1/circles", {"name": f"Buurt {len(halves)}", "boundary": BOUNDARY}
        )
        circle_id = circle["id"]
        half = deployment.shard(circle_id) * 2 // SHARDS
        if halves[half] >= per_half:
            continue  # enough circles in that half; the circle stays, unused
        halves[half] += 1
        thing = admin.created(
            "/v1/things",
            {
                "circle_id": circle_id,
                "kind": "solar_inverter",
                "name": "Roof",
                "place": NEAR,
                "visibility": "public",
            },
        )
        deployment.things[circle_id] = issue(admin, "thing", thing["id"])
        members = []
        for name in ("Bo", "Cas"):
            member = register(deployment.client, name, circle_id)
            changed = member.patch(f"/v1/members/{member.id}", {"max_moments_per_hour": UNCAPPED})
            assert changed.status_code == 200, changed.text
            subscribe(member, circle_id)
            members.append(member.id)
        deployment.subscribers[circle_id] = members
        capped = register(deployment.client, "Dee", circle_id)  # the default cap: CAP an hour
        subscribe(capped, circle_id)
        deployment.capped[circle_id] = capped.id


# -- the receiving side ------------------------------------------------------------------------


class PartyListener:
    """Every moment announced on the per-party subjects, by message id (a relay's repeat of a
    batch carries the same id, and counts once)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.announced: dict[str, tuple[str, str]] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._client: Any = None
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)

    async def _start(self) -> None:
        self._client = await nats.connect(self.url.split(","))

        async def heard(message: Any) -> None:
            event = from_json(json.loads(message.data))
            if isinstance(event, MomentCreated) and message.subject.startswith(
                "buurt.moments.member."
            ):
                ident = (message.headers or {}).get("Nats-Msg-Id", "")
                self.announced[ident] = (event.moment.source_id, event.moment.recipient_id)

        await self._client.subscribe("buurt.moments.member.>", cb=heard)
        await self._client.flush()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._client.close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def on_the_stream(deployment: Deployment) -> list[tuple[str, str]]:
    """The moments of ``moment.created`` events on the stream, one per moment id."""
    found = {
        event.moment.id: (event.moment.source_id, event.moment.recipient_id)
        for _, event in stored(
            deployment.nats, deployment.stream, "buurt.events.*.*.moment.created"
        )
        if isinstance(event, MomentCreated)
    }
    return list(found.values())


def wait(condition: Callable[[], bool], seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.2)


def told_once(deployment: Deployment, listener: PartyListener, *, caps_hold: bool) -> None:
    """Every acknowledged event matched, each moment once: in the store, on the stream and on
    the parties' subjects (where a moment lost is possible, core NATS keeping nothing, but a
    moment doubled is not). With ``caps_hold``, each capped member got exactly ``CAP``."""
    expected = deployment.expected()
    assert len(expected) == 2 * len(deployment.published) > 0
    wait(
        lambda: len(deployment.uncapped(deployment.stored_moments())) >= len(expected),
        max(90.0, LOAD_SECONDS / 4),
    )
    time.sleep(2 * ACK_WAIT)  # what might come twice has had its time to
    stored_moments = deployment.stored_moments()
    assert Counter(stored_moments).most_common(1)[0][1] == 1
    assert set(deployment.uncapped(stored_moments)) == expected
    wait(lambda: len(on_the_stream(deployment)) >= len(stored_moments), LOAD_SECONDS / 10)
    streamed = on_the_stream(deployment)
    assert len(streamed) == len(stored_moments)
    assert set(streamed) == set(stored_moments)
    announced = list(listener.announced.values())
    assert announced, "the parties' subjects carried nothing"
    assert Counter(announced).most_common(1)[0][1] == 1
    assert set(announced) <= set(stored_moments)
    per_member = Counter(recipient for _, recipient in stored_moments)
    for circle_id, member in deployment.capped.items():
        events = sum(1 for _, circle in deployment.published if circle == circle_id)
        assert events > CAP  # the control: the cap had something to hold back
        if caps_hold:
            assert per_member[member] == CAP, (circle_id, per_member[member])
        else:
            assert 0 < per_member[member] <= events


# -- workers as processes ----------------------------------------------------------------------


@contextmanager
def worker_process(
    deployment: Deployment,
    shards: str,
    log: Path,
    *options: str,
    env: Mapping[str, str] = {},
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "buurt", "worker", "--shards", shards, *options],
            env={**deployment.env(), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def kill_holding(worker: subprocess.Popen[bytes], holds: Callable[[], bool]) -> None:
    """SIGKILL the worker while it holds publications it fetched and has not acknowledged.
    It is frozen (SIGSTOP) while that is checked, so it cannot acknowledge them between the
    check and the kill; when it holds nothing yet it runs on a little and is looked at again."""
    deadline = time.monotonic() + 60
    while True:
        os.kill(worker.pid, signal.SIGSTOP)
        time.sleep(0.05)  # acknowledgements it sent before it stopped reach the server
        if holds():
            break
        os.kill(worker.pid, signal.SIGCONT)
        assert time.monotonic() < deadline, "the worker never held a publication"
        time.sleep(0.02)
    worker.kill()
    worker.wait()


def consumers(deployment: Deployment) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        client = await nats.connect(deployment.nats.url.split(","))
        try:
            infos = await client.jetstream(timeout=5).consumers_info(deployment.stream)
            return {info.name: info for info in infos}
        finally:
            await client.close()

    return asyncio.run(read())


def bound(deployment: Deployment, shards: range) -> Callable[[], bool]:
    """Whether each shard's consumer exists and a worker is pulling from it."""

    def check() -> bool:
        try:
            found = consumers(deployment)
        except nats.errors.Error:  # electing a leader: not yet
            return False
        names = [consumer_name(n) for n in shards]
        return all(n in found and (found[n].num_waiting or 0) > 0 for n in names)

    return check


@contextmanager
def engine_worker(deployment: Deployment) -> Iterator[EngineWorker]:
    instance = build(deployment.settings())
    worker = EngineWorker(instance)
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        instance.close()
