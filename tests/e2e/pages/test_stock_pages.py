"""Finding it in stock nearby and holding it, from the pages: the search around a spot, the
reservation from a shop's public page or the search, confirming it into an order or letting
it go; and the home page's card of stock for a need."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.actors import HOME, World
from tests.e2e.pages.forms import submit

FAR = {"lat": HOME["lat"] + 0.05, "lon": HOME["lon"]}  # about 5.5 km north


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def _stock(
    world: World, name: str, quantity: int, place: dict[str, float] = HOME
) -> dict[str, Any]:
    site = world.ann.created(
        f"/v1/businesses/{world.bakery['id']}/sites", {"name": f"{name} shop", "place": place}
    )
    item = world.bakery_actor.created(
        "/v1/items", {"business_id": world.bakery["id"], "name": name, "category": "food/bread"}
    )
    body = {"item_id": item["id"], "site_id": site["id"], "quantity": quantity, "price": 4.5}
    return world.bakery_actor.created("/v1/stock", body)


def _search(client: TestClient, **asked: Any) -> str:
    params = {"lat": HOME["lat"], "lon": HOME["lon"], "radius": 2000, **asked}
    page = client.get("/stock", params=params)
    assert page.status_code == 200, page.text
    return page.text


def test_the_search_finds_the_shops_that_have_it_near_the_spot(
    client: TestClient, world: World
) -> None:
    near = _stock(world, "Desem", 5)
    _stock(world, "Far rye", 5, FAR)
    _stock(world, "Sold-out spelt", 0)
    bob = _as(client, world.bob.token)

    found = _search(bob, category="food/bread")
    assert f'id="site-{near["site_id"]}"' in found
    assert "Desem" in found
    assert f'action="/stock/{near["id"]}/reserve"' in found
    assert "Far rye" not in found  # beyond the radius
    assert "Sold-out spelt" not in found  # nothing to hold
    assert "<svg" in found  # the spot and the shops, on the circle's map
    wider = _search(bob, category="food", radius=10_000)  # a group finds its categories
    assert "Far rye" in wider
    assert "Sold-out spelt" not in wider
    cheaper = _search(bob, category="food/bread", max_price="4")
    assert "Desem" not in cheaper  # 4.50 is above the limit
    assert "1 shop has it" in found


def test_a_reservation_is_held_then_confirmed_into_an_order_or_let_go(
    client: TestClient, world: World
) -> None:
    stock = _stock(world, "Desem", 3)
    bob = _as(client, world.bob.token)
    shop = f"/shops/{world.bakery['id']}"
    public = bob.get(shop).text
    assert "In stock now" in public
    assert f'action="/stock/{stock["id"]}/reserve"' in public

    held = submit(bob, f"/stock/{stock['id']}/reserve", {"quantity": "2"}, page=shop,
                  follow_redirects=False)  # fmt: skip
    assert held.status_code == 303
    assert held.headers["location"].startswith("/reservations#reservation-")
    assert world.bakery_actor.get(f"/v1/stock/{stock['id']}").json()["held"] == 2
    mine = bob.get("/reservations").text
    assert "2 \N{MULTIPLICATION SIGN} Desem" in mine
    [reservation] = world.bob.get("/v1/reservations").json()["items"]

    beyond = submit(bob, f"/stock/{stock['id']}/reserve", {"quantity": "2"}, page=shop)
    assert beyond.status_code == 409  # one unit is left: a page that says so, not a 500
    assert "text/html" in beyond.headers["content-type"]
    assert world.bakery_actor.get(f"/v1/stock/{stock['id']}").json()["held"] == 2

    done = submit(bob, f"/reservations/{reservation['id']}/confirm", {}, page="/reservations",
                  follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    [order] = world.bob.get("/v1/orders").json()["items"]
    assert done.headers["location"] == f"/#order-{order['id']}"
    assert f'id="order-{order["id"]}"' in bob.get("/").text
    assert world.bakery_actor.get(f"/v1/stock/{stock['id']}").json()["quantity"] == 1

    again = submit(bob, f"/stock/{stock['id']}/reserve", {"quantity": "1"}, page=shop,
                   follow_redirects=False)  # fmt: skip
    [_, second] = sorted(world.bob.get("/v1/reservations").json()["items"], key=lambda r: r["id"])
    assert again.status_code == 303
    let_go = submit(bob, f"/reservations/{second['id']}/cancel", {}, page="/reservations",
                    follow_redirects=False)  # fmt: skip
    assert let_go.status_code == 303
    assert world.bakery_actor.get(f"/v1/stock/{stock['id']}").json()["held"] == 0
    assert "let go" in bob.get("/reservations").text


def test_only_the_member_holds_and_only_their_own(client: TestClient, world: World) -> None:
    stock = _stock(world, "Desem", 3)
    shop = f"/shops/{world.bakery['id']}"
    assert client.get("/stock", follow_redirects=False).status_code == 303  # log in first
    assert client.get("/reservations", follow_redirects=False).status_code == 303
    bob = _as(client, world.bob.token)
    no_csrf = bob.post(f"/stock/{stock['id']}/reserve", data={"quantity": "1"})
    assert no_csrf.status_code == 403
    held = submit(bob, f"/stock/{stock['id']}/reserve", {"quantity": "1"}, page=shop)
    assert held.status_code == 200  # the control: with the form's token it holds
    [reservation] = world.bob.get("/v1/reservations").json()["items"]
    admin = _as(client, world.admin.token)
    theirs = submit(admin, f"/reservations/{reservation['id']}/confirm", {}, page="/reservations")
    assert theirs.status_code == 404  # not the admin's to see, let alone confirm
    assert "text/html" in theirs.headers["content-type"]
    ann = _as(client, world.ann.token)
    shops = submit(ann, f"/reservations/{reservation['id']}/cancel", {}, page="/reservations")
    assert shops.status_code == 403  # the shop's owner sees it held, and leaves it to Bob
    assert world.bob.get(f"/v1/reservations/{reservation['id']}").json()["status"] == "held"
    bad = submit(ann, f"/stock/{stock['id']}/reserve", {"quantity": "5000000"}, page=shop)
    assert bad.status_code == 422


def test_the_home_page_shows_stock_for_an_open_need(client: TestClient, world: World) -> None:
    _stock(world, "Desem", 4)
    bob = _as(client, world.bob.token)
    assert "In stock nearby for" not in bob.get("/").text  # no need yet
    need = world.bob.created(
        "/v1/intents",
        {"circle_id": world.circle["id"], "category": "food/bread", "text": "a good loaf",
         "area": {**HOME, "radius_m": 800}},
    )  # fmt: skip
    home = bob.get("/").text
    assert f'id="in-stock-{need["id"]}"' in home
    assert "Desem" in home
    assert "/stock?category=food/bread" in home
    dutch = bob.get("/", headers={"Accept-Language": "nl"}).text
    assert "Op voorraad in de buurt voor" in dutch
