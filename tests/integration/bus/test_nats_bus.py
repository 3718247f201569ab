"""The NATS bus beyond the port's contract: its subjects, its dedup, two processes on one
stream, and ``BUURT_BUS_URL`` switching the composition root (against a real nats-server)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from buurt.adapters.bus import InProcessBus
from buurt.adapters.bus.nats import BusUnavailable, NatsBus, subject_for
from buurt.adapters.bus.shards import Sharding
from buurt.bootstrap import build
from buurt.domain.activity import Intent
from buurt.domain.events import DomainEvent, MemberErased, StandingCreated
from buurt.domain.places import Area, Place
from tests.instances import settings_for
from tests.jetstream import NatsServer, delete_stream, stored
from tests.servers import free_port

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
_numbers = itertools.count()


def _intent(circle: str) -> Intent:
    return Intent(
        f"int_{circle}", circle, "mem_1", "food/bread", Area(Place(52.36, 4.94), 500), NOW
    )


@pytest.fixture
def names() -> tuple[str, str]:
    number = next(_numbers)
    return f"BUS_{number}", f"bus{number}.events"


@pytest.fixture
def bus(nats_server: NatsServer, names: tuple[str, str]) -> Iterator[NatsBus]:
    stream, prefix = names
    started = NatsBus(nats_server.url, stream=stream, prefix=prefix)
    started.start()
    yield started
    started.close()


def test_subjects_are_sharded_by_circle(
    bus: NatsBus, nats_server: NatsServer, names: tuple[str, str]
) -> None:
    stream, prefix = names
    in_one, in_two = StandingCreated(_intent("cir_1")), StandingCreated(_intent("cir_2"))
    bus.publish(in_one, in_two, MemberErased("mem_1"))
    one, two = (Sharding().circle_shard(c) for c in ("cir_1", "cir_2"))
    assert subject_for(in_one, prefix) == f"{prefix}.{one}.cir_1.standing.created"
    assert stored(nats_server, stream, f"{prefix}.*.cir_1.>") == [
        (f"{prefix}.{one}.cir_1.standing.created", in_one)
    ]
    # The positive control: the whole stream has all three, the circle-less one on "_".
    assert [subject for subject, _ in stored(nats_server, stream, f"{prefix}.>")] == [
        f"{prefix}.{one}.cir_1.standing.created",
        f"{prefix}.{two}.cir_2.standing.created",
        f"{prefix}._._.member.erased",
    ]


def test_a_message_id_is_stored_once(
    bus: NatsBus, nats_server: NatsServer, names: tuple[str, str]
) -> None:
    stream, prefix = names
    first = bus.publish_identified([("outbox-1", MemberErased("mem_1"))])
    again = bus.publish_identified([("outbox-1", MemberErased("mem_1"))])
    other = bus.publish_identified([("outbox-2", MemberErased("mem_1"))])
    assert first == again
    assert other != first
    assert len(stored(nats_server, stream, f"{prefix}.>")) == 2


def test_a_second_process_on_the_stream_hears_what_the_first_published(
    bus: NatsBus, nats_server: NatsServer, names: tuple[str, str]
) -> None:
    stream, prefix = names
    other = NatsBus(nats_server.url, stream=stream, prefix=prefix)
    heard: list[DomainEvent] = []
    arrived = threading.Event()

    def hear(event: DomainEvent) -> None:
        heard.append(event)
        arrived.set()

    other.subscribe(MemberErased, hear)
    other.start()
    try:
        bus.publish(MemberErased("mem_7"))
        assert arrived.wait(timeout=30)
    finally:
        other.close()
    assert heard == [MemberErased("mem_7")]


def test_the_bus_url_switches_the_composition_root_to_nats(
    database_url: str, nats_server: NatsServer, names: tuple[str, str]
) -> None:
    stream, _ = names
    embedded = build(settings_for(database_url))
    try:
        assert isinstance(embedded.bus, InProcessBus)
        assert embedded.nats_bus is None
    finally:
        embedded.close()
    scaled = build(settings_for(database_url, bus_url=nats_server.url, bus_stream=stream))
    try:
        assert scaled.bus is scaled.nats_bus
        scaled.services.publish(MemberErased("mem_3"))
        assert stored(nats_server, stream, "buurt.events.>") == [
            ("buurt.events._._.member.erased", MemberErased("mem_3"))
        ]
    finally:
        scaled.close()
        # The default subjects: the next test's stream must not overlap this one's.
        delete_stream(nats_server, stream)


def test_a_server_that_is_away_stops_the_start(nats_server: NatsServer) -> None:
    away = NatsBus(f"nats://127.0.0.1:{free_port()}", timeout=1.0)
    with pytest.raises(BusUnavailable, match="cannot reach NATS"):
        away.start()
    # The positive control: the same bus on the running server starts.
    present = NatsBus(nats_server.url, stream="AWAY_CONTROL", prefix="away.events", timeout=1.0)
    present.start()
    present.close()
