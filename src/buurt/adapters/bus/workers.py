"""Shard consumers: an engine worker's durable share of the stream, acknowledged after commit.

``ShardConsumers`` holds one durable pull consumer per owned shard, named after the shard
(``buurt-shard-<n>``), not after the worker: a worker that stops, or lets a shard go, leaves
the consumer and its position on the server, and the next worker to take the shard binds to
the same consumer and goes on from there. Each consumer follows only the publications of its
shard (``<prefix>.<n>.*.event.created`` and ``<prefix>.<n>.*.standing.created``) and the
updates of followed proposals in its circles (``<prefix>.<n>.*.proposal.updated``, ADR 0017);
a consumer made by an older version, without the last, is given it when a worker binds.

A thread per shard fetches a batch, hands each message to ``handle(sequence, event)`` (which
matches it and commits its moments) and acknowledges it only once ``handle`` returned, with a
double acknowledgement (``ack_sync``: the server confirmed it). A message is therefore
delivered again when its worker dies before that, or when ``handle`` raised (a ``nak`` with a
delay); ``handle`` must make a second delivery harmless (the delivery keys of moments do).

A shard's thread fetches only while ``holds(shard)`` says its worker holds the shard's lease
(``adapters/bus/leases.py``), and asks again before each message of a batch: what it fetched
when the lease lapsed is given back at once, for the worker that takes the shard next.

A consumer made here for the first time starts at the stream's end (``DeliverPolicy.NEW``):
publications stored before any worker ran were matched inline. Start the workers before
switching the API replicas to ``BUURT_MATCHING=workers``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from buurt.adapters.bus.nats import BusUnavailable, NatsBus
from buurt.domain.events import (
    DomainEvent,
    EventPublished,
    ProposalUpdated,
    StandingCreated,
    from_json,
)

log = logging.getLogger("buurt.worker")

BATCH = 64
FETCH_SECONDS = 1.0
ACK_WAIT_SECONDS = 30.0
RETRY_DELAY_SECONDS = 1.0
BACKOFF_MAX = 5.0
UNHELD_WAIT_SECONDS = 0.1  # how often a shard's thread looks again at a lease it lacks
MATCHED = (EventPublished.name, StandingCreated.name, ProposalUpdated.name)

T = TypeVar("T")
Handle = Callable[[int, T], None]
"""Handles a message at its stream sequence (matches a publication and commits its moments),
or raises."""
Holds = Callable[[int], bool]
"""Whether this worker holds a shard's lease now (it may fetch from the shard)."""


def consumer_name(shard: int) -> str:
    return f"buurt-shard-{shard}"


@dataclass
class ShardStats:
    """What one shard's consumer did in this process (``/metrics``, tests)."""

    handled: int = 0  # messages acknowledged after ``handle``
    redelivered: int = 0  # of those, messages the server had delivered before
    failures: int = 0  # ``handle`` raised: the message was given back


@dataclass
class _Shard:
    number: int
    subscription: JetStreamContext.PullSubscription
    thread: threading.Thread | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    stats: ShardStats = field(default_factory=ShardStats)


class Consumers(Generic[T]):
    """Durable pull consumers, one per owned shard, each followed by a thread of its own; a
    subclass says which stream and subjects, and how a message reads (``decode``)."""

    def __init__(
        self,
        bus: NatsBus,
        handle: Handle[T],
        *,
        holds: Holds,
        batch: int = BATCH,
        ack_wait: float = ACK_WAIT_SECONDS,
    ) -> None:
        self.bus, self.handle, self.batch, self.ack_wait = bus, handle, batch, ack_wait
        self.holds = holds
        self._shards: dict[int, _Shard] = {}
        self._lock = threading.Lock()

    @property
    def owned(self) -> list[int]:
        with self._lock:
            return sorted(self._shards)

    def stats(self) -> dict[int, ShardStats]:
        with self._lock:
            return {n: shard.stats for n, shard in self._shards.items()}

    def take(self, shards: Iterable[int]) -> None:
        """Bind to each shard's durable consumer (made when missing) and follow it."""
        for number in shards:
            with self._lock:
                if number in self._shards:
                    continue
            try:
                subscription = self.bus.submit(self._ensure(number)).result(
                    timeout=self.bus.timeout * 3
                )
            except (TimeoutError, nats.errors.Error) as error:
                message = f"cannot bind the consumer of shard {number}: {error!r}"
                raise BusUnavailable(message) from error
            shard = _Shard(number, subscription)
            shard.thread = threading.Thread(
                target=self._follow, args=(shard,), name=self.name(number), daemon=True
            )
            with self._lock:
                self._shards[number] = shard
            shard.thread.start()

    def let_go(self, shards: Iterable[int]) -> None:
        """Stop following these shards, after the message each is handling; what they have
        not acknowledged is delivered to the next worker that takes them."""
        with self._lock:
            leaving = [self._shards.pop(n) for n in shards if n in self._shards]
        for shard in leaving:
            shard.stopping.set()
        for shard in leaving:
            if shard.thread is not None:
                shard.thread.join(timeout=self.ack_wait)
            try:
                self.bus.submit(shard.subscription.unsubscribe()).result(timeout=self.bus.timeout)
            except Exception:  # a closed connection has no subscription left to drop
                log.debug("unsubscribing shard %d failed", shard.number, exc_info=True)

    def stop(self) -> None:
        self.let_go(self.owned)

    # -- what a subclass says ----------------------------------------------------------------

    def name(self, number: int) -> str:
        raise NotImplementedError

    def decode(self, data: bytes) -> T:
        """The message's payload; ``ValueError``, ``TypeError`` or ``KeyError`` when it is not
        one (it is then acknowledged and skipped)."""
        raise NotImplementedError

    async def _ensure(self, number: int) -> JetStreamContext.PullSubscription:
        raise NotImplementedError

    # -- on the client's loop ----------------------------------------------------------------

    def _js(self) -> JetStreamContext:
        return self.bus.client.jetstream(timeout=self.bus.timeout)

    async def _fetch(self, shard: _Shard) -> list[Msg]:
        try:
            return await shard.subscription.fetch(self.batch, timeout=FETCH_SECONDS)
        except nats.errors.TimeoutError:
            return []

    # -- a shard's thread --------------------------------------------------------------------

    def _follow(self, shard: _Shard) -> None:
        backoff = 0.0
        while not shard.stopping.is_set():
            if not self.holds(shard.number):  # lapsed or another's: fetch nothing until held
                shard.stopping.wait(UNHELD_WAIT_SECONDS)
                continue
            try:
                messages = self.bus.submit(self._fetch(shard)).result(timeout=self.bus.timeout * 3)
            except Exception as error:  # NATS away or electing a leader: try again soon
                backoff = min(BACKOFF_MAX, max(0.1, backoff * 2))
                where = self.name(shard.number)
                log.info("%s: fetch failed (%r); again in %.1f s", where, error, backoff)
                shard.stopping.wait(backoff)
                continue
            backoff = 0.0
            for position, message in enumerate(messages):
                if shard.stopping.is_set() or not self.holds(shard.number):
                    # Give the rest back at once, for the next owner.
                    self._give_back(messages[position:])
                    break
                self._one(shard, message)

    def _one(self, shard: _Shard, message: Msg) -> None:
        metadata = message.metadata
        where = self.name(shard.number)
        try:
            item = self.decode(message.data)
        except (ValueError, TypeError, KeyError):
            log.warning("%s: skipped message %d: not one of ours", where, metadata.sequence.stream)
            self._settle(message.ack_sync())
            return
        try:
            self.handle(metadata.sequence.stream, item)
        except Exception:
            shard.stats.failures += 1
            log.exception("%s: message %d failed; given back", where, metadata.sequence.stream)
            self._settle(message.nak(delay=RETRY_DELAY_SECONDS))
            time.sleep(RETRY_DELAY_SECONDS / 10)
            return
        if self._settle(message.ack_sync(timeout=self.bus.timeout)):
            shard.stats.handled += 1
            if metadata.num_delivered > 1:
                shard.stats.redelivered += 1
                log.info(
                    "%s: message %d was delivered again (%d times): handled once",
                    where,
                    metadata.sequence.stream,
                    metadata.num_delivered,
                )

    def _give_back(self, messages: list[Msg]) -> None:
        for message in messages:
            self._settle(message.nak())

    def _settle(self, work: object) -> bool:
        """Run an ack or nak on the client's loop; a lost one means a redelivery, which the
        handler makes harmless."""
        try:
            self.bus.submit(work).result(timeout=self.bus.timeout * 3)  # type: ignore[arg-type]
        except Exception as error:
            log.info("an acknowledgement was lost (%r): the message comes again", error)
            return False
        return True


class ShardConsumers(Consumers[DomainEvent]):
    """The shards one worker owns: their publications, on the event stream."""

    def name(self, number: int) -> str:
        return consumer_name(number)

    def decode(self, data: bytes) -> DomainEvent:
        return from_json(json.loads(data))

    async def _ensure(self, number: int) -> JetStreamContext.PullSubscription:
        js = self._js()
        prefix = f"{self.bus.prefix}.{number}.*"
        subjects = [f"{prefix}.{name}" for name in MATCHED]
        try:
            info = await js.consumer_info(self.bus.stream, consumer_name(number))
        except NotFoundError:
            await js.add_consumer(
                self.bus.stream,
                api.ConsumerConfig(
                    durable_name=consumer_name(number),
                    filter_subjects=subjects,
                    ack_policy=api.AckPolicy.EXPLICIT,
                    ack_wait=self.ack_wait,
                    deliver_policy=api.DeliverPolicy.NEW,
                    max_ack_pending=self.batch * 4,
                ),
            )
        else:
            config = info.config
            if sorted(config.filter_subjects or [config.filter_subject or ""]) != sorted(subjects):
                # Made by a version that matched fewer kinds of message: the same consumer,
                # at the same place, now given every subject this version matches.
                config.filter_subject = None
                config.filter_subjects = subjects
                await js.add_consumer(self.bus.stream, config)
        return await js.pull_subscribe_bind(consumer_name(number), self.bus.stream)
