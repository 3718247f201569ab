"""What every use case needs from outside, built once by ``buurt.bootstrap`` and never changed.

``Services`` is the use cases' context: the unit of work factory (the store), the clock, the
password hasher, the bus that carries domain events to their handlers once a change is
committed, the matcher that turns a publication into moments inside its unit of work, the
consent mirror the matcher asks, and the webhook rules. Every field is given when it is built;
``outbox`` is there when events leave the process (the NATS bus), and ``None`` on the embedded
default.

A use case ends its unit of work with ``services.commit(uow, *events)``: the events of the
change are committed with it (in the outbox) or published right after it (the in-process bus).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.events import DomainEvent, ProposalUpdated
from buurt.domain.following import Update
from buurt.domain.moments import Moment
from buurt.domain.webhooks import WebhookRules
from buurt.ports import Bus, Clock, Outbox, Passwords, UnitOfWork, UnitOfWorkFactory

Publication = Event | Intent | Offer


class Matching(Protocol):
    """Turns a new publication, or an update of a followed proposal, into moments, inside the
    publishing unit of work."""

    def moments_for(self, uow: UnitOfWork, record: Publication, at: datetime) -> list[Moment]: ...

    def followers_told(self, uow: UnitOfWork, update: Update, at: datetime) -> list[DomainEvent]:
        """The events the update's unit of work commits for the proposal's followers: the
        ``MomentCreated`` of the moments added to it, or the update itself for the engine
        worker that tells them (``ProposalUpdated``)."""
        ...


class NoMatching:
    """Matching that finds nothing: for tools that store records without an engine."""

    def moments_for(self, uow: UnitOfWork, record: Publication, at: datetime) -> list[Moment]:
        return []

    def followers_told(self, uow: UnitOfWork, update: Update, at: datetime) -> list[DomainEvent]:
        return []


class MatchedByWorkers:
    """Matching in a process of a deployment whose engine workers match (``BUURT_MATCHING=
    workers``, ADR 0014): a publication is stored and its event committed through the outbox,
    and the worker that owns its shard matches it from the stream.

    An update of a followed proposal goes the same way (ADR 0017): its ``ProposalUpdated`` is
    committed with the update, and the worker that owns the circle's shard tells the
    followers, in the gate that counts their other moments of the circle (or hands them, in a
    split circle, to each recipient's owner). With ``followers=False``
    (``BUURT_WORKER_OWNERS=false``) they are told here, by ``inline``, as before: their caps
    are then counted apart from the workers'."""

    def __init__(self, inline: Matching, *, followers: bool = True) -> None:
        self._inline = inline
        self._followers = followers

    def moments_for(self, uow: UnitOfWork, record: Publication, at: datetime) -> list[Moment]:
        return []

    def followers_told(self, uow: UnitOfWork, update: Update, at: datetime) -> list[DomainEvent]:
        if self._followers:
            return [ProposalUpdated(update)]
        return self._inline.followers_told(uow, update, at)


@dataclass(frozen=True)
class Services:
    """The wired dependencies of the use cases."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    passwords: Passwords
    bus: Bus
    matching: Matching
    webhook_rules: WebhookRules
    outbox: Outbox | None = None

    def uow(self) -> UnitOfWork:
        return self.uow_factory()

    def commit(self, uow: UnitOfWork, *events: DomainEvent) -> None:
        """Commit ``uow`` with the events of its change, then tell the handlers. With an
        outbox the events are written in the same transaction, so a write is never
        acknowledged without them, and relayed from there; without one (the embedded
        default) they are published after the commit, as fast as before."""
        if self.outbox is None or not events:
            uow.commit()
            if events:
                self.bus.publish(*events)
            return
        self.outbox.add(uow, events, self.clock.now())
        uow.commit()
        self.outbox.deliver()

    def publish(self, *events: DomainEvent) -> None:
        """Tell the handlers about changes already committed, or about no change at all (a
        read that others should hear of); a use case that writes uses ``commit``."""
        if self.outbox is None:
            self.bus.publish(*events)
            return
        with self.uow() as uow:
            self.commit(uow, *events)
