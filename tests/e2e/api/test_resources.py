"""Every resource through its whole life: create, list (paged, filtered), get, update, delete."""

from __future__ import annotations

import pytest

from tests.actors import BOUNDARY, HOME, World, issue, register

# The bodies name fixed dates (a need for the morning of 24 November 2026, a grant until 2030)
# that must lie ahead of the instance's now: now stands at tests.timeline.START, in March 2026.
pytestmark = pytest.mark.frozen_clock

AREA = {**HOME, "radius_m": 500}


def test_circles_are_founded_joined_changed_and_deleted(world: World) -> None:
    circle_id = world.circle["id"]
    assert world.bob.get(f"/v1/circles/{circle_id}").json()["name"] == "Indische Buurt"
    renamed = world.admin.patch(f"/v1/circles/{circle_id}", {"description": "Amsterdam-Oost"})
    assert renamed.status_code == 200
    assert renamed.json()["description"] == "Amsterdam-Oost"
    assert renamed.json()["boundary"] == BOUNDARY

    carol = register(world.admin.client, "Carol")
    joined = carol.post(f"/v1/circles/{circle_id}/memberships")
    assert joined.status_code == 201
    assert joined.json()["role"] == "member"
    assert carol.post(f"/v1/circles/{circle_id}/memberships").status_code == 409

    promoted = world.admin.put(f"/v1/circles/{circle_id}/memberships/{carol.id}", {"role": "admin"})
    assert promoted.json()["role"] == "admin"
    assert carol.patch(f"/v1/circles/{circle_id}", {"name": "Carolbuurt"}).status_code == 200

    empty = carol.created(
        "/v1/circles", {"name": "Empty", "boundary": {"cells": ["881969a4a1fffff"]}}
    )
    assert carol.delete(f"/v1/circles/{empty['id']}").status_code == 204
    assert carol.get(f"/v1/circles/{empty['id']}").status_code == 404
    assert world.admin.delete(f"/v1/circles/{circle_id}").status_code == 409


def test_listing_pages_through_every_item_once(world: World) -> None:
    for n in range(7):
        world.admin.created("/v1/circles", {"name": f"Circle {n}", "boundary": BOUNDARY})
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = world.ann.get("/v1/circles", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 8
    assert len(set(seen)) == 8
    assert seen == sorted(seen)


def test_members_manage_their_profile_and_password(world: World) -> None:
    me = world.ann.get("/v1/members/me").json()
    assert me["id"] == world.ann.id
    changed = world.ann.patch(
        f"/v1/members/{world.ann.id}",
        {
            "name": "Ann de Vries",
            "quiet_from_hour": 22,
            "quiet_until_hour": 7,
            "password": "n3w-secret!",
        },
    )
    assert changed.status_code == 200
    assert changed.json()["quiet_from_hour"] == 22
    login = world.ann.client.post(
        "/v1/auth/tokens", json={"email": me["email"], "password": "n3w-secret!"}
    )
    assert login.status_code == 201
    memberships = world.ann.get(f"/v1/members/{world.ann.id}/memberships").json()
    assert [m["circle_id"] for m in memberships] == [world.circle["id"]]
    admin_view = world.admin.get("/v1/members").json()["items"]
    assert {world.ann.id, world.bob.id} <= {m["id"] for m in admin_view}


def test_businesses_and_sites(world: World) -> None:
    bakery_id = world.bakery["id"]
    site = world.ann.created(
        f"/v1/businesses/{bakery_id}/sites",
        {"name": "Javaplein", "place": {"lat": 52.3631, "lon": 4.9412}, "address": "Javaplein 1"},
    )
    assert site["place"] == {"lat": 52.3631, "lon": 4.9412}
    # the business's own token acts for it too
    moved = world.bakery_actor.patch(
        f"/v1/businesses/{bakery_id}/sites/{site['id']}", {"place": {"lat": 52.364, "lon": 4.94}}
    )
    assert moved.json()["place"]["lat"] == 52.364
    listed = world.bob.get("/v1/businesses", params={"kind": "bakery"}).json()["items"]
    assert [b["id"] for b in listed] == [bakery_id]
    assert world.bob.get("/v1/businesses", params={"kind": "florist"}).json()["items"] == []
    assert world.bob.get(f"/v1/businesses/{bakery_id}/sites").json()["items"][0]["id"] == site["id"]
    assert (
        world.ann.patch(f"/v1/businesses/{bakery_id}", {"name": "Bakkerij Zon"}).status_code == 200
    )
    assert world.ann.delete(f"/v1/businesses/{bakery_id}/sites/{site['id']}").status_code == 204
    assert world.ann.delete(f"/v1/businesses/{bakery_id}").status_code == 204
    assert world.bob.get(f"/v1/businesses/{bakery_id}").status_code == 404


def test_things_publish_events_with_their_own_token(world: World) -> None:
    thing = world.ann.created(
        "/v1/things",
        {
            "circle_id": world.circle["id"],
            "kind": "solar_inverter",
            "name": "Roof panels",
            "place": HOME,
            "visibility": "circle",
        },
    )
    inverter = issue(world.ann, "thing", thing["id"])
    event = inverter.created(
        "/v1/events", {"kind": "energy/solar", "attributes": {"power_w": 2400}, "place": HOME}
    )
    assert event["source_kind"] == "thing"
    assert event["circle_id"] == world.circle["id"]
    assert event["place"] == HOME

    seen = world.ann.get(f"/v1/things/{thing['id']}").json()
    assert seen["state"] == {"power_w": 2400}
    assert seen["last_seen_at"] is not None
    assert (
        world.bob.get("/v1/events", params={"source_id": thing["id"]}).json()["items"][0]["id"]
        == event["id"]
    )
    solar = world.bob.get("/v1/things", params={"kind": "solar_inverter"}).json()["items"]
    assert [t["id"] for t in solar] == [thing["id"]]

    assert (
        world.ann.patch(f"/v1/things/{thing['id']}", {"visibility": "private"}).status_code == 200
    )
    assert world.bob.get(f"/v1/things/{thing['id']}").status_code == 404
    assert world.bob.get(f"/v1/events/{event['id']}").status_code == 404
    assert world.ann.delete(f"/v1/things/{thing['id']}").status_code == 204
    assert inverter.post("/v1/events", {"kind": "energy/solar", "place": HOME}).status_code == 401


def test_members_publish_events_in_their_circle(world: World) -> None:
    event = world.bob.created(
        "/v1/events",
        {"kind": "mobility/parking", "circle_id": world.circle["id"], "place": HOME},
    )
    assert event["source_id"] == world.bob.id
    assert world.bob.get(f"/v1/events/{event['id']}").status_code == 200
    assert world.ann.get(f"/v1/events/{event['id']}").status_code == 404


def test_intents_from_open_to_withdrawn(world: World) -> None:
    intent = world.ann.created(
        "/v1/intents",
        {
            "circle_id": world.circle["id"],
            "category": "food/bread",
            "text": "fresh sourdough before 9:00",
            "area": AREA,
            "window_start": "2026-11-24T06:00:00+01:00",
            "window_end": "2026-11-24T09:00:00+01:00",
            "max_price": 5,
        },
    )
    assert intent["window_start"].startswith("2026-11-24T05:00:00")
    assert intent["area"] == AREA
    polygon = {"polygon": BOUNDARY["polygon"]}
    changed = world.ann.patch(f"/v1/intents/{intent['id']}", {"area": polygon, "max_price": None})
    assert changed.json()["area"] == polygon
    assert changed.json()["max_price"] is None
    listed = world.ann.get("/v1/intents", params={"status": "open"}).json()["items"]
    assert [i["id"] for i in listed] == [intent["id"]]
    withdrawn = world.ann.patch(f"/v1/intents/{intent['id']}", {"status": "withdrawn"})
    assert withdrawn.json()["status"] == "withdrawn"
    reopened = world.ann.patch(f"/v1/intents/{intent['id']}", {"status": "open"})
    assert reopened.status_code == 409
    assert world.ann.delete(f"/v1/intents/{intent['id']}").status_code == 204


def test_offers_by_a_business_and_by_a_neighbour(world: World) -> None:
    bread = world.bakery_actor.created(
        "/v1/offers",
        {
            "circle_id": world.circle["id"],
            "category": "food/bread",
            "title": "Sourdough loaf",
            "area": AREA,
            "price": 4.5,
            "quantity": 20,
        },
    )
    assert bread["owner_kind"] == "business"
    drill = world.bob.created(
        "/v1/offers",
        {
            "circle_id": world.circle["id"],
            "category": "tools",
            "title": "Drill to lend",
            "area": AREA,
        },
    )
    assert drill["owner_kind"] == "member"
    found = world.ann.get("/v1/offers", params={"category": "food/bread"}).json()["items"]
    assert [o["id"] for o in found] == [bread["id"]]
    sold = world.ann.patch(f"/v1/offers/{bread['id']}", {"status": "sold_out", "quantity": 0})
    assert sold.json()["status"] == "sold_out"
    assert world.bob.delete(f"/v1/offers/{drill['id']}").status_code == 204


def test_subscriptions_keep_their_predicates(world: World) -> None:
    subscription = world.bob.created(
        "/v1/subscriptions",
        {
            "circle_id": world.circle["id"],
            "name": "Solar surplus",
            "categories": ["energy/solar"],
            "area": AREA,
            "predicates": ["power_w > 2000"],
            "weekly_hours": [8, 9, 10],
        },
    )
    assert subscription["predicates"] == ["power_w > 2000"]
    changed = world.bob.patch(
        f"/v1/subscriptions/{subscription['id']}",
        {"predicates": ['kind == "solar"'], "weekly_hours": None},
    )
    assert changed.json()["weekly_hours"] is None
    assert world.bob.get("/v1/subscriptions").json()["items"][0]["id"] == subscription["id"]
    assert world.bob.delete(f"/v1/subscriptions/{subscription['id']}").status_code == 204


def test_consents_are_granted_changed_and_revoked(world: World) -> None:
    consent = world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "intents",
            "purpose": "matching",
        },
    )
    assert consent["revoked_at"] is None
    later = world.bob.patch(f"/v1/consents/{consent['id']}", {"expires_at": "2030-01-01T00:00:00Z"})
    assert later.json()["expires_at"].startswith("2030-01-01")
    revoked = world.bob.delete(f"/v1/consents/{consent['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert world.bob.patch(f"/v1/consents/{consent['id']}", {"expires_at": None}).status_code == 409
    assert world.bob.get("/v1/consents").json()["items"][0]["revoked_at"] is not None


def test_tokens_can_be_listed_and_revoked(world: World) -> None:
    tokens = world.ann.get("/v1/auth/tokens").json()["items"]
    assert all("token" not in t and "digest" not in t for t in tokens)
    own = tokens[0]["id"]
    assert world.ann.delete(f"/v1/auth/tokens/{own}").status_code == 204
    assert world.ann.get("/v1/members/me").status_code == 401
    # a member revokes the token of a business it owns
    bakery_tokens = world.bakery_actor.get("/v1/auth/tokens").json()["items"]
    assert world.bob.delete(f"/v1/auth/tokens/{bakery_tokens[0]['id']}").status_code == 404
