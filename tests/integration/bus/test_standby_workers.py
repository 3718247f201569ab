"""Two worker processes given the same shards, under load: one follows each shard at a time,
under its lease (ADR 0018), and when the holder is SIGKILLed the other takes every shard over.

The deployment, the load and the counting on the receiving side are ``test_workers``'s; each
worker serves ``/metrics``, whose ``buurt_shard_lease_held`` says which shards it holds.
"""

from __future__ import annotations

import re
import threading
import urllib.request
from pathlib import Path

import pytest

from buurt.adapters.bus.workers import consumer_name
from tests.integration.bus.deployment import (
    CAP,
    EVENTS,
    LOAD_SECONDS,
    SHARDS,
    Deployment,
    PartyListener,
    bound,
    consumers,
    kill_holding,
    told_once,
    wait,
    worker_process,
)
from tests.servers import free_port

pytestmark = pytest.mark.slow

LEASE_SECONDS = 3.0
_GAUGE = re.compile(rb'^buurt_shard_lease_held\{shard="(\d+)"\} ([01])\.0$', re.MULTILINE)


def _leases(port: int) -> dict[int, int]:
    """The worker's lease gauges by shard ({} while it does not answer yet)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read()
    except OSError:
        return {}
    return {int(shard): int(held) for shard, held in _GAUGE.findall(text)}


def test_two_workers_given_the_same_shards_follow_each_one_at_a_time(
    deployment: Deployment, tmp_path: Path
) -> None:
    listener = PartyListener(deployment.nats.url)
    every = range(SHARDS)
    ports = free_port(), free_port()
    a_log, b_log = tmp_path / "a.log", tmp_path / "b.log"
    env = {"BUURT_WORKER_LEASE_SECONDS": str(LEASE_SECONDS)}
    try:
        with worker_process(
            deployment, f"0-{SHARDS - 1}", a_log, "--metrics-port", str(ports[0]), env=env
        ) as a:
            wait(lambda: _leases(ports[0]) == dict.fromkeys(every, 1), 60)
            wait(bound(deployment, every), 60)
            with worker_process(
                deployment, f"0-{SHARDS - 1}", b_log, "--metrics-port", str(ports[1]), env=env
            ):
                # B is up, wants every shard, and waits: A holds them all.
                wait(lambda: _leases(ports[1]) == dict.fromkeys(every, 0), 60)
                halfway = threading.Event()

                def progress(n: int) -> None:
                    if n == EVENTS // 2:
                        halfway.set()

                load = threading.Thread(
                    target=deployment.publish, args=(EVENTS,), kwargs={"every": progress}
                )
                load.start()
                samples = 0
                while not halfway.wait(0.2):  # while the load runs, no shard is held twice
                    held_a, held_b = _leases(ports[0]), _leases(ports[1])
                    assert not [n for n in every if held_a.get(n) and held_b.get(n)]
                    samples += 1
                    assert load.is_alive() or halfway.is_set(), "the load stopped early"
                assert samples > 0

                def a_holds_messages() -> bool:
                    found = consumers(deployment)
                    return any((found[consumer_name(n)].num_ack_pending or 0) > 0 for n in every)

                kill_holding(a, a_holds_messages)
                # A's leases expire after their ttl, and B takes every shard.
                wait(lambda: _leases(ports[1]) == dict.fromkeys(every, 1), 60)
                load.join(timeout=LOAD_SECONDS)
                assert not load.is_alive()
                # Each moment once, and each capped member exactly CAP: one gate counted
                # them at a time ...
                told_once(deployment, listener, caps_hold=True)
                # ... where two gates counting at once could have let through twice as many.
                for circle_id in deployment.capped:
                    events = sum(1 for _, circle in deployment.published if circle == circle_id)
                    assert events > 2 * CAP
                # The control: B took over what A had fetched and not acknowledged.
                text = b_log.read_text()
                assert "was delivered again" in text, text[-3000:]
                assert "took the lease of shard" in text, text[-3000:]
    finally:
        listener.close()
