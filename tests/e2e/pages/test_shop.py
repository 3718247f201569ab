"""A shop owner's pages: acting for the shop with the same login, its dashboard (moments
answered in one tap, offers edited in place, orders moved a step), the demand map, and the
shop's public page; and everyone else kept out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from buurt.domain.orders import OrderSource
from buurt.services.commerce import orders
from buurt.services.context import Services
from tests.actors import HOME, World
from tests.e2e.pages.forms import submit
from tests.timeline import START, adopt, crowd, moving_clock

AREA = {**HOME, "radius_m": 800}


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def _site(world: World) -> dict[str, object]:
    return world.ann.created(
        f"/v1/businesses/{world.bakery['id']}/sites",
        {"name": "Javaplein", "place": {"lat": HOME["lat"], "lon": HOME["lon"]}},
    )


def _offer(world: World, title: str = "Sourdough") -> dict[str, object]:
    return world.bakery_actor.created(
        "/v1/offers",
        {"circle_id": world.circle["id"], "category": "food/bread", "title": title,
         "area": AREA, "price": 4.5},
    )  # fmt: skip


def _order(services: Services, world: World) -> str:
    with services.uow() as uow:
        order = orders.place_order(
            uow, business_id=world.bakery["id"], member_id=world.bob.id,
            source_kind=OrderSource.RESERVATION, source_id="res_page", title="Sourdough loaf",
            quantity=2, at=services.clock.now(), unit_price=4.95,
        )  # fmt: skip
        uow.commit()
    return order.id


def test_the_owner_reaches_their_shop_and_others_do_not(client: TestClient, world: World) -> None:
    shop = f"/shop/{world.bakery['id']}"
    owner = _as(client, world.ann.token).get("/shop", follow_redirects=False)
    assert owner.status_code == 303
    assert owner.headers["location"] == shop
    page = client.get(shop)
    assert page.status_code == 200
    assert "Bakkerij Ann" in page.text
    assert f'sse-connect="{shop}/stream"' in page.text
    assert "Acting for Bakkerij Ann" in page.text  # the header says which role she is in

    neighbour = _as(client, world.bob.token).get(shop)
    assert neighbour.status_code == 404  # not his shop, and the page does not say it exists
    assert neighbour.headers["content-type"].startswith("text/html")
    assert "You do not act for a business yet" in client.get("/shop").text
    # The shop's own token (a business principal) is not a member acting for it either.
    assert _as(client, world.bakery_actor.token).get(shop).status_code == 404
    client.cookies.clear()
    assert client.get(shop, follow_redirects=False).headers["location"].startswith("/login")


def test_a_need_arrives_on_the_dashboard_and_is_answered_in_one_tap(
    client: TestClient, world: World
) -> None:
    _offer(world)
    world.bob.created(
        "/v1/consents",
        {"recipient_kind": "business", "recipient_id": world.bakery["id"],
         "category": "intents", "purpose": "matching"},
    )  # fmt: skip
    world.bob.created(
        "/v1/intents", {"circle_id": world.circle["id"], "category": "food/bread",
                        "text": "two loaves", "area": AREA},
    )  # fmt: skip
    [moment] = [
        m for m in world.bakery_actor.get("/v1/moments").json()["items"]
        if m["recipient_kind"] == "business"
    ]  # fmt: skip
    shop = f"/shop/{world.bakery['id']}"
    page = _as(client, world.ann.token).get(shop)
    assert f'id="moment-{moment["id"]}"' in page.text
    assert f'action="/moments/{moment["id"]}/step"' in page.text  # one tap away
    # Her own home stays personal: the shop's moment is not among her moments there.
    assert f'id="moment-{moment["id"]}"' not in client.get("/").text

    tapped = submit(client, f"/moments/{moment['id']}/step", {"status": "accepted"}, page=shop,
                    headers={"HX-Request": "true"})  # fmt: skip
    assert tapped.status_code == 200
    assert "accepted" in tapped.text
    assert world.bakery_actor.get(f"/v1/moments/{moment['id']}").json()["status"] == "accepted"


def test_offers_are_made_and_edited_in_place(client: TestClient, world: World) -> None:
    shop = f"/shop/{world.bakery['id']}"
    _as(client, world.ann.token)
    rye = {"title": "Rye", "category": "food/bread", "price": "3,80"}
    no_site = submit(client, f"{shop}/offers", rye, page=shop)
    assert no_site.status_code == 422, no_site.text
    assert "Add a site" in no_site.text
    _site(world)
    made = submit(client, f"{shop}/offers",
                  {"title": "Rye", "category": "food/bread", "price": "3,80", "quantity": "12"},
                  page=shop, follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    [offer] = world.bakery_actor.get("/v1/offers").json()["items"]
    assert (offer["title"], offer["price"], offer["quantity"]) == ("Rye", 3.8, 12)

    edited = submit(client, f"{shop}/offers/{offer['id']}",
                    {"title": "Rye loaf", "price": "4", "quantity": "5"}, page=shop,
                    follow_redirects=False)  # fmt: skip
    assert edited.status_code == 303
    got = world.bakery_actor.get(f"/v1/offers/{offer['id']}").json()
    assert (got["title"], got["price"], got["quantity"]) == ("Rye loaf", 4.0, 5)

    for bad in ("4,999", "-1", "1e400", "9" * 5000, "NaN", "abc"):
        changes = {"title": "Rye loaf", "price": bad, "quantity": "5"}
        refused = submit(client, f"{shop}/offers/{offer['id']}", changes, page=shop)
        assert refused.status_code == 422, bad
        assert "price" in refused.text.lower()
    changes = {"title": "Rye loaf", "price": "4", "quantity": "9" * 5000}
    huge = submit(client, f"{shop}/offers/{offer['id']}", changes, page=shop)
    assert huge.status_code == 422
    assert world.bakery_actor.get(f"/v1/offers/{offer['id']}").json()["price"] == 4.0

    withdrawn = submit(client, f"{shop}/offers/{offer['id']}", {"status": "withdrawn"},
                       page=shop, follow_redirects=False)  # fmt: skip
    assert withdrawn.status_code == 303
    assert world.bakery_actor.get(f"/v1/offers/{offer['id']}").json()["status"] == "withdrawn"
    # Another member cannot edit the shop's offers through the page.
    _as(client, world.bob.token)
    stranger = submit(client, f"{shop}/offers/{offer['id']}",
                      {"title": "Mine now", "price": "1", "quantity": "1"}, page="/")  # fmt: skip
    assert stranger.status_code == 404
    assert world.bakery_actor.get(f"/v1/offers/{offer['id']}").json()["title"] == "Rye loaf"


def test_an_order_is_prepared_and_handed_over_step_by_step(
    client: TestClient, world: World, services: Services
) -> None:
    order_id = _order(services, world)
    shop = f"/shop/{world.bakery['id']}"
    page = _as(client, world.ann.token).get(shop)
    assert f'id="order-{order_id}"' in page.text
    assert "2 \N{MULTIPLICATION SIGN} Sourdough loaf" in page.text
    for status in ("ready", "collected"):
        moved = submit(client, f"{shop}/orders/{order_id}/step", {"status": status}, page=shop,
                       follow_redirects=False)  # fmt: skip
        assert moved.status_code == 303
        assert world.bob.get(f"/v1/orders/{order_id}").json()["status"] == status
    again = submit(client, f"{shop}/orders/{order_id}/step", {"status": "ready"}, page=shop)
    assert again.status_code == 409  # a collected order goes nowhere
    assert "Recently done" in client.get(shop).text


def test_the_public_page_shows_sites_and_offers_to_the_circle(
    client: TestClient, world: World
) -> None:
    _site(world)
    _offer(world, "Croissant")
    page = _as(client, world.bob.token).get(f"/shops/{world.bakery['id']}")
    assert page.status_code == 200
    assert "Croissant" in page.text
    assert "Javaplein" in page.text
    assert "<svg" in page.text
    assert '<p class="muted">bakery</p>' in page.text  # its kind, in words
    dutch = _as(client, world.bob.token).get(
        f"/shops/{world.bakery['id']}", headers={"Accept-Language": "nl"}
    )
    assert '<p class="muted">bakkerij</p>' in dutch.text


@pytest.mark.frozen_clock
def test_the_demand_map_shows_counts_and_hatches_what_is_withheld(
    client: TestClient, world: World, services: Services
) -> None:
    clock = moving_clock(services)
    adopt(world, clock, {"aggregate_kinds": ["intents"]})
    clock.at = START
    for person in crowd(world, 10):
        person.created("/v1/intents", {"circle_id": world.circle["id"],
                                       "category": "food/bread", "area": AREA})  # fmt: skip
    clock.at = START + timedelta(days=8)
    page = _as(client, world.ann.token).get(f"/shop/{world.bakery['id']}/demand")
    assert page.status_code == 200, page.text
    assert 'class="cell shade-' in page.text  # ten neighbours asked for bread: a count shows
    assert 'class="cell withheld"' in page.text  # the rest of the circle is hatched
    assert "at least 10 members" in page.text  # and the page says why
    assert "bread" in page.text


def test_stock_is_edited_in_place_and_imported_with_row_errors(
    client: TestClient, world: World
) -> None:
    site = _site(world)
    shop = f"/shop/{world.bakery['id']}"
    _as(client, world.ann.token)
    rye = {"name": "Rye loaf", "category": "food/bread", "site": site["id"], "quantity": "12",
           "price": "3,80"}  # fmt: skip
    added = submit(client, f"{shop}/stock", rye, page=shop, follow_redirects=False)
    assert added.status_code == 303, added.text
    [row] = world.bakery_actor.get("/v1/stock").json()["items"]
    assert (row["quantity"], row["price"]) == (12, 3.8)
    page = client.get(shop)
    assert f'id="stock-{row["id"]}"' in page.text
    changed = submit(client, f"{shop}/stock/{row['id']}", {"quantity": "7", "price": "4"},
                     page=shop, follow_redirects=False)  # fmt: skip
    assert changed.status_code == 303
    assert world.bakery_actor.get(f"/v1/stock/{row['id']}").json()["quantity"] == 7
    for bad in ({"quantity": "-1", "price": "4"}, {"quantity": "9" * 5000, "price": "4"},
                {"quantity": "3", "price": "1e400"}):  # fmt: skip
        refused = submit(client, f"{shop}/stock/{row['id']}", bad, page=shop)
        assert refused.status_code == 422, bad
    assert world.bakery_actor.get(f"/v1/stock/{row['id']}").json()["quantity"] == 7

    csv = (
        "site_id,item,category,quantity,price\n"
        f"{site['id']},Croissant,food/pastry,20,1.60\n"
        f"{site['id']},Baguette,food/bread,many,2.10\n"
    )
    refused = submit(client, f"{shop}/stock-import", {"csv": csv}, page=shop)
    assert refused.status_code == 422
    assert "line 3: quantity" in refused.text  # the bad row, by its line
    assert "nothing was imported" in refused.text
    assert len(world.bakery_actor.get("/v1/stock").json()["items"]) == 1  # all or nothing
    partial = submit(client, f"{shop}/stock-import", {"csv": csv, "partial": "yes"}, page=shop)
    assert partial.status_code == 200
    assert "line 3: quantity" in partial.text  # what was left out is said
    names = {i["name"] for i in world.bakery_actor.get("/v1/items").json()["items"]}
    assert names == {"Rye loaf", "Croissant"}
