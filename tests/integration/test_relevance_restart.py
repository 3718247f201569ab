"""The relevance gate's memory survives a restart: a new instance on the same store (SQLite
file, PostgreSQL database) counts the moments of the last hour, so nobody gets a fresh hourly
cap mid-hour and no pair that has a moment gets a second one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from buurt.bootstrap import Buurt, build
from buurt.domain.activity import Event, Intent
from buurt.domain.ids import new_id
from buurt.web.app import create_app
from tests.actors import HOME, Actor, World, issue, register
from tests.instances import settings_for
from tests.timeline import MovingClock

pytestmark = pytest.mark.frozen_clock  # a Monday, 10:00 in Amsterdam, until the test moves it

NEAR = {"lat": 52.3625, "lon": 4.9385}
CAP = 3


@contextmanager
def restarted(database_url: str, clock: MovingClock) -> Iterator[tuple[Buurt, TestClient]]:
    """A new instance on the same store and clock, as after a restart of the server."""
    instance = build(settings_for(database_url), clock=clock)
    try:
        with TestClient(create_app(instance, workers=False)) as client:
            yield instance, client
    finally:
        instance.close()


def on(client: TestClient, actor: Actor) -> Actor:
    """The same principal, talking to another instance."""
    return Actor(client, actor.id, actor.token)


def subscribe(member: Actor, circle_id: str) -> None:
    body = {
        "circle_id": circle_id,
        "name": "Solar surplus",
        "categories": ["energy"],
        "area": {**HOME, "radius_m": 400},
    }
    member.created("/v1/subscriptions", body)


def solar(inverter: Actor) -> dict[str, Any]:
    body = {"kind": "energy/solar", "attributes": {"power_w": 2500}, "place": NEAR}
    return inverter.created("/v1/events", body)


def moments(actor: Actor) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = actor.get("/v1/moments", params={"limit": 100}).json()["items"]
    return items


def test_caps_and_deduplication_hold_across_a_restart(
    world: World, clock: MovingClock, database_url: str
) -> None:
    circle_id = world.circle["id"]
    carol = register(world.admin.client, "Carol", circle_id)
    world.bob.patch(f"/v1/members/{world.bob.id}", {"max_moments_per_hour": CAP})
    for member in (world.bob, carol):
        subscribe(member, circle_id)
    thing = world.ann.created(
        "/v1/things",
        {
            "circle_id": circle_id,
            "kind": "solar_inverter",
            "name": "Roof",
            "place": NEAR,
            "visibility": "public",
        },
    )
    inverter = issue(world.ann, "thing", thing["id"])
    offer = {"circle_id": circle_id, "category": "food/bread", "title": "Rye"}
    world.bakery_actor.created("/v1/offers", {**offer, "area": {**HOME, "radius_m": 1000}})
    need = {"circle_id": circle_id, "category": "food/bread", "area": {**NEAR, "radius_m": 200}}
    intent = carol.created("/v1/intents", need)

    clock.advance(minutes=10)
    first = clock.now()
    events = [solar(inverter) for _ in range(CAP + 2)]
    assert len(moments(world.bob)) == CAP  # Bob's cap is used up for the hour ...
    assert len(moments(carol)) == len(events) + 1  # ... Carol's is not (and she has the need's)

    clock.advance(minutes=20)  # mid-hour: the first moments are 20 minutes old
    with restarted(database_url, clock) as (instance, client):
        bob, carol_again = on(client, world.bob), on(client, carol)
        solar(on(client, inverter))
        assert len(moments(bob)) == CAP  # no fresh cap after the restart
        assert len(moments(carol_again)) == len(events) + 2  # the control: the event matched

        # The same publications matched again (as a replay of the log would): every pair has
        # its moment already. The control: a publication never matched before gets its own.
        with instance.services.uow() as uow:
            replayed = [uow.repo(Event).get(e["id"]) for e in events]
            replayed_need = uow.repo(Intent).get(intent["id"])
            fresh = solar_record(uow.repo(Event).get(events[0]["id"]))
            uow.repo(Event).add(fresh)
            matching = instance.services.matching
            again = [m for e in replayed if e for m in matching.moments_for(uow, e, clock.now())]
            assert replayed_need is not None
            again += matching.moments_for(uow, replayed_need, clock.now())
            assert again == []
            control = matching.moments_for(uow, fresh, clock.now())
            assert {m.recipient_id for m in control} == {carol.id}  # Bob is still capped
            uow.rollback()

    # An hour after the first moments the cap lets Bob's moments through again, on yet
    # another instance.
    clock.at = first + timedelta(hours=1)
    with restarted(database_url, clock) as (_, client):
        solar(on(client, inverter))
        assert len(moments(on(client, world.bob))) == CAP + 1


def solar_record(event: Event | None) -> Event:
    """A new event like ``event``, stored but not yet matched."""
    assert event is not None
    return replace(event, id=new_id("event"))


def test_a_change_of_settings_mid_hour_gives_no_fresh_cap(world: World, clock: MovingClock) -> None:
    circle_id = world.circle["id"]
    world.bob.patch(f"/v1/members/{world.bob.id}", {"max_moments_per_hour": CAP})
    subscribe(world.bob, circle_id)
    body = {"circle_id": circle_id, "kind": "solar_inverter", "name": "Roof", "place": NEAR}
    thing = world.ann.created("/v1/things", {**body, "visibility": "public"})
    inverter = issue(world.ann, "thing", thing["id"])
    for _ in range(CAP + 1):
        solar(inverter)
    assert len(moments(world.bob)) == CAP
    clock.advance(minutes=5)
    changed = world.bob.patch(f"/v1/members/{world.bob.id}", {"quiet_from_hour": 23})
    assert changed.status_code == 200, changed.text
    solar(inverter)
    assert len(moments(world.bob)) == CAP  # configured again, the hour's moments still count
    raised = world.bob.patch(f"/v1/members/{world.bob.id}", {"max_moments_per_hour": CAP + 1})
    assert raised.status_code == 200, raised.text
    solar(inverter)
    solar(inverter)
    assert len(moments(world.bob)) == CAP + 1  # the control: one more, as the new cap allows
