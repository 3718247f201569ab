"""The outbox port: events that travel with their write's transaction.

When events leave the process (the NATS bus), a use case hands them to the outbox inside its
unit of work: ``add`` writes them in that transaction, so they are committed with the write or
not at all, and nothing acknowledged is lost when the bus is away or the process dies. After the
commit, ``deliver`` hands what is pending to the bus now (and returns once this process's
handlers ran it, as ``Bus.publish`` does); when the bus is away it returns at once and the
relay publishes later. The embedded default has no outbox: its events go straight to the
in-process bus after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from buurt.domain.events import DomainEvent
from buurt.ports.store import UnitOfWork


class Outbox(Protocol):
    def add(self, uow: UnitOfWork, events: Sequence[DomainEvent], at: datetime) -> None:
        """Write ``events`` into ``uow``'s transaction, in order."""
        ...

    def deliver(self) -> None:
        """After a commit: publish what is pending now, or leave it to the relay."""
        ...
