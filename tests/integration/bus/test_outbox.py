"""The transactional outbox on the NATS bus, against a real nats-server and real PostgreSQL.

A committed write's events reach the stream; with NATS away the write still succeeds and its
events arrive once NATS is back; a relay SIGKILLed mid-batch leaves its rows, which the next
relay publishes again and JetStream stores once; a rolled-back write leaves no row; two relays
on PostgreSQL never publish the same rows at once.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from buurt.adapters.bus.nats import NatsBus
from buurt.adapters.bus.relay import OutboxRelay
from buurt.adapters.store import SqlOutbox, create_database_engine, sql_unit_of_work_factory
from buurt.bootstrap import Buurt, build
from buurt.domain.community import Circle
from buurt.domain.errors import Conflict
from buurt.domain.events import CircleSaved, DomainEvent, MemberErased
from buurt.services.community import auth, circles, members
from buurt.services.principals import Principal
from tests.actors import PASSWORD
from tests.conftest import _database
from tests.instances import settings_for
from tests.jetstream import NatsServer, delete_stream, running_nats, stored, stream_count
from tests.unit.services.conftest import BOUNDARY

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
_numbers = itertools.count()
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def stream() -> str:
    return f"OUTBOX_{next(_numbers)}_{os.getpid()}"


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The session's PostgreSQL database at the newest schema, emptied afterwards."""
    with _database(request, tmp_path, "postgres") as url:
        yield url


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    found = create_database_engine(postgres_url)
    yield found
    found.dispose()


@pytest.fixture
def bus(nats_server: NatsServer, stream: str) -> Iterator[NatsBus]:
    started = NatsBus(nats_server.url, stream=stream, prefix=f"{stream.lower()}.events")
    started.start()
    yield started
    started.close()


def _scaled(database_url: str, server: NatsServer, stream: str) -> Buurt:
    return build(settings_for(database_url, bus_url=server.url, bus_stream=stream))


def _founder(instance: Buurt, name: str = "Ada") -> Principal:
    email = f"{name.lower()}.{next(_numbers)}@example.org"
    members.register_member(
        instance.services, name=name, email=email, password=PASSWORD, circle_id=None
    )
    _token, secret = auth.log_in(instance.services, email, PASSWORD, "tests")
    return auth.authenticate(instance.services, secret)


def _found_circle(instance: Buurt, principal: Principal, name: str) -> Circle:
    return circles.create_circle(
        instance.services, principal, name=name, boundary=BOUNDARY, timezone="Europe/Amsterdam"
    )


def _circles_on(server: NatsServer, stream: str) -> list[str]:
    return [
        event.circle.id
        for _, event in stored(server, stream, "buurt.events.>")
        if isinstance(event, CircleSaved)
    ]


def _wait(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def _pending(engine: Engine, count: int) -> list[DomainEvent]:
    """``count`` events written to the outbox and committed, as writes whose relay never ran."""
    uow_factory = sql_unit_of_work_factory(engine)
    events: list[DomainEvent] = [MemberErased(f"mem_{n}") for n in range(count)]
    with uow_factory() as uow:
        SqlOutbox(engine).add(uow, events, NOW)
        uow.commit()
    return events


def test_the_events_of_a_committed_write_reach_the_stream(
    database_url: str, nats_server: NatsServer, stream: str
) -> None:
    instance = _scaled(database_url, nats_server, stream)
    try:
        assert instance.outbox is not None
        circle = _found_circle(instance, _founder(instance), "Oostpoort")
        assert _circles_on(nats_server, stream) == [circle.id]
        assert instance.outbox.outbox.depth() == 0
    finally:
        instance.close()
        delete_stream(nats_server, stream)


def test_the_embedded_default_writes_no_outbox_rows(database_url: str) -> None:
    embedded = build(settings_for(database_url))
    try:
        assert embedded.outbox is None
        assert embedded.services.outbox is None
        _found_circle(embedded, _founder(embedded), "Oostpoort")
        assert embedded.database is not None
        assert SqlOutbox(embedded.database).depth() == 0
    finally:
        embedded.close()


def test_a_write_succeeds_while_nats_is_away_and_its_events_follow_when_it_is_back(
    postgres_url: str, stream: str
) -> None:
    with running_nats() as server:
        instance = _scaled(postgres_url, server, stream)
        assert instance.outbox is not None
        instance.outbox.start_thread()
        try:
            before = _found_circle(instance, _founder(instance), "Before")
            server.kill()
            assert instance.nats_bus is not None
            nats_bus = instance.nats_bus
            _wait(lambda: not nats_bus.connected)
            during = _found_circle(instance, _founder(instance, "Bob"), "During")
            assert instance.outbox.outbox.depth() >= 1  # committed, waiting for NATS
            assert "buurt_outbox_depth" in instance.metrics.render().decode()

            server.start()
            _wait(lambda: instance.outbox is not None and instance.outbox.outbox.depth() == 0)
            assert _circles_on(server, stream) == [before.id, during.id]
            scraped = instance.metrics.render().decode()
            assert "buurt_outbox_depth 0.0" in scraped
            assert 'buurt_bus_consumer_lag{consumer="self"}' in scraped
        finally:
            instance.close()


def test_a_relay_killed_mid_batch_publishes_again_and_jetstream_stores_once(
    engine: Engine, postgres_url: str, nats_server: NatsServer, bus: NatsBus, stream: str
) -> None:
    _pending(engine, 40)
    # A relay in a process of its own whose publishing stops halfway through its batch, as if
    # the machine stopped it there: 15 of the 40 are on the stream, none deleted.
    script = textwrap.dedent(f"""
        import sys, time
        from buurt.adapters.bus.nats import NatsBus
        from buurt.adapters.store import SqlOutbox, create_database_engine
        bus = NatsBus({nats_server.url!r}, stream={stream!r}, prefix={bus.prefix!r})
        bus.start()
        def halfway(messages):
            bus.publish_identified(list(messages[:15]), wait=False)
            print("published", flush=True)
            time.sleep(600)
        SqlOutbox(create_database_engine({postgres_url!r})).relay(halfway, 100)
    """)
    relay = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert relay.stdout is not None
        assert relay.stdout.readline().strip() == "published"
    finally:
        relay.send_signal(signal.SIGKILL)
        relay.wait()
        if relay.stdout is not None:
            relay.stdout.close()
    outbox = SqlOutbox(engine)
    assert stream_count(nats_server, stream) == 15
    assert outbox.depth() == 40  # nothing was deleted: the batch's transaction died with it

    again = OutboxRelay(outbox, bus)
    assert again.relay_pending() == 40
    assert again.relayed == 40  # all 40 published once more ...
    assert stream_count(nats_server, stream) == 40  # ... and the 15 repeats stored once
    assert outbox.depth() == 0
    assert [e for _, e in stored(nats_server, stream, f"{bus.prefix}.>")] == [
        MemberErased(f"mem_{n}") for n in range(40)
    ]


def test_two_relays_never_publish_the_same_rows_at_once(
    engine: Engine, nats_server: NatsServer, bus: NatsBus, stream: str
) -> None:
    _pending(engine, 30)
    first, second = SqlOutbox(engine), SqlOutbox(engine)
    inside, go_on = threading.Event(), threading.Event()
    published: dict[str, list[str]] = {"first": [], "second": []}

    def slow(messages: Sequence[tuple[str, DomainEvent]]) -> None:
        inside.set()
        assert go_on.wait(timeout=30)
        bus.publish_identified(list(messages), wait=False)
        published["first"] += [ident for ident, _ in messages]

    def quick(messages: Sequence[tuple[str, DomainEvent]]) -> None:
        bus.publish_identified(list(messages), wait=False)
        published["second"] += [ident for ident, _ in messages]

    holding = threading.Thread(target=first.relay, args=(slow, 10))
    holding.start()
    try:
        assert inside.wait(timeout=30)
        # The first relay holds rows 1-10: the second stands by rather than run ahead of it.
        assert second.relay(quick, 10) == 0
        assert published["second"] == []
    finally:
        go_on.set()
        holding.join(timeout=30)
    # The positive control: once the first is done, the second takes the next rows.
    assert second.relay(quick, 10) == 10
    while second.relay(quick, 10):
        pass
    assert len(published["first"]) == 10
    assert len(published["second"]) == 20
    assert not set(published["first"]) & set(published["second"])
    assert stream_count(nats_server, stream) == 30


def test_a_rolled_back_write_leaves_no_outbox_row(engine: Engine) -> None:
    outbox = SqlOutbox(engine)
    uow_factory = sql_unit_of_work_factory(engine)
    with uow_factory() as uow:
        outbox.add(uow, [MemberErased("mem_rolled_back")], NOW)
        uow.rollback()
    assert outbox.depth() == 0
    with uow_factory() as uow:
        outbox.add(uow, [MemberErased("mem_committed")], NOW)
        uow.commit()
    assert [m.event for m in outbox.pending()] == [MemberErased("mem_committed")]


def test_a_use_case_whose_commit_fails_sends_nothing(
    postgres_url: str, nats_server: NatsServer, stream: str
) -> None:
    instance = _scaled(postgres_url, nats_server, stream)
    try:
        founder = _founder(instance)
        circle = _found_circle(instance, founder, "Oostpoort")
        services = instance.services
        # The same circle again: the store refuses the commit, its event rolls back with it.
        twice = Circle(circle.id, "Twice", circle.boundary, circle.timezone, circle.created_at)
        with services.uow() as uow:
            uow.repo(Circle).add(twice)
            with pytest.raises(Conflict):
                services.commit(uow, CircleSaved(twice))
        assert instance.outbox is not None
        assert instance.outbox.outbox.depth() == 0
        assert _circles_on(nats_server, stream) == [circle.id]  # the committed one only
    finally:
        instance.close()
        delete_stream(nats_server, stream)
