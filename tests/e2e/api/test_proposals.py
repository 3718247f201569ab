"""``/v1/proposals`` as every identity: members and businesses of the circle propose and
discuss, verified neighbours support once; strangers, things and no token are refused."""

from __future__ import annotations

from typing import Any

from tests.actors import HOME, World, issue, register

PROBLEM = "application/problem+json"


def _proposal(world: World, actor: Any = None, title: str = "Oat milk") -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "title": title,
        "description": "In returnable bottles, from the farm up the road.",
        "category": "food/dairy",
        "price_idea": 2.5,
    }
    return (actor or world.ann).created("/v1/proposals", body)


def test_a_proposal_is_supported_once_and_discussed(world: World) -> None:
    proposal = _proposal(world)
    path = f"/v1/proposals/{proposal['id']}"
    assert (proposal["author_kind"], proposal["support_count"]) == ("member", 0)
    supported = world.bob.put(f"{path}/support", None)
    assert (supported.status_code, supported.json()["support_count"]) == (200, 1), supported.text
    again = world.bob.put(f"{path}/support", None)
    assert (again.status_code, again.headers["content-type"]) == (409, PROBLEM), again.text
    assert world.bob.delete(f"{path}/support").json()["support_count"] == 0
    assert world.bob.delete(f"{path}/support").status_code == 404
    top = world.bob.created(f"{path}/comments", {"text": "Glass, please"})
    reply = world.ann.created(f"{path}/comments", {"text": "Yes", "parent_id": top["id"]})
    deeper = world.bob.post(f"{path}/comments", {"text": "No", "parent_id": reply["id"]})
    assert (deeper.status_code, deeper.headers["content-type"]) == (422, PROBLEM), deeper.text
    said = world.admin.get(f"{path}/comments").json()["items"]
    assert [c["text"] for c in said] == ["Glass, please", "Yes"]


def test_the_author_changes_and_deletes_it(world: World) -> None:
    proposal = _proposal(world)
    path = f"/v1/proposals/{proposal['id']}"
    assert world.bob.patch(path, {"title": "Cow milk"}).status_code == 403
    changed = world.ann.patch(path, {"title": "Oat drink", "price_idea": None})
    assert (changed.json()["title"], changed.json()["price_idea"]) == ("Oat drink", None)
    refused = world.ann.patch(path, {"support_count": 100})
    assert refused.status_code == 422, refused.text
    assert world.bob.delete(path).status_code == 403
    assert world.ann.delete(path).status_code == 204
    assert world.ann.get(path).status_code == 404


def test_listing_sorts_three_ways_and_pages(world: World) -> None:
    first = _proposal(world, title="Repair café")
    second = _proposal(world, world.bakery_actor, title="Rye bread on Sundays")
    assert second["author_kind"] == "business"
    world.bob.put(f"/v1/proposals/{first['id']}/support", None)
    world.ann.put(f"/v1/proposals/{first['id']}/support", None)

    def ids(sort: str, **params: Any) -> list[str]:
        got = world.bob.get("/v1/proposals", params={"sort": sort, **params})
        assert got.status_code == 200, got.text
        return [p["id"] for p in got.json()["items"]]

    assert ids("most_supported") == [first["id"], second["id"]]
    assert ids("newest") == [second["id"], first["id"]]
    assert ids("recent") == [first["id"], second["id"]]
    page = world.bob.get("/v1/proposals", params={"limit": 1}).json()
    rest = world.bob.get("/v1/proposals", params={"cursor": page["next_cursor"]}).json()
    assert [p["id"] for p in page["items"] + rest["items"]] == [first["id"], second["id"]]
    bad = world.bob.get("/v1/proposals", params={"cursor": "abc"})
    assert (bad.status_code, bad.headers["content-type"]) == (422, PROBLEM)


def test_strangers_things_and_no_token_are_refused(world: World) -> None:
    proposal = _proposal(world)
    path = f"/v1/proposals/{proposal['id']}"
    stranger = register(world.ann.client, "Stranger")
    assert stranger.get(path).status_code == 404
    assert stranger.put(f"{path}/support", None).status_code == 404
    assert stranger.get("/v1/proposals").json()["items"] == []
    outside = stranger.post("/v1/proposals", {**_body(world)})
    assert outside.status_code == 404, outside.text
    fridge = world.admin.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "fridge", "name": "Fridge", "place": HOME},
    )
    thing = issue(world.admin, "thing", fridge["id"])
    assert thing.put(f"{path}/support", None).status_code == 403
    assert thing.post("/v1/proposals", _body(world)).status_code == 403
    assert world.ann.client.get(path).status_code == 401
    assert world.bob.put(f"{path}/support", None).status_code == 200  # the control


def _body(world: World) -> dict[str, Any]:
    return {
        "circle_id": world.circle["id"],
        "title": "Anything",
        "description": "Something",
        "category": "food",
    }
