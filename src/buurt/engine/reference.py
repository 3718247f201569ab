"""The brute-force matcher: the definition of a match, written to be obviously correct.

``MatchIndex`` must return exactly what ``reference_match`` returns; the property tests hold
it to that. It is also handy for debugging and for tiny deployments.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

import h3

from buurt.engine.geometry import haversine_m, point_in_ring
from buurt.engine.model import (
    Area,
    CircleArea,
    PolygonArea,
    Publication,
    Standing,
    category_matches,
)
from buurt.engine.predicates import all_hold


def area_contains(area: Area, lat: float, lon: float) -> bool:
    """Whether a point lies in an area (circle: distance <= radius; polygon: inside)."""
    if isinstance(area, CircleArea):
        return haversine_m(area.lat, area.lon, lat, lon) <= area.radius_m
    if isinstance(area, PolygonArea):
        return point_in_ring(lat, lon, area.ring)
    return any(h3.latlng_to_cell(lat, lon, h3.get_resolution(cell)) == cell for cell in area.cells)


def hour_of_week(at: datetime, zone: ZoneInfo) -> int:
    """0..167, 0 being Monday 00:00-01:00 in ``zone``."""
    local = at.astimezone(zone)
    return local.weekday() * 24 + local.hour


def standing_matches(standing: Standing, publication: Publication, zone: ZoneInfo) -> bool:
    """The four conditions of a match, in the order they are defined."""
    if not area_contains(standing.area, publication.lat, publication.lon):
        return False
    if not any(category_matches(c, publication.category) for c in standing.categories):
        return False
    if standing.weekly is not None and hour_of_week(publication.at, zone) not in (
        standing.weekly.hours
    ):
        return False
    window = standing.absolute
    if window is not None:
        if window.start is not None and publication.at < window.start:
            return False
        if window.end is not None and publication.at >= window.end:
            return False
    return all_hold(standing.predicates, publication.attributes)


def reference_match(
    standings: Iterable[Standing], publication: Publication, timezone: str = "UTC"
) -> set[int]:
    """Keys of every standing that matches the publication, by checking each one."""
    zone = ZoneInfo(timezone)
    return {s.key for s in standings if standing_matches(s, publication, zone)}
