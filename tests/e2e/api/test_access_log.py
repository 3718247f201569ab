"""Every read of a member's data by someone else goes through the consent decision and is in
the member's access log: an admin's profile reads (by role) and a business's thing reads (by
grant). Without a live grant a business sees nothing."""

from __future__ import annotations

from typing import Any

from tests.actors import HOME, Actor, World, issue, register


def _log(member: Actor, **params: Any) -> list[dict[str, Any]]:
    answer = member.get("/v1/me/access-log", params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _listed(actor: Actor, path: str) -> set[str]:
    return {item["id"] for item in actor.get(path).json()["items"]}


def _fridge(world: World, visibility: str = "public") -> dict[str, Any]:
    return world.bob.created(
        "/v1/things",
        {
            "circle_id": world.circle["id"],
            "kind": "fridge",
            "name": "Bob's fridge",
            "place": HOME,
            "visibility": visibility,
        },
    )


def _thing_grant(world: World, thing_id: str) -> dict[str, Any]:
    return world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "thing_data",
            "purpose": "service_delivery",
            "thing_id": thing_id,
        },
    )


def test_an_admins_profile_read_is_logged_with_the_role(world: World) -> None:
    assert _log(world.bob) == []
    assert world.bob.get(f"/v1/members/{world.bob.id}").status_code == 200
    assert _log(world.bob) == [], "a member's own reads are not uses by someone else"

    assert world.admin.get(f"/v1/members/{world.bob.id}").status_code == 200
    (entry,) = _log(world.bob)
    assert entry["principal_kind"] == "member"
    assert entry["principal_id"] == world.admin.id
    assert entry["category"] == "profile"
    assert entry["purpose"] == "administration"
    assert entry["what"] == f"GET /v1/members/{world.bob.id}"
    assert entry["role"] == f"admin of {world.circle['id']}"
    assert entry["grant_id"] is None

    listed = world.admin.get("/v1/members").json()["items"]
    assert world.bob.id in {m["id"] for m in listed}
    whats = [e["what"] for e in _log(world.bob)]
    assert whats[-1] == f"list member {world.bob.id}"
    # Ann's log is hers alone: Bob's entries are not in it, and nobody reads another's log
    assert all(e["member_id"] == world.ann.id for e in _log(world.ann))
    assert world.bakery_actor.get("/v1/me/access-log").status_code == 403


def test_a_business_sees_a_members_public_thing_only_under_a_live_grant(world: World) -> None:
    fridge = _fridge(world)
    path = f"/v1/things/{fridge['id']}"
    # people see it, as Bob chose ...
    assert world.ann.get(path).status_code == 200
    # ... but a business does not: public is for neighbours, not for businesses
    assert world.bakery_actor.get(path).status_code == 404
    assert fridge["id"] not in _listed(world.bakery_actor, "/v1/things")
    assert _log(world.bob) == []

    grant = _thing_grant(world, fridge["id"])
    assert world.bakery_actor.get(path).status_code == 200
    assert fridge["id"] in _listed(world.bakery_actor, "/v1/things")
    entries = _log(world.bob)
    assert [e["grant_id"] for e in entries] == [grant["id"], grant["id"]]
    assert {e["principal_id"] for e in entries} == {world.bakery["id"]}
    assert entries[0]["category"] == "thing_data"
    assert entries[0]["purpose"] == "service_delivery"

    assert world.bob.delete(f"/v1/consents/{grant['id']}").status_code == 200
    assert world.bakery_actor.get(path).status_code == 404
    assert fridge["id"] not in _listed(world.bakery_actor, "/v1/things")
    assert len(_log(world.bob)) == 2


def test_a_business_sees_a_members_thing_events_only_under_a_live_grant(world: World) -> None:
    fridge = _fridge(world, visibility="private")
    device = issue(world.bob, "thing", fridge["id"])
    body = {"kind": "household/fridge", "attributes": {"item": "milk", "level": 2}, "place": HOME}
    event = device.created("/v1/events", body)
    path = f"/v1/events/{event['id']}"
    assert world.bakery_actor.get(path).status_code == 404
    assert world.bakery_actor.get("/v1/events").json()["items"] == []

    grant = _thing_grant(world, fridge["id"])
    assert world.bakery_actor.get(path).status_code == 200
    assert [e["id"] for e in world.bakery_actor.get("/v1/events").json()["items"]] == [event["id"]]
    assert {e["grant_id"] for e in _log(world.bob)} == {grant["id"]}
    world.bob.delete(f"/v1/consents/{grant['id']}")
    assert world.bakery_actor.get(path).status_code == 404
    # a grant for another purpose allows nothing
    world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "thing_data",
            "purpose": "analytics",
            "thing_id": fridge["id"],
        },
    )
    assert world.bakery_actor.get(path).status_code == 404
    # a thing never reads a member's thing, whatever its visibility
    other = issue(world.ann, "thing", _anns_thing(world)["id"])
    assert other.get(f"/v1/things/{fridge['id']}").status_code == 404


def _anns_thing(world: World) -> dict[str, Any]:
    return world.ann.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "smart_meter", "name": "Meter", "place": HOME},
    )


def test_the_access_log_pages_oldest_first(world: World) -> None:
    for _ in range(5):
        world.admin.get(f"/v1/members/{world.bob.id}")
    first = world.bob.get("/v1/me/access-log", params={"limit": 2}).json()
    assert len(first["items"]) == 2
    rest = world.bob.get(
        "/v1/me/access-log", params={"limit": 10, "cursor": first["next_cursor"]}
    ).json()
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert len(ids) == 5
    assert ids == sorted(ids)
    assert rest["next_cursor"] is None
    assert world.bob.get("/v1/me/access-log", params={"category": "location"}).json()["items"] == []


def test_grants_are_changed_but_never_revived_or_backdated(world: World) -> None:
    grant = _thing_grant(world, _fridge(world)["id"])
    path = f"/v1/consents/{grant['id']}"
    past = world.bob.patch(path, {"expires_at": "2020-01-01T00:00:00+00:00"})
    assert past.status_code == 422
    later = world.bob.patch(path, {"expires_at": "2999-01-01T00:00:00+00:00"})
    assert later.json()["expires_at"].startswith("2999-01-01")
    assert world.bob.delete(path).json()["revoked_at"] is not None
    assert world.bob.patch(path, {"expires_at": None}).status_code == 409
    listed = world.bob.get("/v1/consents").json()["items"]
    assert [g["revoked_at"] is not None for g in listed] == [True]


def test_an_outsider_admin_reads_no_profile(world: World) -> None:
    outsider = register(world.ann.client, "Olga Outsider")
    outsider.created(
        "/v1/circles", {"name": "Elsewhere", "boundary": {"cells": ["881969a4a1fffff"]}}
    )
    assert outsider.get(f"/v1/members/{world.bob.id}").status_code == 404
    assert _log(world.bob) == []
