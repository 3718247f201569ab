"""The NATS JetStream bus: typed events on a stream, heard by every process that follows it.

Each event travels as its versioned JSON (``domain.events.to_json``) on the subject
``<prefix>.<shard>.<circle>.<event name>`` (``buurt.events.7.cir_1.moment.created``), so a
consumer can follow one shard's share (an engine worker: ``adapters/bus/workers.py``) or one
circle's (``<prefix>.*.<circle>.>``); an event of no circle goes on
``<prefix>._._.<event name>``. The shard is ``adapters/bus/shards.py``'s. Every
``NatsBus`` follows the stream with an ordered consumer from the moment it starts, and hands
what it hears to its handlers through an ``InProcessBus`` (the same lookup by type and the same
containment of a failing handler). An API replica or a gateway follows the whole stream; an
engine worker narrows it to its own shards and the events of no circle (``follow``), so the
cost of following does not grow with the number of workers (ADR 0016). ``publish`` returns
once JetStream has stored the events AND this process's handlers have run those it follows, so
a caller is answered only after its own process has seen its change, as on the embedded
default.

nats-py is asynchronous and the port is not: the client runs on an event loop in a thread of its
own, and handlers run in one dispatching thread, in the stream's order. A handler that publishes
does not wait for its own events (its thread is the one that would run them).

``fan_out`` names, for an event, core NATS subjects it is published on as well, once JetStream
stored it, with its message id (or its stream sequence) as ``Nats-Msg-Id``: the moments'
per-party subjects that live streams follow (``adapters/bus/parties.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import re
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from buurt.adapters.bus.memory import InProcessBus
from buurt.adapters.bus.shards import NO_SHARD, Sharding
from buurt.domain.errors import Unavailable
from buurt.domain.events import DomainEvent, from_json, to_json
from buurt.ports.bus import E, Handler

log = logging.getLogger("buurt.bus")
T = TypeVar("T")

DEFAULT_STREAM = "BUURT_EVENTS"
DEFAULT_PREFIX = "buurt.events"
CLAIMS_PREFIX = "buurt.claims"
NO_CIRCLE = "_"
# How long JetStream remembers a Nats-Msg-Id: a publish retried within it is stored once.
DUPLICATE_WINDOW_SECONDS = 24 * 3600.0
FIRST_CONNECT_ATTEMPTS = 3  # per server, before a start gives up
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")
DEFAULT_SHARDING = Sharding()


class BusUnavailable(Unavailable, ConnectionError):
    """JetStream did not take the events (server away, or no stream): a 503 problem at the
    edge, like any other part that is away."""


def circle_of(event: DomainEvent) -> str | None:
    """The circle an event belongs to: its own ``circle_id``, or that of what it carries."""
    found = getattr(event, "circle_id", None)
    if isinstance(found, str):
        return found
    for value in vars(event).values():
        carried = getattr(value, "circle_id", None)
        if isinstance(carried, str):
            return carried
        if type(value).__name__ == "Circle":
            return str(value.id)
    return None


def subject_for(
    event: DomainEvent, prefix: str = DEFAULT_PREFIX, sharding: Sharding = DEFAULT_SHARDING
) -> str:
    """``<prefix>.<shard>.<circle>.<name>``; ids are made safe as one subject token each."""
    circle = circle_of(event)
    token = _UNSAFE.sub("-", circle) if circle else NO_CIRCLE
    return f"{prefix}.{sharding.token(event, circle)}.{token}.{event.name}"


class NatsBus:
    """A ``Bus`` on a JetStream stream; ``start`` connects, ``close`` lets go."""

    def __init__(
        self,
        url: str,
        *,
        stream: str = DEFAULT_STREAM,
        prefix: str = DEFAULT_PREFIX,
        handlers: Mapping[type[DomainEvent], Sequence[Handler[Any]]] = {},
        timeout: float = 10.0,
        fan_out: Callable[[DomainEvent], Sequence[str]] = lambda event: (),
        sharding: Sharding = DEFAULT_SHARDING,
    ) -> None:
        self.url, self.stream, self.prefix, self.timeout = url, stream, prefix, timeout
        self.sharding = sharding
        self._fan_out = fan_out
        self._on_disconnect: list[Callable[[], None]] = []
        self._local = InProcessBus(handlers)
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="buurt-nats", daemon=True
        )
        self._inbox: queue.Queue[tuple[int, DomainEvent | None] | None] = queue.Queue()
        self._dispatcher = threading.Thread(target=self._dispatch, name="buurt-bus", daemon=True)
        self._heard = 0  # the stream sequence up to which this process's handlers have run
        # The newest stream sequence the consumer handed over (or the stream's end at start):
        # a narrowed consumer goes on from the next one.
        self._received = 0
        self._followed: frozenset[int] | None = None  # the shards followed; None: all
        self._following: Any = None  # the ordered consumer's subscription
        self._heard_changed = threading.Condition()
        self._client: Client | None = None
        self._js: JetStreamContext | None = None
        self._replicas = 1  # the stream's, for the claims' stream made beside it
        self._claims_ready = False

    # -- the port ------------------------------------------------------------------------------

    def subscribe(self, kind: type[E], handler: Handler[E]) -> None:
        self._local.subscribe(kind, handler)

    def publish(self, *events: DomainEvent) -> None:
        self.publish_identified([(None, event) for event in events])

    # -- beyond the port: the outbox relay names its messages -----------------------------------

    def publish_identified(
        self, events: Sequence[tuple[str | None, DomainEvent]], *, wait: bool = True
    ) -> list[int]:
        """Store each event with its ``Nats-Msg-Id`` (when given: a retry is then stored once),
        in order; the stream sequences. ``BusUnavailable`` when JetStream does not take them.
        With ``wait`` it returns once this process's handlers ran them; the outbox relay does
        not wait (a handler that writes may be waiting for the relay)."""
        if not events:
            return []
        try:
            sequences: list[int] = self._run(self._publish(events))
        except (TimeoutError, nats.errors.Error) as error:
            raise BusUnavailable(f"JetStream did not take the events: {error!r}") from error
        if wait:
            self.wait_heard(self.to_hear([event for _, event in events], sequences))
        return sequences

    def follow(self, shards: Iterable[int] | None) -> None:
        """Follow only the events of ``shards`` and of no circle from the next message on
        (``None``: the whole stream, as at start). Where circles are split, a shard's
        publications are matched against standings of the circle's other shards, so the
        whole stream is followed whatever is asked."""
        wanted = None if shards is None or self.sharding.split else frozenset(shards)
        if wanted == self._followed:
            return
        try:
            self._run(self._follow(wanted))
        except (TimeoutError, nats.errors.Error) as error:
            raise BusUnavailable(f"JetStream did not take the consumer: {error!r}") from error

    @property
    def narrowed(self) -> bool:
        """Whether this process follows only some shards (``follow``)."""
        return self._followed is not None

    def follows(self, event: DomainEvent) -> bool:
        """Whether this process hears ``event`` (its handlers run it) once it is stored."""
        if self._followed is None:
            return True
        shard = self.sharding.shard_of(event, circle_of(event))
        return shard is None or shard in self._followed

    def to_hear(self, events: Sequence[DomainEvent], sequences: Sequence[int]) -> int:
        """Of the stream sequences ``events`` were stored at, the highest this process hears:
        what to ``wait_heard`` for (0: none of them)."""
        return max(
            (seq for event, seq in zip(events, sequences, strict=True) if self.follows(event)),
            default=0,
        )

    def claim(self, ident: str) -> bool:
        """Whether this process is the first to claim ``ident``, of all the processes on the
        stream, within the duplicate window (a day): a message with ``ident`` as its
        ``Nats-Msg-Id`` on the stream ``<stream>_CLAIMS`` (made when missing, its messages
        kept as long as the window), which JetStream reports as a duplicate to every later
        claimer. ``BusUnavailable`` when JetStream does not answer."""
        try:
            return bool(self._run(self._claim(ident)))
        except (TimeoutError, nats.errors.Error) as error:
            raise BusUnavailable(f"JetStream did not take the claim: {error!r}") from error

    def wait_heard(self, sequence: int) -> None:
        """Return once this process's handlers ran the stream up to ``sequence`` (at once in
        the dispatching thread, which is the one that would run them)."""
        if sequence <= 0 or threading.current_thread() is self._dispatcher:
            return
        with self._heard_changed:
            if not self._heard_changed.wait_for(
                lambda: self._heard >= sequence, timeout=self.timeout
            ):
                # Stored, so not lost: the handlers will run when the consumer catches up.
                log.warning("handlers had not run event %d after %g s", sequence, self.timeout)

    def submit(self, work: Awaitable[T]) -> Future[T]:
        """Run ``work`` on the client's event loop (where every use of ``client`` belongs)."""
        return asyncio.run_coroutine_threadsafe(_awaited(work), self._loop)

    @property
    def client(self) -> Client:
        assert self._client is not None, "the bus is not started"
        return self._client

    def on_disconnect(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (on the client's loop) whenever the connection drops: core NATS
        messages sent meanwhile are not kept for this process."""
        self._on_disconnect.append(listener)

    @property
    def connected(self) -> bool:
        """Whether the client is connected now (not reconnecting, not closed)."""
        return self._client is not None and self._client.is_connected

    @property
    def heard(self) -> int:
        """The stream sequence up to which this process's handlers have run."""
        return self._heard

    def consumer_lag(self) -> dict[str, int]:
        """Messages each consumer of the stream has yet to be handed (``num_pending``), this
        process's own under ``"self"``: what ``/metrics`` shows as lag per consumer."""
        try:
            found: dict[str, int] = self._run(self._consumer_lag())
        except (TimeoutError, nats.errors.Error) as error:
            raise BusUnavailable(f"JetStream did not answer: {error!r}") from error
        return found

    # -- life --------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect, make the stream when it is missing, and follow it from now on."""
        self._loop_thread.start()
        self._dispatcher.start()
        try:
            self._run(self._connect())
        except (TimeoutError, OSError, nats.errors.Error) as error:
            self.close()
            raise BusUnavailable(f"cannot reach NATS at {self.url}: {error!r}") from error

    def close(self) -> None:
        if self._client is not None and self._loop_thread.is_alive():
            try:
                self._run(self._client.close())
            except Exception:  # closing a broken connection: nothing left to save
                log.debug("closing the NATS connection failed", exc_info=True)
        self._client = None
        if self._dispatcher.is_alive():
            self._inbox.put(None)
            self._dispatcher.join(timeout=self.timeout)
        if self._loop_thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(timeout=self.timeout)
        if not self._loop.is_running() and not self._loop.is_closed():
            self._loop.close()

    # -- on the event loop -------------------------------------------------------------------

    async def _connect(self) -> None:
        async def quiet(error: Exception) -> None:
            # Without an error callback nats-py prints a traceback on every refused reconnect.
            log.debug("NATS: %r", error)

        self._client = await nats.connect(
            servers=[server.strip() for server in self.url.split(",")],
            connect_timeout=self.timeout,
            reconnect_time_wait=0.2,
            # A few tries per server at start, so that a process whose NATS is away says so
            # in about a second; once connected it tries again for as long as it runs (a
            # node restarting, a cluster electing a leader). nats-py reads the option at each
            # reconnect, and has no other way to tell the first connect from a reconnect.
            max_reconnect_attempts=FIRST_CONNECT_ATTEMPTS,
            error_cb=quiet,
            disconnected_cb=self._disconnected,
        )
        self._client.options["max_reconnect_attempts"] = -1
        self._js = self._client.jetstream(timeout=self.timeout)
        try:
            info = await self._js.stream_info(self.stream)
        except NotFoundError:
            info = await self._js.add_stream(
                api.StreamConfig(
                    name=self.stream,
                    subjects=[f"{self.prefix}.>"],
                    storage=api.StorageType.FILE,
                    duplicate_window=DUPLICATE_WINDOW_SECONDS,
                )
            )
        self._replicas = info.config.num_replicas or 1
        with self._heard_changed:
            # What was stored before this process started is not for its handlers (they
            # rebuild from the store): it is not lag.
            self._heard = max(self._heard, info.state.last_seq or 0)
        self._received = max(self._received, info.state.last_seq or 0)
        self._following = await self._js.subscribe(
            f"{self.prefix}.>",
            stream=self.stream,
            cb=self._heard_message,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.NEW,
        )

    async def _follow(self, shards: frozenset[int] | None) -> None:
        assert self._js is not None, "follow before start"
        # On the loop, where messages are received: none arrives between the old consumer's
        # last and the start of the new one, so nothing is heard twice or missed.
        if self._following is not None:
            await self._following.unsubscribe()
        subjects = (
            [f"{self.prefix}.>"]
            if shards is None
            else [f"{self.prefix}.{NO_SHARD}.>", *(f"{self.prefix}.{n}.>" for n in sorted(shards))]
        )
        self._following = await self._js.subscribe(
            f"{self.prefix}.>",
            stream=self.stream,
            cb=self._heard_message,
            ordered_consumer=True,
            config=api.ConsumerConfig(
                filter_subjects=subjects,
                deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=self._received + 1,
            ),
        )
        self._followed = shards

    async def _publish(self, events: Sequence[tuple[str | None, DomainEvent]]) -> list[int]:
        assert self._js is not None, "publish before start"
        sequences = []
        for ident, event in events:
            payload = json.dumps(to_json(event), separators=(",", ":")).encode()
            headers = {"Nats-Msg-Id": ident} if ident else None
            ack = await self._js.publish(
                subject_for(event, self.prefix, self.sharding),
                payload,
                stream=self.stream,
                headers=headers,
            )
            sequences.append(ack.seq)
            for subject in self._fan_out(event):
                await self._announce(subject, payload, ident or f"{self.stream}.{ack.seq}")
        return sequences

    async def _claim(self, ident: str) -> bool:
        assert self._js is not None, "claim before start"
        stream, subject = f"{self.stream}_CLAIMS", f"{CLAIMS_PREFIX}.{self.stream}"
        if not self._claims_ready:
            try:
                await self._js.stream_info(stream)
            except NotFoundError:
                # Two processes making it at once with one configuration both succeed.
                await self._js.add_stream(
                    api.StreamConfig(
                        name=stream,
                        subjects=[subject],
                        storage=api.StorageType.FILE,
                        num_replicas=self._replicas,
                        max_age=DUPLICATE_WINDOW_SECONDS,
                        duplicate_window=DUPLICATE_WINDOW_SECONDS,
                    )
                )
            self._claims_ready = True
        ack = await self._js.publish(subject, b"", stream=stream, headers={"Nats-Msg-Id": ident})
        return not ack.duplicate

    async def _announce(self, subject: str, payload: bytes, ident: str) -> None:
        # At most once: the event is on the stream and in the store already, and whoever
        # follows the subject catches up from the store after a gap (see parties.py).
        try:
            await self.client.publish(subject, payload, headers={"Nats-Msg-Id": ident})
        except nats.errors.Error as error:
            log.warning("could not announce on %s: %r", subject, error)

    async def _disconnected(self) -> None:
        for listener in self._on_disconnect:
            try:
                listener()
            except Exception:  # one listener's mistake must not stop the others hearing
                log.exception("a NATS disconnect listener failed")

    async def _consumer_lag(self) -> dict[str, int]:
        assert self._js is not None, "lag before start"
        info = await self._js.stream_info(self.stream)
        if self._followed is None:
            lag = {"self": max(0, (info.state.last_seq or 0) - self._heard)}
        else:  # the stream's other shards are not this process's to hear
            found = await self._following.consumer_info()
            lag = {"self": (found.num_pending or 0) + max(0, self._received - self._heard)}
        for consumer in await self._js.consumers_info(self.stream):
            if consumer.config.durable_name:  # ordered consumers are ephemeral: "self" above
                lag[consumer.config.durable_name] = consumer.num_pending or 0
        return lag

    async def _heard_message(self, message: Msg) -> None:
        sequence = message.metadata.sequence.stream
        self._received = max(self._received, sequence)
        try:
            event: DomainEvent | None = from_json(json.loads(message.data))
        except (ValueError, TypeError, KeyError):
            # A newer writer's event (a rolling upgrade) or a stranger's message: not ours to
            # handle, but its place in the stream still counts as heard.
            log.warning("skipped message %d on %s: not a known event", sequence, message.subject)
            event = None
        self._inbox.put((sequence, event))

    # -- threads -----------------------------------------------------------------------------

    def _run(self, work: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(work, self._loop)
        return future.result(timeout=self.timeout * 3)

    def _dispatch(self) -> None:
        while (item := self._inbox.get()) is not None:
            sequence, event = item
            if event is not None:
                self._local.publish(event)
            with self._heard_changed:
                self._heard = max(self._heard, sequence)
                self._heard_changed.notify_all()


async def _awaited(work: Awaitable[T]) -> T:
    return await work
