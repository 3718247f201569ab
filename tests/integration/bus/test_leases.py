"""Shard leases against a real nats-server: one holder per shard, handed on by a release, by
the ttl of a holder that stopped renewing, and never kept by a stale holder.

Each contender is a ``ShardLeases`` on a bus of its own, as two worker processes would be. The
rounds of the keeper thread are run by hand (``renew``), and each contender reads a clock the
test moves, so what a holder counts on is never a matter of how fast the machine is; only the
test of the ttl waits, with a deadline, for the server to expire an entry.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import nats
import pytest

from buurt.adapters.bus.leases import MARGIN, ShardLeases, lease_bucket, lease_key
from buurt.adapters.bus.nats import NatsBus
from buurt.adapters.metrics import Metrics
from tests.jetstream import NatsServer, delete_stream

TTL = 3.0
_numbers = itertools.count()


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Contender = Callable[..., ShardLeases]


@pytest.fixture
def contender(nats_server: NatsServer) -> Iterator[Contender]:
    """Makes contenders for the shards of one stream, each on a bus of its own."""
    stream = f"LEASES_{next(_numbers)}"
    with ExitStack() as stack:

        def make(
            name: str, *, ttl: float = TTL, clock: Callable[[], float] | None = None
        ) -> ShardLeases:
            bus = NatsBus(nats_server.url, stream=stream, prefix=f"{stream.lower()}.events")
            bus.start()
            stack.callback(bus.close)
            return ShardLeases(bus, ttl=ttl, clock=clock or Clock(), holder=name)

        stack.callback(delete_stream, nats_server, f"KV_{lease_bucket(stream)}")
        stack.callback(delete_stream, nats_server, stream)
        yield make


def _entry(server: NatsServer, leases: ShardLeases, shard: int) -> tuple[bytes | None, int | None]:
    """The lease's value and revision, as the server holds them."""

    async def read() -> tuple[bytes | None, int | None]:
        client = await nats.connect(server.url)
        try:
            kv = await client.jetstream().key_value(lease_bucket(leases.bus.stream))
            entry = await kv.get(lease_key(shard))
            return entry.value, entry.revision
        finally:
            await client.close()

    return asyncio.run(read())


def _write(server: NatsServer, leases: ShardLeases, shard: int, value: bytes) -> None:
    """Put ``value`` as the lease, over whatever is there (an expiry and another's take, or a
    renewal whose answer never came back)."""

    async def write() -> None:
        client = await nats.connect(server.url)
        try:
            kv = await client.jetstream().key_value(lease_bucket(leases.bus.stream))
            await kv.put(lease_key(shard), value)
        finally:
            await client.close()

    asyncio.run(write())


def test_only_one_of_two_contenders_holds_a_shard(contender: Contender) -> None:
    a, b = contender("a"), contender("b")
    assert a.want([0, 1]) == [0, 1]
    assert b.want([0, 1]) == []
    for _ in range(3):  # rounds of both: A renews, B tries and is refused
        assert a.renew() == ([], [])
        assert b.renew() == ([], [])
    assert a.held == [0, 1]
    assert b.held == []
    assert a.states() == {0: True, 1: True}
    assert b.states() == {0: False, 1: False}
    # The control: B takes a shard nobody holds, so its refusal above was A's lease.
    assert b.want([2]) == [2]
    assert b.held == [2]


def test_a_release_lets_the_other_take_it(contender: Contender, nats_server: NatsServer) -> None:
    a, b = contender("a"), contender("b")
    assert a.want([0]) == [0]
    assert b.want([0]) == []
    assert b.renew() == ([], [])  # the control: while A holds it, B's round takes nothing
    a.release([0])
    assert a.held == []
    assert a.wanted == []
    assert b.renew() == ([0], [])  # at its next round, not after the ttl
    assert b.held == [0]
    assert _entry(nats_server, b, 0)[0] == b"b"


def test_a_release_without_nats_lets_go_and_leaves_the_lease_to_expire(
    contender: Contender, nats_server: NatsServer
) -> None:
    a = contender("a")
    assert a.want([0]) == [0]
    a.bus.close()
    a.release([0])  # no answer: it stops counting on the lease, which expires with its ttl
    assert a.held == []
    assert a.wanted == []
    assert _entry(nats_server, a, 0)[0] == b"a"  # the control: the lease was not deleted


def test_a_holder_that_stops_renewing_loses_it_after_the_ttl(
    contender: Contender, nats_server: NatsServer
) -> None:
    a, b = contender("a"), contender("b")
    assert a.want([0]) == [0]
    taken_at = _entry(nats_server, a, 0)
    # The control: B's first try is refused while A's entry is the one the server holds
    # (read after the try: had the entry expired before it, B's try would have taken it).
    assert b.want([0]) == []
    assert _entry(nats_server, a, 0) == taken_at
    # A renews no more (paused, partitioned): its entry expires, and a round of B takes it.
    deadline = time.monotonic() + 10 * TTL
    while b.renew() != ([0], []):
        assert time.monotonic() < deadline, "B never took the lapsed lease"
        time.sleep(0.1)
    assert b.held == [0]
    assert _entry(nats_server, b, 0)[0] == b"b"
    # A's renewal, late, finds B's revision: A has lost it, and B keeps it.
    assert a.renew() == ([], [0])
    assert a.held == []
    assert b.renew() == ([], [])
    assert b.held == [0]


def test_a_holder_that_could_not_renew_stops_a_margin_before_the_ttl(
    contender: Contender, nats_server: NatsServer
) -> None:
    # The server's ttl runs on the real clock: long enough that the lease cannot expire there
    # while the test looks, however slow the machine (a's own clock is moved by hand).
    ttl = 30.0
    clock = Clock()
    a, b = contender("a", clock=clock, ttl=ttl), contender("b", ttl=ttl)
    assert a.want([0]) == [0]
    taken = clock.now
    clock.now = taken + ttl * (1 - MARGIN) - 0.01
    assert a.holds(0)  # the control: just before the margin it still fetches
    clock.now = taken + ttl * (1 - MARGIN)
    assert not a.holds(0)  # from the margin on it does not, renewed or not ...
    assert a.held == []
    assert a.states() == {0: False}
    assert b.want([0]) == []  # ... while the server would not yet give the shard to another
    assert _entry(nats_server, a, 0)[0] == b"a"


def test_a_stale_holders_renewal_fails_by_revision(
    contender: Contender, nats_server: NatsServer
) -> None:
    a = contender("a")
    assert a.want([0]) == [0]
    _, first = _entry(nats_server, a, 0)
    # The control: A's own renewal goes through, and moves the revision on.
    assert a.renew() == ([], [])
    _, second = _entry(nats_server, a, 0)
    assert first is not None
    assert second is not None
    assert second > first
    assert a.held == [0]
    # A's entry expired and B took the shard: A's renewal, with its revision, is refused.
    _write(nats_server, a, 0, b"b")
    assert a.renew() == ([], [0])
    assert not a.holds(0)
    assert _entry(nats_server, a, 0)[0] == b"b"


def test_a_renewal_whose_answer_was_lost_keeps_the_lease(
    contender: Contender, nats_server: NatsServer
) -> None:
    a = contender("a")
    assert a.want([0]) == [0]
    # The server wrote a renewal of A's whose answer A never had: its revision is newer than
    # the one A knows, and its value is A's, so A holds it still (and renews from there).
    _write(nats_server, a, 0, b"a")
    assert a.renew() == ([], [])
    assert a.held == [0]
    _, revision = _entry(nats_server, a, 0)
    assert a.renew() == ([], [])
    assert _entry(nats_server, a, 0)[1] != revision


def test_the_leases_are_on_metrics(contender: Contender) -> None:
    a, b = contender("a"), contender("b")
    a.want([3])
    b.want([3])
    shown_a, shown_b = Metrics(), Metrics()
    shown_a.watch_leases(a)
    shown_b.watch_leases(b)
    assert b'buurt_shard_lease_held{shard="3"} 1.0' in shown_a.render()
    assert b'buurt_shard_lease_held{shard="3"} 0.0' in shown_b.render()


def test_a_worker_counts_on_the_buckets_ttl(contender: Contender) -> None:
    first = contender("a", ttl=TTL)
    first.want([0])
    later = contender("b", ttl=TTL * 4)
    later.want([1])
    assert later.ttl == TTL  # the bucket's, not the one configured
    # The control: the first one counts on what it configured, which is the bucket's.
    assert first.ttl == TTL
