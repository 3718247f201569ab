"""A circle admin's page: members and roles (changed there), the things registry, the
instance's health; and every other identity kept out (the HTML 403 page)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from buurt.domain.community import Circle
from buurt.services.community.roster import PAGE
from buurt.services.context import Services
from tests.actors import World
from tests.e2e.pages.forms import submit
from tests.e2e.pages.things import register_thing
from tests.records import a_member, a_membership, add_all


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


def test_the_admin_sees_members_things_and_the_instance(client: TestClient, world: World) -> None:
    thing, _device = register_thing(world.bob, world)
    page = _as(client, world.admin.token).get("/admin")
    assert page.status_code == 200
    assert world.circle["name"] in page.text
    assert "Bob" in page.text  # a member, with a role
    assert thing["name"] in page.text  # the registry
    assert "sqlite" in page.text or "postgresql" in page.text  # the store it runs on
    assert "Maintenance" in page.text
    assert world.bob.get("/v1/members/me").json()["email"] not in page.text  # names, not mail


def test_the_admin_makes_a_member_admin_who_steps_down_again_but_the_last_admin_cannot(
    client: TestClient, world: World
) -> None:
    circle = world.circle["id"]
    _as(client, world.admin.token)
    alone = submit(client, f"/admin/{circle}/members/{world.admin.id}/role", {"role": "member"},
                   page="/admin")  # fmt: skip
    assert alone.status_code == 409  # the circle would have no admin
    assert "at least one admin" in alone.text
    made = submit(client, f"/admin/{circle}/members/{world.bob.id}/role", {"role": "admin"},
                  page="/admin", follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    assert _as(client, world.bob.token).get("/admin").status_code == 200  # Bob runs it now
    stepped = submit(client, f"/admin/{circle}/members/{world.bob.id}/role", {"role": "member"},
                     page="/admin", follow_redirects=False)  # fmt: skip
    assert stepped.status_code == 303
    assert _as(client, world.bob.token).get("/admin").status_code == 403


def test_members_businesses_things_and_visitors_do_not_see_it(
    client: TestClient, world: World
) -> None:
    _thing, device = register_thing(world.bob, world)
    for token in (world.bob.token, world.bakery_actor.token, device.token):
        refused = _as(client, token).get("/admin")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
    circle = world.circle["id"]
    _as(client, world.bob.token)
    forged = submit(client, f"/admin/{circle}/members/{world.bob.id}/role", {"role": "admin"},
                    page="/")  # fmt: skip
    assert forged.status_code in (403, 404)
    assert _as(client, world.bob.token).get("/admin").status_code == 403  # still no admin
    client.cookies.clear()
    assert client.get("/admin", follow_redirects=False).headers["location"].startswith("/login")


def test_a_big_circles_members_come_a_page_at_a_time(
    client: TestClient, world: World, services: Services
) -> None:
    with services.uow() as uow:
        circle = uow.repo(Circle).get(world.circle["id"])
    assert circle is not None
    joined = [a_member(f"Neighbour {n:02d}") for n in range(PAGE + 5)]
    add_all(services.uow, *joined, *(a_membership(circle, m) for m in joined))
    _as(client, world.admin.token)
    first = client.get("/admin")
    assert first.status_code == 200
    assert f'<span class="badge">{PAGE + 8}</span>' in first.text  # Ada, Ann, Bob and them
    [more] = re.findall(r'href="(/admin\?circle=[^"]*members_after=[^"#]*)', first.text)
    second = client.get(more.replace("&amp;", "&"))
    assert second.status_code == 200
    on = [re.findall(r"<strong>(Neighbour \d\d)</strong>", page.text) for page in (first, second)]
    # Ann and Bob joined first: the first page has 48 of them, the next the other 7.
    assert [len(names) for names in on] == [PAGE - 2, 7]
    assert sorted(on[0] + on[1]) == sorted(m.name for m in joined)
    assert all("<strong>Ada Admin</strong>" in page.text for page in (first, second))
    assert "More members" not in second.text
    assert "First members" in second.text
