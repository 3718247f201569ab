"""Geometry on the sphere and on the H3 grid: distances, point in polygon, covering areas.

A cover is the set of H3 cells a standing is posted under. It must be a superset of the cells
any matching point can fall in; the exact test then runs on the few candidates of one cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import h3
import h3.api.basic_int as h3i
import numpy as np
import numpy.typing as npt

from buurt.domain.places import Area, Place

EARTH_RADIUS_M = 6_371_008.8
# Cells whose centre lies within this many circumradii of an area's edge are kept: the
# circumradius bounds every point of the cell, the extra percent absorbs rounding.
_SAFETY = 1.01
# The finest resolution is used while an area spans at most this many cell edges.
EDGES_PER_AREA = 8.0
_DISK_CACHE_LIMIT = 50_000
_DISK_SIZES = (2, 4, 6, 9, 13, 19, 28, 40)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on a sphere of radius ``EARTH_RADIUS_M``."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_many_m(
    lat: float, lon: float, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Vectorised ``haversine_m`` from one point to many."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: npt.NDArray[np.float64] = 2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return result


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point on the unit sphere for a latitude and longitude in degrees."""
    p, lam = math.radians(lat), math.radians(lon)
    return (math.cos(p) * math.cos(lam), math.cos(p) * math.sin(lam), math.sin(p))


def dots(xyz: npt.NDArray[np.float64], here: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The dot products of rows ``x, y, z, ...`` with the unit vector ``here``, rounded as
    ``x·x' + y·y' + z·z'`` in that order: as the compiled kernels of ``stock_kernels`` round
    them, so that every path of a nearest-stock query finds the same distances to the last
    bit (a matrix product may fuse or reorder them, and move a site across a radius)."""
    dot: npt.NDArray[np.float64] = xyz[:, 0] * here[0]
    dot += xyz[:, 1] * here[1]
    dot += xyz[:, 2] * here[2]
    return dot


def chord_squared(radius_m: float) -> float:
    """Squared chord length on the unit sphere for a great-circle distance (inf past antipode)."""
    angle = radius_m / EARTH_RADIUS_M
    if angle >= math.pi:
        return math.inf
    return (2.0 * math.sin(angle / 2.0)) ** 2


def point_in_ring(lat: float, lon: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Even-odd ray casting in the (lon, lat) plane; the ring may be open or closed."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        yi, xi = ring[i]
        yj, xj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def points_in_ring(
    lats: npt.NDArray[np.float64],
    lons: npt.NDArray[np.float64],
    ring: Sequence[tuple[float, float]],
) -> npt.NDArray[np.bool_]:
    """Vectorised ``point_in_ring`` with the same arithmetic."""
    inside = np.zeros(lats.shape, dtype=np.bool_)
    n = len(ring)
    j = n - 1
    for i in range(n):
        yi, xi = ring[i]
        yj, xj = ring[j]
        if yi != yj:
            crosses = (yi > lats) != (yj > lats)
            crosses &= lons < (xj - xi) * (lats - yi) / (yj - yi) + xi
            inside ^= crosses
        j = i
    return inside


def hour_of_week_index(weekday: int, hour: int) -> int:
    return weekday * 24 + hour


@lru_cache(maxsize=16)
def average_edge_m(resolution: int) -> float:
    return float(h3i.average_hexagon_edge_length(resolution, "m"))


def resolution_for_span(span_m: float, finest: int) -> int:
    """The finest resolution (<= ``finest``) whose cells are not tiny next to ``span_m``."""
    resolution = finest
    while resolution > 0 and span_m > EDGES_PER_AREA * average_edge_m(resolution):
        resolution -= 1
    return resolution


@lru_cache(maxsize=200_000)
def cell_geometry(cell: int) -> tuple[float, float, float]:
    """Centre latitude, longitude and circumradius in metres (the farthest boundary vertex)."""
    lat, lon = h3i.cell_to_latlng(cell)
    radius = max(haversine_m(lat, lon, vlat, vlon) for vlat, vlon in h3i.cell_to_boundary(cell))
    return lat, lon, radius * _SAFETY + 0.01


@lru_cache(maxsize=200_000)
def _neighbour_spacing_m(cell: int) -> float:
    lat, lon, _ = cell_geometry(cell)
    others = [c for c in h3i.grid_disk(cell, 1) if c != cell]
    return min(haversine_m(lat, lon, *cell_geometry(c)[:2]) for c in others)


# Cells, their centres on the unit sphere and circumradii in radians.
_Disk = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]
_disks: dict[tuple[int, int], _Disk] = {}


@lru_cache(maxsize=200_000)
def _cell_sphere(cell: int) -> tuple[float, float, float, float]:
    """A cell's centre on the unit sphere and its circumradius in radians."""
    lat, lon, radius = cell_geometry(cell)
    return (*unit_vector(lat, lon), radius / EARTH_RADIUS_M)


def _disk_of(cells: list[int]) -> _Disk:
    ordered = sorted(cells)
    table = np.array([_cell_sphere(c) for c in ordered], dtype=np.float64).reshape(-1, 4)
    return np.array(ordered, dtype=np.int64), table[:, :3].copy(), table[:, 3].copy()


def disk(cell: int, k: int) -> _Disk:
    """Cells within grid distance ``k``, memoised: hot spots share a few centre cells."""
    found = _disks.get((cell, k))
    if found is None:
        if len(_disks) >= _DISK_CACHE_LIMIT:
            _disks.clear()
        found = _disk_of(h3i.grid_disk(cell, k))
        _disks[(cell, k)] = found
    return found


def disk_radius(cell: int, reach_m: float) -> int:
    """A grid distance whose disk holds every cell centre within ``reach_m`` of ``cell``."""
    spacing = _neighbour_spacing_m(cell)
    # Centre spacing shrinks a little away from the centre cell; 0.7 keeps a wide margin.
    k = max(1, math.ceil(reach_m / (0.7 * spacing)) + 1)
    # A few disk sizes per cell keep the memo small; a larger disk is only filtered more.
    return next((q for q in _DISK_SIZES if q >= k), k)


@lru_cache(maxsize=1)
def res0_disk() -> _Disk:
    """All 122 resolution-0 cells, for circles so wide that only they make sense."""
    return _disk_of(list(h3i.get_res0_cells()))


def circle_resolution(radius_m: float, finest: int) -> int:
    return resolution_for_span(2.0 * radius_m, finest)


def cover_circle(
    lat: float, lon: float, radius_m: float, resolution: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Cells at ``resolution`` that may hold a point within ``radius_m`` of the centre, and
    the circle's centre on the unit sphere relative to each cell's centre."""
    if resolution == 0:
        cells, xyz, radii = res0_disk()
    else:
        centre = h3i.latlng_to_cell(lat, lon, resolution)
        k = disk_radius(centre, radius_m + 2.0 * cell_geometry(centre)[2])
        cells, xyz, radii = disk(centre, k)
    reach = np.minimum(np.pi, radii + radius_m / EARTH_RADIUS_M)
    keep = xyz @ np.array(unit_vector(lat, lon)) >= np.cos(reach)
    # Rows relative to each cell centre (see ``postings``): the centre minus the cell's.
    return cells[keep], np.array(unit_vector(lat, lon)) - xyz[keep]


def cover_ring(ring: Sequence[tuple[float, float]], finest: int) -> tuple[int, list[int]]:
    """A resolution and the cells at it that may hold a point of the polygon."""
    lats = [p[0] for p in ring]
    lons = [p[1] for p in ring]
    span = haversine_m(min(lats), min(lons), max(lats), max(lons))
    resolution = resolution_for_span(span, finest)
    edge = average_edge_m(resolution)
    found: set[int] = set()
    n = len(ring)
    # Sample every edge densely enough that no cell it passes through is more than one
    # cell away from a sampled one; the one-ring buffer below closes that gap.
    for i in range(n):
        (a_lat, a_lon), (b_lat, b_lon) = ring[i], ring[(i + 1) % n]
        steps = max(1, math.ceil(haversine_m(a_lat, a_lon, b_lat, b_lon) / (edge / 3.0)))
        for s in range(steps + 1):
            t = s / steps
            found.add(
                h3i.latlng_to_cell(
                    a_lat + t * (b_lat - a_lat), a_lon + t * (b_lon - a_lon), resolution
                )
            )
    centre = h3i.latlng_to_cell(
        (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2, resolution
    )
    _, _, own_radius = cell_geometry(centre)
    k = disk_radius(centre, span / 2.0 + 2.0 * own_radius)
    cells = disk(centre, k)[0]
    centres = np.array([cell_geometry(c)[:2] for c in cells.tolist()], dtype=np.float64)
    inside = points_in_ring(centres[:, 0], centres[:, 1], ring)
    found.update(int(c) for c in cells[inside])
    buffered: set[int] = set()
    for cell in found:
        buffered.update(h3i.grid_disk(cell, 1))
    return resolution, sorted(buffered)


def centre(area: Area) -> Place:
    """The middle of an area: its centre, its polygon's mean vertex, or its first cell's centre
    (the place a distance is measured from, and the place a publication is sharded by)."""
    if area.center is not None:
        return area.center
    if area.polygon:
        lats = [p.lat for p in area.polygon]
        lons = [p.lon for p in area.polygon]
        return Place(sum(lats) / len(lats), sum(lons) / len(lons))
    lat, lon = h3.cell_to_latlng(min(area.cells))
    return Place(lat, lon)
