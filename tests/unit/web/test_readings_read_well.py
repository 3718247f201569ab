"""How a thing's readings read on its page: fields in words of the page's language, yes/no
as words, yes/no sensors drawn as timelines, event times with their date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from buurt.web import i18n
from buurt.web.pages import fields, timelines

ZONE = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)


def test_fields_read_as_words_not_as_their_names() -> None:
    token = i18n.use("en")
    try:
        assert fields.label_of("pm25") == "fine dust (PM2.5)"
        assert fields.label_of("no2") == "nitrogen dioxide (NO₂)"
        assert fields.label_of("battery_pct") == "battery"
        assert fields.label_of("wind_speed") == "wind speed"  # unknown: read by its name
        assert fields.show(True) == "yes"
    finally:
        i18n.reset(token)
    token = i18n.use("nl")
    try:
        assert fields.label_of("pm25") == "fijnstof (PM2,5)"
        assert fields.show(True) == "ja"
    finally:
        i18n.reset(token)


def test_a_yes_no_field_is_a_timeline_of_its_yes_spans() -> None:
    events = [
        (START, {"occupied": True, "power_w": 3}),
        (START + timedelta(hours=6), {"occupied": False}),
        (START + timedelta(hours=12), {"occupied": True}),
    ]
    [flags] = timelines.flag_series(events)  # power_w is a number, not a flag
    end = START + timedelta(hours=24)
    assert flags.spans(START, end) == [
        (START, START + timedelta(hours=6)),
        (START + timedelta(hours=12), end),
    ]
    assert flags.share(START, end) == 0.75
    svg = timelines.timeline(flags, START, end, ZONE, label="occupied", yes="yes")
    assert svg.count('class="yes"') == 2
    assert "<title>occupied</title>" in svg
    # A field that was never yes draws an empty band, and its share is nothing.
    [never] = timelines.flag_series([(START, {"available": False})])
    assert never.share(START, end) == 0
    assert 'class="yes"' not in timelines.timeline(never, START, end, ZONE, label="a", yes="y")
