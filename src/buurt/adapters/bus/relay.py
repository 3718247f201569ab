"""The outbox relay: pending outbox rows to JetStream, in order, until none is left.

``OutboxRelay`` is the ``Outbox`` of an instance on the NATS bus. ``add`` writes a unit of
work's events into its transaction (``adapters/store/outbox.py``). After the commit,
``deliver`` relays in the caller's thread (the fast path: JetStream is up, the caller is
answered once its own process's handlers ran the events); a background thread relays what is
left (rows of a process that died, rows written while JetStream was away, rows of other
processes on the same store), polling every ``poll`` seconds and woken by a failed delivery.

While JetStream is away the relay backs off (doubling from ``BACKOFF_START`` to
``BACKOFF_MAX`` seconds) and ``deliver`` returns at once, so writes keep their speed; the
first batch that goes through ends the backoff. Every message carries its row's
``message_id`` as ``Nats-Msg-Id``, so a batch published again (after a crash between the
publish and the delete, or by two processes on one SQLite file) is stored once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from buurt.adapters.bus.nats import BusUnavailable, NatsBus
from buurt.adapters.store.outbox import BATCH, SqlOutbox
from buurt.domain.events import DomainEvent
from buurt.ports.store import UnitOfWork

log = logging.getLogger("buurt.outbox")

BACKOFF_START = 0.1
BACKOFF_MAX = 5.0
POLL_SECONDS = 1.0
# Batches ``deliver`` relays in the caller's thread before it leaves the rest to the relay.
DELIVER_BATCHES = 5


class OutboxRelay:
    """The outbox of one store, relayed to one NATS bus; ``start`` and ``stop`` its thread."""

    def __init__(
        self,
        outbox: SqlOutbox,
        bus: NatsBus,
        *,
        batch: int = BATCH,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.outbox, self.bus, self.batch, self.poll = outbox, bus, batch, poll
        # One batch at a time in this process: rows then go out in order.
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._backoff = 0.0
        self._published_up_to = 0  # the highest sequence this relay stored that this process hears
        self.relayed = 0  # messages stored on the stream (counting a deduplicated repeat)
        self.failures = 0  # batches JetStream did not take

    # -- the Outbox port ---------------------------------------------------------------------

    def add(self, uow: UnitOfWork, events: Sequence[DomainEvent], at: datetime) -> None:
        self.outbox.add(uow, events, at)

    def deliver(self) -> None:
        if self._backoff > 0:
            return  # JetStream was away at the last try: the relay retries on its schedule
        if not self.bus.connected:
            self._wake.set()  # the relay finds out, and backs off
            return
        with self._lock:
            for _ in range(DELIVER_BATCHES):
                try:
                    if self._relay_batch() < self.batch:
                        break
                except (BusUnavailable, SQLAlchemyError):
                    # Committed and in the outbox: the write stands, the relay retries.
                    log.warning("the outbox could not publish now; the relay retries")
                    self._failed()
                    return
            else:
                self._wake.set()  # a backlog: the relay drains the rest
            up_to = self._published_up_to
        self.bus.wait_heard(up_to)

    # -- the relay ---------------------------------------------------------------------------

    def relay_pending(self) -> int:
        """Relay batches until the outbox is empty; how many messages. Raises what stops it."""
        if not self.bus.connected:
            raise BusUnavailable("the NATS client is not connected")
        moved = 0
        with self._lock:
            while (count := self._relay_batch()) > 0:
                moved += count
        return moved

    def start_thread(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="buurt-outbox", daemon=True)
        self._thread.start()

    def stop_thread(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=self.bus.timeout * 4)
        self._thread = None

    async def start(self) -> None:
        """The serving app's background work: relay beside the requests."""
        self.start_thread()

    async def stop(self) -> None:
        await asyncio.to_thread(self.stop_thread)

    @property
    def backing_off(self) -> bool:
        return self._backoff > 0

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                moved = self.relay_pending()
            except (BusUnavailable, SQLAlchemyError) as error:
                log.info("outbox relay backs off %.1f s: %r", self._backoff, error)
                self._failed()
                moved = 0
            if moved:
                log.debug("outbox relay published %d messages", moved)
            self._wake.wait(timeout=self._backoff or self.poll)
            self._wake.clear()

    def _relay_batch(self) -> int:
        count = self.outbox.relay(self._publish, self.batch)
        if count:
            self._backoff = 0.0
        return count

    def _publish(self, messages: Sequence[tuple[str, DomainEvent]]) -> None:
        identified: list[tuple[str | None, DomainEvent]] = list(messages)
        sequences = self.bus.publish_identified(identified, wait=False)
        self.relayed += len(sequences)
        heard = self.bus.to_hear([event for _, event in identified], sequences)
        self._published_up_to = max(self._published_up_to, heard)

    def _failed(self) -> None:
        self.failures += 1
        self._backoff = min(BACKOFF_MAX, max(BACKOFF_START, self._backoff * 2))
