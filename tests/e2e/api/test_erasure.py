"""Erasure: after ``DELETE /v1/me`` no answer of the API holds the member's data.

A member with a name and email found nowhere else makes data of every kind, is read by others
(logged), and is then erased. Every GET operation of the OpenAPI is then called, with each
former id in each id slot, as every other principal: none answers the name, the email or an id.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from buurt.domain.ids import PREFIXES, new_id
from buurt.domain.moments import Moment, MomentStatus
from buurt.services.context import Services
from tests.actors import BOUNDARY, HOME, PASSWORD, Actor, World, issue

NAME = "Zebedeus Quackenbush-Zyx"
EMAIL = "zebedeus.zyx@example.org"
AREA = {**HOME, "radius_m": 400}


def _zed(client: TestClient, circle_id: str) -> Actor:
    body = {"name": NAME, "email": EMAIL, "password": PASSWORD, "circle_id": circle_id}
    member = client.post("/v1/members", json=body)
    assert member.status_code == 201, member.text
    login = client.post("/v1/auth/tokens", json={"email": EMAIL, "password": PASSWORD})
    return Actor(client, member.json()["id"], login.json()["token"])


def _grant(member: Actor, business_id: str, category: str, **extra: Any) -> dict[str, Any]:
    body = {"recipient_kind": "business", "recipient_id": business_id, "category": category}
    return member.created("/v1/consents", {**body, "purpose": "service_delivery", **extra})


def _moment(services: Services, circle_id: str, **fields: Any) -> str:
    now = services.clock.now()
    moment = Moment(
        id=new_id("moment"),
        circle_id=circle_id,
        reason=f"{NAME} needs bread",
        created_at=now,
        updated_at=now,
        **fields,
    )
    with services.uow() as uow:
        uow.repo(Moment).add(moment)
        uow.commit()
    return moment.id


def _make_everything(world: World, services: Services) -> tuple[Actor, set[str], dict[str, str]]:
    """Zed and data of every kind; answers Zed, Zed's ids, and the moments kept for others."""
    circle = world.circle["id"]
    zed = _zed(world.admin.client, circle)
    ids = {zed.id}
    hofje = zed.created("/v1/circles", {"name": "Hofje", "boundary": BOUNDARY})
    assert world.bob.post(f"/v1/circles/{hofje['id']}/memberships").status_code == 201
    ids |= {m["id"] for m in zed.get(f"/v1/members/{zed.id}/memberships").json()}
    intent = zed.created(
        "/v1/intents", {"circle_id": circle, "category": "food/bread", "area": AREA, "text": NAME}
    )
    sub = zed.created(
        "/v1/subscriptions",
        {"circle_id": circle, "name": NAME, "categories": ["food"], "area": AREA},
    )
    offer = zed.created(
        "/v1/offers", {"circle_id": circle, "category": "tools", "title": NAME, "area": AREA}
    )
    shop = zed.created(
        "/v1/businesses", {"circle_id": circle, "name": "Zyx Fietsen", "kind": "bikes"}
    )
    zed_shop = issue(zed, "business", shop["id"])
    site = zed.created(f"/v1/businesses/{shop['id']}/sites", {"name": NAME, "place": HOME})
    shop_offer = zed_shop.created(
        "/v1/offers", {"circle_id": circle, "category": "bikes", "title": "Fix", "area": AREA}
    )
    shop_sub = zed_shop.created(
        "/v1/subscriptions",
        {"circle_id": circle, "name": "B", "categories": ["bikes"], "area": AREA},
    )
    thing = zed.created(
        "/v1/things",
        {
            "circle_id": circle,
            "kind": "fridge",
            "name": NAME,
            "place": HOME,
            "visibility": "public",
        },
    )
    shop_thing = zed.created(
        "/v1/things",
        {
            "circle_id": circle,
            "kind": "cargo_bike",
            "name": "Zyx bike",
            "place": HOME,
            "visibility": "public",
            "owner_kind": "business",
            "owner_id": shop["id"],
        },
    )
    inverter = issue(zed, "thing", thing["id"])
    readings = [
        inverter.created(
            "/v1/events", {"kind": "food/fridge", "place": HOME, "attributes": {"item": NAME}}
        )
        for _ in range(3)
    ]
    own_event = zed.created(
        "/v1/events", {"kind": "help/ladder", "circle_id": circle, "place": HOME}
    )
    grants = [
        _grant(zed, world.bakery["id"], "thing_data", thing_id=thing["id"]),
        _grant(zed, world.bakery["id"], "intents"),
    ]
    # others read Zed's data: the bakery his inverter (by grant), the admin his profile (role)
    assert world.bakery_actor.get(f"/v1/things/{thing['id']}").status_code == 200
    assert world.bakery_actor.get(f"/v1/events/{readings[0]['id']}").status_code == 200
    assert world.admin.get(f"/v1/members/{zed.id}").status_code == 200
    # Zed reads others' data: Bob's profile as Hofje's admin, Bob's fridge as his shop
    assert zed.get(f"/v1/members/{world.bob.id}").status_code == 200
    fridge = world.bob.created(
        "/v1/things",
        {"circle_id": circle, "kind": "fridge", "name": "Fridge", "place": HOME},
    )
    bobs_grant = _grant(world.bob, shop["id"], "thing_data", thing_id=fridge["id"])
    assert zed_shop.get(f"/v1/things/{fridge['id']}").status_code == 200
    assert {e["principal_id"] for e in world.bob.get("/v1/me/access-log").json()["items"]} == {
        zed.id,
        shop["id"],
    }

    bakery = world.bakery["id"]
    base = {"circle_id": circle, "standing_kind": "offer", "standing_id": "ofr_x"}
    kept = {
        # the bakery's fulfilled sale to Zed: the bakery depends on it
        "fulfilled_for_bakery": _moment(
            services,
            **base,
            recipient_kind="business",
            recipient_id=bakery,
            subject_member_id=zed.id,
            source_kind="intent",
            source_id=intent["id"],
            status=MomentStatus.FULFILLED,
        ),
        # Zed's shop's fulfilled job for Bob: Bob depends on it
        "fulfilled_for_bob": _moment(
            services,
            **base,
            recipient_kind="business",
            recipient_id=shop["id"],
            subject_member_id=world.bob.id,
            source_kind="intent",
            source_id="int_bob",
            status=MomentStatus.FULFILLED,
        ),
        # Bob's moment made from Zed's inverter's reading
        "from_zeds_event": _moment(
            services,
            **{**base, "standing_kind": "subscription"},
            recipient_kind="member",
            recipient_id=world.bob.id,
            source_kind="event",
            source_id=readings[0]["id"],
            status=MomentStatus.DELIVERED,
        ),
    }
    ids |= {
        _moment(
            services,
            **base,
            recipient_kind="business",
            recipient_id=bakery,
            subject_member_id=zed.id,
            source_kind="intent",
            source_id=intent["id"],
            status=MomentStatus.DELIVERED,
        ),
        _moment(
            services,
            **{**base, "standing_kind": "subscription", "standing_id": sub["id"]},
            recipient_kind="member",
            recipient_id=zed.id,
            source_kind="offer",
            source_id="ofr_ann",
            status=MomentStatus.ACCEPTED,
        ),
    }
    ids |= {intent["id"], sub["id"], offer["id"], shop["id"], site["id"], shop_offer["id"]}
    ids |= {shop_sub["id"], thing["id"], shop_thing["id"], own_event["id"]}
    ids |= {r["id"] for r in readings} | {g["id"] for g in grants} | {bobs_grant["id"]}
    ids |= {t["id"] for t in zed.get("/v1/auth/tokens").json()["items"]}
    ids |= {e["id"] for e in zed.get("/v1/me/access-log").json()["items"]}
    ids |= {t["id"] for t in zed.get("/v1/me/export").json()["tokens"]}
    return zed, ids, {**kept, "hofje": hofje["id"], "bobs_grant": bobs_grant["id"]}


def _values(param: str, ids: set[str], fallback: bool = True) -> list[str]:
    """The former ids that fit a parameter (``thing_id`` -> ``thg_...``); if none do (or the
    parameter names no kind, like ``source_id``), all of them unless told not to."""
    prefix = PREFIXES.get(param.removesuffix("_id"))
    fitting = sorted(i for i in ids if prefix and i.startswith(prefix + "_"))
    return fitting or (sorted(ids) if fallback else [])


def _fillings(slots: list[str], ids: set[str]) -> list[tuple[str, ...]]:
    """Values for a path's id slots, every former id in every slot: all combinations of the
    ids that fit; where a slot falls back to every id, one slot at a time (the others on
    their first value), since every id in every slot of a two-slot path is 27² requests that
    test nothing more."""
    choices = [_values(slot, ids) for slot in slots]
    if all(len(c) < len(ids) for c in choices[1:]) or len(slots) < 2:
        return list(itertools.product(*choices))
    first = [c[0] for c in choices]
    return [(*first[:i], value, *first[i + 1 :]) for i, c in enumerate(choices) for value in c]


def _streams(operation: dict[str, Any]) -> bool:
    """An event stream never ends, so it cannot be read whole here; its own tests check who
    receives what on it."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return "text/event-stream" in content


def _requests(client: TestClient, ids: set[str]) -> list[tuple[str, dict[str, str]]]:
    """Every GET operation with former ids in its path and, one at a time, its id queries."""
    calls: list[tuple[str, dict[str, str]]] = []
    for path, operations in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        if "get" not in operations or _streams(operations["get"]):
            continue
        params = operations["get"].get("parameters", [])
        slots = [p["name"] for p in params if p["in"] == "path"]
        queries = [p["name"] for p in params if p["in"] == "query" and p["name"].endswith("_id")]
        for values in _fillings(slots, ids):
            concrete = path
            for slot, value in zip(slots, values, strict=True):
                concrete = concrete.replace("{" + slot + "}", value)
            calls.append((concrete, {}))
            for query in queries:
                values = _values(query, ids, fallback=query.removesuffix("_id") not in PREFIXES)
                calls.extend((concrete, {query: value}) for value in values)
    return calls


@pytest.mark.slow
def test_after_erasure_no_answer_holds_the_members_data(world: World, services: Services) -> None:
    zed, ids, kept = _make_everything(world, services)
    exported = zed.get("/v1/me/export").text
    assert NAME in exported
    assert EMAIL in exported
    # the export holds every id but Bob's grant to Zed's shop (Bob's data, not Zed's)
    assert [i for i in ids if i not in exported] == [kept["bobs_grant"]]

    refused = zed.client.request(
        "DELETE", "/v1/me", json={"password": "not my password"}, headers=zed.headers
    )
    assert refused.status_code == 403
    erased = zed.client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=zed.headers
    )
    assert erased.status_code == 204, erased.text
    assert zed.get("/v1/members/me").status_code == 401

    # entries in Bob's log that named Zed or his shop now name nobody
    log = world.bob.get("/v1/me/access-log").json()["items"]
    assert {e["principal_id"] for e in log} == {"erased"}

    others = [world.admin, world.ann, world.bob, world.bakery_actor, zed]
    calls = _requests(zed.client, ids)
    assert len(calls) > 100
    for actor in others:
        for path, query in calls:
            answer = actor.get(path, params=query)
            assert answer.status_code < 500, (path, answer.text)
            # A 404 may name the id that was asked for ("No thing with id ..."): that echo
            # is the question, not stored data.
            text = answer.text
            if answer.status_code == 404:
                for asked in [*path.split("/"), *query.values()]:
                    text = text.replace(f"'{asked}'", "")
            leaked = [s for s in (NAME, EMAIL, *ids) if s in text]
            assert not leaked, (actor.id, path, query, leaked, text[:500])

    # what others depend on is kept, anonymised
    bakery_sale = world.bakery_actor.get(f"/v1/moments/{kept['fulfilled_for_bakery']}").json()
    assert bakery_sale["subject_member_id"] is None
    assert bakery_sale["source_id"] == "erased"
    bobs_job = world.bob.get(f"/v1/moments/{kept['fulfilled_for_bob']}").json()
    assert (bobs_job["recipient_id"], bobs_job["subject_member_id"]) == ("erased", world.bob.id)
    assert world.bob.get(f"/v1/moments/{kept['from_zeds_event']}").json()["source_id"] == "erased"
    # Hofje keeps an admin: Bob, its only other member
    roles = world.bob.get(f"/v1/members/{world.bob.id}/memberships").json()
    assert {m["circle_id"]: m["role"] for m in roles}[kept["hofje"]] == "admin"
    # and the email is free again
    again = zed.client.post("/v1/members", json={"name": "Z", "email": EMAIL, "password": PASSWORD})
    assert again.status_code == 201


def test_erasure_needs_a_member_and_a_body(world: World) -> None:
    assert (
        world.bakery_actor.client.request(
            "DELETE", "/v1/me", json={"password": PASSWORD}, headers=world.bakery_actor.headers
        ).status_code
        == 403
    )
    assert world.ann.delete("/v1/me").status_code == 422
    assert world.ann.get("/v1/members/me").status_code == 200
