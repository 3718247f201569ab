"""The moment card's one step: a need's stock moment carries a Reserve form, a bike moment a
Book form, both plain forms with CSRF; the answer page says what is held or booked (in Dutch
too), a reservation is confirmed into an order from it, and a refusal is an HTML page."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.actors import HOME, World
from tests.e2e.pages.forms import submit

pytestmark = pytest.mark.frozen_clock()  # Monday 2026-03-02, 10:00 in Amsterdam


def _logged_in(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def _stock(world: World, quantity: int) -> None:
    site = world.bakery_actor.created(
        f"/v1/businesses/{world.bakery['id']}/sites", {"name": "Oven", "place": HOME}
    )
    item = world.bakery_actor.created(
        "/v1/items",
        {"business_id": world.bakery["id"], "name": "Sourdough", "category": "food/bread"},
    )
    body = {"item_id": item["id"], "site_id": site["id"], "quantity": quantity, "price": 4.5}
    world.bakery_actor.created("/v1/stock", body)


def _need(world: World, category: str, **more: Any) -> dict[str, Any]:
    body = {"circle_id": world.circle["id"], "category": category, "text": "for today",
            "area": {**HOME, "radius_m": 500}, **more}  # fmt: skip
    intent = world.bob.created("/v1/intents", body)
    items = world.bob.get("/v1/moments").json()["items"]
    found: dict[str, Any] = next(m for m in items if m["source_id"] == intent["id"])
    return found


def test_a_stock_moment_is_reserved_and_confirmed_from_the_home_page(
    client: TestClient, world: World
) -> None:
    _stock(world, quantity=2)
    moment = _need(world, "food/bread")
    client = _logged_in(client, world.bob.token)
    home = client.get("/")
    action = f'action="/moments/{moment["id"]}/reserve"'
    assert action in home.text
    assert f'<label for="quantity-{moment["id"]}">How many</label>' in home.text
    assert f'action="/moments/{moment["id"]}/book"' not in home.text
    path = f"/moments/{moment['id']}/reserve"
    held = submit(client, path, {"quantity": "2"}, page="/")
    assert held.status_code == 201, held.text
    assert "Sourdough are held for you at Oven" in held.text
    over = submit(client, path, {"quantity": "1"}, page="/")
    assert over.status_code == 409  # none left: an HTML page, not a 500
    assert "text/html" in over.headers["content-type"]
    assert "0 available" in over.text
    no_csrf = client.post(path, data={"quantity": "1"})
    assert no_csrf.status_code == 403
    reservation = world.bob.get("/v1/reservations").json()["items"][0]
    assert reservation["moment_id"] == moment["id"]
    confirmed = submit(
        client, f"/reservations/{reservation['id']}/confirm", {}, page="/",
        follow_redirects=False,
    )  # fmt: skip
    assert confirmed.status_code == 303
    assert "Sourdough" in client.get("/").text.split('id="orders"')[1]


def test_a_bike_moment_is_booked_from_the_home_page_in_dutch(
    client: TestClient, world: World
) -> None:
    thing = world.ann.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "cargo_bike", "name": "Bakfiets",
         "place": HOME, "visibility": "circle"},
    )  # fmt: skip
    world.ann.created("/v1/bookables", {"thing_id": thing["id"], "opens": 480, "closes": 1320})
    moment = _need(world, "mobility/cargo-bike", window_start="2026-03-02T14:00:00+01:00",
                   window_end="2026-03-02T16:00:00+01:00")  # fmt: skip
    client = _logged_in(client, world.bob.token)
    client.headers["Accept-Language"] = "nl"
    home = client.get("/")
    assert f'action="/moments/{moment["id"]}/book"' in home.text
    assert ">Boeken</button>" in home.text
    booked = submit(client, f"/moments/{moment['id']}/book", {}, page="/")
    assert booked.status_code == 201, booked.text
    assert "Bakfiets is van jou van" in booked.text
    again = submit(client, f"/moments/{moment['id']}/book", {}, page="/")
    assert again.status_code == 409  # the slot is taken now


def test_no_button_on_a_moment_that_is_not_the_viewers_need(
    client: TestClient, world: World
) -> None:
    offer = {"circle_id": world.circle["id"], "category": "food/bread", "title": "Rye",
             "area": {**HOME, "radius_m": 800}, "price": 3.0}  # fmt: skip
    world.bakery_actor.created("/v1/offers", offer)
    _stock(world, quantity=1)
    moment = _need(world, "food/bread")
    home = _logged_in(client, world.bob.token).get("/")
    assert "/reserve" in home.text  # the control: Bob's stock moment has its form
    items = world.bob.get("/v1/moments").json()["items"]
    offered = next(m for m in items if m["standing_kind"] == "offer")
    assert f'action="/moments/{offered["id"]}/reserve"' not in home.text
    ann_home = _logged_in(client, world.ann.token).get("/")
    assert f'action="/moments/{moment["id"]}/reserve"' not in ann_home.text
