"""From publication to moment through the real services and store: matching, consent,
relevance rules, and the index kept current by changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from buurt.bootstrap import build
from buurt.services.context import Services
from buurt.services.publishing.moments import expire_due
from tests.actors import HOME, Actor, World, issue
from tests.instances import settings_for
from tests.timeline import MovingClock

# Caps, quiet hours, windows and expiry all depend on the time: it stands still at
# tests.timeline.START (a Monday, 10:00 in Amsterdam) until a test moves it.
pytestmark = pytest.mark.frozen_clock

NEAR = {"lat": 52.3625, "lon": 4.9385}  # about 60 m from HOME
AREA = {**HOME, "radius_m": 400}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _thing(owner: Actor, world: World, visibility: str) -> tuple[dict[str, Any], Actor]:
    body = {
        "circle_id": world.circle["id"],
        "kind": "solar_inverter",
        "name": "Roof",
        "place": NEAR,
        "visibility": visibility,
    }
    thing = owner.created("/v1/things", body)
    return thing, issue(owner, "thing", thing["id"])


def _solar(inverter: Actor, power: int) -> dict[str, Any]:
    body = {"kind": "energy/solar", "attributes": {"power_w": power}, "place": NEAR}
    return inverter.created("/v1/events", body)


def _subscribe(member: Actor, world: World, **extra: Any) -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "name": "Solar surplus",
        "categories": ["energy"],
        "area": AREA,
        "predicates": ["power_w > 2000"],
        **extra,
    }
    return member.created("/v1/subscriptions", body)


def _moments(actor: Actor) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = actor.get("/v1/moments").json()["items"]
    return items


def test_an_event_reaches_matching_subscriptions_with_the_reason(world: World) -> None:
    subscription = _subscribe(world.bob, world)
    _, inverter = _thing(world.ann, world, "circle")
    _solar(inverter, 1500)
    assert _moments(world.bob) == []
    event = _solar(inverter, 2400)
    (moment,) = _moments(world.bob)
    assert moment["source_id"] == event["id"]
    assert moment["standing_id"] == subscription["id"]
    assert moment["status"] == "delivered"
    assert "Solar surplus" in moment["reason"]
    assert "energy/solar" in moment["reason"]
    assert "power_w > 2000" in moment["reason"]
    assert " m from the centre of your area" in moment["reason"]
    assert _moments(world.ann) == []


def test_a_private_things_data_needs_the_owners_grant(world: World) -> None:
    _subscribe(world.bob, world)
    thing, inverter = _thing(world.ann, world, "private")
    _solar(inverter, 2500)
    assert _moments(world.bob) == []
    grant = world.ann.created(
        "/v1/consents",
        {
            "recipient_kind": "member",
            "recipient_id": world.bob.id,
            "category": "thing_data",
            "purpose": "matching",
            "thing_id": thing["id"],
        },
    )
    _solar(inverter, 2600)
    assert len(_moments(world.bob)) == 1
    assert world.ann.delete(f"/v1/consents/{grant['id']}").status_code == 200
    _solar(inverter, 2700)
    assert len(_moments(world.bob)) == 1


def test_subscription_changes_are_seen_by_the_next_event(world: World) -> None:
    subscription = _subscribe(world.bob, world)
    _, inverter = _thing(world.ann, world, "public")
    world.bob.patch(f"/v1/subscriptions/{subscription['id']}", {"predicates": ["power_w > 3000"]})
    _solar(inverter, 2500)
    assert _moments(world.bob) == []
    world.bob.patch(f"/v1/subscriptions/{subscription['id']}", {"area": {**HOME, "radius_m": 10}})
    _solar(inverter, 3500)
    assert _moments(world.bob) == []
    world.bob.delete(f"/v1/subscriptions/{subscription['id']}")
    _subscribe(world.bob, world, categories=["energy/solar"])
    _solar(inverter, 3500)
    assert len(_moments(world.bob)) == 1


def test_a_member_caps_moments_per_rolling_hour(world: World, clock: MovingClock) -> None:
    _subscribe(world.bob, world)
    _, inverter = _thing(world.ann, world, "public")
    world.bob.patch(f"/v1/members/{world.bob.id}", {"max_moments_per_hour": 2})
    for power in (2100, 2200, 2300, 2400):
        _solar(inverter, power)
    assert len(_moments(world.bob)) == 2
    clock.advance(minutes=59)
    _solar(inverter, 2500)
    assert len(_moments(world.bob)) == 2  # the first two are less than an hour old
    clock.advance(minutes=1, seconds=1)
    _solar(inverter, 2600)
    assert len(_moments(world.bob)) == 3  # an hour on, the cap lets the next one through


def test_a_member_keeps_quiet_hours(world: World, clock: MovingClock) -> None:
    subscription = _subscribe(world.ann, world)
    _, inverter = _thing(world.bob, world, "public")

    def heard() -> int:
        return sum(m["standing_id"] == subscription["id"] for m in _moments(world.ann))

    assert clock.now().astimezone(AMSTERDAM).hour == 10  # the circle's time zone
    _solar(inverter, 2100)
    assert heard() == 1  # not quiet yet
    world.ann.patch(f"/v1/members/{world.ann.id}", {"quiet_from_hour": 10, "quiet_until_hour": 12})
    _solar(inverter, 2200)
    clock.advance(minutes=119)  # 11:59
    _solar(inverter, 2300)
    assert heard() == 1  # held from 10:00 up to 12:00
    clock.advance(minutes=1)  # 12:00
    _solar(inverter, 2400)
    assert heard() == 2


def _bread_offer(world: World, price: float = 4.5, category: str = "food/bread") -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "category": category,
        "title": "Sourdough",
        "area": {**HOME, "radius_m": 1000},
        "price": price,
    }
    return world.bakery_actor.created("/v1/offers", body)


def _bread_intent(member: Actor, world: World, **extra: Any) -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "category": "food/bread",
        "text": "fresh sourdough",
        "area": {**NEAR, "radius_m": 300},
        "max_price": 5,
        **extra,
    }
    return member.created("/v1/intents", body)


def test_without_consent_a_need_is_pulled_by_the_member_alone(world: World) -> None:
    offer = _bread_offer(world)
    intent = _bread_intent(world.bob, world)
    (moment,) = _moments(world.bob)
    assert moment["recipient_kind"] == "member"
    assert moment["recipient_id"] == world.bob.id
    assert moment["standing_id"] == offer["id"]
    assert moment["source_id"] == intent["id"]
    assert "Sourdough" in moment["reason"]
    assert _moments(world.bakery_actor) == []


def test_with_consent_the_business_hears_of_the_need(world: World) -> None:
    world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "intents",
            "purpose": "matching",
        },
    )
    _bread_offer(world)
    _bread_intent(world.bob, world)
    (moment,) = _moments(world.bakery_actor)
    assert moment["recipient_id"] == world.bakery["id"]
    assert moment["subject_member_id"] == world.bob.id
    assert [m["id"] for m in _moments(world.bob)] == [moment["id"]]  # seen as its subject
    accepted = world.bakery_actor.post(
        f"/v1/moments/{moment['id']}/transitions", {"status": "accepted"}
    )
    assert accepted.json()["status"] == "accepted"


def test_categories_match_both_ways_and_prices_are_respected(world: World) -> None:
    _bread_offer(world, price=4.5, category="food/bread")
    _bread_offer(world, price=9.0, category="food/bread")
    _bread_offer(world, price=1.0, category="food/cheese")
    _bread_intent(world.bob, world, category="food")  # broader than the offers
    assert len(_moments(world.bob)) == 2  # bread at 4.50 and cheese at 1.00; not 9.00
    _bread_intent(world.ann, world, category="food/bread/rye", max_price=None)
    assert len(_moments(world.ann)) == 2  # both breads, narrower need, no limit


def test_a_new_offer_finds_open_intents(world: World) -> None:
    _bread_intent(world.bob, world)
    withdrawn = _bread_intent(world.admin, world)
    world.admin.patch(f"/v1/intents/{withdrawn['id']}", {"status": "withdrawn"})
    offer = _bread_offer(world)
    (moment,) = _moments(world.bob)
    assert moment["source_id"] == offer["id"]
    assert moment["standing_kind"] == "intent"
    assert _moments(world.admin) == []


def test_the_index_is_rebuilt_from_the_store(
    world: World, database_url: str, clock: MovingClock
) -> None:
    _subscribe(world.bob, world)
    _, inverter = _thing(world.ann, world, "public")
    restarted = build(settings_for(database_url), clock=clock)
    try:
        from fastapi.testclient import TestClient

        from buurt.web.app import create_app

        with TestClient(create_app(restarted, workers=False)) as client:
            body = {"kind": "energy/solar", "attributes": {"power_w": 2500}, "place": NEAR}
            response = client.post("/v1/events", json=body, headers=inverter.headers)
            assert response.status_code == 201
            moments = client.get("/v1/moments", headers=world.bob.headers).json()["items"]
            assert len(moments) == 1
    finally:
        restarted.close()


def test_unanswered_moments_expire(world: World, services: Services) -> None:

    _subscribe(world.bob, world)
    _, inverter = _thing(world.ann, world, "public")
    _solar(inverter, 2500)
    (moment,) = _moments(world.bob)
    assert expire_due(services, services.clock.now()) == 0
    later = services.clock.now() + timedelta(days=2)
    assert expire_due(services, later) == 1
    assert world.bob.get(f"/v1/moments/{moment['id']}").json()["status"] == "expired"
    accept = world.bob.post(f"/v1/moments/{moment['id']}/transitions", {"status": "accepted"})
    assert accept.status_code == 409


def test_an_offer_valid_tomorrow_answers_a_need_for_tomorrow(
    world: World, clock: MovingClock
) -> None:
    tomorrow = clock.now().replace(hour=6, minute=0) + timedelta(days=1)
    body = {
        "circle_id": world.circle["id"],
        "category": "food/bread",
        "title": "Morning loaves",
        "area": {**HOME, "radius_m": 1000},
        "valid_from": (tomorrow + timedelta(hours=1)).isoformat(),
        "valid_until": (tomorrow + timedelta(hours=6)).isoformat(),
    }
    world.bakery_actor.created("/v1/offers", body)
    _bread_intent(world.bob, world)  # now: the shop is not open yet
    assert _moments(world.bob) == []
    window = {
        "window_start": tomorrow.isoformat(),
        "window_end": (tomorrow + timedelta(hours=3)).isoformat(),
    }
    _bread_intent(world.bob, world, **window)
    assert len(_moments(world.bob)) == 1


def test_a_deleted_subscription_stops_matching_at_once(world: World) -> None:
    kept = _subscribe(world.bob, world)
    gone = _subscribe(world.ann, world)
    _, inverter = _thing(world.admin, world, "circle")
    _solar(inverter, 2400)
    assert [m["standing_id"] for m in _moments(world.ann)] == [gone["id"]]  # it matched
    deleted = world.ann.client.delete(f"/v1/subscriptions/{gone['id']}", headers=world.ann.headers)
    assert deleted.status_code == 204
    _solar(inverter, 2600)
    assert len(_moments(world.ann)) == 1  # no second moment for the deleted subscription ...
    assert [m["standing_id"] for m in _moments(world.bob)] == [kept["id"], kept["id"]]  # ... but


def test_a_deleted_offer_answers_no_need(world: World) -> None:
    offer = world.bakery_actor.created(
        "/v1/offers",
        {
            "circle_id": world.circle["id"],
            "category": "food/bread",
            "title": "Sourdough",
            "area": AREA,
            "price": 4.5,
        },
    )
    need = {"circle_id": world.circle["id"], "category": "food/bread", "area": AREA}
    world.bob.created("/v1/intents", need)
    assert [m["standing_id"] for m in _moments(world.bob)] == [offer["id"]]
    deleted = world.bakery_actor.client.delete(
        f"/v1/offers/{offer['id']}", headers=world.bakery_actor.headers
    )
    assert deleted.status_code == 204
    world.bob.created("/v1/intents", {**need, "text": "another loaf"})
    assert len(_moments(world.bob)) == 1
