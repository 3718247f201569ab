"""The nearest-stock index answers what a brute-force scan answers, after loading, changes,
removals and moves, for categories, their groups and single items."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from unittest import mock

import h3.api.basic_int as h3
import numpy as np
import pytest

from buurt.engine import stock_search
from buurt.engine.stock_index import NEVER, StockColumns, StockIndex, StockRow, _distance

LAT, LON = 52.36, 4.90


def _rows(seed: int = 7, sites: int = 300, per_site: int = 8) -> list[StockRow]:
    rng = random.Random(seed)
    rows = []
    for s in range(sites):
        lat, lon = LAT + rng.uniform(-0.05, 0.05), LON + rng.uniform(-0.08, 0.08)
        for j in range(per_site):
            item = rng.randrange(60)
            rows.append(
                StockRow(
                    f"stk_{s}_{j}",
                    f"itm_{item}",
                    f"sit_{s:04d}",
                    f"g{item % 3}/c{item % 7}",
                    lat,
                    lon,
                    rng.randrange(0, 12),
                    round(rng.uniform(1, 40), 2),
                    rng.choice([NEVER, NEVER, 100.0, 5000.0]),
                )
            )
    return rows


def _brute(rows: list[StockRow], lat: float, lon: float, **q: object) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for r in rows:
        category, item = q.get("category"), q.get("item_id")
        if category is not None and not (
            r.category == category or r.category.startswith(f"{category}/")
        ):
            continue
        if item is not None and r.item_id != item:
            continue
        if r.available < q["min_quantity"] or r.price > q["max_price"]:  # type: ignore[operator]
            continue
        if r.available_from > q["at"]:  # type: ignore[operator]
            continue
        d = _distance(lat, lon, r.lat, r.lon)
        if d <= q["radius_m"]:  # type: ignore[operator]
            best[r.site_id] = min(d, best.get(r.site_id, math.inf))
    ranked = sorted(best.items(), key=lambda pair: pair[1])
    return [(site, round(d, 1)) for site, d in ranked[: q["limit"]]]  # type: ignore[misc]


def _queries(seed: int = 3, count: int = 150) -> list[tuple[float, float, dict[str, object]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        what: dict[str, object] = rng.choice(
            [{"category": "g1"}, {"category": f"g1/c{rng.randrange(7)}"},
             {"item_id": f"itm_{rng.randrange(60)}"}]
        )  # fmt: skip
        out.append(
            (
                LAT + rng.uniform(-0.05, 0.05),
                LON + rng.uniform(-0.08, 0.08),
                {
                    **what,
                    "radius_m": rng.choice([300.0, 1500.0, 6000.0, 30000.0]),
                    "limit": rng.choice([1, 5, 10]),
                    "min_quantity": rng.choice([1, 4]),
                    "max_price": rng.choice([math.inf, 20.0]),
                    "at": rng.choice([0.0, 1000.0]),
                },
            )
        )
    return out


def _answers(index: StockIndex, rows: list[StockRow], count: int = 150) -> tuple[int, int]:
    agree = nonempty = 0
    for lat, lon, q in _queries(count=count):
        got = [(s.site_id, round(s.distance_m, 1)) for s in index.nearest(lat, lon, **q)]  # type: ignore[arg-type]
        want = _brute(rows, lat, lon, **q)
        agree += got == want
        nonempty += bool(want)
    return agree, nonempty


def _columns(rows: list[StockRow]) -> StockColumns:
    return StockColumns(
        [r.stock_id for r in rows], [r.item_id for r in rows], [r.site_id for r in rows],
        [r.category for r in rows], np.array([r.lat for r in rows]),
        np.array([r.lon for r in rows]), np.array([r.available for r in rows]),
        np.array([r.price for r in rows]), np.array([r.available_from for r in rows]),
        np.ones(len(rows), np.int64),
    )  # fmt: skip


def test_put_and_load_answer_as_a_scan_does() -> None:
    rows = _rows()
    one_by_one, at_once = StockIndex(), StockIndex()
    for row in rows:
        one_by_one.put(row)
    at_once.load(_columns(rows))
    for index in (one_by_one, at_once):
        agree, nonempty = _answers(index, rows)
        assert agree == len(_queries())
        assert nonempty > len(_queries()) // 2  # the control: most queries find something


def test_changes_removals_and_moves_are_answered_as_they_now_are() -> None:
    rows = _rows()
    index = StockIndex()
    index.load(_columns(rows))
    rng = random.Random(11)
    changed = list(rows)
    for i in rng.sample(range(len(rows)), 400):
        r = changed[i]
        changed[i] = StockRow(
            r.stock_id, r.item_id, r.site_id, r.category, r.lat + rng.choice([0, 0.01]), r.lon,
            rng.randrange(0, 12), r.price, r.available_from, version=2,
        )  # fmt: skip
        index.put(changed[i])
    for i in sorted(rng.sample(range(len(changed)), 200), reverse=True):
        index.remove(changed.pop(i).stock_id)
    stale = changed[0]
    index.put(StockRow(*[getattr(stale, f) for f in StockRow.__slots__][:6], 999, 0.0, NEVER, 0))
    assert _answers(index, changed)[0] == len(_queries())


def test_an_item_query_answers_that_item_only() -> None:
    index = StockIndex()
    index.put(StockRow("stk_a", "itm_a", "sit_a", "food/bread", LAT, LON, 3, 2.0))
    index.put(StockRow("stk_b", "itm_b", "sit_b", "food/bread", LAT, LON + 0.001, 3, 2.0))
    near = index.nearest(LAT, LON, item_id="itm_b", radius_m=1000, limit=5)
    assert [s.stock_ids for s in near] == [("stk_b",)]
    assert index.nearest(LAT, LON, item_id="itm_none", radius_m=1000, limit=5) == []
    both = index.nearest(LAT, LON, category="food", radius_m=1000, limit=5)
    assert [s.site_id for s in both] == ["sit_a", "sit_b"]  # the control
    with pytest.raises(ValueError, match="empty index"):
        index.load(_columns([]))


@pytest.mark.parametrize("look", [1, stock_search._LOOK])
@pytest.mark.parametrize("first_batch", [1, 3, stock_search._FIRST_BATCH])
def test_a_dense_city_is_answered_as_a_scan_does_bucket_after_bucket(
    first_batch: int, look: int
) -> None:
    # Hundreds of sites per bucket's neighbourhood, and small first batches: a query takes
    # several batches, starts inside the reach of several buckets, and must still stop
    # only once nothing left can come nearer. A first look at one spot per site asked for
    # is often not enough, and must then give way to the batches.
    rows = _rows(seed=5, sites=3000, per_site=2)
    index = StockIndex()
    index.load(_columns(rows))
    with (
        mock.patch.object(stock_search, "_FIRST_BATCH", first_batch),
        mock.patch.object(stock_search, "_LOOK", look),
    ):
        agree, nonempty = _answers(index, rows, count=400)
    assert agree == 400
    assert nonempty > 200


def test_a_point_within_the_reach_of_two_buckets_waits_for_both() -> None:
    # The point lies just inside cell A, by its edge with cell B; each cell holds a spot at
    # its far corner (sold out, but widening its bucket's reach past the point), so both
    # buckets' bounds are below 0. The nearer site is in B, a hair farther from its centre.
    a = h3.latlng_to_cell(LAT, LON, 8)
    b = next(c for c in h3.grid_ring(a, 1))
    (lat_e1, lon_e1), (lat_e2, lon_e2) = h3.directed_edge_to_boundary(
        h3.cells_to_directed_edge(a, b)
    )
    mid = ((lat_e1 + lat_e2) / 2, (lon_e1 + lon_e2) / 2)
    centre_a, centre_b = h3.cell_to_latlng(a), h3.cell_to_latlng(b)

    def toward(
        start: tuple[float, float], goal: tuple[float, float], metres: float
    ) -> tuple[float, float]:
        f = metres / _distance(*start, *goal)
        return (start[0] + f * (goal[0] - start[0]), start[1] + f * (goal[1] - start[1]))

    point = toward(mid, centre_a, 3.0)
    far_a = max(h3.cell_to_boundary(a), key=lambda v: _distance(*point, *v))
    far_b = max(h3.cell_to_boundary(b), key=lambda v: _distance(*point, *v))
    places = {
        "sit_near_b": toward(point, centre_b, 30.0),
        "sit_a": toward(point, centre_a, 40.0),
        "sit_far_a": toward(far_a, centre_a, 1.0),
        "sit_far_b": toward(far_b, centre_b, 1.0),
    }
    assert h3.latlng_to_cell(*places["sit_near_b"], 8) == b  # the control
    index = StockIndex()
    for site, (lat, lon) in places.items():
        available = 0 if site.startswith("sit_far") else 3
        index.put(StockRow(f"stk_{site}", "itm_x", site, "food", lat, lon, available, 1.0))
    with mock.patch.object(stock_search, "_FIRST_BATCH", 1):
        near = index.nearest(*point, category="food", radius_m=1000, limit=1)
    assert [s.site_id for s in near] == ["sit_near_b"]


def test_a_row_given_another_category_item_or_site_is_answered_as_it_now_is() -> None:
    # One row per site: a row that changes only its category or its item keeps its site's
    # one spot, which must not be let go (its last row) while the row holds it again.
    rows = _rows(seed=13, sites=200, per_site=1)
    index = StockIndex()
    for row in rows:
        index.put(row)
    rng = random.Random(17)
    changed = list(rows)

    def change(i: int, version: int, *, category: bool, item: bool, site: bool = False) -> None:
        r, other = changed[i], changed[rng.randrange(len(changed))]
        new_item = rng.randrange(60)
        changed[i] = replace(
            r,
            item_id=f"itm_{new_item}" if item else r.item_id,
            category=f"g{(new_item + 1) % 3}/c{(new_item + 2) % 7}" if category else r.category,
            site_id=other.site_id if site else r.site_id,
            lat=other.lat if site else r.lat,
            lon=other.lon if site else r.lon,
            version=version,
        )
        index.put(changed[i])

    for version, what in enumerate(
        [
            {"category": True, "item": False},
            {"category": False, "item": True},
            {"category": True, "item": True},
            {"category": False, "item": False, "site": True},
        ],
        start=2,
    ):
        for i in rng.sample(range(len(changed)), 60):
            change(i, version, **what)
        assert _answers(index, changed)[0] == len(_queries())
    # Every spot let go is forgotten, and a row put there again finds it afresh.
    for row in changed[:50]:
        index.remove(row.stock_id)
    for row in changed[:50]:
        index.put(replace(row, version=row.version + 1))
    assert _answers(index, changed)[0] == len(_queries())
