"""Erasure reaches what other capabilities keep about a member: charter votes and proposals,
webhooks, dead letters of their things."""

from __future__ import annotations

import pytest

from tests.actors import HOME, PASSWORD, World, issue


@pytest.mark.settings(webhooks_allow_private=True)
def test_a_member_who_took_part_everywhere_can_be_erased(world: World) -> None:
    circle = world.circle["id"]
    path = f"/v1/circles/{circle}/charter/proposals"
    proposal = world.bob.created(path, {"changes": {"k": 5}, "rationale": "Smaller groups."})
    assert world.bob.post(f"{path}/{proposal['id']}/votes", {"choice": "yes"}).status_code == 200
    hook = {"url": "http://127.0.0.1:9/hook", "topics": ["moment.created"]}
    webhook = world.bob.created("/v1/webhooks", hook)
    fridge = world.bob.created(
        "/v1/things",
        {"circle_id": circle, "kind": "fridge", "name": "Bob's fridge", "place": HOME},
    )
    device = issue(world.bob, "thing", fridge["id"])
    refused = device.post(
        "/v1/events", {"kind": "food/fridge", "attributes": {"level": "full"}, "place": HOME}
    )
    assert refused.status_code == 422  # a dead letter now holds Bob's payload

    gone = world.bob.client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=world.bob.headers
    )
    assert gone.status_code == 204, gone.text

    kept = world.ann.get(f"{path}/{proposal['id']}").json()
    assert kept["member_id"] is None
    assert kept["rationale"] == "Smaller groups."
    assert world.bob.id not in world.ann.get(f"{path}/{proposal['id']}").text
    assert webhook["id"] not in world.ann.get("/v1/webhooks").text
