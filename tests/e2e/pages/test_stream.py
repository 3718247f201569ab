"""The live stream of a thing's page: Server-Sent Events of its new events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tests.actors import World
from tests.e2e.pages.things import publish, register_thing

# Every read waits at most one heartbeat (15 s); a missing event fails after a few.
MAX_LINES = 40


def next_event(lines: Iterator[str]) -> dict[str, Any]:
    """The next ``thing-event`` on the stream, with its SSE id."""
    event_id = None
    for _, line in zip(range(MAX_LINES), lines, strict=False):
        if line.startswith("id: "):
            event_id = line.removeprefix("id: ")
        elif line.startswith("data: "):
            data: dict[str, Any] = json.loads(line.removeprefix("data: "))
            assert data["id"] == event_id
            return data
    raise AssertionError("no event on the stream")


def test_the_stream_yields_an_event_published_after_connecting(world: World) -> None:
    thing, device = register_thing(world.bob, world)
    path = f"/things/{thing['id']}/stream"

    with world.bob.client.stream("GET", path, headers=world.bob.headers) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "retry: 3000"  # connected and subscribed
        published = publish(device, power_w=4321, energy_wh=17)

        data = next_event(lines)

    assert data["id"] == published["id"]
    assert data["attributes"] == {"power_w": 4321, "energy_wh": 17}
    assert data["shown"]["power_w"] == "4\u202f321\u202fW"


def test_the_stream_resumes_after_the_last_event_id(world: World) -> None:
    thing, device = register_thing(world.bob, world)
    first = publish(device, power_w=1)
    second = publish(device, power_w=2)
    headers = {**world.bob.headers, "Last-Event-ID": first["id"]}

    with world.bob.client.stream("GET", f"/things/{thing['id']}/stream", headers=headers) as stream:
        missed = next_event(stream.iter_lines())

    assert missed["id"] == second["id"]


def test_the_stream_is_refused_to_who_may_not_see_the_thing(world: World) -> None:
    thing, _ = register_thing(world.bob, world)
    path = f"/things/{thing['id']}/stream"

    assert world.bob.client.get(path, headers=world.ann.headers).status_code == 404
    assert world.bob.client.get(path).status_code == 401


def test_a_revoked_grant_ends_the_grantees_stream_before_the_next_event(world: World) -> None:
    thing, device = register_thing(world.bob, world)
    grant = world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "thing_data",
            "purpose": "service_delivery",
            "thing_id": thing["id"],
        },
    )
    path = f"/things/{thing['id']}/stream"

    with world.bakery_actor.client.stream(
        "GET", path, headers=world.bakery_actor.headers
    ) as stream:
        lines = stream.iter_lines()
        assert next(lines) == "retry: 3000"
        shared = publish(device, power_w=10)
        assert next_event(lines)["id"] == shared["id"]
        assert world.bob.delete(f"/v1/consents/{grant['id']}").status_code == 200
        publish(device, power_w=11)

        # The stream ends; without the check it would deliver the event at once.
        delivered = next((line for line in lines if line.startswith("data: ")), None)

    assert delivered is None
