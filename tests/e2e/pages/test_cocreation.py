"""Co-creation on the pages: proposing, supporting and discussing a proposal, a shop making
it a campaign, and pledging to it; bad input keeps the form, outsiders are kept out."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

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
