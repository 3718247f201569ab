"""Retention and the periodic upkeep: delete what a circle's charter no longer allows us to
keep, close proposals whose voting window has ended, and settle campaigns past their deadline.

Events are kept ``event_retention_days`` after they occurred, intents
``intent_retention_days`` after they were published, as the charter in force says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from buurt.domain.activity import Event, Intent
from buurt.domain.campaigns import Settlement
from buurt.domain.charter import CharterProposal
from buurt.domain.community import Circle
from buurt.ports.store import Between
from buurt.services.charter import proposals
from buurt.services.cocreation import settlement
from buurt.services.context import Services

T = TypeVar("T")
BATCH = 500


@dataclass
class Purged:
    """What retention deleted in one circle."""

    circle_id: str
    circle_name: str
    events: int = 0
    intents: int = 0
    events_before: datetime | None = None
    intents_before: datetime | None = None


@dataclass
class Upkeep:
    """What one maintenance run did."""

    at: datetime
    purged: list[Purged] = field(default_factory=list)
    closed: list[CharterProposal] = field(default_factory=list)
    settled: list[Settlement] = field(default_factory=list)


def _purge(services: Services, kind: type[T], where: dict[str, Any]) -> int:
    """Delete matching records in batches, one transaction per batch, so a long purge
    neither holds locks for long nor loses its progress when interrupted."""
    deleted = 0
    while True:
        with services.uow() as uow:
            batch = uow.repo(kind).page(where=where, limit=BATCH).items
            for item in batch:
                uow.repo(kind).delete(item)
            uow.commit()
        deleted += len(batch)
        if len(batch) < BATCH:
            return deleted


def purge_circle(services: Services, circle: Circle, now: datetime) -> Purged:
    with services.uow() as uow:
        rules = proposals.in_force(uow, circle.id, now)
        uow.commit()
    result = Purged(circle.id, circle.name)
    result.events_before = now - timedelta(days=rules.event_retention_days)
    result.intents_before = now - timedelta(days=rules.intent_retention_days)
    result.events = _purge(
        services,
        Event,
        {"circle_id": circle.id, "occurred_at": Between(None, result.events_before)},
    )
    result.intents = _purge(
        services,
        Intent,
        {"circle_id": circle.id, "created_at": Between(None, result.intents_before)},
    )
    return result


def run_upkeep(services: Services, now: datetime | None = None) -> Upkeep:
    """Close due proposals first (a passed one may change retention), then purge each circle."""
    at = now or services.clock.now()
    upkeep = Upkeep(at, closed=proposals.close_due_proposals(services, at))
    # Campaigns whose deadline passed, also while no server ran, are settled here (once).
    upkeep.settled = settlement.settle_due(services, at)
    cursor = None
    while True:
        with services.uow() as uow:
            page = uow.repo(Circle).page(after=cursor, limit=BATCH)
        for circle in page.items:
            upkeep.purged.append(purge_circle(services, circle, at))
        cursor = page.next_cursor
        if cursor is None:
            return upkeep
