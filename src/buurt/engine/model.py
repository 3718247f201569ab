"""Value objects the engine speaks: areas, time windows, predicates, standings, publications.

They are frozen dataclasses that validate themselves on construction, so the index and the
reference implementation can trust every field they read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias

Op: TypeAlias = Literal["==", "!=", "<", "<=", ">", ">="]
Scalar: TypeAlias = float | int | str | bool

OPS: tuple[Op, ...] = ("==", "!=", "<", "<=", ">", ">=")
HOURS_PER_WEEK = 168

# Keys are stored in int64 columns; the smallest value marks a deleted posting.
MIN_KEY = -(2**63) + 1
MAX_KEY = 2**63 - 1


def _check_latlon(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"latitude must be within [-90, 90], got {lat!r}")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError(f"longitude must be within [-180, 180], got {lon!r}")


def _check_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {value!r}")


@dataclass(frozen=True, slots=True)
class CircleArea:
    """Every point within ``radius_m`` metres (great-circle distance) of a centre."""

    lat: float
    lon: float
    radius_m: float

    def __post_init__(self) -> None:
        _check_latlon(self.lat, self.lon)
        if not (math.isfinite(self.radius_m) and self.radius_m >= 0.0):
            raise ValueError(f"radius_m must be a finite number >= 0, got {self.radius_m!r}")


@dataclass(frozen=True, slots=True)
class PolygonArea:
    """A simple polygon given by its ``(lat, lon)`` vertices, treated as planar in degrees.

    The ring may be open or closed; it must not cross the antimeridian.
    """

    ring: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        if len(self.ring) < 3:
            raise ValueError(f"a polygon needs at least 3 vertices, got {len(self.ring)}")
        for lat, lon in self.ring:
            _check_latlon(lat, lon)


@dataclass(frozen=True, slots=True)
class CellsArea:
    """A set of H3 cells (hexadecimal strings), of any resolutions."""

    cells: frozenset[str]

    def __post_init__(self) -> None:
        if not self.cells:
            raise ValueError("a cells area needs at least one H3 cell")


Area: TypeAlias = CircleArea | PolygonArea | CellsArea


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Hours of the week (0 = Monday 00:00-01:00 in the index's timezone) that are open."""

    hours: frozenset[int]

    def __post_init__(self) -> None:
        bad = [h for h in self.hours if not (isinstance(h, int) and 0 <= h < HOURS_PER_WEEK)]
        if bad:
            raise ValueError(f"weekly hours must be integers in 0..167, got {sorted(bad)!r}")


@dataclass(frozen=True, slots=True)
class Absolute:
    """A half-open UTC interval ``[start, end)``; ``None`` leaves that side open."""

    start: datetime | None
    end: datetime | None

    def __post_init__(self) -> None:
        if self.start is not None:
            _check_aware(self.start, "Absolute.start")
        if self.end is not None:
            _check_aware(self.end, "Absolute.end")


@dataclass(frozen=True, slots=True)
class Predicate:
    """``attributes[field] <op> value`` on a publication's attributes."""

    field: str
    op: Op
    value: Scalar

    def __post_init__(self) -> None:
        if not self.field:
            raise ValueError("a predicate needs a field name")
        if self.op not in OPS:
            raise ValueError(f"unknown operator {self.op!r}; use one of {', '.join(OPS)}")
        if isinstance(self.value, float) and math.isnan(self.value):
            raise ValueError("a predicate value must not be NaN")


@dataclass(frozen=True, slots=True)
class Standing:
    """A subscription, an offer or an open intent: something that waits for publications."""

    key: int
    area: Area
    categories: tuple[str, ...]
    predicates: tuple[Predicate, ...] = ()
    weekly: WeeklyHours | None = None
    absolute: Absolute | None = None

    def __post_init__(self) -> None:
        if not (MIN_KEY <= self.key <= MAX_KEY):
            raise ValueError(f"key must fit in a signed 64-bit integer, got {self.key}")
        if not self.categories:
            raise ValueError("a standing needs at least one category")
        for category in self.categories:
            check_category(category)


@dataclass(frozen=True, slots=True)
class Publication:
    """An event, a new intent or a new offer: a point, a category, a time and attributes."""

    lat: float
    lon: float
    category: str
    at: datetime
    attributes: Mapping[str, Scalar]

    def __post_init__(self) -> None:
        _check_latlon(self.lat, self.lon)
        check_category(self.category)
        _check_aware(self.at, "Publication.at")


def check_category(category: str) -> None:
    """Raise ``ValueError`` unless ``category`` is a ``/``-separated path of non-empty names."""
    if not category or any(not part for part in category.split("/")):
        raise ValueError(f"a category is a '/'-separated path of non-empty names, got {category!r}")


def category_ancestors(category: str) -> tuple[str, ...]:
    """``food/bread/rye`` -> ``("food/bread/rye", "food/bread", "food")``."""
    parts = category.split("/")
    return tuple("/".join(parts[:i]) for i in range(len(parts), 0, -1))


def category_matches(subscribed: str, published: str) -> bool:
    """True if ``published`` equals ``subscribed`` or descends from it."""
    return published == subscribed or published.startswith(subscribed + "/")
