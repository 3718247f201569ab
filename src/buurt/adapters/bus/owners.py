"""Owners: candidates of split circles, on a stream of their own, to the worker that owns
their recipient.

A worker that matches a publication of a split circle publishes its candidates
(``services/matching/handoff.py``) on ``buurt.candidates.<shard>``, the shard being the
*recipient's* (``Sharding.recipient_shard``), to the stream ``<events stream>_CANDIDATES``,
which the first worker makes (a work queue: a candidate is kept until it is acknowledged, at
the events stream's replication). Each candidate carries its delivery key as ``Nats-Msg-Id``,
and ``publish_candidates`` returns only once JetStream acknowledged every one: the worker
acknowledges the publication after that, so a publication is never acknowledged with a
candidate lost, and one matched again sends candidates JetStream stores once.

``OwnerConsumers`` follows, for each shard a worker owns, the durable consumer
``buurt-owner-<n>`` of that shard's candidates, from the first one stored (candidates
published before any owner bound are not lost), and acknowledges a candidate only once
``handle`` committed its moment (or its refusal by the gate: nothing to write), and only while
it holds the shard's lease, as for the shard's publications.

The candidates live outside ``buurt.events.>``: no process's ordered consumer hears them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import nats
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from buurt.adapters.bus.nats import DUPLICATE_WINDOW_SECONDS, BusUnavailable, NatsBus
from buurt.adapters.bus.workers import ACK_WAIT_SECONDS, BATCH, Consumers, Handle, Holds, T

CANDIDATE_PREFIX = "buurt.candidates"


def owner_consumer_name(shard: int) -> str:
    return f"buurt-owner-{shard}"


def candidate_stream(stream: str) -> str:
    return f"{stream}_CANDIDATES"


def candidate_subject(shard: int) -> str:
    return f"{CANDIDATE_PREFIX}.{shard}"


def ensure_candidate_stream(bus: NatsBus) -> None:
    """Make the candidates' stream when it is missing, replicated as the events stream is."""

    async def ensure() -> None:
        js = bus.client.jetstream(timeout=bus.timeout)
        name = candidate_stream(bus.stream)
        try:
            await js.stream_info(name)
            return
        except NotFoundError:
            pass
        events = await js.stream_info(bus.stream)
        await js.add_stream(
            api.StreamConfig(
                name=name,
                subjects=[f"{CANDIDATE_PREFIX}.>"],
                retention=api.RetentionPolicy.WORK_QUEUE,
                storage=api.StorageType.FILE,
                num_replicas=events.config.num_replicas,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
            )
        )

    try:
        bus.submit(ensure()).result(timeout=bus.timeout * 3)
    except (TimeoutError, nats.errors.Error) as error:
        raise BusUnavailable(f"cannot make the candidates' stream: {error!r}") from error


def publish_candidates(bus: NatsBus, items: list[tuple[int, str, bytes]]) -> None:
    """Store each ``(shard, ident, payload)`` on the candidates' stream and wait for every
    acknowledgement; ``BusUnavailable`` when one is missing (publish them all again: the
    idents make that harmless)."""
    if not items:
        return

    async def publish() -> None:
        js = bus.client.jetstream(timeout=bus.timeout)
        stream = candidate_stream(bus.stream)
        await asyncio.gather(
            *(
                js.publish(
                    candidate_subject(shard),
                    payload,
                    stream=stream,
                    headers={"Nats-Msg-Id": ident},
                )
                for shard, ident, payload in items
            )
        )

    try:
        bus.submit(publish()).result(timeout=bus.timeout * 3)
    except (TimeoutError, nats.errors.Error) as error:
        raise BusUnavailable(f"JetStream did not take the candidates: {error!r}") from error


class OwnerConsumers(Consumers[T]):
    """The candidates of the shards one worker owns, for the recipients it owns; ``decode``
    reads one (the candidates' form is the matching services', not the bus's)."""

    def __init__(
        self,
        bus: NatsBus,
        handle: Handle[T],
        decode: Callable[[bytes], T],
        *,
        holds: Holds,
        batch: int = BATCH,
        ack_wait: float = ACK_WAIT_SECONDS,
    ) -> None:
        super().__init__(bus, handle, holds=holds, batch=batch, ack_wait=ack_wait)
        self._decode = decode

    def name(self, number: int) -> str:
        return owner_consumer_name(number)

    def decode(self, data: bytes) -> T:
        return self._decode(data)

    async def _ensure(self, number: int) -> JetStreamContext.PullSubscription:
        js = self._js()
        stream = candidate_stream(self.bus.stream)
        name = owner_consumer_name(number)
        try:
            await js.consumer_info(stream, name)
        except NotFoundError:
            await js.add_consumer(
                stream,
                api.ConsumerConfig(
                    durable_name=name,
                    filter_subject=candidate_subject(number),
                    ack_policy=api.AckPolicy.EXPLICIT,
                    ack_wait=self.ack_wait,
                    deliver_policy=api.DeliverPolicy.ALL,
                    max_ack_pending=self.batch * 4,
                ),
            )
        return await js.pull_subscribe_bind(name, stream)
