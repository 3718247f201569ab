"""Fanning domain events out to live streams (Server-Sent Events of the web edge).

Use cases publish from worker threads; streams wait on asyncio queues. A subscriber whose
queue overflows is cut off rather than slowing anyone down: its client reconnects with
``Last-Event-ID`` and catches up from the store.

A moments stream follows its principal's parties (``LiveMoments.follow``): on the embedded
default the ``Broadcaster`` hands it every moment this process hears, on the NATS bus the
``PartyFeed`` the moments published on its parties' subjects (``adapters/bus/parties.py``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from buurt.domain.events import DomainEvent

QUEUE_SIZE = 1000
OVERFLOW = object()  # put on a queue that overflowed: the stream ends


Accepts = Callable[[DomainEvent], bool]


class LiveMoments(Protocol):
    """Where a moments stream gets its moments from."""

    def follow(
        self, parties: Collection[tuple[str, str]], accepts: Accepts
    ) -> AbstractAsyncContextManager[asyncio.Queue[Any]]:
        """A queue of the events of ``parties`` that ``accepts`` keeps, and ``OVERFLOW``
        when the stream must end (its client catches up from the store). Enter it in the
        stream's loop; once entered, nothing made after is missed."""
        ...


@dataclass(eq=False)
class Subscriber:
    loop: asyncio.AbstractEventLoop
    accepts: Callable[[DomainEvent], bool]
    queue: asyncio.Queue[Any] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False

    def offer(self, item: DomainEvent) -> None:
        """Runs on the subscriber's loop."""
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True
            self.queue.get_nowait()
            self.queue.put_nowait(OVERFLOW)

    def end(self) -> None:
        """Runs on the subscriber's loop: the stream ends, as when it overflows."""
        if not self.overflowed:
            self.overflowed = True
            if self.queue.full():
                self.queue.get_nowait()
            self.queue.put_nowait(OVERFLOW)


class Broadcaster:
    """A bus handler handing each event to the streams that want it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()

    def __call__(self, event: DomainEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            if subscriber.accepts(event):
                subscriber.loop.call_soon_threadsafe(subscriber.offer, event)

    @contextmanager
    def subscribe(self, accepts: Callable[[DomainEvent], bool]) -> Iterator[asyncio.Queue[Any]]:
        """A queue of the events ``accepts`` keeps, and ``OVERFLOW`` (call in a loop)."""
        subscriber = Subscriber(asyncio.get_running_loop(), accepts)
        with self._lock:
            self._subscribers.add(subscriber)
        try:
            yield subscriber.queue
        finally:
            with self._lock:
                self._subscribers.discard(subscriber)

    @asynccontextmanager
    async def follow(
        self, parties: Collection[tuple[str, str]], accepts: Accepts
    ) -> AsyncIterator[asyncio.Queue[Any]]:
        """``LiveMoments`` in one process: every event it hears goes by ``accepts`` alone."""
        with self.subscribe(accepts) as queue:
            yield queue
