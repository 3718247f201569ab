"""``GET /v1/me/export``: everything about the member, in the documented schema, no secrets."""

from __future__ import annotations

import pytest

from buurt.services.consent import export
from tests.actors import HOME, World, issue


def test_the_export_holds_the_members_data_and_no_secrets(world: World) -> None:
    circle = world.circle["id"]
    area = {**HOME, "radius_m": 300}
    intent = world.ann.created(
        "/v1/intents", {"circle_id": circle, "category": "food", "area": area}
    )
    offer = world.ann.created(
        "/v1/offers", {"circle_id": circle, "category": "tools", "title": "Drill", "area": area}
    )
    shop_offer = world.bakery_actor.created(
        "/v1/offers", {"circle_id": circle, "category": "food", "title": "Rye", "area": area}
    )
    world.admin.get(f"/v1/members/{world.ann.id}")

    answer = world.ann.get("/v1/me/export")
    assert answer.status_code == 200
    data = answer.json()
    assert data["schema_version"] == 1
    assert data["profile"]["id"] == world.ann.id
    assert "password" not in answer.text
    assert world.ann.token not in answer.text
    assert world.bakery_actor.token not in answer.text
    assert [i["id"] for i in data["intents"]] == [intent["id"]]
    assert [o["id"] for o in data["offers"]] == [offer["id"]]
    (shop,) = data["businesses"]
    assert shop["business"]["id"] == world.bakery["id"]
    assert [o["id"] for o in shop["offers"]] == [shop_offer["id"]]
    assert [m["circle_id"] for m in data["memberships"]] == [circle]
    assert [e["principal_id"] for e in data["access_log"]] == [world.admin.id]
    # the tokens of Ann and of her bakery, as metadata only
    assert {t["principal_id"] for t in data["tokens"]} == {world.ann.id, world.bakery["id"]}
    assert all("token" not in t and "digest" not in t for t in data["tokens"])
    assert data["reviews"] == []
    assert data["pledges"] == []
    assert data["truncated"] == []
    # Bob's export is Bob's
    assert world.bob.get("/v1/me/export").json()["intents"] == []


def test_the_export_schema_is_in_the_openapi(world: World) -> None:
    schema = world.ann.client.get("/openapi.json").json()
    operation = schema["paths"]["/v1/me/export"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/MemberExport"
    fields = schema["components"]["schemas"]["MemberExport"]["properties"]
    assert {"profile", "things", "businesses", "tokens", "reviews", "pledges"} <= set(fields)


def test_a_things_events_are_capped_and_the_cut_is_named(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "EVENTS_PER_THING", 2)
    thing = world.ann.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "fridge", "name": "F", "place": HOME},
    )
    device = issue(world.ann, "thing", thing["id"])
    made = [
        device.created("/v1/events", {"kind": "door", "place": HOME, "attributes": {"level": 50}})[
            "id"
        ]
        for _ in range(3)
    ]
    data = world.ann.get("/v1/me/export").json()
    (exported,) = data["things"]
    assert [e["id"] for e in exported["events"]] == made[:2]
    assert data["truncated"] == [f"things.{thing['id']}.events"]
    assert world.bakery_actor.get("/v1/me/export").status_code == 403
