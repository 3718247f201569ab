"""The bus port: typed domain events handed from the use cases to their handlers.

A use case publishes events after its unit of work committed (never before: a handler must
never see a change that could still roll back). ``publish`` returns once every handler that
must run in this process has run, or, for a bus that crosses processes, once the events are
handed on. A failing handler never fails the publisher, whose change is committed already, and
never keeps the other handlers from their events. Handlers subscribe by type: a handler of
``DomainEvent`` gets every event, a handler of ``MomentCreated`` only those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from buurt.domain.events import DomainEvent

E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[E], None]


class Bus(Protocol):
    def publish(self, *events: DomainEvent) -> None:
        """Hand committed events to their handlers, in order."""
        ...

    def subscribe(self, kind: type[E], handler: Handler[E]) -> None:
        """Call ``handler`` with every event of type ``kind`` (or a subtype) published later."""
        ...
