"""``/v1/webhooks`` over HTTP with the default settings: owner-only, secrets shown once, and
URLs that could reach inside the operator's network refused with a problem naming the field.

No delivery worker runs here and no moment is made, so the public address the endpoints are
registered with is never called.
"""

from __future__ import annotations

from typing import Any

from tests.actors import World, issue

PUBLIC = "https://93.184.216.34/buurt/hooks"
TOPICS = ["moment.created", "moment.changed"]


def _register(world: World, **body: Any) -> dict[str, Any]:
    return world.bakery_actor.created("/v1/webhooks", {"url": PUBLIC, "topics": TOPICS, **body})


def test_an_endpoint_is_registered_listed_changed_and_removed(world: World) -> None:
    created = _register(world, description="Till system")
    assert created["secret"].startswith("whsec_")
    assert created["owner_kind"] == "business"
    assert created["owner_id"] == world.bakery["id"]
    assert created["active"] is True
    path = f"/v1/webhooks/{created['id']}"

    shown = world.ann.get(path).json()  # Ann owns the bakery
    assert "secret" not in shown
    assert shown["topics"] == TOPICS
    listed = world.bakery_actor.get("/v1/webhooks").json()["items"]
    assert [item["id"] for item in listed] == [created["id"]]
    assert all("secret" not in item for item in listed)

    changed = world.bakery_actor.patch(
        path, {"topics": ["moment.changed"], "active": False, "description": "Paused"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["topics"] == ["moment.changed"]
    assert changed.json()["active"] is False

    rotated = world.bakery_actor.post(f"{path}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]

    assert world.bakery_actor.get(f"{path}/deliveries").json() == {
        "items": [],
        "next_cursor": None,
    }
    assert world.bakery_actor.delete(path).status_code == 204
    assert world.bakery_actor.get(path).status_code == 404


def test_only_the_owner_sees_or_touches_an_endpoint(world: World) -> None:
    created = _register(world)
    path = f"/v1/webhooks/{created['id']}"
    for attempt in (
        world.bob.get(path),
        world.bob.patch(path, {"active": False}),
        world.bob.post(f"{path}/rotate-secret"),
        world.bob.get(f"{path}/deliveries"),
        world.bob.post(f"{path}/deliveries/dlv_01ABC/redeliver"),
        world.bob.delete(path),
    ):
        assert attempt.status_code == 404, attempt.text
    assert world.bob.get("/v1/webhooks").json()["items"] == []
    assert world.admin.get("/v1/webhooks").json()["items"] == []
    mine = world.bob.created("/v1/webhooks", {"url": PUBLIC, "topics": ["moment.created"]})
    assert mine["owner_kind"] == "member"
    assert mine["owner_id"] == world.bob.id
    assert [item["id"] for item in world.bob.get("/v1/webhooks").json()["items"]] == [mine["id"]]


def test_a_member_cannot_register_for_someone_elses_business(world: World) -> None:
    body = {"url": PUBLIC, "topics": TOPICS, "business_id": world.bakery["id"]}
    refused = world.bob.post("/v1/webhooks", body)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


PRIVATE = [
    "http://127.0.0.1:8000/hooks",
    "http://localhost/hooks",
    "http://10.0.0.5/hooks",
    "http://192.168.178.1/hooks",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hooks",
    "http://[fd00::5]/hooks",
    "http://224.0.0.251/",
    "http://0.0.0.0:8000/",
]


def test_urls_reaching_private_addresses_are_refused(world: World) -> None:
    created = _register(world)
    path = f"/v1/webhooks/{created['id']}"
    for url in PRIVATE:
        refused = world.bakery_actor.post("/v1/webhooks", {"url": url, "topics": TOPICS})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert [p["name"] for p in problem["invalid-params"]] == ["url"]
        assert "only public addresses" in problem["detail"]
        assert world.bakery_actor.patch(path, {"url": url}).status_code == 422
    assert world.bakery_actor.get(path).json()["url"] == PUBLIC
    assert [item["id"] for item in world.bakery_actor.get("/v1/webhooks").json()["items"]] == [
        created["id"]
    ]


BAD = [
    ({"url": "ftp://93.184.216.34/x", "topics": TOPICS}, "body.url"),
    ({"url": "https://93.184.216.34/x", "topics": []}, "body.topics"),
    ({"url": "https://93.184.216.34/x", "topics": ["moment.deleted"]}, "body.topics.0"),
    ({"url": "https://93.184.216.34/x", "topics": TOPICS, "secret": "x"}, "body.secret"),
    ({"url": "https://user:pw@93.184.216.34/x", "topics": TOPICS}, "url"),
    ({"url": "https://93.184.216.34:70000/x", "topics": TOPICS}, "url"),
    ({"url": "https://partner.invalid/x", "topics": TOPICS}, "url"),
]


def test_bad_input_is_a_problem_naming_the_field(world: World) -> None:
    for body, field in BAD:
        refused = world.bakery_actor.post("/v1/webhooks", body)
        assert refused.status_code == 422, refused.text
        assert field in [p["name"] for p in refused.json()["invalid-params"]], body


def test_things_have_no_webhook_endpoints(world: World) -> None:
    fridge = world.ann.created(
        "/v1/things",
        {
            "circle_id": world.circle["id"],
            "kind": "fridge",
            "name": "Fridge",
            "place": {"lat": 52.362, "lon": 4.938},
        },
    )
    thing = issue(world.ann, "thing", fridge["id"])
    assert thing.post("/v1/webhooks", {"url": PUBLIC, "topics": TOPICS}).status_code == 403


def test_an_unknown_delivery_is_not_found(world: World) -> None:
    created = _register(world)
    path = f"/v1/webhooks/{created['id']}/deliveries/dlv_01ABC"
    assert world.bakery_actor.get(path).status_code == 404
    assert world.bakery_actor.post(f"{path}/redeliver").status_code == 404
