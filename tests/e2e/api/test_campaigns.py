"""``/v1/campaigns`` from proposal to pledges to settlement to orders, as every identity; bad
input answered with problem+json and nothing half-written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from buurt.services.cocreation import settlement
from buurt.services.context import Services
from tests.actors import HOME, World, issue, register
from tests.timeline import MovingClock

pytestmark = pytest.mark.frozen_clock()
PROBLEM = "application/problem+json"


def _campaign(world: World, clock: MovingClock, **changes: Any) -> dict[str, Any]:
    proposal = world.bob.created(
        "/v1/proposals",
        {
            "circle_id": world.circle["id"],
            "title": "Rye bread on Sundays",
            "description": "Sourdough rye, baked on Sunday mornings.",
            "category": "food/bread",
        },
    )
    body = {
        "proposal_id": proposal["id"],
        "business_id": world.bakery["id"],
        "unit_price": 4.5,
        "threshold_kind": "pledges",
        "threshold": 2,
        "deadline": (clock.now() + timedelta(days=7)).isoformat(),
        **changes,
    }
    return world.bakery_actor.created("/v1/campaigns", body)


def test_a_campaign_from_pledges_to_orders(
    world: World, services: Services, clock: MovingClock
) -> None:
    campaign = _campaign(world, clock)
    path = f"/v1/campaigns/{campaign['id']}"
    bob = world.bob.created(f"{path}/pledges", {"quantity": 2})
    world.admin.created(f"{path}/pledges", {"quantity": 1})
    second = world.bob.post(f"{path}/pledges", {"quantity": 1})
    assert (second.status_code, second.headers["content-type"]) == (409, PROBLEM)
    changed = world.bob.patch(f"{path}/pledges/{bob['id']}", {"quantity": 3})
    assert changed.json()["quantity"] == 3, changed.text
    got = world.ann.get(path).json()
    assert (got["pledges"], got["units"], got["status"]) == (2, 4, "open")
    clock.advance(days=7)
    late = world.ann.post(f"{path}/pledges", {"quantity": 1})
    assert (late.status_code, late.headers["content-type"]) == (409, PROBLEM), late.text
    assert "deadline" in late.json()["detail"]
    [settled] = settlement.settle_due(services)
    assert settlement.settle_due(services) == []
    assert (settled.id, settled.succeeded) == (campaign["id"], True)
    done = world.bob.get(path).json()
    assert (done["status"], done["pledges"], done["units"]) == ("succeeded", 2, 4)
    [mine] = world.bob.get(f"{path}/pledges").json()["items"]
    assert mine["status"] == "ordered"
    order = world.bob.get(f"/v1/orders/{mine['order_id']}").json()
    assert (order["source_kind"], order["quantity"], order["total"]) == ("pledge", 3, 13.5)
    shop = world.bakery_actor.get("/v1/orders").json()["items"]
    assert sorted(o["quantity"] for o in shop) == [1, 3]
    told = world.bob.get("/v1/moments").json()["items"]
    assert [m["source_id"] for m in told] == [campaign["id"]]


def test_bad_campaigns_and_pledges_are_refused(world: World, clock: MovingClock) -> None:
    past = _body_with(world, clock, deadline=(clock.now() - timedelta(hours=1)).isoformat())
    refused = world.bakery_actor.post("/v1/campaigns", past)
    assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM)
    stranger_shop = world.bob.post("/v1/campaigns", _body_with(world, clock))
    assert stranger_shop.status_code == 403, stranger_shop.text
    campaign = _campaign(world, clock, max_units=3)
    path = f"/v1/campaigns/{campaign['id']}"
    too_many = world.bob.post(f"{path}/pledges", {"quantity": 4})
    assert too_many.status_code == 409, too_many.text
    assert world.bob.post(f"{path}/pledges", {"quantity": 0}).status_code == 422
    assert world.bob.post(f"{path}/pledges", {"quantity": "2"}).status_code == 422
    assert world.ann.get(path).json()["pledges"] == 0  # nothing half-written
    assert world.bob.post(f"{path}/pledges", {"quantity": 3}).status_code == 201  # control


def test_only_verified_members_pledge(world: World, clock: MovingClock) -> None:
    campaign = _campaign(world, clock)
    path = f"/v1/campaigns/{campaign['id']}"
    stranger = register(world.ann.client, "Stranger")
    assert stranger.get(path).status_code == 404
    assert stranger.post(f"{path}/pledges", {"quantity": 1}).status_code == 404
    fridge = world.admin.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "fridge", "name": "Fridge", "place": HOME},
    )
    thing = issue(world.admin, "thing", fridge["id"])
    assert thing.post(f"{path}/pledges", {"quantity": 1}).status_code == 403
    assert world.bakery_actor.post(f"{path}/pledges", {"quantity": 1}).status_code == 403
    assert world.ann.client.post(f"{path}/pledges", json={"quantity": 1}).status_code == 401
    mine = world.bob.created(f"{path}/pledges", {"quantity": 1})
    assert world.ann.delete(f"{path}/pledges/{mine['id']}").status_code == 404
    assert world.bob.delete(f"{path}/pledges/{mine['id']}").status_code == 204


def _body_with(world: World, clock: MovingClock, **changes: Any) -> dict[str, Any]:
    proposal = world.ann.created(
        "/v1/proposals",
        {
            "circle_id": world.circle["id"],
            "title": "Oat milk",
            "description": "Returnable bottles",
            "category": "food/dairy",
        },
    )
    return {
        "proposal_id": proposal["id"],
        "business_id": world.bakery["id"],
        "unit_price": 2.0,
        "threshold_kind": "units",
        "threshold": 10,
        "deadline": (clock.now() + timedelta(days=3)).isoformat(),
        **changes,
    }
