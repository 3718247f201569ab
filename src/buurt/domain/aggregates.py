"""Aggregates instead of profiles: what a business may learn about its circle, and the rules
that keep any answer from pointing at fewer than k members.

A *record* is one countable thing a member did (an intent, a moment), already placed in its
H3 cells, category and local hour by the services. An answer counts records per *bucket*
(cell, category, hour) and releases a bucket only if at least k DISTINCT members are in it.

Differencing: two answers whose difference isolates fewer than k members would undo the k
rule. ``isolating_difference`` finds such a pair (see docs/aggregates.md for the design and
its limits). Windows are snapped to whole local days and end before today, so asking the same
window twice sees the same records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from buurt.domain.errors import InvalidInput

MIN_WINDOW_DAYS = 7
DEFAULT_WINDOW_DAYS = 28
RESOLUTIONS = (7, 8)

BucketKey = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class Record:
    """One countable act of one member: its cells at resolutions 7 and 8, category, hour."""

    id: str
    member_id: str
    at: datetime
    cells: tuple[str, str]
    category: str
    hour: int

    def key(self, resolution: int) -> BucketKey:
        return (self.cells[RESOLUTIONS.index(resolution)], self.category, self.hour)


@dataclass(frozen=True, slots=True)
class Window:
    """Whole local days ``[start, end)``, ending no later than the start of today."""

    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end

    @classmethod
    def snap(
        cls, start: datetime | None, end: datetime | None, timezone: str, now: datetime
    ) -> Window:
        """Round ``start`` down and ``end`` up to local midnight; cap at the start of today.

        Whole days stop "one more minute" differencing; ending before today means the
        records of a window no longer change while it is asked about.
        """
        zone = ZoneInfo(timezone)
        today = _midnight(now, zone, up=False)
        end_at = min(_midnight(end, zone, up=True), today) if end else today
        start_at = (
            _midnight(start, zone, up=False)
            if start
            else _local_days_before(end_at, zone, DEFAULT_WINDOW_DAYS)
        )
        if end_at <= start_at or end_at - start_at < timedelta(days=MIN_WINDOW_DAYS) - timedelta(
            hours=2
        ):
            # Two hours of slack: a window across a DST change is 7 local days of 167 hours.
            raise InvalidInput(
                f"a window spans at least {MIN_WINDOW_DAYS} whole days that have ended "
                "(windows are rounded to local midnight and end before today)",
                "from",
            )
        return cls(start_at, end_at)


def _midnight(moment: datetime, zone: ZoneInfo, *, up: bool) -> datetime:
    local = moment.astimezone(zone)
    floor = datetime.combine(local.date(), time(0), tzinfo=zone)
    if up and floor != local:
        floor = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return floor.astimezone(moment.tzinfo)


def _local_days_before(end: datetime, zone: ZoneInfo, days: int) -> datetime:
    local = end.astimezone(zone)
    start = datetime.combine(local.date() - timedelta(days=days), time(0), tzinfo=zone)
    return start.astimezone(end.tzinfo)


@dataclass
class Bucket:
    cell: str
    category: str
    hour: int
    count: int
    members: frozenset[str] = field(repr=False)


def buckets(records: Iterable[Record], window: Window, resolution: int) -> dict[BucketKey, Bucket]:
    """Every bucket of the records inside the window, released or not."""
    counts: dict[BucketKey, int] = defaultdict(int)
    members: dict[BucketKey, set[str]] = defaultdict(set)
    for record in records:
        if window.contains(record.at):
            key = record.key(resolution)
            counts[key] += 1
            members[key].add(record.member_id)
    return {
        key: Bucket(key[0], key[1], key[2], counts[key], frozenset(members[key])) for key in counts
    }


def released(all_buckets: dict[BucketKey, Bucket], k: int) -> dict[BucketKey, Bucket]:
    """The buckets with at least k distinct members; the others are suppressed."""
    return {key: b for key, b in all_buckets.items() if len(b.members) >= k}


@dataclass(frozen=True)
class Ask:
    """The shape of a question: a window at a resolution (what differencing compares)."""

    window: Window
    resolution: int


def _released_sets(
    records: Sequence[Record], ask: Ask, coarse: int, k: int
) -> dict[BucketKey, set[Record]]:
    """Per coarse bucket, the records that count in the ask's released (fine) buckets."""
    inside = [r for r in records if ask.window.contains(r.at)]
    open_keys = set(released(buckets(inside, ask.window, ask.resolution), k))
    sets: dict[BucketKey, set[Record]] = defaultdict(set)
    for record in inside:
        if record.key(ask.resolution) in open_keys:
            sets[record.key(coarse)].add(record)
    return sets


def isolating_difference(
    records: Sequence[Record], new: Ask, previous: Ask, k: int
) -> BucketKey | None:
    """A coarse bucket where the two answers, subtracted, count fewer than k members.

    Both answers are compared at the coarser resolution of the two: for each coarse bucket
    in which both released something, the records counted by one and not the other (other
    days, or suppressed finer cells) must be none or come from at least k members.
    """
    coarse = min(new.resolution, previous.resolution)
    mine = _released_sets(records, new, coarse, k)
    theirs = _released_sets(records, previous, coarse, k)
    for key in sorted(mine.keys() & theirs.keys()):
        apart = mine[key] ^ theirs[key]
        isolated = {r.member_id for r in apart}
        if 0 < len(isolated) < k:
            return key
    return None


def bucket_json(bucket: Bucket, count: int) -> dict[str, Any]:
    return {"cell": bucket.cell, "category": bucket.category, "hour": bucket.hour, "count": count}


@dataclass
class AggregateQuery:
    """One answered aggregate question of a business: the ledger that differencing checks and
    the privacy budget are kept against. The released answer is kept so that asking the same
    question again gives the same answer (no fresh noise to average away)."""

    id: str
    circle_id: str
    business_id: str
    kind: str
    resolution: int
    window_from: datetime
    window_until: datetime
    asked_at: datetime
    epsilon: float
    answer: list[dict[str, Any]]

    @property
    def ask(self) -> Ask:
        return Ask(Window(self.window_from, self.window_until), self.resolution)
