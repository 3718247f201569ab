"""``buurt bench stock``: nearest sites with stock, Buurt's index beside SQLite and PostGIS.

A generated city (a seeded numpy workload): ``sites`` sites, half spread evenly and half
around six hot spots, each stocking ``rows / sites`` of about ``rows / 500`` items in 40
categories of 8 groups; a tenth of the rows are not available yet, a fifth are sold out.
Queries ask for a category (60 %), a group (25 %) or one item (15 %) within 0.5 to 5 km, with
a minimum quantity and a price limit, ten sites each.

- **buurt**: the engine's ``StockIndex`` (what ``GET /v1/stock/nearest`` asks), in process.
- **sqlite_rtree**: an R*Tree of the sites' boxes in an in-memory SQLite, the stock in an
  indexed table; one query per ask (box, then an ``EXISTS`` on the stock), distances in numpy.
- **postgis** (with ``--postgis URL``): sites with a GiST-indexed geography, the stock in an
  indexed table; one query per ask, KNN ordered (``ORDER BY geog <-> point``) within
  ``ST_DWithin`` on the sphere, with the same ``EXISTS``.

Every peer's answers (sites and distances) are compared with Buurt's; distances agree within
a metre (so ties and rounding at the radius do not count as disagreement).
"""

from __future__ import annotations

import gc
import math
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from buurt.engine.stock_index import EARTH_RADIUS_M, NEVER, StockColumns, StockIndex

Step = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
Answer = list[tuple[int, float]]  # (site number, metres), nearest first
CENTRE = (52.37, 4.90)
NOW = 1_000_000.0
CATEGORIES = [f"g{g}/c{c}" for g in range(8) for c in range(5)]
LIMIT = 10
PEER_BUDGET_S = 20.0


@dataclass(frozen=True)
class Query:
    lat: float
    lon: float
    column: str  # "cat", "grp" or "item": what the peers filter on
    value: int
    radius_m: float
    min_quantity: int
    max_price: float


@dataclass
class City:
    site_lat: npt.NDArray[np.float64]
    site_lon: npt.NDArray[np.float64]
    site: npt.NDArray[np.int64]  # per row
    item: npt.NDArray[np.int64]
    available: npt.NDArray[np.int64]
    price: npt.NDArray[np.float64]
    since: npt.NDArray[np.float64]
    queries: list[Query]

    def category(self, item: int) -> int:
        return item % len(CATEGORIES)


def city(rows: int, sites: int, queries: int, seed: int) -> City:
    rng = np.random.default_rng(seed)
    lat, lon = _places(rng, sites)
    per_site = max(1, rows // sites)
    items = _prime_at_least(max(per_site + 1, rows // 500))
    offset = rng.integers(0, items, sites)
    stride = rng.integers(1, items, sites)  # items is prime: every stride visits every item
    item = (offset[:, None] + np.arange(per_site)[None, :] * stride[:, None]) % items
    n = sites * per_site
    available = rng.integers(1, 21, n)
    available[rng.random(n) < 0.2] = 0
    since = np.where(rng.random(n) < 0.1, NOW + 3600.0, NEVER)
    q_lat, q_lon = _places(rng, queries)
    asks = []
    for j in range(queries):
        kind = rng.random()
        if kind < 0.6:
            column, value = "cat", int(rng.integers(0, len(CATEGORIES)))
        elif kind < 0.85:
            column, value = "grp", int(rng.integers(0, 8))
        else:
            column, value = "item", int(rng.integers(0, items))
        asks.append(
            Query(
                float(q_lat[j]),
                float(q_lon[j]),
                column,
                value,
                float(rng.choice([500.0, 1000.0, 2000.0, 5000.0])),
                int(rng.choice([1, 1, 3])),
                float(rng.choice([math.inf, math.inf, 50.0])),
            )
        )
    return City(
        lat, lon, np.repeat(np.arange(sites), per_site), item.reshape(-1).astype(np.int64),
        available, np.round(rng.uniform(1, 100, n), 2), since, asks,
    )  # fmt: skip


def _places(rng: np.random.Generator, n: int) -> tuple[npt.NDArray[np.float64], ...]:
    even = n // 2
    lat = np.empty(n)
    lon = np.empty(n)
    lat[:even] = CENTRE[0] + rng.uniform(-0.09, 0.09, even)
    lon[:even] = CENTRE[1] + rng.uniform(-0.15, 0.15, even)
    spots = rng.integers(0, 6, n - even)
    spot_lat = CENTRE[0] + np.linspace(-0.06, 0.06, 6)
    spot_lon = CENTRE[1] + np.linspace(0.1, -0.1, 6)
    lat[even:] = spot_lat[spots] + rng.normal(0, 0.008, n - even)
    lon[even:] = spot_lon[spots] + rng.normal(0, 0.012, n - even)
    return lat, lon


def _prime_at_least(n: int) -> int:
    def prime(k: int) -> bool:
        return k > 1 and all(k % d for d in range(2, math.isqrt(k) + 1))

    while not prime(n):
        n += 1
    return n


def _category_of(c: City, q: Query) -> dict[str, Any]:
    if q.column == "item":
        return {"item_id": f"i{q.value}"}
    if q.column == "grp":
        return {"category": f"g{q.value}"}
    return {"category": CATEGORIES[q.value]}


def buurt_index(c: City, step: Step) -> StockIndex:
    n = len(c.site)
    index = StockIndex()
    with step("Buurt: loading the index", 1) as advance:
        index.load(
            StockColumns(
                stock_ids=[f"s{i}" for i in range(n)],
                item_ids=[f"i{i}" for i in c.item.tolist()],
                site_ids=[str(s) for s in c.site.tolist()],
                categories=[CATEGORIES[i % len(CATEGORIES)] for i in c.item.tolist()],
                lat=c.site_lat[c.site],
                lon=c.site_lon[c.site],
                available=c.available,
                price=c.price,
                since=c.since,
                version=np.ones(n, np.int64),
            )
        )
        advance(1)
    return index


def buurt_answer(index: StockIndex, c: City) -> Callable[[Query], Answer]:
    def answer(q: Query) -> Answer:
        found = index.nearest(
            q.lat, q.lon, **_category_of(c, q), radius_m=q.radius_m, limit=LIMIT,
            min_quantity=q.min_quantity, max_price=q.max_price, at=NOW,
        )  # fmt: skip
        return [(int(s.site_id), s.distance_m) for s in found]

    return answer


def _chunks(n: int, size: int = 50_000) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(n, start + size)


def _stock_rows(c: City, start: int, end: int) -> Iterator[tuple[Any, ...]]:
    cats = len(CATEGORIES)
    for i in range(start, end):
        item = int(c.item[i])
        since = float(c.since[i])
        yield (int(c.site[i]), item, item % cats, (item % cats) // 5, int(c.available[i]),
               float(c.price[i]), -1e18 if math.isinf(since) else since)  # fmt: skip


def sqlite_rtree(c: City, step: Step, stack: ExitStack) -> Callable[[Query], Answer]:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    stack.callback(db.close)
    db.execute("CREATE VIRTUAL TABLE site_box USING rtree(id, lo_lat, hi_lat, lo_lon, hi_lon)")
    db.execute("CREATE TABLE site (id INTEGER PRIMARY KEY, lat REAL, lon REAL)")
    db.execute(
        "CREATE TABLE stock (site INTEGER, item INTEGER, cat INTEGER, grp INTEGER,"
        " available INTEGER, price REAL, since REAL)"
    )
    len(c.site_lat)
    places = list(zip(c.site_lat.tolist(), c.site_lon.tolist(), strict=True))
    db.executemany("INSERT INTO site VALUES (?, ?, ?)", ((i, *p) for i, p in enumerate(places)))
    db.executemany(
        "INSERT INTO site_box VALUES (?, ?, ?, ?, ?)",
        ((i, la, la, lo, lo) for i, (la, lo) in enumerate(places)),
    )
    n = len(c.site)
    with step("SQLite R*Tree: loading", n) as advance:
        for start, end in _chunks(n):
            db.executemany(
                "INSERT INTO stock VALUES (?, ?, ?, ?, ?, ?, ?)", _stock_rows(c, start, end)
            )
            advance(end - start)
    for column in ("cat", "grp", "item"):
        db.execute(f"CREATE INDEX stock_{column} ON stock (site, {column})")
    db.execute("ANALYZE")
    # The column names come from this fixed tuple, never from input.
    queries = {
        column: (
            "SELECT s.id, s.lat, s.lon FROM site_box b JOIN site s ON s.id = b.id"
            " WHERE b.lo_lat <= ? AND b.hi_lat >= ? AND b.lo_lon <= ? AND b.hi_lon >= ?"
            " AND EXISTS (SELECT 1 FROM stock t WHERE t.site = s.id AND t.COLUMN = ?"
            " AND t.available >= ? AND t.price <= ? AND t.since <= ?)"
        ).replace("COLUMN", column)
        for column in ("cat", "grp", "item")
    }

    def answer(q: Query) -> Answer:
        d_lat = math.degrees(q.radius_m / EARTH_RADIUS_M) * 1.001
        d_lon = d_lat / math.cos(math.radians(abs(q.lat) + d_lat))
        price = 1e18 if math.isinf(q.max_price) else q.max_price
        rows = db.execute(
            queries[q.column],
            (q.lat + d_lat, q.lat - d_lat, q.lon + d_lon, q.lon - d_lon, q.value,
             q.min_quantity, price, NOW),
        ).fetchall()  # fmt: skip
        if not rows:
            return []
        ids = np.array([r[0] for r in rows])
        d = _haversine(q.lat, q.lon, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
        keep = d <= q.radius_m
        order = np.argsort(d[keep], kind="stable")[:LIMIT]
        return list(zip(ids[keep][order].tolist(), d[keep][order].tolist(), strict=True))

    return answer


def postgis(url: str, c: City, step: Step, stack: ExitStack) -> Callable[[Query], Answer]:
    import psycopg

    # A SQLAlchemy URL (the one Buurt's settings take) works too.
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    stack.callback(conn.close)
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    conn.execute("CREATE TEMPORARY TABLE bench_site (id int PRIMARY KEY, lat float8, lon float8)")
    conn.execute(
        "CREATE TEMPORARY TABLE bench_stock (site int, item int, cat int, grp int,"
        " available int, price float8, since float8)"
    )
    with conn.cursor().copy("COPY bench_site FROM STDIN") as copy:
        for i, (la, lo) in enumerate(zip(c.site_lat.tolist(), c.site_lon.tolist(), strict=True)):
            copy.write_row((i, la, lo))
    n = len(c.site)
    with step("PostGIS: loading", n) as advance:
        for start, end in _chunks(n):
            with conn.cursor().copy("COPY bench_stock FROM STDIN") as copy:
                for row in _stock_rows(c, start, end):
                    copy.write_row(row)
            advance(end - start)
    with step("PostGIS: indexing", 1) as advance:
        conn.execute(
            "ALTER TABLE bench_site ADD COLUMN geog geography(Point, 4326);"
            "UPDATE bench_site SET geog = ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography;"
            "CREATE INDEX bench_site_geog ON bench_site USING gist (geog);"
            "CREATE INDEX bench_stock_cat ON bench_stock (site, cat);"
            "CREATE INDEX bench_stock_grp ON bench_stock (site, grp);"
            "CREATE INDEX bench_stock_item ON bench_stock (site, item);"
            "ANALYZE bench_site; ANALYZE bench_stock"
        )
        advance(1)
    queries = {  # the column names come from this fixed tuple, never from input
        column: (
            "SELECT s.id, ST_Distance(s.geog, p.g, false) FROM bench_site s,"
            " (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS g) p"
            " WHERE ST_DWithin(s.geog, p.g, %(radius)s, false)"
            " AND EXISTS (SELECT 1 FROM bench_stock t WHERE t.site = s.id AND t.COLUMN ="
            " %(value)s AND t.available >= %(min)s AND t.price <= %(price)s"
            " AND t.since <= %(now)s)"
            " ORDER BY s.geog <-> p.g LIMIT %(limit)s"
        ).replace("COLUMN", column)
        for column in ("cat", "grp", "item")
    }

    def answer(q: Query) -> Answer:
        params = {
            "lon": q.lon, "lat": q.lat, "radius": q.radius_m, "value": q.value,
            "min": q.min_quantity, "price": 1e18 if math.isinf(q.max_price) else q.max_price,
            "now": NOW, "limit": LIMIT,
        }  # fmt: skip
        rows = conn.execute(queries[q.column], params, prepare=True).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    return answer


def _haversine(
    lat: float, lon: float, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    p1, p2 = math.radians(lat), np.radians(lats)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    )
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


def agree(mine: Answer, theirs: Answer) -> bool:
    """Same sites in the same order, or (ties, rounding) the same distances within a metre."""
    if [s for s, _ in mine] == [s for s, _ in theirs]:
        return True
    return len(mine) == len(theirs) and all(
        abs(a - b) <= 1.0 for (_, a), (_, b) in zip(mine, theirs, strict=True)
    )


def timed(
    answer: Callable[[Query], Answer],
    queries: Sequence[Query],
    budget_s: float,
    clock: Callable[[], int],
) -> tuple[dict[str, float], list[Answer]]:
    """Latencies and answers of ``queries`` in order, stopping after ``budget_s``.

    A full garbage collection goes first: with a million rows indexed one takes a tenth of a
    second or more, and whether the collector's thresholds fall inside a loop this short is
    chance (a server meets it the same, rarely, whatever answers its queries)."""
    gc.collect()
    spent: list[int] = []
    answers: list[Answer] = []
    for q in queries:
        start = clock()
        answers.append(answer(q))
        spent.append(clock() - start)
        if sum(spent) > budget_s * 1e9:
            break
    lat = np.array(spent) / 1000.0
    return {
        "queries": len(spent),
        "queries_per_s": round(len(spent) / (float(np.sum(lat)) / 1e6), 1),
        "p50_us": round(float(np.percentile(lat, 50)), 1),
        "p99_us": round(float(np.percentile(lat, 99)), 1),
    }, answers


def run(
    rows: int,
    sites: int,
    queries: int,
    seed: int,
    postgis_url: str | None,
    step: Step,
    *,
    cpu_clock: bool = False,
) -> dict[str, Any]:
    clock = time.thread_time_ns if cpu_clock else time.perf_counter_ns
    with step("Generating the city", 1) as advance:
        c = city(rows, sites, queries, seed)
        advance(1)
    started = time.perf_counter()
    index = buurt_index(c, step)
    build_s = round(time.perf_counter() - started, 2)
    answer = buurt_answer(index, c)
    for q in c.queries[:200]:  # warm the ring cache and the CPU caches, as a server is
        answer(q)
    with step("Buurt: querying", 1) as advance:
        figures, mine = timed(answer, c.queries, math.inf, clock)
        advance(1)
    result: dict[str, Any] = {
        "rows": len(c.site), "sites": sites, "queries": queries, "limit": LIMIT,
        "found_per_query": round(sum(len(a) for a in mine) / max(1, len(mine)), 2),
        "buurt": {**figures, "build_s": build_s}, "peers": {},
    }  # fmt: skip
    peers: list[tuple[str, Callable[[ExitStack], Callable[[Query], Answer]]]] = [
        ("sqlite_rtree", lambda stack: sqlite_rtree(c, step, stack))
    ]
    if postgis_url:
        url = postgis_url
        peers.append(("postgis", lambda stack: postgis(url, c, step, stack)))
    for name, make in peers:
        with ExitStack() as stack:
            result["peers"][name] = _peer(name, make(stack), c, mine, figures, clock, step)
    return result


def _peer(
    name: str,
    peer: Callable[[Query], Answer],
    c: City,
    mine: list[Answer],
    figures: dict[str, float],
    clock: Callable[[], int],
    step: Step,
) -> dict[str, Any]:
    with step(f"{name}: querying", 1) as advance:
        # The server does the work: the wall clock is the only fair one for PostGIS.
        theirs, answers = timed(
            peer, c.queries, PEER_BUDGET_S, time.perf_counter_ns if name == "postgis" else clock
        )
        advance(1)
    same = sum(agree(a, b) for a, b in zip(mine, answers, strict=False))
    return {
        **theirs,
        "ratio": round(figures["queries_per_s"] / theirs["queries_per_s"], 1),
        "agrees": same == len(answers),
        "agreement": round(same / len(answers), 4),
    }
