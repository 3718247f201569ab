"""A resident's pages: home with moments and needs, publishing a need, consent, settings."""

from __future__ import annotations

import re

import h3
from fastapi.testclient import TestClient

from tests.actors import HOME, PASSWORD, World
from tests.e2e.pages.forms import submit

AREA = {**HOME, "radius_m": 800}


def _logged_in(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def _bread_offer(world: World) -> dict[str, object]:
    return world.bakery_actor.created(
        "/v1/offers",
        {"circle_id": world.circle["id"], "category": "food/bread", "title": "Sourdough",
         "area": AREA, "price": 4.5},
    )  # fmt: skip


def test_a_visitor_is_welcomed_and_a_member_sees_their_home(
    client: TestClient, world: World
) -> None:
    welcome = client.get("/")
    assert 'href="/signup"' in welcome.text
    _bread_offer(world)
    home = _logged_in(client, world.bob.token).get("/")
    assert world.circle["name"] in home.text
    assert "Sourdough" in home.text  # on offer nearby
    assert 'sse-connect="/moments/stream"' in home.text


def test_a_need_is_published_from_the_map_and_its_answer_is_accepted_on_the_page(
    client: TestClient, world: World
) -> None:
    offer = _bread_offer(world)
    client = _logged_in(client, world.bob.token)
    where = client.get("/needs/new")
    assert where.status_code == 200
    links = re.findall(r'href="(/needs/new\?circle=[^"&]+&amp;cell=[0-9a-f]+)"', where.text)
    assert links, "the map's hexagons are links"
    cell = h3.latlng_to_cell(HOME["lat"], HOME["lon"], 10)
    form = client.get(f"/needs/new?circle={world.circle['id']}&cell={cell}")
    assert 'name="category"' in form.text
    lat, lon = h3.cell_to_latlng(cell)
    published = submit(
        client, "/needs",
        {"circle": world.circle["id"], "lat": str(lat), "lon": str(lon), "category": "food/bread",
         "other": "", "text": "two loaves", "day": "", "from": "9", "until": "17",
         "radius": "800", "max_price": "6,00"},
        page="/needs/new", follow_redirects=False,
    )  # fmt: skip
    assert published.status_code == 303, published.text
    need_page = client.get(published.headers["location"])
    assert "two loaves" in need_page.text
    assert "Sourdough" in need_page.text  # what answered it
    moment = world.bob.get("/v1/moments").json()["items"][0]
    assert moment["standing_id"] == offer["id"]
    accepted = submit(
        client, f"/moments/{moment['id']}/step", {"status": "accepted"}, page="/",
        follow_redirects=False,
    )  # fmt: skip
    assert accepted.status_code == 303
    assert world.bob.get(f"/v1/moments/{moment['id']}").json()["status"] == "accepted"
    again = submit(client, f"/moments/{moment['id']}/step", {"status": "declined"}, page="/")
    assert again.status_code == 409  # a wrong step gets the HTML page for it
    assert again.headers["content-type"].startswith("text/html")


def test_a_need_with_a_bad_price_keeps_the_form(client: TestClient, world: World) -> None:
    client = _logged_in(client, world.bob.token)
    refused = submit(
        client, "/needs",
        {"circle": world.circle["id"], "lat": str(HOME["lat"]), "lon": str(HOME["lon"]),
         "category": "food/bread", "radius": "800", "max_price": "lots", "day": ""},
        page="/needs/new",
    )  # fmt: skip
    assert refused.status_code == 422
    assert 'value="lots"' in refused.text  # what was typed stays


def test_a_grant_is_given_revoked_and_its_uses_read_as_sentences(
    client: TestClient, world: World
) -> None:
    client = _logged_in(client, world.bob.token)
    page = client.get("/consent")
    assert "shops learn nothing of you" in page.text
    given = submit(
        client, "/consent/grants",
        {"business": world.bakery["id"], "category": "intents", "purpose": "matching",
         "until": "month"},
        page="/consent", follow_redirects=False,
    )  # fmt: skip
    assert given.status_code == 303
    [grant] = world.bob.get("/v1/consents").json()["items"]
    assert (grant["recipient_id"], grant["expires_at"] is not None) == (world.bakery["id"], True)
    page = client.get("/consent")
    assert "Bakkerij Ann may use your needs for matching" in page.text
    _bread_offer(world)
    world.bob.created("/v1/intents", {"circle_id": world.circle["id"], "category": "food/bread",
                                      "area": AREA})  # fmt: skip
    log = client.get("/consent").text
    assert "Bakkerij Ann used your needs for matching on" in log
    assert "under the grant of" in log
    submit(client, f"/consent/grants/{grant['id']}/revoke", {}, page="/consent")
    assert world.bob.get(f"/v1/consents/{grant['id']}").json()["revoked_at"] is not None
    assert "Revoked on" in client.get("/consent").text


def test_another_members_grant_cannot_be_revoked_from_the_page(
    client: TestClient, world: World
) -> None:
    grant = world.ann.created(
        "/v1/consents",
        {"recipient_kind": "business", "recipient_id": world.bakery["id"],
         "category": "intents", "purpose": "matching"},
    )  # fmt: skip
    client = _logged_in(client, world.bob.token)
    refused = submit(client, f"/consent/grants/{grant['id']}/revoke", {}, page="/consent")
    assert refused.status_code == 404
    assert world.ann.get(f"/v1/consents/{grant['id']}").json()["revoked_at"] is None


def test_settings_change_quiet_hours_cap_and_language(client: TestClient, world: World) -> None:
    client = _logged_in(client, world.bob.token)
    saved = submit(
        client, "/settings",
        {"per_hour": "3", "quiet": "on", "quiet_from": "22", "quiet_until": "7",
         "language": "nl"},
        page="/settings",
    )  # fmt: skip
    assert "Opgeslagen." in saved.text  # the page now speaks Dutch
    me = world.bob.get("/v1/members/me").json()
    assert (me["max_moments_per_hour"], me["quiet_from_hour"], me["quiet_until_hour"]) == (3, 22, 7)
    submit(client, "/settings", {"per_hour": "3", "language": "en"}, page="/settings")
    assert world.bob.get("/v1/members/me").json()["quiet_from_hour"] is None


def test_my_data_downloads_and_my_account_can_be_deleted(client: TestClient, world: World) -> None:
    client = _logged_in(client, world.bob.token)
    download = client.get("/me/export")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.json()["profile"]["id"] == world.bob.id
    wrong = submit(client, "/me/delete", {"password": "not it"}, page="/consent")
    assert wrong.status_code == 403
    gone = submit(client, "/me/delete", {"password": PASSWORD}, page="/consent")
    assert gone.status_code == 200
    assert world.bob.get("/v1/members/me").status_code == 401
