"""Bookable shared things and their bookings: a cargo bike, a charger, a drill by time slot.

An owner makes one of their things *bookable*: who may book it (the circle's verified members,
or named members), its price (free, or per hour), the shortest and longest booking, and when it
is available (days of the week and hours of the day, in the circle's timezone).

A booking holds the thing for ``[starts_at, ends_at)``:

booked ──> cancelled

Two booked intervals of one thing never overlap; the stores hold that line themselves (an
exclusion constraint on PostgreSQL, a trigger under SQLite's single writer), so two requests
racing for the same slot cannot both win. A cancelled booking frees its slot and is final.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from buurt.domain.changes import Changeable
from buurt.domain.errors import InvalidInput, InvalidTransition

MAX_NAMED = 200
LONGEST = timedelta(days=14)
BOOKABLE_CHANGEABLE = frozenset(
    {
        "audience",
        "named_members",
        "price_per_hour",
        "min_minutes",
        "max_minutes",
        "days",
        "opens",
        "closes",
    }
)


class Audience(StrEnum):
    """Who may book: the circle's verified neighbours, or only the members the owner named."""

    VERIFIED = "verified"
    NAMED = "named"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass
class Bookable(Changeable):
    """A thing's booking terms. ``days`` are ISO weekdays (1 = Monday); ``opens``/``closes``
    are minutes after local midnight (``closes`` 1440 is midnight at the day's end)."""

    id: str
    thing_id: str
    circle_id: str
    audience: Audience
    min_minutes: int
    max_minutes: int
    created_at: datetime
    updated_at: datetime
    price_per_hour: float | None = None
    named_members: list[str] = field(default_factory=list)
    days: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    opens: int = 0
    closes: int = 1440

    CHANGEABLE: ClassVar[frozenset[str]] = BOOKABLE_CHANGEABLE

    def __post_init__(self) -> None:
        self.check()

    def change(self, changes: Any) -> None:
        before = {name: getattr(self, name) for name in self.CHANGEABLE}
        super().change(changes)
        try:
            self.check()
        except InvalidInput:
            for name, value in before.items():
                setattr(self, name, value)
            raise

    def check(self) -> None:
        """``InvalidInput`` (naming the field) when the terms contradict themselves."""
        if self.price_per_hour is not None and self.price_per_hour < 0:
            raise InvalidInput("a price is never negative", "price_per_hour")
        if not 1 <= self.min_minutes <= self.max_minutes:
            raise InvalidInput("the shortest booking is at least a minute", "min_minutes")
        if timedelta(minutes=self.max_minutes) > LONGEST:
            raise InvalidInput("a booking is at most 14 days", "max_minutes")
        if not self.days or any(not 1 <= d <= 7 for d in self.days):
            raise InvalidInput("days are ISO weekdays, 1 (Monday) to 7", "days")
        if len(set(self.days)) != len(self.days):
            raise InvalidInput("a day is named once", "days")
        if not 0 <= self.opens < self.closes <= 1440:
            raise InvalidInput("opens before it closes, within a day (0-1440)", "closes")
        if len(self.named_members) > MAX_NAMED:
            raise InvalidInput(f"at most {MAX_NAMED} named members", "named_members")
        if self.audience is Audience.NAMED and not self.named_members:
            raise InvalidInput("name at least one member who may book", "named_members")

    def check_interval(
        self, starts_at: datetime, ends_at: datetime, now: datetime, tz: str
    ) -> None:
        """``InvalidInput`` unless ``[starts_at, ends_at)`` is a bookable slot from ``now``."""
        if ends_at <= starts_at:
            raise InvalidInput("a booking ends after it starts", "ends_at")
        if starts_at < now:
            raise InvalidInput("a booking cannot start in the past", "starts_at")
        length = ends_at - starts_at
        if length < timedelta(minutes=self.min_minutes):
            raise InvalidInput(f"a booking is at least {self.min_minutes} minutes", "ends_at")
        if length > timedelta(minutes=self.max_minutes):
            raise InvalidInput(f"a booking is at most {self.max_minutes} minutes", "ends_at")
        if not self.available(starts_at, ends_at, ZoneInfo(tz)):
            raise InvalidInput("the thing is not available for all of that time", "starts_at")

    def available(self, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> bool:
        """Does every local day the interval touches allow the part of it on that day?"""
        start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
        day = start.date()
        while True:
            midnight = datetime.combine(day, time(), zone)
            opens = midnight + timedelta(minutes=self.opens)
            closes = midnight + timedelta(minutes=self.closes)
            part_start = max(start, midnight)
            part_end = min(end, midnight + timedelta(days=1))
            if part_start < part_end:
                if day.isoweekday() not in self.days:
                    return False
                if part_start < opens or part_end > closes:
                    return False
            if end <= midnight + timedelta(days=1):
                return True
            day += timedelta(days=1)

    def price_of(self, starts_at: datetime, ends_at: datetime) -> float | None:
        if self.price_per_hour is None:
            return None
        hours = (ends_at - starts_at) / timedelta(hours=1)
        return round(self.price_per_hour * hours, 2)


@dataclass
class Booking:
    """A member's hold on a bookable thing for ``[starts_at, ends_at)``."""

    id: str
    bookable_id: str
    thing_id: str
    circle_id: str
    member_id: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    updated_at: datetime
    price: float | None = None
    status: BookingStatus = BookingStatus.BOOKED
    moment_id: str | None = None  # the moment it was booked from, if any

    def cancel(self, at: datetime) -> None:
        if self.status is not BookingStatus.BOOKED:
            raise InvalidTransition(f"a {self.status} booking cannot be cancelled")
        self.status = BookingStatus.CANCELLED
        self.updated_at = at


def slot_of_need(
    window_start: datetime | None, window_end: datetime | None, now: datetime
) -> tuple[datetime, datetime] | None:
    """The interval a need's window asks to book: the window, from the next whole minute when
    it has begun; ``None`` without both ends, or once it is over."""
    if window_start is None or window_end is None:
        return None
    next_minute = now.replace(second=0, microsecond=0)
    if next_minute < now:
        next_minute += timedelta(minutes=1)
    start = max(window_start, next_minute)
    return (start, window_end) if start < window_end else None


def overlapping(bookings: Sequence[Booking], starts_at: datetime, ends_at: datetime) -> bool:
    """Does any booked interval meet ``[starts_at, ends_at)``?"""
    return any(
        b.status is BookingStatus.BOOKED and b.starts_at < ends_at and starts_at < b.ends_at
        for b in bookings
    )
