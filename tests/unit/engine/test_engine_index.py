"""MatchIndex behaviour at the edges: categories, timezones and DST, changes, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import h3
import numpy as np
import pytest

import buurt.engine
from buurt.engine import (
    Absolute,
    CellsArea,
    CircleArea,
    MatchIndex,
    PolygonArea,
    Predicate,
    Publication,
    Standing,
    WeeklyHours,
    reference_match,
)
from buurt.engine.bulk import circle_rows
from buurt.engine.postings import DEAD_KEY

HERE = (52.3700, 4.8900)
AT = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)  # a Wednesday


def publication(
    category: str = "food/bread", at: datetime = AT, **attributes: object
) -> Publication:
    return Publication(HERE[0], HERE[1], category, at, attributes)  # type: ignore[arg-type]


def circle(key: int, *categories: str, **fields: object) -> Standing:
    return Standing(key, CircleArea(HERE[0], HERE[1], 500.0), categories, **fields)  # type: ignore[arg-type]


def test_public_api_is_pinned() -> None:
    assert sorted(buurt.engine.__all__) == sorted(
        ["Absolute", "Area", "CellsArea", "CircleArea", "MatchIndex",
         "PolygonArea", "Predicate", "Publication", "RelevanceGate", "Standing",
         "WeeklyHours", "parse_predicate", "reference_match"]
    )  # fmt: skip


def test_categories_match_down_the_hierarchy_only() -> None:
    index = MatchIndex()
    index.extend([circle(1, "food"), circle(2, "food/bread"), circle(3, "foo"),
                  circle(4, "food/bread/rye"), circle(5, "food", "food/bread")])  # fmt: skip
    assert index.match(publication("food/bread")).tolist() == [1, 2, 5]
    assert index.match(publication("food")).tolist() == [1, 5]
    assert index.match(publication("food/bread/rye/dark")).tolist() == [1, 2, 4, 5]
    assert index.match(publication("foo/bar")).tolist() == [3]


def test_weekly_hours_follow_the_index_timezone_across_dst() -> None:
    # Mondays 09:00-10:00 local time.
    standing = circle(1, "food", weekly=WeeklyHours(frozenset({9})))
    index = MatchIndex(timezone="Europe/Amsterdam")
    index.add(standing)
    amsterdam = ZoneInfo("Europe/Amsterdam")
    winter = datetime(2026, 1, 5, 9, 15, tzinfo=amsterdam)  # UTC+1
    summer = datetime(2026, 7, 6, 9, 15, tzinfo=amsterdam)  # UTC+2
    for local in (winter, summer):
        assert index.match(publication("food", local.astimezone(UTC))).tolist() == [1]
        later = (local + timedelta(hours=1)).astimezone(UTC)
        assert index.match(publication("food", later)).tolist() == []
    # The same instants are other hours in UTC.
    utc_index = MatchIndex(timezone="UTC")
    utc_index.add(standing)
    assert utc_index.match(publication("food", summer.astimezone(UTC))).tolist() == []


def test_weekly_hours_on_the_dst_change_nights() -> None:
    # Sunday 29 March 2026 02:00 does not exist in Amsterdam; 25 October 02:00 happens twice.
    sunday_2am = 6 * 24 + 2
    index = MatchIndex(timezone="Europe/Amsterdam")
    index.add(circle(1, "food", weekly=WeeklyHours(frozenset({sunday_2am}))))
    spring = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST: the 02:00 hour is skipped
    assert index.match(publication("food", spring)).tolist() == []
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert index.match(publication("food", first)).tolist() == [1]
    assert index.match(publication("food", second)).tolist() == [1]


def test_absolute_windows_are_half_open() -> None:
    index = MatchIndex()
    index.add(circle(1, "food", absolute=Absolute(AT, AT + timedelta(hours=1))))
    index.add(circle(2, "food", absolute=Absolute(None, AT)))
    assert index.match(publication("food", AT)).tolist() == [1]
    assert index.match(publication("food", AT - timedelta(microseconds=1))).tolist() == [2]
    assert index.match(publication("food", AT + timedelta(hours=1))).tolist() == []


def test_predicates_fast_and_slow_agree_with_the_reference() -> None:
    standings = [
        circle(1, "energy", predicates=(Predicate("power_w", ">", 2000),)),
        circle(2, "energy", predicates=(Predicate("kind", "==", "solar"),)),
        circle(3, "energy", predicates=(Predicate("available", "==", True),)),
        circle(4, "energy", predicates=(Predicate("power_w", "<=", 2**60),)),
        circle(5, "energy"),
    ]
    index = MatchIndex()
    index.extend(standings)
    for attributes in ({"power_w": 2500, "kind": "solar", "available": True},
                       {"power_w": True}, {"power_w": float("inf")}, {"power_w": 2**60 + 1},
                       {"kind": "wind", "available": 1}, {}):  # fmt: skip
        event = publication("energy/solar", **attributes)
        assert index.match(event).tolist() == sorted(reference_match(standings, event))


def test_areas_of_every_kind() -> None:
    cell = h3.latlng_to_cell(HERE[0], HERE[1], 9)
    far = h3.latlng_to_cell(HERE[0] + 0.1, HERE[1], 7)
    d = 0.002
    square = ((HERE[0] - d, HERE[1] - d), (HERE[0] - d, HERE[1] + d),
              (HERE[0] + d, HERE[1] + d), (HERE[0] + d, HERE[1] - d))  # fmt: skip
    index = MatchIndex()
    index.add(Standing(1, CellsArea(frozenset({cell, far})), ("food",)))
    index.add(Standing(2, CellsArea(frozenset({far})), ("food",)))
    index.add(Standing(3, PolygonArea(square), ("food",)))
    index.add(Standing(4, CircleArea(HERE[0] + 0.01, HERE[1], 1000.0), ("food",)))
    index.add(Standing(5, CircleArea(HERE[0] + 0.01, HERE[1], 1200.0), ("food",)))
    assert index.match(publication("food")).tolist() == [1, 3, 5]


def test_changes_are_visible_at_once() -> None:
    index = MatchIndex()
    index.extend(circle(k, "food") for k in range(100))
    assert len(index) == 100
    index.remove(7)
    index.remove(7)
    index.remove(12345)
    index.add(circle(3, "energy"))
    index.add(circle(1000, "food"))
    got = index.match(publication("food"))
    assert got.dtype == np.int64
    assert got.tolist() == sorted({*range(100), 1000} - {3, 7})
    assert 7 not in index
    assert 3 in index
    assert len(index) == 100
    for key in range(100):
        index.remove(key)
    assert index.match(publication("food")).tolist() == [1000]
    assert index.memory_bytes() > 0


def test_removes_find_rows_that_compaction_moved() -> None:
    index = MatchIndex()
    index.extend(circle(k, "food") for k in range(40))
    for key in range(0, 40, 2):
        index.add(circle(key, "food"))  # a re-add kills the loaded row: lists compact
    for key in range(1, 40, 4):
        index.remove(key)
    for key in range(0, 40, 4):
        index.remove(key)
    expected = sorted(set(range(40)) - set(range(1, 40, 4)) - set(range(0, 40, 4)))
    assert index.match(publication("food")).tolist() == expected


def test_one_cell_written_two_ways_is_one_cell() -> None:
    cell = h3.latlng_to_cell(HERE[0], HERE[1], 9)
    index = MatchIndex()
    index.add(Standing(1, CellsArea(frozenset({cell, cell.upper()})), ("food",)))
    assert index.match(publication("food")).tolist() == [1]
    index.remove(1)
    assert index.match(publication("food")).tolist() == []


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: CircleArea(91.0, 0.0, 10.0), "latitude"),
        (lambda: CircleArea(0.0, 0.0, -1.0), "radius_m"),
        (lambda: PolygonArea(((0.0, 0.0), (1.0, 1.0))), "at least 3"),
        (lambda: CellsArea(frozenset()), "at least one"),
        (lambda: WeeklyHours(frozenset({168})), "0..167"),
        (lambda: Standing(1, CircleArea(0, 0, 1), ()), "category"),
        (lambda: Absolute(datetime(2026, 1, 1), None), "timezone-aware"),
        (lambda: Publication(0, 0, "food", datetime(2026, 1, 1), {}), "timezone-aware"),
    ],
)
def test_bad_values_are_refused(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_bad_cells_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid H3 cell"):
        MatchIndex().add(Standing(1, CellsArea(frozenset({"nonsense"})), ("food",)))


@pytest.mark.parametrize("radius_m", [5_000.0, 80_000.0, 900_000.0, 7_000_000.0, 19_000_000.0])
def test_wide_circles_are_covered_at_coarser_resolutions(radius_m: float) -> None:
    standings = [
        Standing(1, CircleArea(HERE[0], HERE[1], radius_m), ("food",)),
        Standing(2, CircleArea(-HERE[0], HERE[1] + 150.0, radius_m), ("food",)),
    ]
    one_by_one, bulk = MatchIndex(), MatchIndex()
    for standing in standings:
        one_by_one.add(standing)
    bulk.extend(standings)
    rng = np.random.default_rng(int(radius_m))
    spread = min(60.0, 1.2 * radius_m / 111_195.0)
    near = [(HERE[0] + rng.normal(0, spread), HERE[1] + rng.normal(0, spread)) for _ in range(300)]
    far = zip(rng.uniform(-80, 80, 200), rng.uniform(-180, 180, 200), strict=True)
    points = [(max(-89.0, min(89.0, a)), (b + 180.0) % 360.0 - 180.0) for a, b in [*near, *far]]
    hits = 0
    for lat, lon in points:
        event = Publication(float(lat), float(lon), "food", AT, {})
        expected = sorted(reference_match(standings, event))
        assert one_by_one.match(event).tolist() == expected
        assert bulk.match(event).tolist() == expected
        hits += len(expected)
    assert hits > 50


def test_bulk_rows_are_plain_columns_laid_out_per_posting_list() -> None:
    wide = Standing(3, CircleArea(HERE[0], HERE[1], 20_000.0), ("food",))  # a coarser cover
    standings = [circle(1, "food"), circle(2, "food", "drink"), wide]
    rows = circle_rows(standings, [{}, {("num", "price", "<="): 5.0}, {}], 8)
    assert rows.standing_keys.tolist() == [1, 2, 3]
    # Standing 2 posts under two categories, so twice the rows of standing 1 (same circle).
    assert rows.per_standing[1] == 2 * rows.per_standing[0]
    assert sum(rows.lengths) == rows.row_list.shape[0] == int(rows.per_standing.sum())
    assert len({(c, cell) for c, cell in zip(rows.categories, rows.cells, strict=True)}) == len(
        rows.cells
    )
    assert len({h3.get_resolution(h3.int_to_str(cell)) for cell in rows.cells}) == 2
    for j, (o, c, n) in enumerate(zip(rows.offsets, rows.capacity, rows.lengths, strict=True)):
        assert c > n  # spare room for later appends, holding dead keys
        assert set(rows.keys[o + n : o + c].tolist()) == {DEAD_KEY}
        assert set(rows.keys[o : o + n].tolist()) <= {1, 2, 3}
        # Only the lists holding standing 2 get its price column.
        assert rows.constrained[("num", "price", "<=")][j] == (2 in rows.keys[o : o + n])
    with pytest.raises(ValueError, match="circular"):
        circle_rows([Standing(4, CellsArea(frozenset({"881f1d4887fffff"})), ("food",))], [{}], 8)
