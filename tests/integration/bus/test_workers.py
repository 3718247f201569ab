"""Engine workers against a real nats-server and real PostgreSQL: every publication matched,
and each moment told once, across a worker SIGKILLed mid-load and a shard moved under load.

An API instance in this process stores events (``BUURT_MATCHING=workers``: it matches
nothing itself) in circles spread over the shards; workers match them. The moments are
counted where they arrive: the store, the ``moment.created`` events on the stream, and the
per-party core NATS subjects that live streams follow. Each event's circle has two
subscribers whose caps stay out of the way, so each event must give exactly two moments to
them, and a third who keeps the default cap: across a worker's crash and restart, they get
exactly their cap's worth of moments in the hour, never more.

``BUURT_TEST_WORKER_EVENTS`` sets how many events a test publishes (default 240; the issue's
figure for a full run is 100,000).
"""

from __future__ import annotations

import asyncio
import itertools
import json
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
from buurt.domain.events import EventPublished, MomentCreated, from_json
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
    running_nats_cluster,
    stored,
)

pytestmark = pytest.mark.slow

SHARDS = 8
EVENTS = int(os.environ.get("BUURT_TEST_WORKER_EVENTS", "240"))
# How long a load and its matching may take: bounds for a broken run, at the least 20 events a
# second, so that a full run (100,000 events, tens of minutes on 2 cores) is not cut short.
LOAD_SECONDS = max(300.0, EVENTS / 20)
CAP = 10  # a member's moments an hour, by default
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
            _replicated_stream(server, stream)
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
        _neighbourhood(found)
        yield found


@pytest.fixture
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer
) -> Iterator[Deployment]:
    with deployed(request, tmp_path, nats_server) as found:
        yield found


def _replicated_stream(cluster: NatsCluster, stream: str) -> None:
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


def _neighbourhood(deployment: Deployment, per_half: int = 2) -> None:
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
            changed = member.patch(f"/v1/members/{member.id}", {"max_moments_per_hour": 1000})
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


def _on_the_stream(deployment: Deployment) -> list[tuple[str, str]]:
    """The moments of ``moment.created`` events on the stream, one per moment id."""
    found = {
        event.moment.id: (event.moment.source_id, event.moment.recipient_id)
        for _, event in stored(
            deployment.nats, deployment.stream, "buurt.events.*.*.moment.created"
        )
        if isinstance(event, MomentCreated)
    }
    return list(found.values())


def _wait(condition: Callable[[], bool], seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.2)


def _told_once(deployment: Deployment, listener: PartyListener, *, caps_hold: bool) -> None:
    """Every acknowledged event matched, each moment once: in the store, on the stream and on
    the parties' subjects (where a moment lost is possible, core NATS keeping nothing, but a
    moment doubled is not). With ``caps_hold``, each capped member got exactly ``CAP``."""
    expected = deployment.expected()
    assert len(expected) == 2 * len(deployment.published) > 0
    _wait(
        lambda: len(deployment.uncapped(deployment.stored_moments())) >= len(expected),
        max(90.0, LOAD_SECONDS / 4),
    )
    time.sleep(2 * ACK_WAIT)  # what might come twice has had its time to
    stored_moments = deployment.stored_moments()
    assert Counter(stored_moments).most_common(1)[0][1] == 1
    assert set(deployment.uncapped(stored_moments)) == expected
    _wait(lambda: len(_on_the_stream(deployment)) >= len(stored_moments), LOAD_SECONDS / 10)
    streamed = _on_the_stream(deployment)
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


def _kill_holding(worker: subprocess.Popen[bytes], holds: Callable[[], bool]) -> None:
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


def _consumers(deployment: Deployment) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        client = await nats.connect(deployment.nats.url.split(","))
        try:
            infos = await client.jetstream(timeout=5).consumers_info(deployment.stream)
            return {info.name: info for info in infos}
        finally:
            await client.close()

    return asyncio.run(read())


def _bound(deployment: Deployment, shards: range) -> Callable[[], bool]:
    """Whether each shard's consumer exists and a worker is pulling from it."""

    def check() -> bool:
        try:
            found = _consumers(deployment)
        except nats.errors.Error:  # electing a leader: not yet
            return False
        names = [consumer_name(n) for n in shards]
        return all(n in found and (found[n].num_waiting or 0) > 0 for n in names)

    return check


def test_a_worker_killed_mid_load_loses_no_moment_and_doubles_none(
    deployment: Deployment, tmp_path: Path
) -> None:
    listener = PartyListener(deployment.nats.url)
    first_log, again_log = tmp_path / "a.log", tmp_path / "a-again.log"
    killed_shards = range(SHARDS // 2)
    try:
        with (
            worker_process(deployment, "0-3", first_log) as a,
            worker_process(deployment, "4-7", tmp_path / "b.log"),
        ):
            _wait(_bound(deployment, range(SHARDS)), 60)
            in_flight = threading.Event()

            def halfway(n: int) -> None:
                if n == EVENTS // 2:
                    in_flight.set()

            load = threading.Thread(
                target=deployment.publish, args=(EVENTS,), kwargs={"every": halfway}
            )
            load.start()
            assert in_flight.wait(120)

            def a_holds_messages() -> bool:
                found = _consumers(deployment)
                return any(
                    (found[consumer_name(n)].num_ack_pending or 0) > 0 for n in killed_shards
                )

            _kill_holding(a, a_holds_messages)
            with worker_process(deployment, "0-3", again_log):
                load.join(timeout=LOAD_SECONDS)
                assert not load.is_alive()
                _told_once(deployment, listener, caps_hold=True)
                # The control: the restarted worker was handed what its predecessor held.
                assert "was delivered again" in again_log.read_text(), again_log.read_text()[-3000:]
    finally:
        listener.close()


# -- a shard moved under load ------------------------------------------------------------------


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


def test_a_shard_moved_under_load_loses_no_moment_and_doubles_none(
    deployment: Deployment,
) -> None:
    listener = PartyListener(deployment.nats.url)
    moved = sorted({deployment.shard(c) for c in deployment.things})[:2]  # shards with circles
    try:
        with engine_worker(deployment) as a, engine_worker(deployment) as b:
            a.take(range(SHARDS))
            quarter, half = threading.Event(), threading.Event()

            def progress(n: int) -> None:
                if n == EVENTS // 4:
                    quarter.set()
                if n == EVENTS // 2:
                    half.set()

            load = threading.Thread(
                target=deployment.publish, args=(EVENTS,), kwargs={"every": progress}
            )
            load.start()
            assert quarter.wait(120)
            b.take(moved)  # B wants the moved shards, but A holds their leases ...
            assert b.wanted == moved
            assert half.wait(120)
            assert b.owned == []  # ... so B has not fetched them while A did ...
            a.let_go(moved)  # ... until A let them go, and B took them at its next round
            _wait(lambda: b.owned == moved, 30)
            load.join(timeout=LOAD_SECONDS)
            assert not load.is_alive()
            # One worker at a time held a moved shard (ADR 0018): caps were counted once.
            _told_once(deployment, listener, caps_hold=True)
            assert a.owned == [n for n in range(SHARDS) if n not in moved]
            assert b.owned == moved
            # The control: both workers matched publications of the moved shards.
            assert sum(b.stats()[n].handled for n in moved) > 0
            assert a.moments > 0
            assert b.moments > 0
            assert a.moments + b.moments == len(deployment.stored_moments())
    finally:
        listener.close()


# -- a worker follows its own shards -----------------------------------------------------------


def test_a_worker_follows_and_indexes_only_the_shards_it_owns(deployment: Deployment) -> None:
    low = range(SHARDS // 2)
    mine = sorted(c for c in deployment.things if deployment.shard(c) in low)
    others = sorted(c for c in deployment.things if deployment.shard(c) not in low)
    per_circle = 3  # subscriptions of each circle (_neighbourhood)
    heard: list[str] = []

    def publish_round() -> None:
        """An event in every circle, the last in one of the worker's; wait until it heard that."""
        last = ""
        for circle_id in [*others, *mine]:
            body = {"kind": "energy/solar", "attributes": {"power_w": 1}, "place": NEAR}
            last = deployment.things[circle_id].created("/v1/events", body)["id"]
        _wait(lambda: last in heard)

    with engine_worker(deployment) as worker:
        assert worker.instance.matcher.sizes()["records"] == per_circle * len(deployment.things)
        worker.bus.subscribe(EventPublished, lambda event: heard.append(event.event.id))
        circles: dict[str, str] = {}
        worker.bus.subscribe(
            EventPublished, lambda event: circles.update({event.event.id: event.event.circle_id})
        )

        worker.take(low)
        assert worker.instance.matcher.sizes()["records"] == per_circle * len(mine)
        publish_round()
        assert {circles[e] for e in heard} == set(mine)
        _wait(lambda: worker.moments == len(deployment.stored_moments()) > 0)

        # The control: the same worker owning every shard hears and indexes every circle.
        heard.clear()
        worker.take(range(SHARDS))
        assert worker.instance.matcher.sizes()["records"] == per_circle * len(deployment.things)
        publish_round()
        assert {circles[e] for e in heard} == set(deployment.things)

        worker.let_go(range(SHARDS // 2, SHARDS))
        assert worker.instance.matcher.sizes()["records"] == per_circle * len(mine)


# -- a 3-node cluster, a node and a worker killed ----------------------------------------------


@contextmanager
def supervised(deployment: Deployment, shards: str, log: Path) -> Iterator[None]:
    """A worker started again whenever it exits, as a service manager would: while the
    cluster elects a stream leader, a starting worker may find NATS unable to answer (exit 9)."""
    with ExitStack() as stack:
        for _ in range(10):
            process = stack.enter_context(worker_process(deployment, shards, log))
            deadline = time.monotonic() + 60
            while process.poll() is None and not _bound(deployment, range(4))():
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
            if process.poll() is None:
                break
            assert process.returncode == 9, log.read_text()[-3000:]
        else:
            pytest.fail(f"the worker did not start: {log.read_text()[-3000:]}")
        yield


def _stream_leader(cluster: NatsCluster, stream: str) -> str:
    async def read() -> str:
        client = await nats.connect(cluster.url.split(","))
        try:
            info = await client.jetstream(timeout=5).stream_info(stream)
            assert info.cluster is not None
            return str(info.cluster.leader)
        finally:
            await client.close()

    return asyncio.run(read())


def test_a_nats_node_and_a_worker_killed_mid_load_lose_no_moment_and_double_none(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with running_nats_cluster() as cluster, deployed(request, tmp_path, cluster) as deployment:
        listener = PartyListener(cluster.url)
        try:
            with (
                worker_process(deployment, "0-3", tmp_path / "a.log") as a,
                worker_process(deployment, "4-7", tmp_path / "b.log"),
            ):
                _wait(_bound(deployment, range(SHARDS)), 60)
                halfway = threading.Event()

                def progress(n: int) -> None:
                    if n == EVENTS // 2:
                        halfway.set()

                load = threading.Thread(
                    target=deployment.publish, args=(EVENTS,), kwargs={"every": progress}
                )
                load.start()
                assert halfway.wait(LOAD_SECONDS / 2)
                leader = cluster.node(_stream_leader(cluster, deployment.stream))
                leader.kill()  # SIGKILL the stream's leader ...
                a.kill()  # ... and a worker, at once
                a.wait()
                time.sleep(1)
                leader.start()  # the same configuration and store
                with supervised(deployment, "0-3", tmp_path / "a-again.log"):
                    load.join(timeout=LOAD_SECONDS)
                    assert not load.is_alive()
                    _told_once(deployment, listener, caps_hold=True)
        finally:
            listener.close()
