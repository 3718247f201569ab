"""Co-creation on the pages: proposing, supporting and discussing a proposal, a shop making
it a campaign, and pledging to it; bad input keeps the form, outsiders are kept out."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from buurt.domain.orders import OrderSource
from buurt.services.commerce import orders
from buurt.services.context import Services
from tests.actors import World, register
from tests.e2e.pages.forms import submit


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def _propose(client: TestClient, world: World) -> str:
    _as(client, world.bob.token)
    made = submit(
        client, "/proposals",
        {"title": "Rye bread on Sundays", "description": "Sourdough rye, baked on Sundays.",
         "category": "food/bread", "price_idea": "4,50"},
        page="/proposals", follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).rsplit("/", 1)[1]


def test_a_proposal_is_made_supported_and_discussed_on_the_pages(
    client: TestClient, world: World
) -> None:
    proposal_id = _propose(client, world)
    page = client.get(f"/proposals/{proposal_id}")
    assert "Rye bread on Sundays" in page.text
    assert "0 supporters" in page.text

    _as(client, world.ann.token)
    path = f"/proposals/{proposal_id}"
    assert submit(client, f"{path}/support", {"action": "support"}, page=path).status_code == 200
    assert "1 supporter" in client.get(path).text
    assert "Withdraw my support" in client.get(path).text
    again = submit(client, f"{path}/support", {"action": "support"}, page=path)
    assert again.status_code == 409  # one support per neighbour
    said = submit(client, f"{path}/comments", {"text": "Yes please, with seeds!"}, page=path)
    assert said.status_code == 200
    [comment] = world.ann.get(f"/v1/proposals/{proposal_id}/comments").json()["items"]
    reply = {"text": "And a small loaf too.", "parent": comment["id"]}
    replied = submit(client, f"{path}/comments", reply, page=path)
    assert replied.status_code == 200
    page = client.get(path)
    assert "Yes please, with seeds!" in page.text
    assert "And a small loaf too." in page.text
    assert submit(client, f"{path}/comments", {"text": "  "}, page=path).status_code == 422
    listing = client.get("/proposals?sort=most_supported")
    assert "Rye bread on Sundays" in listing.text


def test_a_shop_makes_it_a_campaign_and_neighbours_pledge(
    client: TestClient, world: World, services: Services
) -> None:
    proposal_id = _propose(client, world)
    path = f"/proposals/{proposal_id}"
    deadline = (services.clock.now() + timedelta(days=7)).date().isoformat()
    _as(client, world.ann.token)  # Ann owns the bakery
    assert "Make it a campaign of my shop" in client.get(path).text
    bad = submit(client, f"{path}/campaigns",
                 {"business": world.bakery["id"], "unit_price": "-1", "threshold": "2",
                  "threshold_kind": "pledges", "deadline": deadline}, page=path)  # fmt: skip
    assert bad.status_code == 422
    started = submit(client, f"{path}/campaigns",
                     {"business": world.bakery["id"], "unit_price": "4,50", "threshold": "2",
                      "threshold_kind": "pledges", "deadline": deadline},
                     page=path, follow_redirects=False)  # fmt: skip
    assert started.status_code == 303, started.text
    [campaign] = world.bob.get("/v1/campaigns").json()["items"]
    dashboard = client.get(f"/shop/{world.bakery['id']}")
    assert f'href="/proposals/{proposal_id}#campaigns"' in dashboard.text  # on her dashboard

    _as(client, world.bob.token)
    assert "Make it a campaign of my shop" not in client.get(path).text  # Bob has no shop
    pledged = submit(client, f"/campaigns/{campaign['id']}/pledge", {"quantity": "2"}, page=path,
                     follow_redirects=False)  # fmt: skip
    assert pledged.status_code == 303
    assert pledged.headers["location"] == f"{path}#campaigns"
    page = client.get(path)
    assert "Change my pledge" in page.text
    got = world.bob.get(f"/v1/campaigns/{campaign['id']}").json()
    assert (got["pledges"], got["units"]) == (1, 2)

    outsider = register(world.admin.client, "Someone elsewhere")
    _as(client, outsider.token)
    assert client.get(path).status_code == 404
    refused = submit(client, f"/campaigns/{campaign['id']}/pledge", {"quantity": "1"}, page="/")
    assert refused.status_code == 404
    assert world.bob.get(f"/v1/campaigns/{campaign['id']}").json()["pledges"] == 1


def test_a_collected_order_is_reviewed_from_home_and_the_shop_answers(
    client: TestClient, world: World, services: Services
) -> None:
    with services.uow() as uow:
        order = orders.place_order(
            uow, business_id=world.bakery["id"], member_id=world.bob.id,
            source_kind=OrderSource.RESERVATION, source_id="res_review", title="Rye loaf",
            quantity=1, at=services.clock.now(), unit_price=4.5,
        )  # fmt: skip
        uow.commit()
    _as(client, world.bob.token)
    home = client.get("/")
    assert f'id="order-{order.id}"' in home.text
    assert "Review the shop" not in home.text  # not collected yet: nothing to review
    early = submit(client, "/reviews", {"order": order.id, "rating": "5", "text": "Great"},
                   page="/")  # fmt: skip
    assert early.status_code == 403  # no review without a fulfilment
    for status in ("ready", "collected"):
        moved = world.bakery_actor.post(f"/v1/orders/{order.id}/transitions", {"status": status})
        assert moved.status_code == 200, moved.text
    assert "Review the shop" in client.get("/").text
    assert submit(client, "/reviews", {"order": order.id, "rating": "9", "text": "Wow"},
                  page="/").status_code == 422  # fmt: skip
    posted = submit(client, "/reviews", {"order": order.id, "rating": "4", "text": "Good rye."},
                    page="/", follow_redirects=False)  # fmt: skip
    assert posted.status_code == 303
    assert "reviewed" in client.get("/").text
    twice = submit(client, "/reviews", {"order": order.id, "rating": "5", "text": "Again"},
                   page="/")  # fmt: skip
    assert twice.status_code == 409  # one review per fulfilment

    shop = f"/shop/{world.bakery['id']}"
    _as(client, world.ann.token)
    dashboard = client.get(shop)
    assert "Good rye." in dashboard.text
    [review] = world.ann.get("/v1/reviews", params={"business_id": world.bakery["id"]}).json()[
        "items"
    ]
    answered = submit(client, f"{shop}/reviews/{review['id']}/answer",
                      {"text": "Thank you, Bob!"}, page=shop, follow_redirects=False)  # fmt: skip
    assert answered.status_code == 303
    public = _as(client, world.bob.token).get(f"/shops/{world.bakery['id']}")
    assert "Thank you, Bob!" in public.text
    assert "from 1 review" in public.text
