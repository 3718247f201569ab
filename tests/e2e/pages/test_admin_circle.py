"""Running a circle from ``/admin``: pending admission requests admitted or refused, codes
issued, address letters made as a PDF, and the moderation desk; every other identity is
refused with the HTML 403 page, the admin being the positive control."""

from __future__ import annotations

import base64
import re

from fastapi.testclient import TestClient

from tests.actors import World, register
from tests.e2e.pages.forms import submit


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def _asks(world: World, name: str) -> tuple[str, str]:
    """A newcomer who asks the circle's neighbours to vouch; their token and request id."""
    newcomer = register(world.admin.client, name, world.circle["id"])
    made = newcomer.created(f"/v1/circles/{world.circle['id']}/admission-requests", {})
    return newcomer.token, made["id"]


def _status(world: World, request_id: str) -> str:
    path = f"/v1/circles/{world.circle['id']}/admission-requests/{request_id}"
    status: str = world.admin.get(path).json()["status"]
    return status


def test_the_admin_admits_one_pending_request_and_refuses_another(
    client: TestClient, world: World
) -> None:
    _cas, cas_request = _asks(world, "Cas")
    _dee, dee_request = _asks(world, "Dee")
    base = f"/admin/{world.circle['id']}/requests"
    page = _as(client, world.admin.token).get("/admin")
    assert "Cas" in page.text
    assert "Dee" in page.text
    assert f'action="{base}/{cas_request}/admit"' in page.text

    admitted = submit(client, f"{base}/{cas_request}/admit", {}, page="/admin",
                      follow_redirects=False)  # fmt: skip
    assert admitted.status_code == 303
    refused = submit(client, f"{base}/{dee_request}/refuse", {"note": "not known here"},
                     page="/admin", follow_redirects=False)  # fmt: skip
    assert refused.status_code == 303
    assert (_status(world, cas_request), _status(world, dee_request)) == ("admitted", "withdrawn")
    again = submit(client, f"{base}/{cas_request}/admit", {}, page="/admin")
    assert again.status_code == 409  # decided already: the HTML page says so
    assert again.headers["content-type"].startswith("text/html")


def test_others_get_the_403_page_and_decide_nothing(client: TestClient, world: World) -> None:
    _eve, request_id = _asks(world, "Eve")
    for token in (world.bob.token, world.bakery_actor.token):
        page = _as(client, token).get("/admin")
        assert page.status_code == 403
        assert page.headers["content-type"].startswith("text/html")
    path = f"/admin/{world.circle['id']}/requests/{request_id}"
    _as(client, world.bob.token)
    for decision in ("admit", "refuse"):
        forged = submit(client, f"{path}/{decision}", {}, page="/")
        assert forged.status_code == 403, forged.text
        assert forged.headers["content-type"].startswith("text/html")
    code = submit(client, f"/admin/{world.circle['id']}/codes", {"route": "invite"}, page="/")
    assert code.status_code == 403
    assert _status(world, request_id) == "pending"
    assert _as(client, world.admin.token).get("/admin").status_code == 200  # the control


def test_an_invite_code_is_shown_once_and_admits(client: TestClient, world: World) -> None:
    _as(client, world.admin.token)
    made = submit(client, f"/admin/{world.circle['id']}/codes", {"route": "invite",
                  "label": "street party"}, page="/admin")  # fmt: skip
    assert made.status_code == 201
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', made.text)
    assert code is not None
    assert code[1] not in client.get("/admin").text  # shown once
    newcomer = register(world.admin.client, "Fen")
    joined = newcomer.created(
        f"/v1/circles/{world.circle['id']}/admission-requests", {"code": code[1]}
    )
    assert joined["status"] == "admitted"
    bad = submit(client, f"/admin/{world.circle['id']}/codes", {"route": "letter"}, page="/admin")
    assert bad.status_code == 422  # a letter needs an address: the letters form makes them


def test_a_batch_of_letters_is_a_pdf_and_a_repeated_address_is_skipped(
    client: TestClient, world: World
) -> None:
    _as(client, world.admin.token)
    path = f"/admin/{world.circle['id']}/letters"
    addresses = "Javastraat 12-2, 1094 HC Amsterdam\nSumatrastraat 3, Amsterdam\n"
    made = submit(client, path, {"addresses": addresses}, page="/admin")
    assert made.status_code == 201
    assert "2 letters made." in made.text
    pdf = re.search(r'href="data:application/pdf;base64,([A-Za-z0-9+/=]+)"', made.text)
    assert pdf is not None
    assert base64.b64decode(pdf[1]).startswith(b"%PDF")
    again = submit(client, path, {"addresses": "javastraat 12 2 1094 hc amsterdam"}, page="/admin")
    assert again.status_code == 200
    assert "a letter to this address is on its way" in again.text
    assert "data:application/pdf" not in again.text
    codes = world.admin.get(f"/v1/circles/{world.circle['id']}/admission-codes?route=letter")
    assert len(codes.json()["items"]) == 2
    _as(client, world.bob.token)
    assert submit(client, path, {"addresses": "Molukkenstraat 1"}, page="/").status_code == 403


def test_a_reported_proposal_is_hidden_with_a_reason_and_shown_again(
    client: TestClient, world: World
) -> None:
    proposal = world.bob.created(
        "/v1/proposals",
        {"circle_id": world.circle["id"], "title": "A repair café", "category": "services",
         "description": "Saturdays in the community centre."},
    )  # fmt: skip
    world.ann.created(f"/v1/proposals/{proposal['id']}/reports", {"reason": "an advert"})
    _as(client, world.admin.token)
    desk = client.get("/admin")
    assert "A repair café" in desk.text
    assert "an advert" in desk.text
    path = f"/admin/{world.circle['id']}/moderation"
    target = {"target_kind": "proposal", "target_id": proposal["id"]}
    without = submit(client, path, {**target, "action": "hidden", "reason": ""}, page="/admin")
    assert without.status_code == 422  # a decision gives its reason
    hidden = submit(client, path, {**target, "action": "hidden", "reason": "advertising"},
                    page="/admin", follow_redirects=False)  # fmt: skip
    assert hidden.status_code == 303
    assert world.bob.get(f"/v1/proposals/{proposal['id']}").json()["hidden_reason"] is not None
    assert "Hidden because: advertising" in client.get("/admin").text  # still on the desk
    shown = submit(client, path, {**target, "action": "restored", "reason": "a mistake"},
                   page="/admin", follow_redirects=False)  # fmt: skip
    assert shown.status_code == 303
    assert world.bob.get(f"/v1/proposals/{proposal['id']}").json()["hidden_reason"] is None
    assert "Nothing reported, nothing hidden." in client.get("/admin").text
    _as(client, world.bob.token)
    forged = submit(client, path, {**target, "action": "hidden", "reason": "x"}, page="/")
    assert forged.status_code == 403
