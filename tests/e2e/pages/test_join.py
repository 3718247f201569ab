"""Joining a circle from the browser: a code redeemed at once, a wrong one refused with the
form kept, and a request for vouches left pending."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.actors import World, register
from tests.e2e.pages.forms import submit


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def test_a_newcomer_joins_with_an_invite_code_and_a_wrong_code_is_refused(
    client: TestClient, world: World
) -> None:
    circle = world.circle["id"]
    newcomer = register(world.admin.client, "Noor")
    _as(client, newcomer.token)
    assert "Join a circle" in client.get("/").text  # home points the way
    page = client.get("/join")
    assert world.circle["name"] in page.text
    assert f'action="/join/{circle}"' in page.text

    wrong = submit(client, f"/join/{circle}", {"code": "NOT-A-CODE"}, page="/join")
    assert wrong.status_code == 422
    assert 'role="alert"' in wrong.text
    assert "badge live-grant" not in wrong.text

    base = f"/v1/circles/{circle}"
    code = world.admin.created(f"{base}/admission-codes", {"route": "invite"})["code"]
    joined = submit(client, f"/join/{circle}", {"code": code}, page="/join",
                    follow_redirects=False)  # fmt: skip
    assert joined.status_code == 303
    assert "badge live-grant" in client.get("/join").text  # a verified neighbour now
    assert client.get("/circle").status_code == 200
    again = submit(client, f"/join/{circle}", {"code": code}, page="/join")
    assert again.status_code == 409  # verified already; and a code is used once


def test_without_a_code_a_newcomer_asks_neighbours_to_vouch(
    client: TestClient, world: World
) -> None:
    circle = world.circle["id"]
    newcomer = register(world.admin.client, "Sem")
    _as(client, newcomer.token)
    asked = submit(client, f"/join/{circle}", {"action": "vouch"}, page="/join",
                   follow_redirects=False)  # fmt: skip
    assert asked.status_code == 303
    page = client.get("/join")
    assert "You asked neighbours to vouch for you" in page.text
    assert "badge live-grant" not in page.text
    client.cookies.clear()
    assert client.get("/join", follow_redirects=False).headers["location"].startswith("/login")
