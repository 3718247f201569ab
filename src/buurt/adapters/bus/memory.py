"""The in-process bus: handlers run synchronously, in the publisher's thread, in order.

This is the embedded default. A publish returns once every handler has run, so a use case's
caller is answered only after the engine's indexes and the consent mirror have seen its change
(the next request already matches against it). Handlers are looked up by the event's class and
its bases, once per class.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from buurt.domain.events import DomainEvent
from buurt.ports.bus import E, Handler

log = logging.getLogger("buurt.bus")


class InProcessBus:
    """A ``Bus`` whose handlers are given as a map from event type to handlers."""

    def __init__(self, handlers: Mapping[type[DomainEvent], Sequence[Handler[Any]]] = {}) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[type[DomainEvent], list[Handler[Any]]] = {
            kind: list(found) for kind, found in handlers.items()
        }
        self._resolved: dict[type[DomainEvent], tuple[Handler[Any], ...]] = {}

    def subscribe(self, kind: type[E], handler: Handler[E]) -> None:
        with self._lock:
            self._handlers.setdefault(kind, []).append(handler)
            self._resolved.clear()

    def publish(self, *events: DomainEvent) -> None:
        for event in events:
            for handler in self._for(type(event)):
                try:
                    handler(event)
                except Exception:
                    # The publisher's change is committed: it must get its answer, and the
                    # other handlers their event. The failure is logged with its traceback.
                    log.exception("a handler of %s failed: %r", event.name, handler)

    def _for(self, kind: type[DomainEvent]) -> tuple[Handler[Any], ...]:
        found = self._resolved.get(kind)
        if found is None:
            with self._lock:
                found = tuple(
                    handler for base in kind.__mro__ for handler in self._handlers.get(base, ())
                )
                self._resolved[kind] = found
        return found
