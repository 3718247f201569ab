"""``/shop/{id}/webhooks``: acting as the shop, its owner adds an endpoint (its secret shown
once), sees each endpoint's newest deliveries with their status, and deletes it; private
addresses are refused with the form kept; anyone else gets the 404 page."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.actors import HOME, Actor, World
from tests.e2e.pages.forms import submit

pytestmark = pytest.mark.frozen_clock()

PUBLIC = "https://93.184.216.34/buurt/hooks"  # never called: no delivery worker runs here
BOTH = {"url": PUBLIC, "moment.created": "1", "moment.changed": "1", "description": "Kassa"}


def _post(client: TestClient, actor: Actor, path: str, data: dict[str, str]) -> Any:
    return submit(client, path, data, headers=actor.headers, follow_redirects=False)


def _booked_bike(world: World) -> None:
    """The bakery lends a cargo bike and Bob books it: the bakery gets a moment, and each of
    its endpoints a delivery."""
    body = {"circle_id": world.circle["id"], "kind": "cargo_bike", "name": "Bakfiets",
            "place": HOME, "visibility": "circle"}  # fmt: skip
    bike = world.bakery_actor.created("/v1/things", body)
    bookable = world.bakery_actor.created("/v1/bookables", {"thing_id": bike["id"]})
    slot = {"starts_at": "2026-03-02T14:00:00+01:00", "ends_at": "2026-03-02T15:00:00+01:00"}
    world.bob.created(f"/v1/bookables/{bookable['id']}/bookings", slot)


def test_the_owner_adds_sees_deliveries_and_deletes(client: TestClient, world: World) -> None:
    page = f"/shop/{world.bakery['id']}/webhooks"
    empty = world.ann.get(page)
    assert empty.status_code == 200
    assert "No endpoints yet." in empty.text
    assert f'href="{page}"' in world.ann.get(f"/shop/{world.bakery['id']}").text

    added = _post(client, world.ann, page, BOTH)
    assert added.status_code == 200  # the secret is on this answer, and on no other
    [endpoint] = world.bakery_actor.get("/v1/webhooks").json()["items"]
    assert (endpoint["url"], endpoint["owner_kind"]) == (PUBLIC, "business")
    assert "whsec_" in added.text
    again = world.ann.get(page).text
    assert "whsec_" not in again
    assert PUBLIC in again
    assert "Nothing sent to it in the last week." in again

    _booked_bike(world)
    sent = world.ann.get(page).text
    assert "moment.created" in sent.split('class="deliveries"')[1]
    assert "waiting" in sent  # pending: no worker runs in this test
    assert "0 attempts" in sent

    gone = _post(client, world.ann, f"{page}/{endpoint['id']}/delete", {})
    assert gone.status_code == 303
    assert world.bakery_actor.get("/v1/webhooks").json()["items"] == []


def test_a_private_address_or_no_news_keeps_the_form(client: TestClient, world: World) -> None:
    page = f"/shop/{world.bakery['id']}/webhooks"
    cases = {
        "http://127.0.0.1:8080/hook": "Buurt cannot post to that address",
        "https://10.0.0.7/hook": "Buurt cannot post to that address",
        "ftp://example.org/": "An address starts with https://",
    }
    for url, message in cases.items():
        refused = _post(client, world.ann, page, {**BOTH, "url": url})
        assert refused.status_code == 422, url
        assert message in refused.text
        assert "whsec_" not in refused.text
    no_topic = _post(client, world.ann, page, {"url": PUBLIC})
    assert no_topic.status_code == 422
    assert "Pick at least one kind of news" in no_topic.text
    assert world.bakery_actor.get("/v1/webhooks").json()["items"] == []
    assert _post(client, world.ann, page, BOTH).status_code == 200  # the control


def test_others_get_the_404_page(client: TestClient, world: World) -> None:
    page = f"/shop/{world.bakery['id']}/webhooks"
    _post(client, world.ann, page, BOTH)
    [endpoint] = world.bakery_actor.get("/v1/webhooks").json()["items"]
    for attempt in (
        world.bob.get(page),
        _post(client, world.bob, page, BOTH),
        _post(client, world.bob, f"{page}/{endpoint['id']}/delete", {}),
    ):
        assert attempt.status_code == 404
        assert attempt.headers["content-type"].startswith("text/html")
    assert len(world.bakery_actor.get("/v1/webhooks").json()["items"]) == 1
    # Bob's own endpoint is not the shop's to delete either.
    mine = world.bob.created("/v1/webhooks", {"url": PUBLIC, "topics": ["moment.created"]})
    refused = _post(client, world.ann, f"{page}/{mine['id']}/delete", {})
    assert refused.status_code == 404
    client.cookies.clear()
    visitor = client.get(page, follow_redirects=False)
    assert visitor.headers["location"] == f"/login?next={page}"
