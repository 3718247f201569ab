"""What every use case needs from outside, built once by ``buurt.bootstrap`` and never changed.

``Services`` is the use cases' context: the unit of work factory (the store), the clock, the
password hasher, the bus that carries domain events to their handlers once a change is
committed, the matcher that turns a publication into moments inside its unit of work, the
consent mirror the matcher asks, and the webhook rules. Every field is given when it is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.events import DomainEvent, MomentCreated
from buurt.domain.following import Update
from buurt.domain.moments import Moment
from buurt.domain.webhooks import WebhookRules
from buurt.ports import Bus, Clock, Passwords, UnitOfWork, UnitOfWorkFactory

Publication = Event | Intent | Offer


class Matching(Protocol):
    """Turns a new publication, or an update of a followed proposal, into moments, inside the
    publishing unit of work."""

    def moments_for(self, uow: UnitOfWork, record: Publication, at: datetime) -> list[Moment]: ...

    def follower_moments(self, uow: UnitOfWork, update: Update, at: datetime) -> list[Moment]: ...


class NoMatching:
    """Matching that finds nothing: for tools that store records without an engine."""

    def moments_for(self, uow: UnitOfWork, record: Publication, at: datetime) -> list[Moment]:
        return []

    def follower_moments(self, uow: UnitOfWork, update: Update, at: datetime) -> list[Moment]:
        return []


@dataclass(frozen=True)
class Services:
    """The wired dependencies of the use cases."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    passwords: Passwords
    bus: Bus
    matching: Matching
    webhook_rules: WebhookRules

    def uow(self) -> UnitOfWork:
        return self.uow_factory()

    def publish(self, *events: DomainEvent) -> None:
        """Tell the handlers about committed changes (call after ``commit()``)."""
        self.bus.publish(*events)

    def publish_moments(self, moments: list[Moment]) -> None:
        self.bus.publish(*(MomentCreated(moment) for moment in moments))
