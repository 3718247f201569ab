"""Poison payloads off the broker: each is a dead letter of its own, decided before the batch
is written, and the good messages of the same batch are stored in that one transaction."""

from __future__ import annotations

import json
import logging
import re

import pytest

from buurt.domain.activity import Event
from buurt.domain.community import ThingKind, Visibility
from buurt.domain.ingestion import RejectedEvent
from buurt.mqtt.gateway import ingest_messages
from buurt.mqtt.messages import ThingMessage
from buurt.services.context import Services
from buurt.services.things import registry
from buurt.simulator.poison import POISON
from tests.unit.services.conftest import HOME, Neighbour

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # what PostgreSQL text cannot hold


@pytest.fixture
def meter(services: Services, ada: Neighbour, circle_id: str) -> ThingMessage:
    """A smart meter's message with nothing in it yet: ``replace`` it with a payload."""
    thing = registry.register_thing(
        services,
        ada.principal,
        circle_id=circle_id,
        kind=ThingKind.SMART_METER,
        name="Meter",
        place=HOME,
        visibility=Visibility.PRIVATE,
    )
    return ThingMessage(thing.id, circle_id, b"")


def _reading(meter: ThingMessage, power: int) -> ThingMessage:
    body = {"attributes": {"power_w": power}, "message_id": f"m{power}"}
    return ThingMessage(meter.thing_id, meter.circle_id, json.dumps(body).encode())


def _stored(services: Services) -> tuple[list[Event], list[RejectedEvent]]:
    with services.uow() as uow:
        events = list(uow.repo(Event).page(limit=100).items)
        rejected = list(uow.repo(RejectedEvent).page(limit=100).items)
    return events, rejected


@pytest.mark.parametrize("name", list(POISON))
def test_a_poison_message_is_a_dead_letter_beside_good_ones_in_one_batch(
    services: Services, meter: ThingMessage, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    poison = ThingMessage(meter.thing_id, meter.circle_id, POISON[name])
    with caplog.at_level(logging.DEBUG):
        events = ingest_messages(services, [_reading(meter, 100), poison, _reading(meter, 200)])
    # Positive control: the good messages of the batch were stored with it.
    assert sorted(e.attributes["power_w"] for e in events) == [100, 200]
    stored, rejected = _stored(services)
    assert len(stored) == 2
    (dead,) = rejected
    assert dead.thing_id == meter.thing_id
    assert dead.reason
    # A dead letter must be storable by every store, whatever the payload held.
    assert not UNSTORABLE.search(dead.payload)
    assert not UNSTORABLE.search(dead.reason)
    assert len(dead.payload) < 4100
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("an integer of 5,000 digits", "4300 digits"),
        ("nesting 20,000 deep", "nested too deeply"),
        ("over 64 KiB", "at most 65536"),
        ("NUL in the message id", "message_id"),
        ("a lone surrogate in the message id", "message_id"),
        ("NUL in an attribute's name", "power\ufffd: Extra inputs"),
        ("after the year 9999", "outside the years 1 to 9999"),
        ("before the year 1", "outside the years 1 to 9999"),
        ("a boolean for a number", "power_w"),
        ("a kind that is no category", "category"),
    ],
)
def test_a_dead_letter_says_what_was_wrong(
    services: Services, meter: ThingMessage, name: str, reason: str
) -> None:
    poison = ThingMessage(meter.thing_id, meter.circle_id, POISON[name])
    assert ingest_messages(services, [poison]) == []
    _, (dead,) = _stored(services)
    assert reason in dead.reason


def test_a_batch_of_only_poison_stores_each_as_a_dead_letter(
    services: Services, meter: ThingMessage
) -> None:
    batch = [ThingMessage(meter.thing_id, meter.circle_id, p) for p in POISON.values()]
    assert ingest_messages(services, [*batch, _reading(meter, 5)])[0].attributes == {"power_w": 5}
    stored, rejected = _stored(services)
    assert len(stored) == 1
    assert len(rejected) == len(POISON)
