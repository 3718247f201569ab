"""Live thing pages: an in-process broadcaster of new events and the Server-Sent Events stream.

``ThingStreams`` listens on ``Services.listeners`` for ``event.created`` (announced after the
event is committed) and hands each thing event to the open streams of that thing. Listeners
run on whatever thread published (an API worker thread, the MQTT gateway), so the hand-off
goes through ``loop.call_soon_threadsafe`` into each stream's own queue. A stream that falls
behind (its queue full) is closed rather than allowed to grow: the browser's EventSource
reconnects with ``Last-Event-ID`` and catches up from the store, which is the source of truth.

A stream asks the thing policy again before every event and heartbeat, so a revoked grant or
token ends it at once, not at the next page load.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool

from buurt.domain.activity import Event, SourceKind
from buurt.services import thing_views
from buurt.services.auth import AuthenticationFailed, authenticate
from buurt.services.context import Services
from buurt.web.pages.fields import label_of, show, unit_of

HEARTBEAT_SECONDS = 15.0
QUEUE_SIZE = 256
RETRY_MS = 3000


class Inbox:
    """One open stream's queue of events, filled from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, event: Event) -> None:
        """Runs on the stream's loop; a full queue ends the stream (``None``)."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class ThingStreams:
    """Fans ``event.created`` out to the inboxes of the streams open on each thing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inboxes: dict[str, set[Inbox]] = defaultdict(set)

    def listen(self, topic: str, payload: object) -> None:
        """A ``Services`` listener; cheap, as it runs inside the publisher's call."""
        if topic != "event.created" or not isinstance(payload, Event):
            return
        if payload.source_kind is not SourceKind.THING:
            return
        with self._lock:
            inboxes = list(self._inboxes.get(payload.source_id, ()))
        for inbox in inboxes:
            try:
                inbox.loop.call_soon_threadsafe(inbox.offer, payload)
            except RuntimeError:  # the stream's loop has closed; it unsubscribes on its own
                continue

    @contextmanager
    def subscribe(self, thing_id: str) -> Iterator[Inbox]:
        inbox = Inbox(asyncio.get_running_loop())
        with self._lock:
            self._inboxes[thing_id].add(inbox)
        try:
            yield inbox
        finally:
            with self._lock:
                self._inboxes[thing_id].discard(inbox)
                if not self._inboxes[thing_id]:
                    del self._inboxes[thing_id]

    def open_streams(self, thing_id: str) -> int:
        with self._lock:
            return len(self._inboxes.get(thing_id, ()))


def event_data(event: Event, zone_name: str) -> dict[str, Any]:
    """What the page script needs of an event: values as shown, with their units."""
    local = event.occurred_at.astimezone(ZoneInfo(zone_name))
    return {
        "id": event.id,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "local_time": local.strftime("%H:%M:%S"),
        "local_seen": local.strftime("%a %d %b, %H:%M"),
        "attributes": event.attributes,
        "shown": {k: show(v, unit_of(k)) for k, v in event.attributes.items()},
        "labels": {k: label_of(k) for k in event.attributes},
    }


def sse(event: Event, zone_name: str) -> str:
    data = json.dumps(event_data(event, zone_name), separators=(",", ":"), default=str)
    return f"id: {event.id}\nevent: thing-event\ndata: {data}\n\n"


async def thing_stream(
    services: Services,
    streams: ThingStreams,
    token: str,
    thing_id: str,
    zone_name: str,
    last_event_id: str | None,
) -> AsyncIterator[str]:
    """The SSE body: catch-up after ``last_event_id``, then live events and heartbeats."""

    def allowed() -> bool:
        try:
            principal = authenticate(services, token)
        except AuthenticationFailed:
            return False
        return thing_views.may_see(services, principal, thing_id)

    with streams.subscribe(thing_id) as inbox:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        sent: set[str] = set()
        if last_event_id:
            principal = await run_in_threadpool(authenticate, services, token)
            backlog = await run_in_threadpool(
                thing_views.events_since, services, principal, thing_id, last_event_id
            )
            for missed in backlog:
                sent.add(missed.id)
                yield sse(missed, zone_name)
        while True:
            try:
                event = await asyncio.wait_for(inbox.queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                if not await run_in_threadpool(allowed):
                    return
                yield ": heartbeat\n\n"
                continue
            if event is None or not await run_in_threadpool(allowed):
                return
            if event.id not in sent:
                yield sse(event, zone_name)
