"""Hypothesis strategies for engine standings and publications, shared by the engine tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import h3
from hypothesis import strategies as st

from buurt.engine import (
    Absolute,
    CellsArea,
    CircleArea,
    PolygonArea,
    Predicate,
    Publication,
    Standing,
    WeeklyHours,
)

CATEGORIES = ["food", "food/bread", "food/bread/rye", "foo", "energy/solar"]
FIELDS = ["price", "power_w", "kind", "available"]
# A city-sized region where most of the action is, plus two awkward places: the antimeridian
# and the far north.
REGIONS = [(52.30, 52.40, 4.80, 4.95), (-17.05, -16.95, 179.93, 180.0), (69.95, 70.05, 19.0, 19.3)]
START = datetime(2026, 1, 1, tzinfo=UTC)

lat_lon = st.sampled_from([REGIONS[0]] * 4 + REGIONS[1:]).flatmap(
    lambda r: st.tuples(st.floats(r[0], r[1]), st.floats(r[2], r[3]))
)
values = st.one_of(
    st.integers(-10, 10),
    st.floats(-10, 10, allow_nan=False),
    st.sampled_from([0, 2**60, 2**60 + 1, 0.5, -0.0]),
    st.booleans(),
    st.sampled_from(["solar", "wind", "", "Solar"]),
)
attribute_values = st.one_of(values, st.sampled_from([math.inf, -math.inf, math.nan]))
predicates = st.builds(
    Predicate,
    field=st.sampled_from(FIELDS),
    op=st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    value=values,
)
moments = st.integers(0, 21 * 24 * 60).map(lambda m: START + timedelta(minutes=m))


@st.composite
def circles(draw: st.DrawFn) -> CircleArea:
    lat, lon = draw(lat_lon)
    radius = draw(st.one_of(st.floats(1.0, 3000.0), st.floats(3000.0, 40000.0)))
    return CircleArea(lat, lon, radius)


@st.composite
def polygons(draw: st.DrawFn) -> PolygonArea:
    lat, lon = draw(lat_lon)
    n = draw(st.integers(3, 7))
    angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi), min_size=n, max_size=n)))
    ring = []
    for angle in angles:
        metres = draw(st.floats(30.0, 4000.0))
        d_lat = metres * math.sin(angle) / 111_195.0
        d_lon = metres * math.cos(angle) / (111_195.0 * math.cos(math.radians(lat)))
        ring.append((max(-90.0, min(90.0, lat + d_lat)), max(-180.0, min(180.0, lon + d_lon))))
    return PolygonArea(tuple(ring))


@st.composite
def cell_areas(draw: st.DrawFn) -> CellsArea:
    points = draw(st.lists(st.tuples(lat_lon, st.integers(5, 10)), min_size=1, max_size=3))
    return CellsArea(frozenset(h3.latlng_to_cell(lat, lon, res) for (lat, lon), res in points))


weekly = st.one_of(
    st.frozensets(st.integers(0, 167), max_size=168),
    st.tuples(st.integers(0, 23), st.integers(1, 24)).map(
        lambda t: frozenset(d * 24 + h for d in range(7) for h in range(t[0], min(24, t[0] + t[1])))
    ),
).map(WeeklyHours)
absolute = st.builds(Absolute, start=st.none() | moments, end=st.none() | moments)


def standings(keys: st.SearchStrategy[int]) -> st.SearchStrategy[Standing]:
    return st.builds(
        Standing,
        key=keys,
        area=st.one_of(circles(), circles(), polygons(), cell_areas()),
        categories=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3).map(tuple),
        predicates=st.one_of(
            st.just(()),
            st.just(()),
            st.lists(
                st.builds(
                    Predicate,
                    field=st.just("price"),
                    op=st.sampled_from(["<=", ">"]),
                    value=st.integers(0, 10),
                ),
                max_size=2,
            ).map(tuple),
            st.lists(predicates, max_size=3).map(tuple),
        ),
        weekly=st.one_of(st.none(), st.none(), weekly),
        absolute=st.one_of(st.none(), st.none(), absolute),
    )


def publications(near: list[tuple[float, float]]) -> st.SearchStrategy[Publication]:
    places = (
        lat_lon if not near else st.one_of(lat_lon, st.sampled_from(near), st.sampled_from(near))
    )
    return st.builds(
        Publication,
        lat=st.just(0.0),
        lon=st.just(0.0),
        category=st.sampled_from([*CATEGORIES, "food/bread/rye/dark", "energy"]),
        at=moments,
        attributes=st.one_of(
            st.fixed_dictionaries({"price": st.integers(0, 10)}),
            st.dictionaries(st.sampled_from(FIELDS), attribute_values, max_size=4),
        ),
    ).flatmap(
        lambda p: places.map(lambda ll: Publication(ll[0], ll[1], p.category, p.at, p.attributes))
    )
