"""``/v1/automations`` as every identity: a member automates only their own subscription and
thing; others, a business, a thing and no token see nothing; export and erasure cover rules."""

from __future__ import annotations

from typing import Any

from tests.actors import HOME, PASSWORD, World, issue


def _setup(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    subscription = world.bob.created(
        "/v1/subscriptions",
        {
            "circle_id": world.circle["id"],
            "name": "Surplus",
            "categories": ["energy/solar"],
            "area": {**HOME, "radius_m": 500},
            "predicates": ["power_w >= 2000"],
        },
    )
    body = {"circle_id": world.circle["id"], "kind": "ev_charger", "name": "Plug", "place": HOME}
    return subscription, world.bob.created("/v1/things", body)


def _rule(subscription: dict[str, Any], thing: dict[str, Any]) -> dict[str, Any]:
    return {"subscription_id": subscription["id"], "thing_id": thing["id"], "command": "start"}


def test_only_the_member_automates_their_own_things(world: World) -> None:
    subscription, charger = _setup(world)
    anns = world.ann.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "ev_charger", "name": "Hers", "place": HOME},
    )
    not_mine = world.bob.post("/v1/automations", _rule(subscription, anns))
    assert not_mine.status_code == 404, not_mine.text
    assert not_mine.headers["content-type"] == "application/problem+json"
    assert world.ann.post("/v1/automations", _rule(subscription, anns)).status_code == 404
    bad = world.bob.post("/v1/automations", {**_rule(subscription, charger), "command": "Rm -rf"})
    assert bad.status_code == 422
    rule = world.bob.created("/v1/automations", _rule(subscription, charger))  # the control
    again = world.bob.post("/v1/automations", _rule(subscription, charger))
    assert again.status_code == 409, again.text
    thing = issue(world.bob, "thing", charger["id"])
    for stranger in (world.ann, world.bakery_actor, thing):
        assert stranger.get(f"/v1/automations/{rule['id']}").status_code == 404
        assert stranger.get("/v1/automations").json()["items"] == []
        assert stranger.delete(f"/v1/automations/{rule['id']}").status_code == 404
    assert world.bob.client.get("/v1/automations").status_code == 401
    assert [r["id"] for r in world.bob.get("/v1/automations").json()["items"]] == [rule["id"]]


def test_export_and_erasure_cover_automations(world: World) -> None:
    subscription, charger = _setup(world)
    rule = world.bob.created("/v1/automations", _rule(subscription, charger))
    exported = world.bob.get("/v1/me/export").json()
    assert [r["id"] for r in exported["automations"]] == [rule["id"]]
    gone = world.bob.client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=world.bob.headers
    )
    # The rule refers to the member without cascading: had erasure left it, the store would
    # have refused to delete the member.
    assert gone.status_code == 204, gone.text
