"""Moments to the live streams of whichever process serves their parties, on core NATS.

Once JetStream stored a ``moment.created`` or ``moment.changed``, the NATS bus publishes it
again on one subject per party of the moment (``Moment.parties``): ``buurt.moments.<kind>.<id>``,
for instance ``buurt.moments.member.mem_01``, with the outbox row's message id as
``Nats-Msg-Id`` (``moment_subjects`` is the bus's ``fan_out``). The subjects are outside the
stream's ``buurt.events.>``: nothing is stored twice.

A process's moments streams follow the subjects of the principals connected to it
(``PartyFeed.follow``): one NATS subscription per subject, however many streams of that party
are open, dropped with the last one. NATS routes a message only to processes that follow its
subject, so a replica hears its own members' moments, made by whichever process matched them,
and no one else's. Core NATS keeps nothing (ADR 0013): the store does. A stream is entered
only once the server has its subscription, so a client that reconnects with ``Last-Event-ID``
misses nothing between the store's answer and the live moments; when the connection drops,
every followed stream is ended, and its client comes back the same way. A message published
twice (a relay that retried a batch) carries the same id, and a stream passes it on once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import deque
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from buurt.adapters.bus.nats import NatsBus
from buurt.adapters.streams import Accepts, Subscriber
from buurt.domain.events import DomainEvent, MomentChanged, MomentCreated, from_json

log = logging.getLogger("buurt.bus")

MOMENTS_PREFIX = "buurt.moments"
REMEMBERED_IDS = 1000  # per stream: far more than a relay's batch, the one thing that repeats
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


def party_subject(kind: str, ident: str, prefix: str = MOMENTS_PREFIX) -> str:
    return f"{prefix}.{_UNSAFE.sub('-', kind)}.{_UNSAFE.sub('-', ident)}"


def moment_subjects(event: DomainEvent) -> Sequence[str]:
    """The subjects a moment's event is announced on (none for any other event)."""
    if isinstance(event, MomentCreated | MomentChanged):
        return [party_subject(kind, ident) for kind, ident in event.moment.parties()]
    return ()


@dataclass(eq=False)
class _Follower(Subscriber):
    seen: deque[str] = field(default_factory=lambda: deque(maxlen=REMEMBERED_IDS))

    def offer_once(self, ident: str, event: DomainEvent) -> None:
        """Runs on the follower's loop: each message id once, and only what it accepts."""
        if ident in self.seen:
            return
        self.seen.append(ident)
        if self.accepts(event):
            self.offer(event)


class PartyFeed:
    """``LiveMoments`` on the NATS bus. Its state is touched on the client's loop only."""

    def __init__(self, bus: NatsBus) -> None:
        self._bus = bus
        self._followers: dict[str, set[_Follower]] = {}
        self._subscriptions: dict[str, asyncio.Task[Subscription]] = {}
        bus.on_disconnect(self._cut_off)

    @property
    def subjects(self) -> int:
        """How many parties' subjects this process follows now (``/metrics``)."""
        return len(self._subscriptions)

    @asynccontextmanager
    async def follow(
        self, parties: Collection[tuple[str, str]], accepts: Accepts
    ) -> AsyncIterator[asyncio.Queue[Any]]:
        follower = _Follower(asyncio.get_running_loop(), accepts)
        subjects = sorted({party_subject(kind, ident) for kind, ident in parties})
        try:
            await asyncio.wrap_future(self._bus.submit(self._add(follower, subjects)))
            yield follower.queue
        finally:
            # Not awaited: a stream closed by its client is cancelled, and must not wait.
            self._bus.submit(self._remove(follower, subjects))

    async def _add(self, follower: _Follower, subjects: list[str]) -> None:
        for subject in subjects:
            self._followers.setdefault(subject, set()).add(follower)
            if subject not in self._subscriptions:
                subscribing = self._bus.client.subscribe(subject, cb=self._heard)
                self._subscriptions[subject] = asyncio.ensure_future(subscribing)
        await asyncio.gather(*(self._subscriptions[subject] for subject in subjects))
        await self._bus.client.flush()  # the server has the subscriptions: nothing is missed

    async def _remove(self, follower: _Follower, subjects: list[str]) -> None:
        for subject in subjects:
            followers = self._followers.get(subject, set())
            followers.discard(follower)
            if followers:
                continue
            self._followers.pop(subject, None)
            subscribing = self._subscriptions.pop(subject, None)
            if subscribing is None:
                continue
            try:
                await (await subscribing).unsubscribe()
            except Exception:  # a closed connection has no subscriptions left to drop
                log.debug("unsubscribing from %s failed", subject, exc_info=True)

    async def _heard(self, message: Msg) -> None:
        try:
            event = from_json(json.loads(message.data))
        except (ValueError, TypeError, KeyError):
            log.warning("skipped a message on %s: not a known event", message.subject)
            return
        ident = (message.headers or {}).get("Nats-Msg-Id", "")
        for follower in list(self._followers.get(message.subject, ())):
            follower.loop.call_soon_threadsafe(follower.offer_once, ident, event)

    def _cut_off(self) -> None:
        """The connection dropped: what was sent meanwhile is gone, so every stream ends and
        its client catches up from the store."""
        followers = {f for followers in self._followers.values() for f in followers}
        for follower in followers:
            follower.loop.call_soon_threadsafe(follower.end)
