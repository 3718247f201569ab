"""A need's moments about stock and shared things, on SQLite and PostgreSQL: published through
``/v1/intents``, reserved with ``POST /v1/moments/{id}/reserve`` and booked with
``POST /v1/moments/{id}/book``; beyond stock and overlaps are 409, another's moment 403 or
404, each as problem+json; an ``Idempotency-Key`` makes a retry give the first answer; a bike
that reports its place is found there."""

from __future__ import annotations

from typing import Any

import pytest

from tests.actors import HOME, World

pytestmark = pytest.mark.frozen_clock()  # Monday 2026-03-02, 10:00 in Amsterdam

FAR = {"lat": 52.3665, "lon": 4.9470}  # about 550 m from HOME
MONDAY_14 = "2026-03-02T14:00:00+01:00"
MONDAY_16 = "2026-03-02T16:00:00+01:00"


def _stock(world: World, quantity: int = 3) -> dict[str, Any]:
    site = world.bakery_actor.created(
        f"/v1/businesses/{world.bakery['id']}/sites", {"name": "Oven", "place": HOME}
    )
    item = world.bakery_actor.created(
        "/v1/items",
        {"business_id": world.bakery["id"], "name": "Sourdough", "category": "food/bread"},
    )
    body = {"item_id": item["id"], "site_id": site["id"], "quantity": quantity, "price": 4.5}
    return world.bakery_actor.created("/v1/stock", body)


def _bike(world: World) -> dict[str, Any]:
    thing = world.ann.created(
        "/v1/things",
        {
            "circle_id": world.circle["id"],
            "kind": "cargo_bike",
            "name": "Bakfiets",
            "place": HOME,
            "visibility": "circle",
        },
    )
    body = {"thing_id": thing["id"], "price_per_hour": 2.5, "opens": 480, "closes": 1320}
    return world.ann.created("/v1/bookables", body)


def _need(world: World, category: str, place: dict[str, float] = HOME, **more: Any) -> list[Any]:
    """Bob's need; the moments it made, of stock or bookable things."""
    body = {
        "circle_id": world.circle["id"],
        "category": category,
        "text": "for the weekend",
        "area": {**place, "radius_m": 300},
        **more,
    }
    intent = world.bob.created("/v1/intents", body)
    items = world.bob.get("/v1/moments", params={"limit": 200}).json()["items"]
    return [
        m
        for m in items
        if m["source_id"] == intent["id"] and m["standing_kind"] in ("stock", "bookable")
    ]


def test_a_need_reserves_stock_from_its_moment(world: World) -> None:
    stock = _stock(world)
    assert _need(world, "food/bread", FAR) == []  # out of reach: no moment
    found = _need(world, "food/bread", max_price=6)
    assert [m["standing_id"] for m in found] == [stock["id"]]
    moment = found[0]
    assert moment["recipient_id"] == world.bob.id  # no grant: the bakery learns nothing
    assert "'Sourdough' at Oven" in moment["reason"]
    assert "4.50 (your limit 6.00)" in moment["reason"]

    path = f"/v1/moments/{moment['id']}/reserve"
    held = world.bob.post(path, {"quantity": 2})
    assert held.status_code == 201, held.text
    assert (held.json()["quantity"], held.json()["moment_id"]) == (2, moment["id"])
    over = world.bob.post(path, {"quantity": 2})
    assert over.status_code == 409, over.text
    assert over.headers["content-type"] == "application/problem+json"
    assert "1 available" in over.json()["detail"]
    assert world.bob.post(path).status_code == 201  # the last unit, by default one
    assert world.ann.post(path).status_code == 404  # not a party to Bob's moment
    missing = world.bob.post("/v1/moments/mom_nosuchmoment/reserve")
    assert missing.status_code == 404
    wrong = world.bob.post(f"/v1/moments/{moment['id']}/book")
    assert wrong.status_code == 409  # a stock moment books nothing
    bad = world.bob.post(path, {"quantity": 0})
    assert bad.status_code == 422


def test_with_a_grant_the_bakery_is_told_but_cannot_reserve(world: World) -> None:
    _stock(world)
    grant = {
        "recipient_kind": "business",
        "recipient_id": world.bakery["id"],
        "category": "intents",
        "purpose": "matching",
    }
    world.bob.created("/v1/consents", grant)
    moment = _need(world, "food")[0]
    assert (moment["recipient_kind"], moment["recipient_id"]) == ("business", world.bakery["id"])
    path = f"/v1/moments/{moment['id']}/reserve"
    refused = world.bakery_actor.post(path)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert world.bob.post(path).status_code == 201


def test_a_need_books_a_bike_from_its_moment_once(world: World) -> None:
    bike = _bike(world)
    window = {"window_start": MONDAY_14, "window_end": MONDAY_16}
    found = _need(world, "mobility/cargo-bike", **window)
    assert [m["standing_id"] for m in found] == [bike["id"]]
    path = f"/v1/moments/{found[0]['id']}/book"
    headers = {**world.bob.headers, "Idempotency-Key": '"book-the-bike"'}
    first = world.bob.client.post(path, headers=headers)
    retry = world.bob.client.post(path, headers=headers)
    assert first.status_code == 201, first.text
    assert retry.status_code == 201, retry.text
    assert retry.content == first.content
    assert retry.headers["Idempotency-Replayed"] == "true"
    booking = first.json()
    assert (booking["starts_at"], booking["ends_at"]) == (
        "2026-03-02T13:00:00Z",
        "2026-03-02T15:00:00Z",
    )
    assert booking["moment_id"] == found[0]["id"]
    taken = world.bob.post(path)  # without the key: a second booking of the same window
    assert taken.status_code == 409, taken.text
    assert taken.headers["content-type"] == "application/problem+json"
    assert _need(world, "mobility", **window) == []  # taken: nothing to offer
    later = {"window_start": MONDAY_16, "window_end": "2026-03-02T17:00:00+01:00"}
    assert len(_need(world, "mobility", **later)) == 1


def test_a_bike_that_reports_its_place_is_found_there(world: World) -> None:
    bike = _bike(world)
    report = {"place": FAR, "attributes": {"battery_pct": 80}}
    world.ann.created(f"/v1/things/{bike['thing_id']}/events", report)
    old = {**report, "place": HOME, "occurred_at": "2026-03-02T08:00:00Z"}
    world.ann.created(f"/v1/things/{bike['thing_id']}/events", old)  # older: stays at FAR
    params = {**FAR, "radius": 100}
    near = world.bob.get("/v1/bookables/nearby", params=params).json()
    assert [n["bookable"]["id"] for n in near] == [bike["id"]]
    assert world.bob.get("/v1/bookables/nearby", params={**HOME, "radius": 100}).json() == []
    window = {"window_start": MONDAY_14, "window_end": MONDAY_16}
    assert _need(world, "mobility", **window) == []
    assert len(_need(world, "mobility", FAR, **window)) == 1
