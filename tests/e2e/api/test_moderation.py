"""Moderation as every identity: members report proposals, comments and reviews once; only the
circle's moderators (its admins) read the queue and hide, restore or dismiss, with a reason;
the log is public to the circle; a hidden item stays visible to its author and admins only."""

from __future__ import annotations

from typing import Any

import pytest

from buurt.services.context import Services
from tests.actors import World, register
from tests.e2e.api.test_reviews import _collect, _order

pytestmark = pytest.mark.frozen_clock()
PROBLEM = "application/problem+json"


def _proposal(world: World) -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "title": "Oat milk",
        "description": "In returnable bottles, from the farm up the road.",
        "category": "food/dairy",
    }
    return world.ann.created("/v1/proposals", body)


def _decide(world: World, actor: Any, kind: str, ident: str, action: str) -> Any:
    body = {"target_kind": kind, "target_id": ident, "action": action, "reason": "Rule 2: kind"}
    return actor.post(f"/v1/circles/{world.circle['id']}/moderation", body)


def test_a_reported_proposal_is_hidden_and_restored_in_a_public_log(world: World) -> None:
    proposal = _proposal(world)
    path = f"/v1/proposals/{proposal['id']}"
    queue = f"/v1/circles/{world.circle['id']}/reports"
    reported = world.bob.created(f"{path}/reports", {"reason": "An advert, not a proposal"})
    assert (reported["target_kind"], reported["target_id"]) == ("proposal", proposal["id"])
    again = world.bob.post(f"{path}/reports", {"reason": "Still an advert"})
    assert (again.status_code, again.headers["content-type"]) == (409, PROBLEM), again.text
    own = world.ann.post(f"{path}/reports", {"reason": "Mine"})
    assert own.status_code == 403, own.text
    assert world.bob.get(queue).status_code == 403  # members do not read the queue
    [open_report] = world.admin.get(queue).json()["items"]
    assert open_report["reason"] == "An advert, not a proposal"
    refused = _decide(world, world.bob, "proposal", proposal["id"], "hidden")
    assert (refused.status_code, refused.headers["content-type"]) == (403, PROBLEM)
    assert world.bob.get(path).json()["hidden_reason"] is None  # the control: nothing changed
    hidden = _decide(world, world.admin, "proposal", proposal["id"], "hidden")
    assert hidden.status_code == 201, hidden.text
    assert world.admin.get(queue).json()["items"] == []  # the decision closed the report
    assert world.bob.get(path).status_code == 404
    assert world.ann.get(path).json()["hidden_reason"] == "Rule 2: kind"  # its author sees it
    assert world.admin.get(path).status_code == 200
    listed = world.bob.get("/v1/proposals", params={"circle_id": world.circle["id"]}).json()
    assert listed["items"] == []
    twice = _decide(world, world.admin, "proposal", proposal["id"], "hidden")
    assert twice.status_code == 409, twice.text
    restored = _decide(world, world.admin, "proposal", proposal["id"], "restored")
    assert restored.status_code == 201, restored.text
    assert world.bob.get(path).status_code == 200
    log = world.bob.get(f"/v1/circles/{world.circle['id']}/moderation").json()["items"]
    assert [(e["action"], e["reason"]) for e in log] == [
        ("hidden", "Rule 2: kind"),
        ("restored", "Rule 2: kind"),
    ]


def test_comments_and_reviews_are_reported_and_dismissed_or_hidden(
    world: World, services: Services
) -> None:
    proposal = _proposal(world)
    comments = f"/v1/proposals/{proposal['id']}/comments"
    rude = world.bob.created(comments, {"text": "Nobody wants this"})
    world.ann.created(f"{comments}/{rude['id']}/reports", {"reason": "Unkind"})
    hidden = _decide(world, world.admin, "comment", rude["id"], "hidden")
    assert hidden.status_code == 201, hidden.text
    assert [c["text"] for c in world.ann.get(comments).json()["items"]] == []
    assert [c["text"] for c in world.bob.get(comments).json()["items"]] == ["Nobody wants this"]
    assert [c["text"] for c in world.admin.get(comments).json()["items"]] == ["Nobody wants this"]
    elsewhere = _proposal(world)
    wrong = world.ann.post(
        f"/v1/proposals/{elsewhere['id']}/comments/{rude['id']}/reports", {"reason": "x"}
    )
    assert wrong.status_code == 404, wrong.text

    order_id = _order(services, world, world.bob.id, "res_moderation")
    _collect(world, order_id)
    body = {"fulfilment_kind": "order", "fulfilment_id": order_id, "rating": 1, "text": "Stale"}
    review = world.bob.created("/v1/reviews", body)
    world.ann.created(f"/v1/reviews/{review['id']}/reports", {"reason": "Not true"})
    nothing = _decide(world, world.admin, "comment", rude["id"], "dismissed")
    assert nothing.status_code == 409, nothing.text  # no open reports on it any more
    dismissed = _decide(world, world.admin, "review", review["id"], "dismissed")
    assert dismissed.status_code == 201, dismissed.text
    assert world.ann.get(f"/v1/reviews/{review['id']}").json()["hidden_reason"] is None
    log = world.ann.get(f"/v1/circles/{world.circle['id']}/moderation", params={"limit": 1})
    first = log.json()
    assert [e["action"] for e in first["items"]] == ["hidden"]
    rest = world.ann.get(
        f"/v1/circles/{world.circle['id']}/moderation", params={"cursor": first["next_cursor"]}
    ).json()
    assert [e["action"] for e in rest["items"]] == ["dismissed"]


def test_strangers_things_and_no_token_are_refused(world: World) -> None:
    proposal = _proposal(world)
    path = f"/v1/proposals/{proposal['id']}/reports"
    stranger = register(world.admin.client, "Stranger")
    assert stranger.post(path, {"reason": "x"}).status_code == 404
    assert stranger.get(f"/v1/circles/{world.circle['id']}/moderation").status_code == 404
    shop = world.bakery_actor.post(path, {"reason": "x"})
    assert shop.status_code == 403, shop.text  # businesses do not report; members do
    anonymous = world.admin.client.post(path, json={"reason": "x"})
    assert (anonymous.status_code, anonymous.headers["content-type"]) == (401, PROBLEM)
    empty = world.bob.post(path, {"reason": ""})
    assert (empty.status_code, empty.headers["content-type"]) == (422, PROBLEM)
    unknown = _decide(world, world.admin, "proposal", "prp_nothing", "hidden")
    assert unknown.status_code == 404, unknown.text
    assert world.bob.created(path, {"reason": "An advert"})  # the control
