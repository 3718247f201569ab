"""``/v1/businesses/{id}/staff`` as every identity: the owner (and the shop's own token) adds
and removes staff; staff read the list and may leave, but manage nobody and delete nothing;
another member, a thing and no token are refused; bad input is a problem, never a 500."""

from __future__ import annotations

from typing import Any

from tests.actors import HOME, Actor, World, issue, register


def _staff(world: World) -> str:
    return f"/v1/businesses/{world.bakery['id']}/staff"


def _email(actor: Actor) -> str:
    email: str = actor.get("/v1/members/me").json()["email"]
    return email


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def test_the_owner_adds_staff_by_email_or_id_and_removes_them(world: World) -> None:
    added = world.ann.created(_staff(world), {"member": _email(world.bob).upper()})
    assert (added["member_id"], added["name"]) == (world.bob.id, "Bob")
    assert "email" not in added  # the shop needs who, not how to mail them
    by_id = world.bakery_actor.created(_staff(world), {"member": world.admin.id})
    assert by_id["member_id"] == world.admin.id  # the shop's own token is the owner's
    listed = world.ann.get(_staff(world)).json()["items"]
    assert [m["member_id"] for m in listed] == [world.admin.id, world.bob.id]  # by name

    assert world.ann.delete(f"{_staff(world)}/{world.bob.id}").status_code == 204
    assert [m["member_id"] for m in world.ann.get(_staff(world)).json()["items"]] == [
        world.admin.id
    ]


def test_staff_read_the_list_and_leave_but_manage_nobody_and_keep_the_shop(
    world: World,
) -> None:
    world.ann.created(_staff(world), {"member": world.bob.id})
    world.ann.created(_staff(world), {"member": world.admin.id})
    assert world.bob.get(_staff(world)).status_code == 200  # staff see their colleagues
    _problem(world.bob.post(_staff(world), {"member": world.admin.id}), 403)
    _problem(world.bob.delete(f"{_staff(world)}/{world.admin.id}"), 403)
    _problem(world.bob.delete(f"/v1/businesses/{world.bakery['id']}"), 403)
    _problem(world.bob.post("/v1/auth/tokens/issue", _business_token(world)), 403)

    assert world.bob.delete(f"{_staff(world)}/{world.bob.id}").status_code == 204  # leaving
    _problem(world.bob.get(_staff(world)), 403)  # no longer theirs to read
    assert world.ann.post("/v1/auth/tokens/issue", _business_token(world)).status_code == 201


def _business_token(world: World) -> dict[str, str]:
    return {"principal_kind": "business", "principal_id": world.bakery["id"]}


def test_another_member_a_thing_and_no_token_are_refused(world: World) -> None:
    fridge = world.admin.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "fridge", "name": "Fridge", "place": HOME},
    )
    thing = issue(world.admin, "thing", fridge["id"])
    for stranger in (world.admin, thing):
        _problem(stranger.get(_staff(world)), 403)
        _problem(stranger.post(_staff(world), {"member": world.bob.id}), 403)
    world.ann.created(_staff(world), {"member": world.bob.id})  # the control: the owner may
    for stranger in (world.admin, thing):
        _problem(stranger.delete(f"{_staff(world)}/{world.bob.id}"), 403)
    assert world.bob.client.get(_staff(world)).status_code == 401
    assert world.bob.client.post(_staff(world), json={"member": world.bob.id}).status_code == 401
    assert [m["member_id"] for m in world.ann.get(_staff(world)).json()["items"]] == [world.bob.id]


def test_bad_input_is_a_problem(world: World) -> None:
    stranger = register(world.ann.client, "Stranger")  # a member of no circle
    for who in ("nobody@example.org", "mem_unknown", _email(stranger), stranger.id):
        body = _problem(world.ann.post(_staff(world), {"member": who}), 404)
        assert "no member of the shop's circle" in body["detail"]
    _problem(world.ann.post(_staff(world), {"member": ""}), 422)
    _problem(world.ann.post(_staff(world), {"who": world.bob.id}), 422)
    _problem(world.ann.post(_staff(world), {"member": world.ann.id}), 409)  # the owner
    world.ann.created(_staff(world), {"member": world.bob.id})
    _problem(world.ann.post(_staff(world), {"member": world.bob.id}), 409)  # twice
    _problem(world.ann.get("/v1/businesses/biz_unknown/staff"), 404)
    _problem(world.ann.delete(f"{_staff(world)}/{world.admin.id}"), 404)  # not staff
