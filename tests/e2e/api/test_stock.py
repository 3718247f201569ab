"""``/v1/items``, ``/v1/stock`` and ``/v1/stock/nearest`` as every identity: the business
keeps its catalogue and stock (by hand and by CSV), everyone finds it nearby, nobody else
changes it, and bad input is a problem, never a 500."""

from __future__ import annotations

from typing import Any

from tests.actors import HOME, Actor, World, issue

CSV_TYPE = {"Content-Type": "text/csv"}


def _site(world: World, name: str, lat: float, lon: float) -> str:
    body = {"name": name, "place": {"lat": lat, "lon": lon}}
    site: dict[str, Any] = world.bakery_actor.created(
        f"/v1/businesses/{world.bakery['id']}/sites", body
    )
    return str(site["id"])


def _import(actor: Actor, business_id: str, text: str, partial: bool = False) -> Any:
    query = f"business_id={business_id}" + ("&partial=true" if partial else "")
    return actor.client.post(
        f"/v1/stock/import?{query}",
        content=text.encode(),
        headers={**actor.headers, **CSV_TYPE},
    )


def _near(actor: Actor, **params: Any) -> Any:
    query = {"lat": HOME["lat"], "lon": HOME["lon"], "radius": 3000, **params}
    return actor.get("/v1/stock/nearest", params=query)


def test_the_business_keeps_items_and_stock_and_everyone_sees_them(world: World) -> None:
    site = _site(world, "Oven", 52.3625, 4.9385)
    item = world.bakery_actor.created(
        "/v1/items",
        {
            "business_id": world.bakery["id"],
            "name": "Sourdough",
            "category": "food/bread",
            "attributes": {"vegan": True},
        },
    )
    stock = world.ann.created(
        "/v1/stock", {"item_id": item["id"], "site_id": site, "quantity": 12, "price": 4.5}
    )
    assert (stock["quantity"], stock["held"], stock["available"]) == (12, 0, 12)
    changed = world.bakery_actor.patch(f"/v1/stock/{stock['id']}", {"quantity": 8})
    assert changed.json()["quantity"] == 8, changed.text
    listed = world.bob.get("/v1/stock", params={"business_id": world.bakery["id"]}).json()
    assert [s["id"] for s in listed["items"]] == [stock["id"]]
    for stranger in (world.bob, world.admin):
        refused = stranger.patch(f"/v1/stock/{stock['id']}", {"quantity": 99})
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert stranger.post("/v1/stock", {**stock_body(item, site)}).status_code == 403
    assert world.bob.get(f"/v1/stock/{stock['id']}").json()["quantity"] == 8
    assert world.bob.client.get("/v1/stock").status_code == 401


def stock_body(item: dict[str, Any], site: str) -> dict[str, Any]:
    return {"item_id": item["id"], "site_id": site, "quantity": 1, "price": 1.0}


def test_bad_stock_is_a_problem(world: World) -> None:
    site = _site(world, "Oven", 52.3625, 4.9385)
    item = world.ann.created(
        "/v1/items", {"business_id": world.bakery["id"], "name": "Rye", "category": "food/bread"}
    )
    for bad in ({"quantity": -1}, {"price": -0.5}, {"quantity": 1.5}, {"quantity": "3"}):
        answer = world.ann.post("/v1/stock", {**stock_body(item, site), **bad})
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    elsewhere = world.bob.created(
        "/v1/businesses", {"circle_id": world.circle["id"], "name": "Bob's", "kind": "shop"}
    )
    foreign = world.bob.created(
        f"/v1/businesses/{elsewhere['id']}/sites", {"name": "B", "place": HOME}
    )
    answer = world.ann.post("/v1/stock", stock_body(item, foreign["id"]))
    assert answer.status_code == 422, answer.text  # not a site of the item's business
    assert world.ann.post("/v1/stock", stock_body(item, site)).status_code == 201  # the control
    assert world.ann.post("/v1/stock", stock_body(item, site)).status_code == 409  # one per site


def test_a_bad_csv_row_writes_nothing_unless_asked(world: World) -> None:
    site = _site(world, "Oven", 52.3625, 4.9385)
    text = (
        "site_id,item,category,quantity,price,available_from\n"
        f"{site},Sourdough,food/bread,10,4.5,\n"
        f"{site},Croissant,food/pastry,-2,1.8,\n"
        f"nosuchsite,Baguette,food/bread,3,2.0,\n"
        f"{site},Muffin,food/pastry,4,abc,2026-01-01T08:00:00\n"
    )
    refused = _import(world.bakery_actor, world.bakery["id"], text)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    names = [p["name"] for p in refused.json()["invalid-params"]]
    assert names == [
        "line 3: quantity",
        "line 4: site_id",
        "line 5: price",
        "line 5: available_from",
    ]
    assert world.bob.get("/v1/items", params={"business_id": world.bakery["id"]}).json() == {
        "items": [],
        "next_cursor": None,
    }
    partial = _import(world.bakery_actor, world.bakery["id"], text, partial=True)
    assert partial.status_code == 200, partial.text
    report = partial.json()
    assert (report["rows"], report["created"], report["written"]) == (4, 1, True)
    assert len(report["problems"]) == 4
    again = _import(world.bakery_actor, world.bakery["id"], text.splitlines()[0] + "\n"
                    + f"{site},Sourdough,food/bread,7,4.75,\n")  # fmt: skip
    assert (again.json()["created"], again.json()["updated"]) == (0, 1)
    rows = world.bob.get("/v1/stock", params={"site_id": site}).json()["items"]
    assert [(r["quantity"], r["price"]) for r in rows] == [(7, 4.75)]
    stranger = _import(world.bob, world.bakery["id"], text)
    assert stranger.status_code == 403, stranger.text
    assert _import(world.bakery_actor, world.bakery["id"], "a,b\n1,2\n").status_code == 422
    assert _import(world.bakery_actor, world.bakery["id"], "\xff").status_code == 422


def test_nearest_answers_the_nearest_sites_with_stock(world: World) -> None:
    near = _site(world, "Near", 52.3625, 4.9385)
    far = _site(world, "Far", 52.3700, 4.9500)
    empty = _site(world, "Empty", 52.3621, 4.9381)
    text = (
        "site_id,item,category,quantity,price\n"
        f"{near},Sourdough,food/bread,3,4.5\n"
        f"{far},Sourdough,food/bread,20,3.5\n"
        f"{empty},Sourdough,food/bread,0,4.0\n"
        f"{near},Croissant,food/pastry,9,1.8\n"
    )
    assert _import(world.bakery_actor, world.bakery["id"], text).status_code == 200
    thing = issue(world.bob, "thing", world.bob.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "fridge", "name": "F", "place": HOME},
    )["id"])  # fmt: skip
    for anyone in (world.bob, world.bakery_actor, thing):
        found = _near(anyone, category="food/bread").json()["items"]
        assert [s["site_id"] for s in found] == [near, far]  # the empty one is left out
        assert found[0]["distance_m"] < found[1]["distance_m"]
    group = _near(world.bob, category="food").json()["items"]
    assert [s["site_id"] for s in group] == [near, far]
    assert {s["category"] for s in group[0]["stock"]} == {"food/bread", "food/pastry"}
    enough = _near(world.bob, category="food/bread", min_quantity=5).json()["items"]
    assert [s["site_id"] for s in enough] == [far]
    cheap = _near(world.bob, category="food/bread", max_price=4.0).json()["items"]
    assert [s["site_id"] for s in cheap] == [far]
    close = _near(world.bob, category="food/bread", radius=200).json()["items"]
    assert [s["site_id"] for s in close] == [near]
    item = group[0]["stock"][0]["item_id"]
    assert len(_near(world.bob, item=item, limit=1).json()["items"]) == 1
    for bad in ({}, {"category": "food", "item": item}, {"category": "Not A Path"},
                {"category": "food", "radius": -1}, {"category": "food", "limit": 0}):  # fmt: skip
        answer = _near(world.bob, **bad)
        assert answer.status_code == 422, (bad, answer.text)
    assert world.bob.client.get("/v1/stock/nearest?lat=52&lon=4&category=food").status_code == 401
