"""Shards: which share of the stream an event is in, and which shards a worker owns.

An event's shard is a number in ``0 .. shards - 1``, computed the same way by every process
from what the event carries, and written into its subject as a token of its own
(``buurt.events.<shard>.<circle>.<name>``, see ``adapters/bus/nats.py``). Engine workers
each own some shards, one durable consumer per shard (``adapters/bus/workers.py``).

- An event of a circle is in the circle's shard: a stable hash of the circle's id.
- Inside a *split* circle (``BUURT_SPLIT_CIRCLES``: big circles whose matching one worker
  cannot carry), a publication (an event, a new intent or offer) is in the shard of its
  H3 resolution-5 cell: a hash of the circle's id and the cell. The circle's other events
  stay in the circle's shard.
- An event of no circle (a member's erasure, a consent grant) is on ``_``: no shard; every
  process hears it through its ordered consumer, no worker matches it.
- A recipient's shard (``recipient_shard``): which worker applies the relevance gate to the
  candidates of split circles meant for it (``adapters/bus/owners.py``, ADR 0015).

The hash is CRC-32, not Python's ``hash`` (salted per process): every process, of every
version, must put an event in the same shard. The shard count is a deployment's constant
(``BUURT_SHARDS``): changing it moves circles between shards, so all processes must be
stopped and started with the new count while the workers' consumers are drained.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import h3

from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.events import DomainEvent, EventPublished, StandingCreated
from buurt.domain.places import Place
from buurt.engine.geometry import centre

DEFAULT_SHARDS = 16
NO_SHARD = "_"
SPLIT_RESOLUTION = 5  # H3 cells of about 250 km²: a city district
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def stable_shard(key: str, shards: int) -> int:
    return zlib.crc32(key.encode()) % shards


@dataclass(frozen=True)
class Sharding:
    """How a deployment cuts its stream: ``shards`` and the circles split by cell."""

    shards: int = DEFAULT_SHARDS
    split: frozenset[str] = frozenset()

    def circle_shard(self, circle_id: str) -> int:
        return stable_shard(circle_id, self.shards)

    def shard_of(self, event: DomainEvent, circle_id: str | None) -> int | None:
        """The event's shard; ``None`` for an event of no circle."""
        if circle_id is None:
            return None
        if circle_id in self.split:
            place = publication_place(event)
            if place is not None:
                cell = h3.latlng_to_cell(place.lat, place.lon, SPLIT_RESOLUTION)
                return stable_shard(f"{circle_id}/{cell}", self.shards)
        return self.circle_shard(circle_id)

    def recipient_shard(self, recipient: tuple[str, str]) -> int:
        """The shard whose worker owns a recipient's gate state (caps, deduplication) in
        split circles: a CRC-32 of ``kind:id``. Not the recipient's circle: a split circle is
        one too big for one worker, and its members would all be on one again; not a home
        circle either: that takes a read, and moves when a member joins or leaves."""
        kind, ident = recipient
        return stable_shard(f"{kind}:{ident}", self.shards)

    def token(self, event: DomainEvent, circle_id: str | None) -> str:
        """The shard as a subject token."""
        shard = self.shard_of(event, circle_id)
        return NO_SHARD if shard is None else str(shard)


def publication(event: DomainEvent) -> Event | Intent | Offer | None:
    """The publication an event stores, which an engine worker matches: an event, or a new
    intent or offer (a new subscription is matched by nothing, it waits for events)."""
    if isinstance(event, EventPublished):
        return event.event
    if isinstance(event, StandingCreated) and isinstance(event.standing, Intent | Offer):
        return event.standing
    return None


def publication_place(event: DomainEvent) -> Place | None:
    record = publication(event)
    if record is None:
        return None
    if isinstance(record, Event):
        return record.place
    return centre(record.area)


def parse_shards(text: str, shards: int) -> list[int]:
    """``"0-3,6"`` as ``[0, 1, 2, 3, 6]``, or ``"all"``; ``ValueError`` says what is wrong."""
    if text.strip() == "all":
        return list(range(shards))
    found: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"{part!r} is not a shard or a range of shards (like 0-3)")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if first > last:
            raise ValueError(f"{part!r} runs backwards")
        if last >= shards:
            raise ValueError(f"shard {last} is out of range: there are {shards} (0-{shards - 1})")
        found.update(range(first, last + 1))
    return sorted(found)


def split_circles(text: str | None) -> frozenset[str]:
    return frozenset(_ids(text.split(",") if text else ()))


def _ids(parts: Iterable[str]) -> Iterable[str]:
    return (p.strip() for p in parts if p.strip())
