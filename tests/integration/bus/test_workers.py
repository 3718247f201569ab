"""Engine workers against a real nats-server and real PostgreSQL: every publication matched,
and each moment told once, across a worker SIGKILLed mid-load and a shard moved under load.

The deployment (``deployment.py``) stores events in circles spread over the shards; workers
match them, and each moment is counted where it arrives. Each event must give exactly two
moments to its circle's uncapped subscribers, and across a worker's crash and restart the
capped member gets exactly their cap's worth of moments in the hour, never more.

``BUURT_TEST_WORKER_EVENTS`` sets how many events a test publishes (default 240; the issue's
figure for a full run is 100,000).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import nats
import pytest

from buurt.adapters.bus.workers import consumer_name
from buurt.domain.events import EventPublished
from tests.integration.bus.deployment import (
    EVENTS,
    LOAD_SECONDS,
    SHARDS,
    Deployment,
    PartyListener,
    bound,
    consumers,
    deployed,
    engine_worker,
    kill_holding,
    told_once,
    wait,
    worker_process,
)
from tests.integration.test_relevance_restart import NEAR
from tests.jetstream import NatsCluster, running_nats_cluster

pytestmark = pytest.mark.slow


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
            wait(bound(deployment, range(SHARDS)), 60)
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
                found = consumers(deployment)
                return any(
                    (found[consumer_name(n)].num_ack_pending or 0) > 0 for n in killed_shards
                )

            kill_holding(a, a_holds_messages)
            with worker_process(deployment, "0-3", again_log):
                load.join(timeout=LOAD_SECONDS)
                assert not load.is_alive()
                told_once(deployment, listener, caps_hold=True)
                # The control: the restarted worker was handed what its predecessor held.
                assert "was delivered again" in again_log.read_text(), again_log.read_text()[-3000:]
    finally:
        listener.close()


# -- a shard moved under load ------------------------------------------------------------------


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
            wait(lambda: b.owned == moved, 30)
            load.join(timeout=LOAD_SECONDS)
            assert not load.is_alive()
            # One worker at a time held a moved shard (ADR 0018): caps were counted once.
            told_once(deployment, listener, caps_hold=True)
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
    per_circle = 3  # subscriptions of each circle (neighbourhood)
    heard: list[str] = []

    def publish_round() -> None:
        """An event in every circle, the last in one of the worker's; wait until it heard that."""
        last = ""
        for circle_id in [*others, *mine]:
            body = {"kind": "energy/solar", "attributes": {"power_w": 1}, "place": NEAR}
            last = deployment.things[circle_id].created("/v1/events", body)["id"]
        wait(lambda: last in heard)

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
        wait(lambda: worker.moments == len(deployment.stored_moments()) > 0)

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
            while process.poll() is None and not bound(deployment, range(4))():
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
                wait(bound(deployment, range(SHARDS)), 60)
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
                    told_once(deployment, listener, caps_hold=True)
        finally:
            listener.close()
