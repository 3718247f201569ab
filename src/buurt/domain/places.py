"""Places and boundaries: validated latitude/longitude and circle boundaries."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from buurt.domain.errors import InvalidInput

EARTH_RADIUS_M = 6_371_008.8
_H3_CELL = re.compile(r"^8[0-9a-f]{14}$")


@dataclass(frozen=True, slots=True)
class Place:
    """A point on earth in WGS84 degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        for name, value, limit in (("lat", self.lat, 90.0), ("lon", self.lon, 180.0)):
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise InvalidInput(f"{name} must be a number", field=name)
            if not math.isfinite(value) or not -limit <= value <= limit:
                raise InvalidInput(f"{name} must be between -{limit:g} and {limit:g}", field=name)

    def distance_m(self, other: Place) -> float:
        """Great-circle (haversine) distance in metres."""
        lat1, lat2 = math.radians(self.lat), math.radians(other.lat)
        dlat = lat2 - lat1
        dlon = math.radians(other.lon - self.lon)
        h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class Boundary:
    """A circle's boundary: a polygon (closed ring of places) or a set of H3 cells, not both."""

    polygon: tuple[Place, ...] = ()
    cells: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if bool(self.polygon) == bool(self.cells):
            raise InvalidInput("a boundary is either a polygon or a set of H3 cells", "boundary")
        if self.polygon and len(self.polygon) < 3:
            raise InvalidInput("a polygon needs at least three vertices", "boundary.polygon")
        for cell in self.cells:
            if not _H3_CELL.match(cell):
                raise InvalidInput(f"{cell!r} is not an H3 cell index", "boundary.cells")

    def contains(self, place: Place) -> bool:
        """Point-in-polygon by ray casting; cell boundaries are checked by the adapters."""
        if not self.polygon:
            raise NotImplementedError("cell boundaries need an H3-aware check")
        inside = False
        ring = self.polygon
        for i, a in enumerate(ring):
            b = ring[i - 1]
            if (a.lat > place.lat) != (b.lat > place.lat):
                cross = (b.lon - a.lon) * (place.lat - a.lat) / (b.lat - a.lat) + a.lon
                if place.lon < cross:
                    inside = not inside
        return inside

    def to_json(self) -> dict[str, Any]:
        if self.polygon:
            return {"polygon": [[p.lat, p.lon] for p in self.polygon]}
        return {"cells": sorted(self.cells)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Boundary:
        polygon = data.get("polygon") or []
        cells = data.get("cells") or []
        return cls(
            polygon=tuple(Place(float(lat), float(lon)) for lat, lon in polygon),
            cells=frozenset(str(c) for c in cells),
        )


@dataclass(frozen=True, slots=True)
class Area:
    """Where a subscription, intent or offer applies: a centre and radius, a polygon, or cells."""

    center: Place | None = None
    radius_m: float | None = None
    polygon: tuple[Place, ...] = ()
    cells: frozenset[str] = field(default_factory=frozenset)

    MAX_RADIUS_M = 50_000.0

    def __post_init__(self) -> None:
        kinds = sum((self.center is not None, bool(self.polygon), bool(self.cells)))
        if kinds != 1:
            raise InvalidInput("an area is exactly one of: centre + radius, polygon, cells", "area")
        if self.center is not None:
            if self.radius_m is None or not 0 < self.radius_m <= self.MAX_RADIUS_M:
                raise InvalidInput(
                    f"radius_m must be above 0 and at most {self.MAX_RADIUS_M:g}", "area.radius_m"
                )
        elif self.polygon and len(self.polygon) < 3:
            raise InvalidInput("a polygon needs at least three vertices", "area.polygon")
        for cell in self.cells:
            if not _H3_CELL.match(cell):
                raise InvalidInput(f"{cell!r} is not an H3 cell index", "area.cells")

    def to_json(self) -> dict[str, Any]:
        if self.center is not None:
            return {"lat": self.center.lat, "lon": self.center.lon, "radius_m": self.radius_m}
        if self.polygon:
            return {"polygon": [[p.lat, p.lon] for p in self.polygon]}
        return {"cells": sorted(self.cells)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Area:
        if "lat" in data:
            center = Place(float(data["lat"]), float(data["lon"]))
            return cls(center=center, radius_m=float(data["radius_m"]))
        boundary = Boundary.from_json(data)
        return cls(polygon=boundary.polygon, cells=boundary.cells)
