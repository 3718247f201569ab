"""Rules around a moment that come from elsewhere: the member's access log records each
delivery of their data, and the circle charter's quiet hours hold members' moments."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from buurt.services.charter.proposals import close_due_proposals
from buurt.services.context import Services
from tests.actors import HOME, Actor, World, issue
from tests.timeline import MovingClock

NEAR = {"lat": 52.3625, "lon": 4.9385}


def _moments(actor: Actor) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = actor.get("/v1/moments").json()["items"]
    return items


def test_a_need_delivered_to_a_business_is_in_the_members_access_log(world: World) -> None:
    grant = world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "intents",
            "purpose": "matching",
        },
    )
    offer = {
        "circle_id": world.circle["id"],
        "category": "food/bread",
        "title": "Rye",
        "area": {**HOME, "radius_m": 1000},
    }
    world.bakery_actor.created("/v1/offers", offer)
    intent = {
        "circle_id": world.circle["id"],
        "category": "food/bread",
        "area": {**NEAR, "radius_m": 200},
    }
    world.bob.created("/v1/intents", intent)
    (moment,) = _moments(world.bakery_actor)
    log = world.bob.get("/v1/me/access-log").json()["items"]
    delivered = [e for e in log if moment["id"] in e["what"]]
    assert len(delivered) == 1
    assert delivered[0]["principal_id"] == world.bakery["id"]
    assert delivered[0]["grant_id"] == grant["id"]
    assert delivered[0]["category"] == "intents"
    assert delivered[0]["purpose"] == "matching"


def _vote_quiet_hours(world: World, services: Services, clock: MovingClock) -> None:
    """Vote quiet hours from 10:00 up to 12:00 into the circle's charter; the vote takes the
    clock eight days on, to the same hour."""
    change = {"quiet_hours": {"from_hour": 10, "until_hour": 12}}
    path = f"/v1/circles/{world.circle['id']}/charter/proposals"
    proposal = world.admin.created(path, {"changes": change, "rationale": "Let us sleep."})
    for member in (world.admin, world.ann, world.bob):
        voted = member.post(f"{path}/{proposal['id']}/votes", {"choice": "yes"})
        assert voted.status_code == 200, voted.text
    close_due_proposals(services, clock.advance(days=8))
    charter = world.bob.get(f"/v1/circles/{world.circle['id']}/charter").json()
    assert charter["quiet_hours"] == change["quiet_hours"]


@pytest.mark.frozen_clock  # tests.timeline.START: a Monday, 10:00 in Amsterdam
def test_charter_quiet_hours_hold_members_moments_not_businesses(
    world: World, services: Services, clock: MovingClock
) -> None:
    area = {**HOME, "radius_m": 400}
    for subscriber in (world.bob, world.bakery_actor):
        subscriber.created(
            "/v1/subscriptions",
            {
                "circle_id": world.circle["id"],
                "name": "Solar",
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
    inverter = issue(world.admin, "thing", world.admin.created("/v1/things", body)["id"])
    reading = {"kind": "energy/solar", "attributes": {"power_w": 2500}, "place": NEAR}
    inverter.created("/v1/events", reading)
    assert len(_moments(world.bob)) == 1
    assert len(_moments(world.bakery_actor)) == 1

    _vote_quiet_hours(world, services, clock)
    assert clock.now().astimezone(ZoneInfo("Europe/Amsterdam")).hour == 10
    inverter.created("/v1/events", reading)
    assert len(_moments(world.bob)) == 1  # held: the circle is quiet now
    assert len(_moments(world.bakery_actor)) == 2  # businesses are not quiet
    clock.advance(hours=2)  # 12:00, the quiet hours are over
    inverter.created("/v1/events", reading)
    assert len(_moments(world.bob)) == 2
    assert len(_moments(world.bakery_actor)) == 3
