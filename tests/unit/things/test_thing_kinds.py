"""The thing kind schemas, the MQTT topic scheme and message reading: pure functions."""

from __future__ import annotations

import json

import pytest

from buurt.domain.community import ThingKind
from buurt.domain.errors import InvalidInput
from buurt.domain.ingestion import excerpt
from buurt.mqtt.messages import ThingMessage, read_message
from buurt.mqtt.topics import acl, events_topic, parse_events_topic
from buurt.mqtt.url import BrokerUrl
from buurt.services.things.kinds import problem_with
from buurt.services.things.link import broker_password_hash, password_matches


@pytest.mark.parametrize(
    ("kind", "attributes"),
    [
        (ThingKind.SOLAR_INVERTER, {"power_w": 2400, "energy_wh": 1.5e6}),
        (ThingKind.PARKING_SENSOR, {"occupied": False}),
        (ThingKind.FRIDGE, {"action": "taken", "item": "soup", "level": 35}),
        (ThingKind.CARGO_BIKE, {"available": True, "battery_pct": 80}),
        (ThingKind.AIR_QUALITY, {"pm25": 12.5, "no2": 30}),
        (ThingKind.EV_CHARGER, {"charging": True, "power_w": 11000}),
        (ThingKind.SMART_METER, {"power_w": -1200, "energy_wh": 9e6}),
        (ThingKind.SMART_METER, {"power_w": 300}),
    ],
)
def test_readings_that_fit_their_kind(kind: ThingKind, attributes: dict[str, object]) -> None:
    assert problem_with(kind, attributes) is None


@pytest.mark.parametrize(
    ("kind", "attributes", "named"),
    [
        (ThingKind.SOLAR_INVERTER, {"power_w": -1}, "power_w"),
        (ThingKind.SOLAR_INVERTER, {"power_w": True}, "power_w"),
        (ThingKind.PARKING_SENSOR, {"occupied": 1}, "occupied"),
        (ThingKind.FRIDGE, {"level": 101}, "level"),
        (ThingKind.FRIDGE, {"action": "eaten"}, "action"),
        (ThingKind.CARGO_BIKE, {"battery_pct": "80"}, "battery_pct"),
        (ThingKind.AIR_QUALITY, {"pm25": 5, "co2": 400}, "co2"),
        (ThingKind.EV_CHARGER, {"charging": None}, "charging"),
        (ThingKind.SMART_METER, {}, "at least one of"),
    ],
)
def test_readings_that_do_not_fit_say_why(
    kind: ThingKind, attributes: dict[str, object], named: str
) -> None:
    problem = problem_with(kind, attributes)
    assert problem is not None
    assert named in problem


def test_every_kind_has_a_schema() -> None:
    for kind in ThingKind:
        assert problem_with(kind, {"surely_not_an_attribute": 1}) is not None


def test_topics_round_trip_and_refuse_others() -> None:
    assert parse_events_topic(events_topic("cir_1", "thg_2")) == ("cir_1", "thg_2")
    for topic in ("buurt/cir_1/things/thg_2/commands", "buurt/cir_1/things//events", "x/y"):
        assert parse_events_topic(topic) is None
    assert "pattern write buurt/+/things/%u/events" in acl("gw")
    assert "user gw\ntopic read buurt/+/things/+/events" in acl("gw")


def test_broker_password_hashes_are_mosquittos_format() -> None:
    stored = broker_password_hash("s3cret")
    assert stored.startswith("$7$1000$")
    assert password_matches("s3cret", stored)
    assert not password_matches("secret", stored)


def test_broker_urls() -> None:
    url = BrokerUrl.parse("mqtts://gw:p%40ss@broker.example:8884")
    assert (url.host, url.port, url.username, url.password, url.tls) == (
        "broker.example", 8884, "gw", "p@ss", True,
    )  # fmt: skip
    assert BrokerUrl.parse("mqtt://gw:x@h").port == 1883
    assert "x" not in str(BrokerUrl.parse("mqtt://gw:x@h"))
    with pytest.raises(InvalidInput):
        BrokerUrl.parse("http://gw:x@h")
    with pytest.raises(InvalidInput):
        BrokerUrl.parse("mqtt://h")


def test_reading_messages() -> None:
    good = json.dumps({"attributes": {"level": 4}, "message_id": "m1"}).encode()
    draft, _ = read_message(ThingMessage("thg_1", "cir_1", good))
    assert draft is not None
    assert draft["message_id"] == "m1"
    assert draft["circle_id"] == "cir_1"
    for payload, reason in [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "payload"),
        (b'{"attributes": {}, "occurred_at": "yesterday"}', "occurred_at"),
        (b" " * 70_000, "70000 bytes"),
    ]:
        draft, why = read_message(ThingMessage("thg_1", "cir_1", payload))
        assert draft is None
        assert reason in why


def test_excerpts_are_cut_with_their_size() -> None:
    assert excerpt(b"short") == "short"
    cut = excerpt(b"x" * 10_000)
    assert len(cut) < 4100
    assert "10000 bytes" in cut
    assert "\x00" not in excerpt("a\x00b")
    # A lone surrogate (from JSON's "\ud800") cannot be encoded; a surrogate pair is an emoji.
    assert excerpt("a\ud800b") == "a\ufffdb"
    assert excerpt("\U0001f600") == "\U0001f600"
