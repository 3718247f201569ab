"""A principal reads and changes only its own, or what its role allows: Bob against Ann."""

from __future__ import annotations

from typing import Any

import pytest

from buurt.domain.ids import new_id
from buurt.domain.moments import Moment, MomentStatus
from buurt.services.context import Services
from tests.actors import HOME, World, issue, register

AREA = {**HOME, "radius_m": 300}
# A grant's new expiry must lie ahead of the instance's now: now stands at tests.timeline.START.
pytestmark = pytest.mark.frozen_clock


def _anns_things(world: World) -> dict[str, dict[str, Any]]:
    """One private thing of every kind of personal resource Ann holds."""
    circle = world.circle["id"]
    ann = world.ann
    made = {
        "intents": ann.created(
            "/v1/intents", {"circle_id": circle, "category": "food/bread", "area": AREA}
        ),
        "subscriptions": ann.created(
            "/v1/subscriptions",
            {"circle_id": circle, "name": "Bread", "categories": ["food"], "area": AREA},
        ),
        "consents": ann.created(
            "/v1/consents",
            {
                "recipient_kind": "business",
                "recipient_id": world.bakery["id"],
                "category": "location",
                "purpose": "matching",
            },
        ),
        "things": ann.created(
            "/v1/things",
            {
                "circle_id": circle,
                "kind": "fridge",
                "name": "Ann's fridge",
                "place": HOME,
                "visibility": "private",
            },
        ),
    }
    made["events"] = ann.created(
        "/v1/events", {"kind": "household/cleanup", "circle_id": circle, "place": HOME}
    )
    return made


PRIVATE = ["intents", "subscriptions", "consents", "things", "events"]
CHANGES = {
    "intents": {"text": "mine now"},
    "subscriptions": {"name": "mine now"},
    "consents": {"expires_at": "2026-04-01T00:00:00Z"},  # a month after the frozen clock's now
    "things": {"name": "mine now"},
}


@pytest.mark.parametrize("resource", PRIVATE)
def test_bob_cannot_see_anns_personal_resources(world: World, resource: str) -> None:
    item = _anns_things(world)[resource]
    path = f"/v1/{resource}/{item['id']}"
    assert world.ann.get(path).status_code == 200
    answer = world.bob.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    listed = world.bob.get(f"/v1/{resource}").json()["items"]
    assert item["id"] not in {i["id"] for i in listed}
    # nor does the circle's admin: an admin role covers profiles, not personal data
    assert world.admin.get(path).status_code == 404


@pytest.mark.parametrize("resource", sorted(CHANGES))
def test_bob_cannot_change_or_delete_anns_resources(world: World, resource: str) -> None:
    item = _anns_things(world)[resource]
    path = f"/v1/{resource}/{item['id']}"
    change = CHANGES[resource]
    before = world.ann.get(path).json()
    assert {name: before[name] for name in change} != change
    assert world.bob.patch(path, change).status_code == 404
    assert world.bob.delete(path).status_code == 404
    assert world.ann.get(path).json() == before
    # The same requests from Ann do change it: Bob's were refused, not harmless.
    changed = world.ann.patch(path, change)
    assert changed.status_code == 200
    assert {name: changed.json()[name] for name in change} == change
    assert world.ann.get(path).json() == changed.json()
    assert world.ann.delete(path).status_code in (200, 204)
    gone = world.ann.get(path)
    assert gone.status_code == 404 or gone.json()["revoked_at"] is not None


def test_profiles_are_seen_by_self_and_circle_admins_only(world: World) -> None:
    path = f"/v1/members/{world.ann.id}"
    assert world.bob.get(path).status_code == 404
    assert world.bob.patch(path, {"name": "Bob was here"}).status_code == 404
    assert world.bob.get(f"{path}/memberships").status_code == 404
    assert world.admin.get(path).status_code == 200
    assert world.admin.patch(path, {"name": "Admin was here"}).status_code == 403
    assert world.ann.get(path).json()["name"] == "Ann"
    assert {m["id"] for m in world.bob.get("/v1/members").json()["items"]} == {world.bob.id}
    outsider = register(world.ann.client, "Olga Outsider")
    assert outsider.get(path).status_code == 404


def test_public_resources_are_seen_but_not_changed_by_others(world: World) -> None:
    circle = world.circle["id"]
    offer = world.bakery_actor.created(
        "/v1/offers", {"circle_id": circle, "category": "food/bread", "title": "Rye", "area": AREA}
    )
    site = world.ann.created(
        f"/v1/businesses/{world.bakery['id']}/sites", {"name": "Shop", "place": HOME}
    )
    cases = [
        (f"/v1/offers/{offer['id']}", {"title": "stolen"}),
        (f"/v1/businesses/{world.bakery['id']}", {"name": "stolen"}),
        (f"/v1/businesses/{world.bakery['id']}/sites/{site['id']}", {"name": "stolen"}),
        (f"/v1/circles/{circle}", {"name": "stolen"}),
    ]
    for path, change in cases:
        assert world.bob.get(path).status_code == 200, path
        refused = world.bob.patch(path, change)
        assert refused.status_code == 403, path
        assert refused.json()["status"] == 403
        assert world.bob.delete(path).status_code == 403, path
        assert "stolen" not in world.bob.get(path).text


def test_bob_cannot_act_for_anns_business_or_things(world: World) -> None:
    circle = world.circle["id"]
    as_bakery = {"circle_id": circle, "category": "food", "title": "Fake", "area": AREA}
    assert (
        world.bob.post("/v1/offers", {**as_bakery, "business_id": world.bakery["id"]}).status_code
        == 403
    )
    subscription = {"circle_id": circle, "name": "Spy", "categories": ["food"], "area": AREA}
    assert (
        world.bob.post(
            "/v1/subscriptions", {**subscription, "business_id": world.bakery["id"]}
        ).status_code
        == 403
    )
    issue_body = {"principal_kind": "business", "principal_id": world.bakery["id"]}
    assert world.bob.post("/v1/auth/tokens/issue", issue_body).status_code == 403
    thing = _anns_things(world)["things"]
    assert (
        world.bob.post(
            "/v1/auth/tokens/issue", {"principal_kind": "thing", "principal_id": thing["id"]}
        ).status_code
        == 403
    )
    own = world.ann.get("/v1/auth/tokens").json()["items"][0]["id"]
    assert world.bob.delete(f"/v1/auth/tokens/{own}").status_code == 404
    assert world.ann.get("/v1/members/me").status_code == 200


def test_a_thing_token_acts_only_as_that_thing(world: World) -> None:
    thing = _anns_things(world)["things"]
    fridge = issue(world.ann, "thing", thing["id"])
    assert fridge.get(f"/v1/things/{thing['id']}").status_code == 200
    assert fridge.get(f"/v1/members/{world.ann.id}").status_code == 404
    assert fridge.patch(f"/v1/things/{thing['id']}", {"name": "hacked"}).status_code == 403
    assert fridge.get("/v1/intents").json()["items"] == []
    assert (
        fridge.post(
            "/v1/circles", {"name": "x", "boundary": {"cells": ["881969a4a1fffff"]}}
        ).status_code
        == 403
    )


def test_moments_are_seen_and_moved_by_their_parties_only(world: World, services: Services) -> None:
    now = services.clock.now()
    moment = Moment(
        id=new_id("moment"),
        circle_id=world.circle["id"],
        recipient_kind="business",
        recipient_id=world.bakery["id"],
        source_kind="intent",
        source_id="int_test",
        standing_kind="offer",
        standing_id="ofr_test",
        reason="matched your offer: bread within 300 m",
        status=MomentStatus.DELIVERED,
        created_at=now,
        updated_at=now,
        subject_member_id=world.ann.id,
    )
    with services.uow() as uow:
        uow.repo(Moment).add(moment)
        uow.commit()
    path = f"/v1/moments/{moment.id}"
    assert world.bob.get(path).status_code == 404
    assert world.bob.post(f"{path}/transitions", {"status": "accepted"}).status_code == 404
    assert world.ann.get(path).status_code == 200
    # the member whose need it is cannot accept on the business's behalf ...
    assert (
        world.ann.client.post(
            f"{path}/transitions",
            json={"status": "accepted"},
            headers={"Authorization": f"Bearer {register(world.ann.client, 'Eve').token}"},
        ).status_code
        == 404
    )
    accepted = world.bakery_actor.post(f"{path}/transitions", {"status": "accepted"})
    assert accepted.json()["status"] == "accepted"
    # ... but, once accepted, either party can mark it fulfilled
    assert world.bakery_actor.post(f"{path}/transitions", {"status": "declined"}).status_code == 409
    fulfilled = world.ann.post(f"{path}/transitions", {"status": "fulfilled"})
    assert fulfilled.json()["status"] == "fulfilled"
