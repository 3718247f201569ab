"""A thing's page: what the owner sees, and who else may see it (the thing policy decides)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.actors import HOME, PASSWORD, World
from tests.e2e.pages.forms import submit
from tests.e2e.pages.things import publish, register_thing

NNBSP = "\u202f"


def test_the_owner_sees_name_state_and_a_chart_of_each_numeric_field(world: World) -> None:
    thing, device = register_thing(world.bob, world)
    for power in (1200, 2450, 1800):
        publish(device, power_w=power, energy_wh=power // 4)

    page = world.bob.get(f"/things/{thing['id']}")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert thing["name"] in html
    assert f"1{NNBSP}800{NNBSP}W" in html  # the latest power, as the state shows it
    charts = re.findall(r'<svg [^>]*class="chart".*?</svg>', html, flags=re.S)
    assert {re.search(r'data-field="([^"]+)"', svg)[1] for svg in charts} == {  # type: ignore[index]
        "energy_wh",
        "power_w",
    }
    power_chart = next(svg for svg in charts if 'data-field="power_w"' in svg)
    points = re.search(r'<polyline class="line" points="([^"]*)"', power_chart)
    assert points is not None
    assert len(points[1].split()) == 3
    assert ">W</text>" in power_chart  # the unit labels the value axis
    assert re.search(r">\d\d:00</text>", power_chart)  # time ticks on whole hours
    assert "You have not shared its data with anyone." in html


def test_a_stranger_gets_an_html_404_for_a_private_thing(world: World) -> None:
    thing, _ = register_thing(world.bob, world)

    page = world.ann.get(f"/things/{thing['id']}")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text
    assert thing["name"] not in page.text
    assert world.ann.get(f"/things/{thing['id']}/charts").status_code == 404
    assert world.ann.get("/things/thg_unknown").status_code == 404


def test_a_public_thing_shows_to_another_member(world: World) -> None:
    thing, device = register_thing(world.bob, world, visibility="public")
    publish(device, power_w=900)

    page = world.ann.get(f"/things/{thing['id']}")

    assert page.status_code == 200
    assert thing["name"] in page.text
    assert "<polyline" in page.text
    assert "Bob" in page.text  # the owner, named to a member of the same circle
    assert "not shared its data" not in page.text  # grants are the owner's to see


def test_a_live_thing_data_grant_shows_the_thing_until_it_is_revoked(world: World) -> None:
    thing, device = register_thing(world.bob, world)
    publish(device, power_w=700)
    grant = world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "thing_data",
            "purpose": "service_delivery",
            "thing_id": thing["id"],
        },
    )

    shared = world.bakery_actor.get(f"/things/{thing['id']}")  # the grant's recipient
    assert shared.status_code == 200
    assert "Bakkerij Ann" in shared.text
    assert "service delivery" in shared.text
    assert world.bakery_actor.get(f"/v1/things/{thing['id']}").status_code == 200  # the API agrees
    # the bakery's owner, as a member, sees a private thing by its visibility only
    assert world.ann.get(f"/things/{thing['id']}").status_code == 404
    owner_view = world.bob.get(f"/things/{thing['id']}").text
    assert "Bakkerij Ann" in owner_view
    assert ">live</span>" in owner_view

    assert world.bob.delete(f"/v1/consents/{grant['id']}").status_code == 200

    assert world.bakery_actor.get(f"/things/{thing['id']}").status_code == 404
    assert world.bakery_actor.get(f"/v1/things/{thing['id']}").status_code == 404
    assert "revoked" in world.bob.get(f"/things/{thing['id']}").text


def test_a_grant_for_another_thing_or_category_shows_nothing(world: World) -> None:
    thing, _ = register_thing(world.bob, world)
    other, _ = register_thing(world.bob, world)
    world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "thing_data",
            "purpose": "service_delivery",
            "thing_id": other["id"],
        },
    )
    world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "profile",
            "purpose": "matching",
        },
    )

    assert world.bakery_actor.get(f"/things/{thing['id']}").status_code == 404
    assert world.bakery_actor.get(f"/things/{other['id']}").status_code == 200


def test_the_index_lists_the_circles_things_with_links(world: World) -> None:
    public, _ = register_thing(world.bob, world, visibility="public")
    private, _ = register_thing(world.bob, world)

    index = world.ann.get("/things")

    assert index.status_code == 200
    assert f'href="/things/{public["id"]}"' in index.text
    assert private["id"] not in index.text
    assert world.circle["name"] in index.text


def test_pages_ask_a_visitor_to_log_in(client: TestClient, world: World) -> None:
    assert 'href="/login"' in client.get("/").text
    page = client.get("/things/thg_x", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/things/thg_x"
    assert client.get("/things/thg_x/stream").status_code == 401


def test_logging_in_sets_a_session_cookie_and_logging_out_revokes_it(
    client: TestClient, world: World
) -> None:
    thing, _ = register_thing(world.bob, world)
    email = client.get("/v1/members/me", headers=world.bob.headers).json()["email"]

    wrong = submit(client, "/login", {"email": email, "password": "nope", "next": "/"})
    assert wrong.status_code == 401
    assert "Wrong email or password" in wrong.text

    path = f"/things/{thing['id']}"
    login = submit(
        client,
        "/login",
        {"email": email, "password": PASSWORD, "next": path},
        follow_redirects=False,
    )
    assert login.status_code == 303
    assert login.headers["location"] == path
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert client.get(path).status_code == 200  # the client keeps the cookie

    token = client.cookies["buurt_session"]
    out = submit(client, "/logout", {}, page=path, follow_redirects=False)
    assert out.status_code == 303
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/auth/tokens", headers=headers).status_code == 401  # revoked
    assert client.get(path, follow_redirects=False).status_code == 303


def test_a_login_form_posted_from_another_site_is_refused(client: TestClient) -> None:
    refused = submit(
        client,
        "/login",
        {"email": "a@example.org", "password": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    assert "another site" in refused.text
    forged = client.post("/login", data={"email": "a@example.org", "password": "x", "csrf": "f"})
    assert forged.status_code == 403  # a token that is not the cookie's
    tokenless = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert tokenless.status_code == 403
    honest = submit(client, "/login", {"email": "a@example.org", "password": "x"})
    assert honest.status_code == 401  # the control: the form's own token is accepted


def test_login_returns_only_to_a_path_on_this_site(client: TestClient, world: World) -> None:
    email = client.get("/v1/members/me", headers=world.ann.headers).json()["email"]
    login = submit(
        client,
        "/login",
        {"email": email, "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert login.headers["location"] == "/"


def test_the_owner_changes_visibility_and_shares_and_stops_sharing_on_the_page(
    client: TestClient, world: World
) -> None:
    thing, _device = register_thing(world.bob, world)
    page_path = f"/things/{thing['id']}"
    client.cookies.set("buurt_session", world.ann.token)
    assert client.get(page_path).status_code == 404  # private: not Ann's to see
    client.cookies.set("buurt_session", world.bob.token)
    page = client.get(page_path)
    assert f'action="/things/{thing["id"]}/visibility"' in page.text
    assert 'name="thing" value="' + thing["id"] + '"' in page.text  # share from here

    opened = submit(client, f"{page_path}/visibility", {"visibility": "circle"}, page=page_path,
                    follow_redirects=False)  # fmt: skip
    assert opened.status_code == 303
    assert world.bob.get(f"/v1/things/{thing['id']}").json()["visibility"] == "circle"
    client.cookies.set("buurt_session", world.ann.token)
    assert client.get(page_path).status_code == 200  # now the circle sees it
    # Ann sees it but may not change it, through the page or otherwise.
    refused = submit(client, f"{page_path}/visibility", {"visibility": "public"}, page=page_path)
    assert refused.status_code in (403, 404)
    assert world.bob.get(f"/v1/things/{thing['id']}").json()["visibility"] == "circle"

    client.cookies.set("buurt_session", world.bob.token)
    shared = submit(
        client, "/consent/grants",
        {"category": "thing_data", "thing": thing["id"], "business": world.bakery["id"],
         "purpose": "service_delivery", "until": "month", "next": f"{page_path}#access"},
        page=page_path, follow_redirects=False,
    )  # fmt: skip
    assert shared.status_code == 303
    assert shared.headers["location"] == f"{page_path}#access"  # back on the thing's page
    [grant] = world.bob.get("/v1/consents").json()["items"]
    assert grant["thing_id"] == thing["id"]
    assert grant["revoked_at"] is None
    page = client.get(page_path)
    assert f'action="/consent/grants/{grant["id"]}/revoke"' in page.text
    revoke = f"/consent/grants/{grant['id']}/revoke"
    back = {"next": f"{page_path}#access"}
    stopped = submit(client, revoke, back, page=page_path, follow_redirects=False)
    assert stopped.headers["location"] == f"{page_path}#access"
    assert world.bob.get(f"/v1/consents/{grant['id']}").json()["revoked_at"] is not None
    away = {"next": "https://evil.example/"}
    outside = submit(client, revoke, away, page=page_path, follow_redirects=False)
    assert outside.headers["location"] == "/"  # never back to another site


# Past midnight in Amsterdam, still the day before in UTC: the page shows the circle's time.
@pytest.mark.frozen_clock(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
def test_a_yes_no_sensor_is_drawn_as_a_timeline_and_its_newest_reading_is_shown(
    world: World,
) -> None:
    thing, device = register_thing(world.bob, world, kind="parking_sensor")
    body = {"kind": "mobility/parking", "place": HOME}
    for occupied in (True, False, True):
        last = device.created("/v1/events", {**body, "attributes": {"occupied": occupied}})

    html = world.bob.get(f"/things/{thing['id']}").text

    assert 'class="chart timeline"' in html
    assert 'data-field="occupied"' in html
    assert "No readings to draw" not in html
    assert "% of the time" in html
    assert "occupied" in html  # the field in words
    assert "Newest reading" in html
    shown = html.split('<time id="last-seen">')[1].split("</time>")[0]
    assert last["occurred_at"].startswith("2026-03-02T23:30")
    assert shown.startswith("3 ")  # its day in Amsterdam (3 March, 00:30), then the time
    assert "00:30" in shown
