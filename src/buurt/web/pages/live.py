"""Live thing pages: the Server-Sent Events stream of one thing's new events.

It subscribes to the app's ``Broadcaster`` (``web.streams``) for ``event.created`` of that
thing, announced after the event is committed by whatever thread published it (an API
worker, the MQTT gateway). A stream that falls behind is closed rather than allowed to grow:
the browser's EventSource reconnects with ``Last-Event-ID`` and catches up from the store,
which is the source of truth.

A stream asks the thing policy again before every event and heartbeat, so a revoked grant or
token ends it at once, not at the next page load.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool

from buurt.adapters.streams import OVERFLOW, Broadcaster
from buurt.domain.activity import Event
from buurt.domain.errors import AuthenticationFailed
from buurt.domain.events import DomainEvent, EventPublished
from buurt.domain.parties import PartyKind
from buurt.services.community.auth import authenticate
from buurt.services.context import Services
from buurt.services.things import views
from buurt.web import i18n
from buurt.web.pages.fields import label_of, show, unit_of

HEARTBEAT_SECONDS = 15.0
RETRY_MS = 3000


def event_data(event: Event, zone_name: str) -> dict[str, Any]:
    """What the page script needs of an event: values as shown, with their units."""
    # With its date and in the page's language, as the page itself writes it.
    local = i18n.format_datetime(event.occurred_at, ZoneInfo(zone_name))
    return {
        "id": event.id,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "local_time": local,
        "local_seen": local,
        "attributes": event.attributes,
        "shown": {k: show(v, unit_of(k)) for k, v in event.attributes.items()},
        "labels": {k: label_of(k) for k in event.attributes},
    }


def sse(event: Event, zone_name: str) -> str:
    data = json.dumps(event_data(event, zone_name), separators=(",", ":"), default=str)
    return f"id: {event.id}\nevent: thing-event\ndata: {data}\n\n"


def _of_thing(thing_id: str) -> Callable[[DomainEvent], bool]:
    def accepts(published: DomainEvent) -> bool:
        return (
            isinstance(published, EventPublished)
            and published.event.source_kind is PartyKind.THING
            and published.event.source_id == thing_id
        )

    return accepts


async def thing_stream(
    services: Services,
    broadcaster: Broadcaster,
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
        return views.may_see(services, principal, thing_id)

    with broadcaster.subscribe(_of_thing(thing_id)) as queue:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        sent: set[str] = set()
        if last_event_id:
            principal = await run_in_threadpool(authenticate, services, token)
            backlog = await run_in_threadpool(
                views.events_since, services, principal, thing_id, last_event_id
            )
            for missed in backlog:
                sent.add(missed.id)
                yield sse(missed, zone_name)
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                if not await run_in_threadpool(allowed):
                    return
                yield ": heartbeat\n\n"
                continue
            if item is OVERFLOW or not await run_in_threadpool(allowed):
                return
            event = item.event
            if event.id not in sent:
                yield sse(event, zone_name)
