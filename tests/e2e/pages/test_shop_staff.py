"""Staff on the pages: the owner adds a neighbour to the shop's staff; that neighbour switches
to the shop with their own login and does its work, but manages no staff; another member
cannot switch. And a moment's reason reads in the page's language."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.actors import HOME, World
from tests.e2e.pages.forms import submit

AREA = {**HOME, "radius_m": 800}


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def _shop(world: World) -> str:
    return f"/shop/{world.bakery['id']}"


def test_the_owner_adds_staff_who_act_for_the_shop_but_manage_nobody(
    client: TestClient, world: World
) -> None:
    shop = _shop(world)
    assert _as(client, world.bob.token).get(shop).status_code == 404  # not yet his shop
    _as(client, world.ann.token)
    email = world.bob.get("/v1/members/me").json()["email"]
    wrong = submit(client, f"{shop}/staff", {"member": "nobody@example.org"}, page=shop)
    assert wrong.status_code == 422
    assert "No member of the shop&#39;s circle" in wrong.text
    added = submit(client, f"{shop}/staff", {"member": email}, page=shop, follow_redirects=False)
    assert added.status_code == 303
    assert "Bob" in client.get(shop).text

    _as(client, world.bob.token)
    assert 'href="/shop"' in client.get("/").text  # the header's switch
    dashboard = client.get(shop)
    assert dashboard.status_code == 200
    assert "You work here as staff" in dashboard.text
    assert f'action="{shop}/staff"' not in dashboard.text  # no form to add staff
    offer = world.bakery_actor.created(
        "/v1/offers",
        {"circle_id": world.circle["id"], "category": "food/bread", "title": "Rye loaf",
         "area": AREA, "price": 3.5},
    )  # fmt: skip
    changed = submit(client, f"{shop}/offers/{offer['id']}",
                     {"title": "Rye loaf", "price": "3,25", "quantity": "4"}, page=shop,
                     follow_redirects=False)  # fmt: skip
    assert changed.status_code == 303  # staff edit the shop's offers
    assert world.bob.get(f"/v1/offers/{offer['id']}").json()["price"] == 3.25
    forged = submit(client, f"{shop}/staff", {"member": world.admin.id}, page=shop)
    assert forged.status_code == 403
    assert forged.headers["content-type"].startswith("text/html")
    assert [m["member_id"] for m in world.ann.get(f"/v1/businesses/{world.bakery['id']}/staff")
            .json()["items"]] == [world.bob.id]  # fmt: skip

    left = submit(client, f"{shop}/staff/{world.bob.id}/remove", {}, page=shop,
                  follow_redirects=False)  # fmt: skip
    assert left.status_code == 303
    assert client.get(shop).status_code == 404
    assert _as(client, world.admin.token).get(shop).status_code == 404  # another member


def test_a_moments_reason_reads_in_the_pages_language(client: TestClient, world: World) -> None:
    world.bakery_actor.created(
        "/v1/offers",
        {"circle_id": world.circle["id"], "category": "food/bread", "title": "Sourdough",
         "area": AREA, "price": 4.5},
    )  # fmt: skip
    world.bob.created(
        "/v1/intents",
        {"circle_id": world.circle["id"], "category": "food/bread", "text": "two loaves",
         "area": AREA, "max_price": 6},
    )  # fmt: skip
    [moment] = world.bob.get("/v1/moments").json()["items"]
    assert moment["reason"].startswith("'Sourdough' (food/bread, 4.50 (your limit 6.00))")
    _as(client, world.bob.token)
    english = client.get("/").text
    assert "answers the need &#39;two loaves&#39;" in english
    assert "your limit €6.00" in english
    client.headers["Accept-Language"] = "nl"
    dutch = client.get("/").text
    assert "past bij de vraag &#39;two loaves&#39;" in dutch
    assert "je grens €\xa06,00" in dutch  # babel writes a no-break space
    assert "answers the need" not in dutch
