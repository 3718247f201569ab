"""One owner per recipient: in a split circle, a member's caps and deduplication hold across
the engine workers that match its publications (ADR 0015), against a real nats-server and a
real PostgreSQL.

The circle is split (``BUURT_SPLIT_CIRCLES``), and its publications fall in two H3 cells whose
shards are owned by two different workers. One member, subscribed to both cells, keeps a cap
of ``CAP`` an hour; another has a cap out of the way. The clock stands still, so every moment
is in one hour. With the candidates routed to the member's owner, the capped member gets
exactly ``CAP`` moments; with routing switched off (``BUURT_WORKER_OWNERS=false``, the path
before ADR 0015) each worker counts its own hour, and the member gets more: the control.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h3
import nats
import pytest
from fastapi.testclient import TestClient
from nats.js.errors import NotFoundError

from buurt.adapters.bus.owners import candidate_stream, owner_consumer_name
from buurt.adapters.bus.shards import SPLIT_RESOLUTION, Sharding, stable_shard
from buurt.bootstrap import Buurt, build
from buurt.bootstrap.worker import EngineWorker
from buurt.domain.moments import Moment
from buurt.services.matching.handoff import Candidate
from buurt.web.app import create_app
from tests.actors import Actor, issue, register
from tests.conftest import _database
from tests.instances import settings_for
from tests.integration.test_relevance_restart import NEAR
from tests.jetstream import NatsServer, delete_stream
from tests.timeline import MovingClock

pytestmark = [pytest.mark.slow, pytest.mark.frozen_clock]

SHARDS = 8
CAP = 4
EVENTS = 40  # half in each cell: each worker alone sees more than CAP
ACK_WAIT = 2.0
_numbers = iter(range(10**6))


@dataclass
class SplitCircle:
    """A split circle whose publications fall in the shards of two workers."""

    database_url: str
    nats: NatsServer
    stream: str
    clock: MovingClock
    circle_id: str
    places: list[dict[str, float]]  # one in each cell
    shards: list[int]  # the cells' shards: one in 0-3, one in 4-7
    capped: str  # the member at CAP
    free: str  # the member whose cap is out of the way
    api: Buurt | None = None
    thing: Actor | None = None

    def settings(self, **options: Any) -> Any:
        return settings_for(
            self.database_url,
            bus_url=self.nats.url,
            bus_stream=self.stream,
            matching="workers",
            shards=SHARDS,
            split_circles=self.circle_id,
            worker_ack_wait_seconds=ACK_WAIT,
            **options,
        )

    def publish(self, count: int) -> None:
        assert self.thing is not None
        for n in range(count):
            body = {
                "kind": "energy/solar",
                "attributes": {"power_w": n},
                "place": self.places[n % 2],
            }
            self.thing.created("/v1/events", body)

    def moments(self) -> list[tuple[str, str, str]]:
        assert self.api is not None
        with self.api.services.uow() as uow:
            rows = uow.repo(Moment).values(
                ("source_id", "recipient_id", "delivery_key"), {"circle_id": self.circle_id}
            )
        return [(source, recipient, key) for source, recipient, key in rows]


def _two_cells(circle_id: str) -> tuple[list[dict[str, float]], list[int]] | None:
    """Two places a few hundred metres apart, on either side of the border of two H3 cells
    whose shards (in this circle) are in different halves; ``None`` when no neighbour fits."""
    home = h3.latlng_to_cell(NEAR["lat"], NEAR["lon"], SPLIT_RESOLUTION)

    def shard(cell: str) -> int:
        return stable_shard(f"{circle_id}/{cell}", SHARDS)

    for neighbour in sorted(h3.grid_ring(home, 1)):
        if shard(home) * 2 // SHARDS == shard(neighbour) * 2 // SHARDS:
            continue
        (a_lat, a_lon), (b_lat, b_lon) = h3.cell_to_latlng(home), h3.cell_to_latlng(neighbour)
        steps = 400
        points = [
            (a_lat + (b_lat - a_lat) * i / steps, a_lon + (b_lon - a_lon) * i / steps)
            for i in range(steps + 1)
        ]
        cells = [h3.latlng_to_cell(lat, lon, SPLIT_RESOLUTION) for lat, lon in points]
        border = next(i for i, cell in enumerate(cells) if cell != home)
        inside, outside = points[border - 3], points[border + 3]
        if cells[border + 3] != neighbour:
            continue
        places = [{"lat": lat, "lon": lon} for lat, lon in (inside, outside)]
        return places, [shard(home), shard(neighbour)]
    return None


@contextmanager
def split_circle(
    request: pytest.FixtureRequest, tmp_path: Path, server: NatsServer, clock: MovingClock
) -> Iterator[SplitCircle]:
    """The circle, its thing and members made through a first instance; then the API instance
    that knows the circle is split (the sharding is fixed when an instance is built)."""
    stream = f"OWNERS_{next(_numbers)}_{os.getpid()}"
    with ExitStack() as stack:
        url = stack.enter_context(_database(request, tmp_path, "postgres"))
        stack.callback(_delete_streams, server, stream)
        base = settings_for(
            url, bus_url=server.url, bus_stream=stream, matching="workers", shards=SHARDS
        )
        with ExitStack() as setup:
            first = build(base, clock=clock)
            setup.callback(first.close)
            client = setup.enter_context(TestClient(create_app(first, workers=False)))
            admin = register(client, "Ada Admin")
            while True:
                boundary = {"polygon": [[52.20, 4.70], [52.50, 4.70], [52.50, 5.20], [52.20, 5.20]]}
                circle = admin.created("/v1/circles", {"name": "Groot", "boundary": boundary})
                found = _two_cells(circle["id"])
                if found is not None:
                    break
            places, shards = found
            middle = {
                "lat": (places[0]["lat"] + places[1]["lat"]) / 2,
                "lon": (places[0]["lon"] + places[1]["lon"]) / 2,
            }
            thing = admin.created(
                "/v1/things",
                {
                    "circle_id": circle["id"],
                    "kind": "solar_inverter",
                    "name": "Roof",
                    "place": middle,
                    "visibility": "public",
                },
            )
            members = {}
            for name, cap in (("Dee", CAP), ("Bo", 1000)):
                member = register(client, name, circle["id"])
                changed = member.patch(f"/v1/members/{member.id}", {"max_moments_per_hour": cap})
                assert changed.status_code == 200, changed.text
                area = {**middle, "radius_m": 2000}
                body = {
                    "circle_id": circle["id"],
                    "name": "Solar everywhere",
                    "categories": ["energy"],
                    "area": area,
                }
                member.created("/v1/subscriptions", body)
                members[name] = member.id
            thing_actor = issue(admin, "thing", thing["id"])
        found_circle = SplitCircle(
            url, server, stream, clock, circle["id"], places, shards, members["Dee"], members["Bo"]
        )
        api = build(found_circle.settings(), clock=clock)
        stack.callback(api.close)
        assert api.outbox is not None
        api.outbox.start_thread()
        stack.callback(api.outbox.stop_thread)
        api_client = stack.enter_context(TestClient(create_app(api, workers=False)))
        found_circle.api = api
        found_circle.thing = Actor(api_client, thing_actor.id, thing_actor.token)
        yield found_circle


def _delete_streams(server: NatsServer, stream: str) -> None:
    delete_stream(server, stream)
    with contextlib.suppress(NotFoundError):  # routing was off: no candidates' stream
        delete_stream(server, candidate_stream(stream))


@contextmanager
def engine_worker(
    circle: SplitCircle, shards: Iterable[int], **options: Any
) -> Iterator[EngineWorker]:
    instance = build(circle.settings(**options), clock=circle.clock)
    worker = EngineWorker(instance)
    try:
        worker.start()
        worker.take(shards)
        yield worker
    finally:
        worker.stop()
        instance.close()


def _wait(condition: Callable[[], bool], seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.2)


def _settled(workers: list[EngineWorker], published: int) -> Callable[[], bool]:
    """Every publication acknowledged, and every candidate handed on handled by its owner."""

    def check() -> bool:
        matched = sum(s.handled for w in workers for s in w.stats().values())
        handed = sum(w.handed for w in workers)
        owned = sum(s.handled for w in workers for s in w.owner_stats().values())
        return matched >= published and owned >= handed

    return check


def _candidates_pending(circle: SplitCircle) -> int:
    async def read() -> int:
        client = await nats.connect(circle.nats.url)
        try:
            js = client.jetstream(timeout=5)
            pending = 0
            for n in range(SHARDS):
                info = await js.consumer_info(
                    candidate_stream(circle.stream), owner_consumer_name(n)
                )
                pending += (info.num_pending or 0) + (info.num_ack_pending or 0)
            return pending
        finally:
            await client.close()

    return asyncio.run(read())


def _run(circle: SplitCircle, **options: Any) -> tuple[Counter[str], list[EngineWorker]]:
    """Two workers (shards 0-3 and 4-7), ``EVENTS`` events over the two cells; the moments
    per recipient once everything is settled."""
    with (
        engine_worker(circle, range(SHARDS // 2), **options) as a,
        engine_worker(circle, range(SHARDS // 2, SHARDS), **options) as b,
    ):
        circle.publish(EVENTS)
        _wait(_settled([a, b], EVENTS))
        moments = circle.moments()
        # Each worker matched the publications of its own cell.
        assert all(sum(s.handled for s in w.stats().values()) == EVENTS // 2 for w in (a, b))
        assert Counter(key for _, _, key in moments).most_common(1)[0][1] == 1
        return Counter(recipient for _, recipient, _ in moments), [a, b]


def test_a_member_of_a_split_circle_gets_their_cap_across_two_workers(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer, clock: MovingClock
) -> None:
    with split_circle(request, tmp_path, nats_server, clock) as circle:
        assert Sharding(SHARDS).recipient_shard(("member", circle.capped)) in range(SHARDS)
        per_member, (a, b) = _run(circle)
        assert per_member[circle.capped] == CAP
        assert per_member[circle.free] == EVENTS  # every event told once to the other member
        # Both workers matched and handed candidates on; the owners handled them all.
        assert a.handed > 0
        assert b.handed > 0
        assert _candidates_pending(circle) == 0


def test_without_the_routing_each_worker_counts_its_own_hour(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer, clock: MovingClock
) -> None:
    """The control: the same scenario on the path before ADR 0015 exceeds the cap."""
    with split_circle(request, tmp_path, nats_server, clock) as circle:
        per_member, (a, b) = _run(circle, worker_owners=False)
        assert a.handed == b.handed == 0
        assert per_member[circle.capped] > CAP
        assert per_member[circle.capped] == 2 * CAP  # a cap per worker
        assert per_member[circle.free] == EVENTS


def _losing_the_first_ack(worker: EngineWorker, seen: set[str]) -> Callable[[int, Candidate], None]:
    """The worker's owner handler, raising after the first commit of each candidate."""

    def handle(sequence: int, candidate: Candidate) -> None:
        worker.own(sequence, candidate)
        if candidate.ident not in seen:
            seen.add(candidate.ident)
            raise ConnectionError("the acknowledgement was lost")

    return handle


def test_a_candidate_delivered_again_writes_nothing_twice(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer, clock: MovingClock
) -> None:
    """Each candidate's first delivery commits its moment and then loses its acknowledgement
    (the owner raises after the commit): every candidate comes again, and finds its key."""
    with split_circle(request, tmp_path, nats_server, clock) as circle:
        with (
            engine_worker(circle, range(SHARDS // 2)) as a,
            engine_worker(circle, range(SHARDS // 2, SHARDS)) as b,
        ):
            seen: set[str] = set()
            for worker in (a, b):
                worker.owners.handle = _losing_the_first_ack(worker, seen)
            circle.publish(EVENTS)

            def handed() -> int:
                return sum(w.handed for w in (a, b))

            def redelivered() -> int:
                return sum(s.redelivered for w in (a, b) for s in w.owner_stats().values())

            _wait(lambda: sum(s.handled for w in (a, b) for s in w.stats().values()) >= EVENTS)
            _wait(lambda: redelivered() >= handed() > 0)
            moments = circle.moments()
        assert len(seen) == handed()  # each candidate was delivered at least twice
        assert Counter(key for _, _, key in moments).most_common(1)[0][1] == 1
        per_member = Counter(recipient for _, recipient, _ in moments)
        assert per_member[circle.free] == EVENTS
        assert per_member[circle.capped] == CAP
