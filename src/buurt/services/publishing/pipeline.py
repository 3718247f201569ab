"""The one publish pipeline: store a publication, match it, commit both, then tell the handlers.

Events, intents and offers are publications: each is matched by the engine the moment it is
stored. Their use cases differ only in how they build and check what they store, so they hand
that to ``publish`` as a function of the unit of work, and the pipeline does the rest the same
way for all three:

1. ``write(uow)`` adds the records (and may add more, such as dead letters) to the unit of work;
2. each record is matched inside that unit of work, so its moments, their webhook deliveries
   and access-log entries are written with it (``Services.matching``); where engine workers
   match (``BUURT_MATCHING=workers``) this finds nothing, and the worker that owns the
   record's shard matches it from the stream, after the commit;
3. one commit: the publication and its moments are stored together or not at all, with
   their domain events when there is an outbox (``Services.commit``);
4. then the handlers hear the domain events: each record's (``EventPublished`` for an
   event, ``StandingCreated`` for an intent or offer, which the engine indexes), then its
   moments'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from buurt.domain.activity import Event
from buurt.domain.events import DomainEvent, EventPublished, MomentCreated, StandingCreated
from buurt.domain.moments import Moment
from buurt.ports import UnitOfWork
from buurt.services.context import Publication, Services

P = TypeVar("P", bound=Publication)


@dataclass(frozen=True)
class Published(Generic[P]):
    records: list[P]
    moments: list[Moment]


def publish(
    services: Services, write: Callable[[UnitOfWork], Sequence[P]], at: datetime
) -> Published[P]:
    """Store what ``write`` adds, match each publication it returns at ``at``, commit, then
    publish the domain events. An error raised by ``write`` leaves nothing behind but what it
    committed itself."""
    with services.uow() as uow:
        records = list(write(uow))
        moments = [m for record in records for m in services.matching.moments_for(uow, record, at)]
        events: list[DomainEvent] = [_published(record) for record in records]
        services.commit(uow, *events, *(MomentCreated(moment) for moment in moments))
    return Published(records, moments)


def _published(record: Publication) -> DomainEvent:
    return EventPublished(record) if isinstance(record, Event) else StandingCreated(record)
