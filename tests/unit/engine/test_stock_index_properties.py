"""The nearest-stock index answers what a brute-force scan of the rows answers, whatever the
sequence of loads, puts, removals, re-categorisations and moves (of a whole site, or of one
row at a time), with queries asked between the changes: buckets laid out again lazily must
never answer from what was."""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import replace
from unittest import mock

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from buurt.engine import stock_index, stock_lists, stock_search
from buurt.engine.stock_index import NEVER, StockIndex, StockRow, _distance
from tests.unit.engine.test_stock_lists import columns

LAT, LON = 52.36, 4.90
# How the candidate lists are drawn: as set (few spots: no cells), tight (cells of a few
# spots each, split and capped, so many queries reach past them; listing rows or spots), or
# not asked at all.
TIGHT = {"_SMALL": 0, "_SPOTS": 2, "_SPLIT": 3, "_BAND": 1e-6, "_MOST": 500.0 / 6_371_008.8}
LISTS = {
    "as set": {},
    "tight, by row": {**TIGHT, "_ROWS_PER_SPOT": 10**9},
    "tight, by spot": {**TIGHT, "_ROWS_PER_SPOT": 0},
    "off": None,
}
SITES = 16
# Two places per site, spread over a few kilometres: many H3 cells, so many buckets.
PLACES = [
    [(LAT + 0.004 * (s % 4) + 0.011 * k, LON + 0.006 * (s // 4) - 0.013 * k) for k in (0, 1)]
    for s in range(SITES)
]
CATEGORIES = ["food", "food/bread", "food/bread/rye", "tools/bike", "tools"]

rows = st.builds(
    lambda stock, item, site, category, place, available, price, since, version: StockRow(
        f"stk_{stock}",
        f"itm_{item}",
        f"sit_{site:02d}",
        category,
        *PLACES[site][place],
        available,
        price,
        since,
        version,
    ),
    stock=st.integers(0, 30),
    item=st.integers(0, 6),
    site=st.integers(0, SITES - 1),
    category=st.sampled_from(CATEGORIES),
    place=st.integers(0, 1),
    available=st.integers(0, 6),
    price=st.sampled_from([1.0, 2.5, 9.99]),
    since=st.sampled_from([NEVER, 100.0]),
    version=st.integers(1, 4),
)
queries = st.fixed_dictionaries(
    {
        "lat": st.floats(LAT - 0.002, LAT + 0.025),
        "lon": st.floats(LON - 0.015, LON + 0.02),
        "what": st.one_of(
            st.sampled_from([*CATEGORIES, "food/fish"]).map(lambda c: ("category", c)),
            st.integers(0, 7).map(lambda i: ("item_id", f"itm_{i}")),
        ),
        "radius_m": st.sampled_from([400.0, 1200.0, 50_000.0]),
        "limit": st.integers(1, 5),
        "min_quantity": st.integers(1, 3),
        "max_price": st.sampled_from([math.inf, 2.5]),
        "at": st.sampled_from([0.0, 1000.0, math.inf]),
    }
)
operations = st.one_of(
    rows.map(lambda r: ("put", r)),
    st.integers(0, 30).map(lambda i: ("remove", f"stk_{i}")),
    st.tuples(st.integers(0, SITES - 1), st.integers(0, 1)).map(lambda m: ("move", m)),
    queries.map(lambda q: ("ask", q)),
)


def _brute(live: dict[str, StockRow], q: dict[str, object]) -> list[tuple[str, float, set[str]]]:
    kind, value = q["what"]  # type: ignore[misc]
    best: dict[str, float] = {}
    ids: dict[str, set[str]] = {}
    for r in live.values():
        if kind == "category" and not (r.category == value or r.category.startswith(f"{value}/")):
            continue
        if kind == "item_id" and r.item_id != value:
            continue
        if r.available < q["min_quantity"] or r.price > q["max_price"]:  # type: ignore[operator]
            continue
        if r.available_from > q["at"]:  # type: ignore[operator]
            continue
        d = _distance(q["lat"], q["lon"], r.lat, r.lon)  # type: ignore[arg-type]
        if d <= q["radius_m"]:  # type: ignore[operator]
            best[r.site_id] = min(d, best.get(r.site_id, math.inf))
            ids.setdefault(r.site_id, set()).add(r.stock_id)
    ranked = sorted(best.items(), key=lambda pair: pair[1])[: q["limit"]]  # type: ignore[misc]
    return [(site, d, ids[site]) for site, d in ranked]


def _check(index: StockIndex, live: dict[str, StockRow], q: dict[str, object]) -> None:
    kind, value = q["what"]  # type: ignore[misc]
    asked = {k: v for k, v in q.items() if k not in ("what", "lat", "lon")}
    got = index.nearest(q["lat"], q["lon"], **{kind: value}, **asked)  # type: ignore[arg-type]
    want = _brute(live, q)
    event(f"{len(want)} sites found")
    assert [s.site_id for s in got] == [site for site, _, _ in want]
    for near, (_, d, ids) in zip(got, want, strict=True):
        assert abs(near.distance_m - d) < 0.05
        assert len(set(near.stock_ids)) == len(near.stock_ids)
        places = {(live[i].lat, live[i].lon) for i in ids}
        if len(places) == 1:  # a site in one place: every matching row is answered
            assert set(near.stock_ids) == ids
        else:  # a site part-way through a move: only its matching rows
            assert set(near.stock_ids) <= ids


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    initial=st.lists(rows, min_size=10, max_size=40),
    steps=st.lists(operations, min_size=1, max_size=40),
    final=st.lists(queries, min_size=1, max_size=4),
    bulk=st.booleans(),
    first_batch=st.sampled_from([1, stock_search._FIRST_BATCH]),
    lists=st.sampled_from(sorted(LISTS)),
)
def test_every_sequence_of_changes_is_answered_as_a_scan_answers(
    initial: list[StockRow],
    steps: list[tuple[str, object]],
    final: list[dict[str, object]],
    bulk: bool,
    first_batch: int,
    lists: str,
) -> None:
    with ExitStack() as stack:
        settings_ = LISTS[lists]
        if settings_ is None:
            stack.enter_context(mock.patch.object(stock_index, "answer", return_value=None))
        else:
            for name, value in settings_.items():
                stack.enter_context(mock.patch.object(stock_lists, name, value))
        _sequence(initial, steps, final, bulk=bulk, first_batch=first_batch)


def _sequence(
    initial: list[StockRow],
    steps: list[tuple[str, object]],
    final: list[dict[str, object]],
    *,
    bulk: bool,
    first_batch: int,
) -> None:
    index = StockIndex()
    live: dict[str, StockRow] = {}
    for row in initial:
        live[row.stock_id] = row  # a load takes each row as the last one given
    if bulk:
        index.load(columns(list(live.values())))
    else:
        for row in live.values():
            index.put(row)
    # A first batch of one spot per site asked for makes a query take bucket after bucket.
    with mock.patch.object(stock_search, "_FIRST_BATCH", first_batch):
        for op, arg in steps:
            if op == "put":
                assert isinstance(arg, StockRow)
                held = live.get(arg.stock_id)
                if held is None or arg.version >= held.version:
                    live[arg.stock_id] = arg
                index.put(arg)
            elif op == "remove":
                live.pop(str(arg), None)
                index.remove(str(arg))
            elif op == "move":
                site, place = arg  # type: ignore[misc]
                for r in [r for r in live.values() if r.site_id == f"sit_{site:02d}"]:
                    moved = replace(r, lat=PLACES[site][place][0], lon=PLACES[site][place][1])
                    live[r.stock_id] = moved
                    index.put(moved)
            else:
                _check(index, live, arg)  # type: ignore[arg-type]
        for q in final:
            _check(index, live, q)
    assert len(index) == len(live)
