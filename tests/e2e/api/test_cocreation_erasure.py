"""Export carries a member's co-creation; erasure keeps what others depend on without them
(a review's text, a settled pledge as a count) and drops what was only theirs (support)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.services.cocreation import settlement
from buurt.services.context import Services
from tests.actors import PASSWORD, World
from tests.timeline import MovingClock

pytestmark = pytest.mark.frozen_clock()


def test_export_and_erasure_of_cocreation(
    world: World, services: Services, clock: MovingClock
) -> None:
    proposal = world.bob.created(
        "/v1/proposals",
        {
            "circle_id": world.circle["id"],
            "title": "Rye bread",
            "description": "On Sundays",
            "category": "food/bread",
        },
    )
    pid = proposal["id"]
    world.bob.put(f"/v1/proposals/{pid}/support", None)
    world.admin.put(f"/v1/proposals/{pid}/support", None)
    world.bob.created(f"/v1/proposals/{pid}/comments", {"text": "Caraway, please"})
    campaign = world.bakery_actor.created(
        "/v1/campaigns",
        {
            "proposal_id": pid,
            "business_id": world.bakery["id"],
            "unit_price": 4.5,
            "threshold_kind": "pledges",
            "threshold": 1,
            "deadline": (clock.now() + timedelta(days=2)).isoformat(),
        },
    )
    world.bob.created(f"/v1/campaigns/{campaign['id']}/pledges", {"quantity": 2})
    clock.advance(days=2)
    assert len(settlement.settle_due(services)) == 1
    [pledge] = world.bob.get(f"/v1/campaigns/{campaign['id']}/pledges").json()["items"]
    for status in ("ready", "collected"):
        world.bakery_actor.post(f"/v1/orders/{pledge['order_id']}/transitions", {"status": status})
    review = world.bob.created(
        "/v1/reviews",
        {
            "fulfilment_kind": "order",
            "fulfilment_id": pledge["order_id"],
            "rating": 4,
            "text": "Good rye",
        },
    )
    exported = world.bob.get("/v1/me/export").json()
    assert [p["id"] for p in exported["proposals"]] == [pid]
    assert [c["text"] for c in exported["comments"]] == ["Caraway, please"]
    assert exported["supports"] == [pid]
    assert [(p["quantity"], p["status"]) for p in exported["pledges"]] == [(2, "ordered")]
    assert [r["id"] for r in exported["reviews"]] == [review["id"]]

    gone = world.bob.client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=world.bob.headers
    )
    assert gone.status_code == 204, gone.text
    kept = world.admin.get(f"/v1/reviews/{review['id']}").json()
    assert (kept["member_id"], kept["text"]) == (None, "Good rye")
    after = world.admin.get(f"/v1/proposals/{pid}").json()
    assert (after["author_id"], after["support_count"]) == (None, 1)  # the admin's support
    said = world.admin.get(f"/v1/proposals/{pid}/comments").json()["items"]
    assert [(c["author_id"], c["text"]) for c in said] == [(None, "Caraway, please")]
    counted = world.admin.get(f"/v1/campaigns/{campaign['id']}").json()
    assert (counted["status"], counted["pledges"], counted["units"]) == ("succeeded", 1, 2)
