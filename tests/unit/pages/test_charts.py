"""The SVG line chart: scales that cover the data, hour ticks in the circle's time, escaping."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buurt.web import i18n
from buurt.web.pages import charts, fields

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SVG = "{http://www.w3.org/2000/svg}"


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(0, 1e6, allow_nan=False),
)
def test_nice_ticks_cover_the_values_in_round_steps(low: float, spread: float) -> None:
    high = low + spread
    ticks = charts.nice_ticks(low, high)
    slack = 1e-9 * max(1.0, abs(low), abs(high))  # float rounding of the tick values
    assert ticks[0] <= low + slack
    assert ticks[-1] >= high - slack
    assert 2 <= len(ticks) <= 12
    steps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(steps) - min(steps) <= 1e-6 * max(steps)


def test_time_ticks_fall_on_whole_local_hours_across_a_clock_change() -> None:
    end = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)  # clocks went back at 01:00 UTC
    ticks = charts.time_ticks(end - timedelta(hours=24), end, AMSTERDAM)
    local = [t.astimezone(AMSTERDAM) for t in ticks]
    assert all(t.minute == 0 and t.hour % 3 == 0 for t in local)
    assert 6 <= len(ticks) <= 8
    assert ticks == sorted(ticks)


def test_a_half_hour_zone_still_gets_ticks() -> None:
    end = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    ticks = charts.time_ticks(end - timedelta(hours=24), end, ZoneInfo("Asia/Kolkata"))
    assert ticks
    assert all(t.astimezone(ZoneInfo("Asia/Kolkata")).minute == 0 for t in ticks)


def test_the_chart_is_valid_svg_with_axes_unit_and_one_point_per_reading() -> None:
    end = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    points = [(end - timedelta(hours=h), float(100 * h)) for h in (20, 10, 5, 1)]
    series = charts.Series("power_w", "W", points)

    svg = charts.line_chart(series, end - timedelta(hours=24), end, AMSTERDAM)

    root = ElementTree.fromstring(str(svg))
    line = root.find(f"{SVG}polyline")
    assert line is not None
    assert len(line.attrib["points"].split()) == 4
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "W" in texts
    assert "2\u202f000" in texts
    assert any(re.fullmatch(r"\d\d:00", t or "") for t in texts)
    xs = [float(p.split(",")[0]) for p in line.attrib["points"].split()]
    assert xs == sorted(xs)
    assert xs[0] >= charts.LEFT
    assert xs[-1] <= charts.WIDTH - charts.RIGHT


def test_text_in_the_chart_is_escaped() -> None:
    end = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    series = charts.Series("<script>", "&", [(end, 1.0)])
    svg = str(charts.line_chart(series, end - timedelta(hours=1), end, AMSTERDAM))
    assert "<script>" not in svg
    ElementTree.fromstring(svg)


def test_numeric_series_leave_out_booleans_text_and_non_finite_values() -> None:
    at = datetime(2026, 11, 23, tzinfo=UTC)
    events = [
        (at, {"power_w": 5, "on": True, "note": "x", "bad": float("nan")}),
        (at + timedelta(minutes=5), {"power_w": 7.5}),
    ]
    (series,) = charts.numeric_series(events, fields.unit_of)
    assert series.field == "power_w"
    assert series.unit == "W"
    assert [v for _, v in series.points] == [5.0, 7.5]


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("power_w", 1200, "1\u202f200\u202fW"),
        ("battery_pct", 80, "80%"),
        ("pm25", 12.5, "12.5\u202fµg/m³"),
        ("occupied", False, "no"),
        ("item", "bread", "bread"),
    ],
)
def test_values_read_with_their_unit(field: str, value: object, shown: str) -> None:
    token = i18n.use("en")  # yes and no are words of the page's language
    try:
        assert fields.show(value, fields.unit_of(field)) == shown
    finally:
        i18n.reset(token)
