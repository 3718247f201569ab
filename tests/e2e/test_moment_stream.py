"""The moments stream on a real server: live, resumable with Last-Event-ID, private."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.actors import HOME, Actor, World, issue, make_world
from tests.servers import running_buurt

NEAR = {"lat": 52.3625, "lon": 4.9385}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    database = f"sqlite:///{tmp_path}/buurt.db"
    env = {"BUURT_PASSWORD_PROFILE": "CHEAPEST"}
    with running_buurt(database, tmp_path / "server.log", env=env) as buurt:
        yield buurt.base_url


class Stream:
    """Reads Server-Sent Events from an open response."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()

    def next_event(self) -> dict[str, Any]:
        event: dict[str, Any] = {}
        for line in self.lines:
            if not line:
                if "data" in event:
                    return event
                continue
            if line.startswith(":"):
                continue  # heartbeat
            name, _, value = line.partition(":")
            event[name] = value.strip()
        raise AssertionError("the stream ended")


def _open(http: httpx.Client, actor: Actor, last_event_id: str | None = None) -> Any:
    headers = dict(actor.headers)
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    return http.stream("GET", "/v1/moments/stream", headers=headers, timeout=20)


def _setup(http: httpx.Client) -> tuple[World, Actor]:
    world = make_world(http)  # type: ignore[arg-type]
    area = {**HOME, "radius_m": 400}
    for member in (world.bob, world.ann):
        member.created(
            "/v1/subscriptions",
            {
                "circle_id": world.circle["id"],
                "name": f"Solar for {member.id}",
                "categories": ["energy"],
                "area": area,
            },
        )
    body = {
        "circle_id": world.circle["id"],
        "kind": "solar_inverter",
        "name": "Roof",
        "place": NEAR,
        "visibility": "public",
    }
    thing = world.admin.created("/v1/things", body)
    return world, issue(world.admin, "thing", thing["id"])


def _publish(inverter: Actor, power: int) -> str:
    body = {"kind": "energy/solar", "attributes": {"power_w": power}, "place": NEAR}
    event: str = inverter.created("/v1/events", body)["id"]
    return event


def test_moments_arrive_live_and_resume_after_a_disconnect(server: str) -> None:
    with httpx.Client(base_url=server, timeout=20) as http:
        world, inverter = _setup(http)
        with _open(http, world.bob) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            first_event = _publish(inverter, 2400)
            first = Stream(response).next_event()
        assert first["event"] == "moment.created"
        moment = json.loads(first["data"])
        assert moment["source_id"] == first_event
        assert moment["recipient_id"] == world.bob.id
        assert first["id"] == moment["id"]

        missed = [_publish(inverter, power) for power in (2500, 2600)]
        with _open(http, world.bob, last_event_id=first["id"]) as response:
            stream = Stream(response)
            caught_up = [json.loads(stream.next_event()["data"])["source_id"] for _ in missed]
            assert caught_up == missed
            live = _publish(inverter, 2700)
            assert json.loads(stream.next_event()["data"])["source_id"] == live


def test_a_stream_carries_only_the_principals_own_moments(server: str) -> None:
    with httpx.Client(base_url=server, timeout=20) as http:
        world, inverter = _setup(http)
        with _open(http, world.ann) as response:
            _publish(inverter, 2400)  # one moment for Bob and one for Ann
            moment = json.loads(Stream(response).next_event()["data"])
        assert moment["recipient_id"] == world.ann.id
        listed = world.bob.get("/v1/moments").json()["items"]
        assert moment["id"] not in {m["id"] for m in listed}


def test_the_stream_needs_a_token(server: str) -> None:
    response = httpx.get(f"{server}/v1/moments/stream", timeout=10)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
