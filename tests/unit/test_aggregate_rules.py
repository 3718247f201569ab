"""Aggregate rules without a store: windows, k suppression, differencing, noise and its cost."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from buurt.domain.aggregates import (
    Ask,
    Record,
    Window,
    buckets,
    isolating_difference,
    released,
)
from buurt.domain.errors import InvalidInput
from buurt.services.aggregates import privacy

DAY = timedelta(days=1)
MON = datetime(2026, 3, 1, 23, tzinfo=UTC)  # Monday 2 March, 00:00 in Amsterdam
CELLS = ("871969a4affffff", "881969a4a1fffff")
OTHER = ("871969a4affffff", "881969a4a3fffff")


def _record(n: int, member: str, at: datetime, cells: tuple[str, str] = CELLS) -> Record:
    return Record(f"int_{n}", member, at, cells, "food", 10)


def test_windows_snap_to_local_midnight_and_end_before_today() -> None:
    now = MON + 10 * DAY + timedelta(hours=15)
    window = Window.snap(
        MON + timedelta(hours=3), MON + 7 * DAY - timedelta(hours=1), "Europe/Amsterdam", now
    )
    assert (window.start, window.end) == (MON, MON + 7 * DAY)
    assert Window.snap(None, None, "Europe/Amsterdam", now).end == MON + 10 * DAY
    with pytest.raises(InvalidInput):
        Window.snap(MON + 5 * DAY, None, "Europe/Amsterdam", now)


def test_a_week_across_the_dst_change_is_a_week() -> None:
    start = datetime(2026, 3, 22, 23, tzinfo=UTC)  # Monday 23 March, before summer time
    end = datetime(2026, 3, 29, 22, tzinfo=UTC)  # Monday 30 March, in summer time
    window = Window.snap(start, end, "Europe/Amsterdam", end + 3 * DAY)
    assert window.end - window.start == timedelta(hours=167)


def test_buckets_need_k_distinct_members_not_k_records() -> None:
    many_by_one = [_record(n, "mem_a", MON + DAY) for n in range(20)]
    window = Window(MON, MON + 7 * DAY)
    assert released(buckets(many_by_one, window, 8), 2) == {}
    two = [*many_by_one, _record(99, "mem_b", MON + DAY)]
    assert [b.count for b in released(buckets(two, window, 8), 2).values()] == [21]


def test_differencing_over_days_and_over_resolutions() -> None:
    k = 3
    week = [_record(n, f"mem_{n}", MON + DAY) for n in range(3)]
    late = _record(50, "mem_late", MON + 8 * DAY)
    beside = _record(60, "mem_beside", MON + DAY, OTHER)
    first = Ask(Window(MON, MON + 7 * DAY), 8)
    both = Ask(Window(MON, MON + 14 * DAY), 8)
    assert isolating_difference([*week, late], both, first, k) is not None
    crowd = [_record(70 + n, f"mem_{70 + n}", MON + 8 * DAY) for n in range(3)]
    assert isolating_difference([*week, *crowd], both, first, k) is None
    coarse = Ask(Window(MON, MON + 7 * DAY), 7)
    assert isolating_difference([*week, beside], coarse, first, k) is not None
    assert isolating_difference(week, coarse, first, k) is None


def test_noise_is_centred_on_the_count_and_costs_what_opendp_says() -> None:
    assert privacy.cost(0.5) == pytest.approx(0.5)
    assert privacy.cost(2.0) == pytest.approx(2.0)
    draws = privacy.noisy([50] * 500, 0.5)
    assert len(set(draws)) > 10  # it is noise, not the count
    assert abs(statistics.mean(draws) - 50) < 3  # six standard errors of the mean


def test_each_member_counts_at_most_the_cap_under_noise() -> None:
    records = [_record(n, "mem_a", MON + n * timedelta(minutes=1)) for n in range(10)]
    kept = privacy.bounded([*records, _record(99, "mem_b", MON)])
    assert [r.member_id for r in kept].count("mem_a") == privacy.CONTRIBUTION_CAP
    assert [r.id for r in kept if r.member_id == "mem_a"] == [f"int_{n}" for n in range(4)]
