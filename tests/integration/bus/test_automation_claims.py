"""An automation fires once per moment on the NATS bus, however many processes hear it.

Two instances on one PostgreSQL and one stream, each with a link to things of its own, as two
gateways would be: both hear every ``moment.created``, and both would command the thing. The
moment is claimed on the stream (``NatsBus.claim``) and only the first claimer fires.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from nats.js.errors import NotFoundError

from buurt.bootstrap import Buurt, build
from buurt.domain.events import MomentCreated
from buurt.domain.moments import Moment
from buurt.services.sharing import automations
from buurt.web.app import create_app
from tests.actors import BOUNDARY, HOME, Actor, issue, register
from tests.conftest import _database
from tests.instances import settings_for
from tests.integration.test_relevance_restart import NEAR
from tests.jetstream import NatsServer, delete_stream, stream_count

pytestmark = pytest.mark.slow

EVENTS = 3
_numbers = itertools.count()


@dataclass
class RecordingLink:
    """A link to things that keeps what it was asked to send."""

    sent: list[tuple[str, bytes]] = field(default_factory=list)

    def send_command(self, circle_id: str, thing_id: str, payload: bytes) -> str:
        self.sent.append((thing_id, payload))
        return f"buurt/{circle_id}/things/{thing_id}/commands"


@dataclass
class TwoProcesses:
    a: Buurt
    b: Buurt
    links: tuple[RecordingLink, RecordingLink]
    client: TestClient
    nats: NatsServer
    stream: str


@pytest.fixture
def two(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer
) -> Iterator[TwoProcesses]:
    stream = f"CLAIMS_{next(_numbers)}_{os.getpid()}"
    with ExitStack() as stack:
        url = stack.enter_context(_database(request, tmp_path, "postgres"))
        stack.callback(_delete_claims, nats_server, stream)
        stack.callback(delete_stream, nats_server, stream)
        links = RecordingLink(), RecordingLink()
        instances = []
        for link in links:
            settings = settings_for(url, bus_url=nats_server.url, bus_stream=stream)
            instance = build(settings, local_link=link)
            stack.callback(instance.close)
            instances.append(instance)
        a, b = instances
        client = stack.enter_context(TestClient(create_app(a, workers=False)))
        yield TwoProcesses(a, b, links, client, nats_server, stream)


def _delete_claims(server: NatsServer, stream: str) -> None:
    with contextlib.suppress(NotFoundError):  # no moment was ever claimed
        delete_stream(server, f"{stream}_CLAIMS")


def _automated(client: TestClient) -> Actor:
    """Bob's subscription, automated to start his charger; the circle's public inverter."""
    admin = register(client, "Ada Admin")
    circle = admin.created("/v1/circles", {"name": "Buurt", "boundary": BOUNDARY})
    bob = register(client, "Bob", circle["id"])
    subscription = bob.created(
        "/v1/subscriptions",
        {
            "circle_id": circle["id"],
            "name": "Surplus",
            "categories": ["energy/solar"],
            "area": {**HOME, "radius_m": 500},
        },
    )
    body = {"circle_id": circle["id"], "kind": "ev_charger", "name": "Plug", "place": HOME}
    charger = bob.created("/v1/things", body)
    bob.created(
        "/v1/automations",
        {"subscription_id": subscription["id"], "thing_id": charger["id"], "command": "start"},
    )
    inverter = admin.created(
        "/v1/things",
        {
            "circle_id": circle["id"],
            "kind": "solar_inverter",
            "name": "Roof",
            "place": NEAR,
            "visibility": "public",
        },
    )
    return issue(admin, "thing", inverter["id"])


def _wait(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)


def _heard_everything(two: TwoProcesses) -> Callable[[], bool]:
    """Both processes' handlers ran every event on the stream so far."""
    last = stream_count(two.nats, two.stream)

    def check() -> bool:
        buses = [two.a.nats_bus, two.b.nats_bus]
        return all(bus is not None and bus.heard >= last for bus in buses)

    return check


def _moments(instance: Buurt) -> list[Moment]:
    with instance.services.uow() as uow:
        return uow.repo(Moment).find(standing_kind="subscription")


def test_an_automation_fires_once_per_moment_however_many_processes_hear_it(
    two: TwoProcesses,
) -> None:
    inverter = _automated(two.client)
    for n in range(EVENTS):
        body = {"kind": "energy/solar", "attributes": {"power_w": 2500 + n}, "place": NEAR}
        inverter.created("/v1/events", body)

    def sent() -> list[tuple[str, bytes]]:
        return [p for link in two.links for p in link.sent]

    _wait(lambda: len(sent()) >= EVENTS)
    _wait(_heard_everything(two))
    moments = _moments(two.a)
    assert len(moments) == EVENTS
    assert len(sent()) == EVENTS  # one command per moment, not one per process
    because = [payload for _, payload in sent()]
    assert all(any(m.id.encode() in p for p in because) for m in moments)

    # The control: the old path, without a claim, commands the thing from each process.
    before = len(sent())
    event = MomentCreated(moments[0])
    for instance, link in zip((two.a, two.b), two.links, strict=True):
        services = instance.services
        automations.fire(services.uow_factory, services.clock, link, event)
    assert len(sent()) == before + 2
