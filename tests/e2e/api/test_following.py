"""Following as every identity: members follow a proposal or a category; a comment, a campaign
opened and its settlement reach followers as moments, through the gate (caps and quiet hours
hold), never the one who made the update; strangers and businesses cannot follow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from buurt.services.cocreation import settlement
from buurt.services.context import Services
from tests.actors import World, register
from tests.timeline import MovingClock

pytestmark = pytest.mark.frozen_clock()  # a Monday, 10:00 in Amsterdam
PROBLEM = "application/problem+json"


def _proposal(world: World, category: str = "food/bread") -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "title": "Rye bread on Sundays",
        "description": "Sourdough rye, baked on Sunday mornings.",
        "category": category,
    }
    return world.ann.created("/v1/proposals", body)


def _told(actor: Any) -> list[tuple[str, str]]:
    items = actor.get("/v1/moments").json()["items"]
    return [(m["source_kind"], m["standing_kind"]) for m in items]


def test_followers_hear_of_comments_campaigns_and_settlement(
    world: World, services: Services, clock: MovingClock
) -> None:
    proposal = _proposal(world)
    followed = world.bob.created("/v1/follows", {"proposal_id": proposal["id"]})
    category = {"circle_id": world.circle["id"], "category": "food"}
    world.admin.created("/v1/follows", category)  # food covers food/bread
    again = world.bob.post("/v1/follows", {"proposal_id": proposal["id"]})
    assert (again.status_code, again.headers["content-type"]) == (409, PROBLEM), again.text
    path = f"/v1/proposals/{proposal['id']}/comments"
    world.ann.created(path, {"text": "Caraway seeds, anyone?"})
    assert _told(world.bob) == [("comment", "follow")]
    assert _told(world.admin) == [("comment", "follow")]
    [moment] = world.bob.get("/v1/moments").json()["items"]
    assert (moment["standing_id"], moment["reason"]) == (
        followed["id"],
        "New comment on Rye bread on Sundays: Caraway seeds, anyone?",
    )
    # the code and arguments that let a page say it in its own language
    assert (moment["reason_code"], moment["reason_args"]) == (
        "proposal_commented",
        {"title": "Rye bread on Sundays", "excerpt": "Caraway seeds, anyone?"},
    )
    world.bob.created(path, {"text": "Yes please"})
    assert len(_told(world.bob)) == 1  # his own comment is not told to him
    assert len(_told(world.admin)) == 2
    assert _told(world.ann) == []  # the control: Ann follows nothing

    campaign = world.bakery_actor.created(
        "/v1/campaigns",
        {
            "proposal_id": proposal["id"],
            "business_id": world.bakery["id"],
            "unit_price": 4.5,
            "threshold_kind": "pledges",
            "threshold": 1,
            "deadline": (clock.now() + timedelta(days=2)).isoformat(),
        },
    )
    assert _told(world.bob)[-1] == ("campaign", "follow")  # moments come oldest first
    world.admin.created(f"/v1/campaigns/{campaign['id']}/pledges", {"quantity": 1})
    clock.advance(days=2)
    settlement.settle_due(services)
    bob = world.bob.get("/v1/moments").json()["items"]
    assert "goes ahead" in bob[-1]["reason"]
    assert [m["reason_code"] for m in bob if m["source_kind"] == "campaign"] == [
        "campaign_opened",
        "campaign_settled",
    ]
    assert bob[-1]["reason_args"] == {"title": "Rye bread on Sundays", "succeeded": True}
    assert [m["standing_kind"] for m in bob].count("follow") == 3
    admin = _told(world.admin)  # the pledger hears as pledger, not twice
    assert admin.count(("campaign", "pledge")) == 1
    assert admin.count(("campaign", "follow")) == 1  # the campaign opened

    assert world.bob.delete(f"/v1/follows/{followed['id']}").status_code == 204
    world.ann.created(path, {"text": "Thanks, all"})
    assert len(world.bob.get("/v1/moments").json()["items"]) == 3  # no longer told


def test_caps_and_quiet_hours_hold_for_followers(world: World, clock: MovingClock) -> None:
    proposal = _proposal(world)
    world.bob.created("/v1/follows", {"proposal_id": proposal["id"]})
    path = f"/v1/proposals/{proposal['id']}/comments"
    capped = world.bob.patch(f"/v1/members/{world.bob.id}", {"max_moments_per_hour": 1})
    assert capped.status_code == 200, capped.text
    world.ann.created(path, {"text": "First"})
    world.ann.created(path, {"text": "Second, within the hour"})
    assert len(_told(world.bob)) == 1
    clock.advance(hours=1, minutes=1)
    world.ann.created(path, {"text": "Third, an hour later"})
    assert len(_told(world.bob)) == 2  # the control: the cap is per hour
    quiet = {"quiet_from_hour": 11, "quiet_until_hour": 13}  # it is 11:01 in Amsterdam
    assert world.bob.patch(f"/v1/members/{world.bob.id}", quiet).status_code == 200
    clock.advance(hours=1, minutes=30)  # past the cap's hour: only the quiet hours hold it
    world.ann.created(path, {"text": "Fourth, in quiet hours"})
    assert len(_told(world.bob)) == 2


def test_only_members_who_see_it_follow(world: World) -> None:
    proposal = _proposal(world)
    stranger = register(world.admin.client, "Stranger")
    hidden = stranger.post("/v1/follows", {"proposal_id": proposal["id"]})
    assert (hidden.status_code, hidden.headers["content-type"]) == (404, PROBLEM)
    elsewhere = stranger.post("/v1/follows", {"circle_id": world.circle["id"], "category": "food"})
    assert elsewhere.status_code == 404, elsewhere.text
    shop = world.bakery_actor.post("/v1/follows", {"proposal_id": proposal["id"]})
    assert shop.status_code == 403, shop.text
    both = world.bob.post(
        "/v1/follows",
        {"proposal_id": proposal["id"], "circle_id": world.circle["id"], "category": "food"},
    )
    assert (both.status_code, both.headers["content-type"]) == (422, PROBLEM), both.text
    anonymous = world.admin.client.post("/v1/follows", json={"proposal_id": proposal["id"]})
    assert anonymous.status_code == 401
    mine = world.bob.created("/v1/follows", {"proposal_id": proposal["id"]})  # the control
    assert world.ann.delete(f"/v1/follows/{mine['id']}").status_code == 404  # not hers
    assert [f["id"] for f in world.bob.get("/v1/follows").json()["items"]] == [mine["id"]]
    assert world.ann.delete(f"/v1/proposals/{proposal['id']}").status_code == 204
    assert world.bob.get("/v1/follows").json()["items"] == []  # gone with the proposal
