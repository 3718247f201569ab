"""Peers: other ways to answer "which subscriptions does this event match?" on the same data.

Each peer loads the workload's subscriptions into its own spatial index, then answers one
query per event (candidates by bounding box or distance) followed by the same exact checks
as the engine: distance, category hierarchy, price limit and weekly hours. They are timed per
event, like the engine, and their answers are compared with the engine's.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from buurt.bench.workload import PATTERNS, START, TIMEZONE, Workload
from buurt.engine.geometry import EARTH_RADIUS_M, haversine_many_m

Answer = Callable[[int], npt.NDArray[np.int64]]


@dataclass(frozen=True)
class PeerResult:
    """How fast a peer answered and whether its answers equal the engine's."""

    name: str
    events: int
    events_per_s: float
    answers: dict[int, list[int]]  # event index -> sorted keys, for the agreement check


class Exact:
    """The engine's match rules, applied to a peer's candidate rows with numpy."""

    def __init__(self, workload: Workload) -> None:
        self.w = workload
        self.zone = ZoneInfo(TIMEZONE)
        self.week = np.array([[h in p.hours for h in range(168)] for p in PATTERNS], np.bool_)
        self.ancestors = [np.array(workload.ancestor_ids(c), dtype=np.int32)
                          for c in range(len(workload.categories))]  # fmt: skip

    def hour(self, j: int) -> int:
        local = (START + timedelta(minutes=int(self.w.ev_minute[j]))).astimezone(self.zone)
        return local.weekday() * 24 + local.hour

    def allowed_patterns(self, j: int) -> list[int]:
        return np.flatnonzero(self.week[:, self.hour(j)]).tolist()

    def __call__(self, j: int, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        w = self.w
        dist = haversine_many_m(float(w.ev_lat[j]), float(w.ev_lon[j]), w.sub_lat[rows],
                                w.sub_lon[rows])  # fmt: skip
        keep = dist <= w.sub_radius[rows]
        keep &= np.isin(w.sub_cats[rows], self.ancestors[int(w.ev_cat[j])]).any(axis=1)
        keep &= w.ev_price[j] <= w.sub_price[rows]
        pattern = w.sub_pattern[rows]
        keep &= (pattern < 0) | self.week[np.maximum(pattern, 0), self.hour(j)]
        return np.sort(rows[keep])


def bounding_boxes(w: Workload) -> tuple[npt.NDArray[np.float64], ...]:
    """(min_lat, max_lat, min_lon, max_lon) of every circle, a little generous."""
    d_lat = np.degrees(w.sub_radius / EARTH_RADIUS_M) * 1.001 + 1e-9
    d_lon = d_lat / np.cos(np.radians(np.abs(w.sub_lat) + d_lat))
    return w.sub_lat - d_lat, w.sub_lat + d_lat, w.sub_lon - d_lon, w.sub_lon + d_lon


def _timed(name: str, answer: Answer, sample: Sequence[int], budget_s: float) -> PeerResult:
    answers: dict[int, list[int]] = {}
    spent = 0.0
    for j in sample:
        start = time.perf_counter()
        keys = answer(j)
        spent += time.perf_counter() - start
        answers[j] = keys.tolist()
        if spent > budget_s:
            break
    return PeerResult(name, len(answers), len(answers) / max(spent, 1e-9), answers)


def sqlite_rtree_peer(w: Workload, sample: Sequence[int], budget_s: float = 20.0) -> PeerResult:
    """SQLite's R*Tree module (stdlib ``sqlite3``): a box query per event, then exact."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE boxes USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
    lo_lat, hi_lat, lo_lon, hi_lon = bounding_boxes(w)
    rows = zip(range(w.subscriptions), lo_lat.tolist(), hi_lat.tolist(), lo_lon.tolist(),
               hi_lon.tolist(), strict=True)  # fmt: skip
    db.executemany("INSERT INTO boxes VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()
    exact = Exact(w)
    query = (
        "SELECT id FROM boxes WHERE min_lat <= ? AND max_lat >= ? AND min_lon <= ? AND max_lon >= ?"
    )

    def answer(j: int) -> npt.NDArray[np.int64]:
        lat, lon = float(w.ev_lat[j]), float(w.ev_lon[j])
        found = db.execute(query, (lat, lat, lon, lon)).fetchall()
        return exact(j, np.array([r[0] for r in found], dtype=np.int64))

    try:
        return _timed("sqlite_rtree", answer, sample, budget_s)
    finally:
        db.close()


def shapely_strtree_peer(w: Workload, sample: Sequence[int], budget_s: float = 20.0) -> PeerResult:
    """A shapely 2 ``STRtree`` of the circles' boxes: a point query per event, then exact."""
    import shapely

    lo_lat, hi_lat, lo_lon, hi_lon = bounding_boxes(w)
    tree = shapely.STRtree(shapely.box(lo_lon, lo_lat, hi_lon, hi_lat))
    exact = Exact(w)

    def answer(j: int) -> npt.NDArray[np.int64]:
        point = shapely.Point(float(w.ev_lon[j]), float(w.ev_lat[j]))
        return exact(j, np.asarray(tree.query(point), dtype=np.int64))

    return _timed("shapely_strtree", answer, sample, budget_s)


def postgis_peer(
    url: str, w: Workload, sample: Sequence[int], budget_s: float = 20.0
) -> PeerResult:
    """PostgreSQL + PostGIS at ``url`` (a libpq URL of a database where ``CREATE EXTENSION
    postgis`` is allowed): the subscriptions go into a temporary table with a geography column
    and a GiST index; each event is one ``ST_DWithin`` query carrying every exact predicate.
    """
    import psycopg

    exact = Exact(w)
    max_radius = float(w.sub_radius.max())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(
            "CREATE TEMPORARY TABLE bench_subs (id bigint PRIMARY KEY, lat float8, lon float8,"
            " radius float8, cats int[], price float8, pattern int)"
        )
        with conn.cursor().copy(
            "COPY bench_subs (id, lat, lon, radius, cats, price, pattern) FROM STDIN"
        ) as copy:
            for i in range(w.subscriptions):
                cats = "{" + ",".join(str(c) for c in w.sub_cats[i].tolist() if c >= 0) + "}"
                price = float(w.sub_price[i])
                copy.write_row((i, float(w.sub_lat[i]), float(w.sub_lon[i]),
                                float(w.sub_radius[i]), cats,
                                "Infinity" if math.isinf(price) else price,
                                int(w.sub_pattern[i])))  # fmt: skip
        conn.execute(
            "ALTER TABLE bench_subs ADD COLUMN centre geography(Point, 4326);"
            "UPDATE bench_subs SET centre = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography;"
            "CREATE INDEX ON bench_subs USING gist (centre); ANALYZE bench_subs"
        )
        query = (
            "SELECT id FROM bench_subs WHERE"
            " ST_DWithin(centre, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography,"
            " %(max)s, false)"
            " AND ST_Distance(centre, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography,"
            " false) <= radius"
            " AND cats && %(cats)s::int[] AND %(price)s <= price"
            " AND (pattern < 0 OR pattern = ANY(%(patterns)s::int[])) ORDER BY id"
        )

        def answer(j: int) -> npt.NDArray[np.int64]:
            params = {
                "lon": float(w.ev_lon[j]), "lat": float(w.ev_lat[j]), "max": max_radius,
                "cats": exact.ancestors[int(w.ev_cat[j])].tolist(),
                "price": float(w.ev_price[j]), "patterns": exact.allowed_patterns(j),
            }  # fmt: skip
            rows = conn.execute(query, params, prepare=True).fetchall()
            return np.array([r[0] for r in rows], dtype=np.int64)

        return _timed("postgis", answer, sample, budget_s)
