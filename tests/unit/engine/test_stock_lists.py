"""The candidate lists of the nearest-stock index answer exactly what its bucket search and a
brute-force scan answer, or leave the query to the search: with cells and without, with
lists of a few spots (so most queries reach past them), after changes of numbers (kept in
the lists) and of rows (which leave them stale until asked often enough)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any
from unittest import mock

import h3.api.basic_int as h3
import numpy as np
import pytest

from buurt.engine import stock_buckets, stock_index, stock_lists
from buurt.engine.stock_index import NEVER, NearSite, StockColumns, StockIndex, StockRow, _distance

LAT, LON = 52.36, 4.90
# Settings that give even a small city cells, split cells, capped reaches and lists that
# are often too short, so that every way a list answers, or gives up, is taken.
TIGHT = {"_SMALL": 0, "_SPOTS": 3, "_SPLIT": 4, "_BAND": 1e-6, "_MOST": 300.0 / 6_371_008.8}
# A key lists its rows (few per spot) or its spots (many): either may be asked for.
BY_ROW, BY_SPOT = {"_ROWS_PER_SPOT": 10**9}, {"_ROWS_PER_SPOT": 0}
MODES = {
    "as-set": {},
    "by-spot": BY_SPOT,
    "tight-by-row": {**TIGHT, **BY_ROW},
    "tight-by-spot": {**TIGHT, **BY_SPOT},
    "whole-by-row": {"_SMALL": 10**9, **BY_ROW},  # no cells: every query looks at every row
}


@contextmanager
def _settings(**values: Any) -> Iterator[None]:
    with ExitStack() as stack:
        for name, value in values.items():
            stack.enter_context(mock.patch.object(stock_lists, name, value))
        yield


@contextmanager
def _counted() -> Iterator[dict[str, int]]:
    """Counts the queries the lists answer and those they leave to the search."""
    counts = {"answered": 0, "left": 0}
    answer = stock_lists.answer

    def counting(*args: Any) -> Any:
        found = answer(*args)
        counts["left" if found is None else "answered"] += 1
        return found

    with mock.patch.object(stock_index, "answer", counting):
        yield counts


def _rows(seed: int, sites: int, per_site: int, *, shared: int = 0) -> list[StockRow]:
    """A city; the first ``shared`` sites are two by two at the same place."""
    rng = random.Random(seed)
    rows = []
    place = (0.0, 0.0)
    for s in range(sites):
        if s >= shared or s % 2 == 0:
            place = (LAT + rng.uniform(-0.03, 0.03), LON + rng.uniform(-0.05, 0.05))
        for j in range(per_site):
            item = rng.randrange(40)
            rows.append(
                StockRow(
                    f"stk_{s}_{j}",
                    f"itm_{item}",
                    f"sit_{s:04d}",
                    f"g{item % 3}/c{item % 5}",
                    *place,
                    rng.randrange(0, 8),
                    rng.choice([1.0, 2.5, 9.99, 20.0]),
                    rng.choice([NEVER, NEVER, 100.0]),
                )
            )
    return rows


def columns(rows: list[StockRow]) -> StockColumns:
    """The rows as ``StockIndex.load`` takes them (the property tests load them so too)."""
    return StockColumns(
        [r.stock_id for r in rows], [r.item_id for r in rows], [r.site_id for r in rows],
        [r.category for r in rows], np.array([r.lat for r in rows]),
        np.array([r.lon for r in rows]), np.array([r.available for r in rows], np.int64),
        np.array([r.price for r in rows]), np.array([r.available_from for r in rows]),
        np.array([r.version for r in rows], np.int64),
    )  # fmt: skip


def _queries(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "lat": LAT + rng.uniform(-0.035, 0.035),
            "lon": LON + rng.uniform(-0.06, 0.06),
            **rng.choice(
                [
                    {"category": "g1"},
                    {"category": f"g{rng.randrange(3)}/c{rng.randrange(5)}"},
                    {"item_id": f"itm_{rng.randrange(40)}"},
                ]
            ),
            "radius_m": rng.choice([150.0, 600.0, 2500.0, 40_000.0]),
            "limit": rng.choice([1, 3, 10]),
            "min_quantity": rng.choice([1, 1, 4]),
            "max_price": rng.choice([math.inf, 9.99]),
            "at": rng.choice([0.0, 1000.0, math.inf]),
        }
        for _ in range(count)
    ]


def _brute(rows: list[StockRow], q: dict[str, Any]) -> list[tuple[str, float, set[str]]]:
    best: dict[str, float] = {}
    ids: dict[str, set[str]] = {}
    for r in rows:
        category, item = q.get("category"), q.get("item_id")
        if category is not None and not (
            r.category == category or r.category.startswith(f"{category}/")
        ):
            continue
        if item is not None and r.item_id != item:
            continue
        if r.available < q["min_quantity"] or r.price > q["max_price"]:
            continue
        if r.available_from > q["at"]:
            continue
        d = _distance(q["lat"], q["lon"], r.lat, r.lon)
        if d <= q["radius_m"]:
            best[r.site_id] = min(d, best.get(r.site_id, math.inf))
            ids.setdefault(r.site_id, set()).add(r.stock_id)
    ranked = sorted(best.items(), key=lambda pair: pair[1])[: q["limit"]]
    return [(site, d, ids[site]) for site, d in ranked]


def _ask(index: StockIndex, q: dict[str, Any]) -> list[NearSite]:
    return index.nearest(**q)


def _searched(index: StockIndex, q: dict[str, Any]) -> list[NearSite]:
    """What the bucket search alone answers."""
    with mock.patch.object(stock_index, "answer", return_value=None):
        return index.nearest(**q)


def _same(got: list[NearSite], want: list[NearSite]) -> bool:
    return [(s.site_id, s.stock_ids) for s in got] == [
        (s.site_id, s.stock_ids) for s in want
    ] and all(abs(a.distance_m - b.distance_m) < 1e-6 for a, b in zip(got, want, strict=True))


def _check(index: StockIndex, rows: list[StockRow], queries: list[dict[str, Any]]) -> None:
    for q in queries:
        got, searched = _ask(index, q), _searched(index, q)
        assert _same(got, searched), q
        want = _brute(rows, q)
        # Sites at the very same distance may come in either order from a scan.
        assert len(got) == len(want), q
        assert all(abs(s.distance_m - d) < 0.01 for s, (_, d, _) in zip(got, want, strict=True))
        by_site = {site: ids for site, _, ids in want}
        for near in got:
            assert set(near.stock_ids) == by_site[near.site_id]
            assert list(near.stock_ids) == sorted(near.stock_ids, key=index._slot.__getitem__)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("bulk", [True, False], ids=["loaded", "put"])
def test_lists_answer_as_the_search_and_a_scan_do(mode: str, bulk: bool) -> None:
    rows = _rows(seed=3, sites=900, per_site=3, shared=40)
    tight = mode.startswith("tight")
    with _settings(**MODES[mode]), _counted() as counts:
        index = StockIndex()
        if bulk:
            index.load(columns(rows))
        else:
            for row in rows:
                index.put(row)
        _check(index, rows, _queries(seed=4, count=300))
    assert counts["answered"] > 100  # the control: the lists answer many queries
    if tight:
        assert counts["left"] > 20  # ... and leave some, whose answer the search gives


@pytest.mark.parametrize("by", ["row", "spot"])
def test_a_tight_city_takes_cells_split_cells_and_widened_bands(by: str) -> None:
    rows = _rows(seed=5, sites=600, per_site=2)
    index = StockIndex()
    with _settings(**TIGHT, **(BY_ROW if by == "row" else BY_SPOT)):
        index.load(columns(rows))
    lists = index._keys["g1"].lists
    assert lists is not None
    assert lists.cells is not None
    assert (lists.table is not None) == (by == "row")
    resolutions = {h3.get_resolution(cell) for cell in lists.cells}
    assert resolutions == {stock_lists.RESOLUTION, stock_lists.FINER}
    assert stock_lists.RESOLUTION == stock_buckets.FINE  # the spots' cells are the lists'
    # Every list holds every spot of the key within its reach of its centre, and no other
    # (every row of such a spot, when it lists rows).
    xyz = lists.spots[:, :3]
    for begin, end, *centre, reach in lists.meta.tolist():
        listed = lists.listed[int(begin) : int(end)]
        assert (np.diff(listed) > 0).all()  # in the order of the key's spots and rows
        if lists.table is not None:
            start, count = lists.spots[:, 3].astype(np.int64), lists.count
            of_spot = np.repeat(np.arange(len(count)), count)
            assert (np.bincount(of_spot[listed], minlength=len(count)) % count == 0).all()
            listed = np.unique(of_spot[listed])
            assert (lists.table[start, :3] == xyz).all()
        angle = np.arccos(np.clip(xyz @ np.array(centre), -1.0, 1.0))
        assert set(np.flatnonzero(angle <= reach).tolist()) <= set(listed.tolist())
        assert (angle[listed] <= reach + 2 * stock_lists._MARGIN).all()


def test_sites_at_one_place_are_answered_by_their_first_matching_row_and_to_the_limit() -> None:
    index = StockIndex()
    # Two sites at the very same place, the later-posted one first in the lists' order.
    index.put(StockRow("stk_1", "itm_a", "sit_b", "food", LAT, LON, 3, 2.0))
    index.put(StockRow("stk_2", "itm_a", "sit_a", "food", LAT, LON, 3, 2.0))
    index.put(StockRow("stk_3", "itm_a", "sit_c", "food", LAT + 0.001, LON, 3, 2.0))
    with _counted() as counts:
        for _ in range(3):
            one = index.nearest(LAT + 0.0001, LON, category="food", radius_m=1000, limit=1)
            assert [s.site_id for s in one] == ["sit_b"]  # stk_1 was posted first
            two = index.nearest(LAT + 0.0001, LON, category="food", radius_m=1000, limit=2)
            assert [s.site_id for s in two] == ["sit_b", "sit_a"]
            assert two[0].distance_m == two[1].distance_m
    assert counts["answered"] >= 4
    # Sold out at the first: the second is answered alone, from the lists as they are.
    index.put(StockRow("stk_1", "itm_a", "sit_b", "food", LAT, LON, 0, 2.0, version=2))
    one = index.nearest(LAT, LON, category="food", radius_m=1000, limit=1)
    assert [(s.site_id, s.stock_ids) for s in one] == [("sit_a", ("stk_2",))]


@pytest.mark.parametrize("by", ["row", "spot"])
def test_a_change_of_numbers_is_kept_and_a_new_row_leaves_the_lists_stale(by: str) -> None:
    rows = _rows(seed=7, sites=400, per_site=2)
    index = StockIndex()
    with _settings(**TIGHT, **(BY_ROW if by == "row" else BY_SPOT)):
        index.load(columns(rows))
        key = index._keys["g1"]
        lists = key.lists
        assert lists is not None
        changed = list(rows)
        rng = random.Random(8)
        for i in rng.sample(range(len(rows)), 200):
            changed[i] = replace(changed[i], available=rng.randrange(0, 8), version=2)
            index.put(changed[i])
        assert key.lists is lists  # numbers alone: stored into the lists
        _check(index, changed, _queries(seed=9, count=100))
        first = next(r for r in changed if r.category.startswith("g1/"))
        moved = replace(first, stock_id="stk_new", site_id="sit_new", lat=first.lat + 0.002)
        index.put(moved)
        assert key.lists is None
        changed.append(moved)
        _check(index, changed, _queries(seed=10, count=100))
        assert key.lists is not None  # asked often enough: drawn again


def test_empty_answers_and_places_without_a_list() -> None:
    rows = _rows(seed=11, sites=300, per_site=2)
    index = StockIndex()
    with _settings(**TIGHT):
        index.load(columns(rows))
        far = {"category": "g1", "limit": 5, "min_quantity": 1, "max_price": math.inf}
        assert index.nearest(LAT + 1.0, LON, radius_m=5000, **far) == []  # no cell there
        assert index.nearest(LAT + 1.0, LON, radius_m=500_000, **far) != []
        assert index.nearest(LAT, LON, radius_m=0.0, **far) == []
        assert index.nearest(LAT, LON, radius_m=5000, **{**far, "min_quantity": 99}) == []
        assert index.nearest(LAT, LON, radius_m=5000, **{**far, "limit": 0}) == []


def test_a_radius_at_a_site_s_own_distance_is_answered_as_the_search_does() -> None:
    rows = _rows(seed=13, sites=500, per_site=2)
    index = StockIndex()
    with _settings(**TIGHT):
        index.load(columns(rows))
        q = {"lat": LAT, "lon": LON, "category": "g1", "limit": 10, "radius_m": 3000.0}
        for near in index.nearest(**q):
            for radius in (near.distance_m, math.nextafter(near.distance_m, 0.0)):
                edge = {**q, "radius_m": radius}
                assert _same(_ask(index, edge), _searched(index, edge))
