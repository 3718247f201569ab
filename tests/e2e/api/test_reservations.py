"""``/v1/reservations`` as every identity: a member holds units, confirms them into an order
or lets them go; expiry returns them; more than is free is a 409; the business sees its
reservations, nobody else does; export and erasure cover them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from buurt.bootstrap import Buurt
from buurt.cli import app
from buurt.services.commerce.reservations import expire_due
from tests.actors import HOME, PASSWORD, World, issue
from tests.timeline import moving_clock


def _stock(world: World, quantity: int = 5, price: float = 4.5) -> dict[str, Any]:
    site = world.bakery_actor.created(
        f"/v1/businesses/{world.bakery['id']}/sites", {"name": "Oven", "place": HOME}
    )
    item = world.bakery_actor.created(
        "/v1/items",
        {"business_id": world.bakery["id"], "name": "Sourdough", "category": "food/bread"},
    )
    body = {"item_id": item["id"], "site_id": site["id"], "quantity": quantity, "price": price}
    return world.bakery_actor.created("/v1/stock", body)


def _available(world: World, stock_id: str) -> tuple[int, int, int]:
    got = world.bob.get(f"/v1/stock/{stock_id}").json()
    return got["quantity"], got["held"], got["available"]


def test_a_member_reserves_and_confirms_into_an_order(world: World) -> None:
    stock = _stock(world, quantity=5)
    held = world.bob.created("/v1/reservations", {"stock_id": stock["id"], "quantity": 3})
    assert (held["status"], held["unit_price"]) == ("held", 4.5)
    assert _available(world, stock["id"]) == (5, 3, 2)
    over = world.ann.post("/v1/reservations", {"stock_id": stock["id"], "quantity": 3})
    assert over.status_code == 409, over.text
    assert over.headers["content-type"] == "application/problem+json"
    assert "2 available" in over.json()["detail"]
    assert (
        world.ann.post("/v1/reservations", {"stock_id": stock["id"], "quantity": 2}).status_code
        == 201
    )
    done = world.bob.post(f"/v1/reservations/{held['id']}/confirm")
    assert done.status_code == 200, done.text
    order = done.json()["order"]
    assert (order["quantity"], order["total"], order["source_id"]) == (3, 13.5, held["id"])
    assert done.json()["reservation"]["order_id"] == order["id"]
    assert _available(world, stock["id"]) == (2, 2, 0)  # the sold units left the stock
    again = world.bob.post(f"/v1/reservations/{held['id']}/confirm")
    assert again.status_code == 409, again.text
    shop_sees = world.bakery_actor.get("/v1/orders").json()["items"]
    assert [o["id"] for o in shop_sees] == [order["id"]]


def test_cancelling_returns_the_units_and_only_the_member_can(world: World) -> None:
    stock = _stock(world, quantity=2)
    held = world.bob.created("/v1/reservations", {"stock_id": stock["id"], "quantity": 2})
    assert world.bakery_actor.post(f"/v1/reservations/{held['id']}/cancel").status_code == 403
    assert world.ann.post(f"/v1/reservations/{held['id']}/confirm").status_code == 403  # owner
    assert world.admin.post(f"/v1/reservations/{held['id']}/cancel").status_code == 404
    gone = world.bob.post(f"/v1/reservations/{held['id']}/cancel")
    assert gone.json()["status"] == "cancelled", gone.text
    assert _available(world, stock["id"]) == (2, 0, 2)


def test_who_sees_a_reservation(world: World) -> None:
    stock = _stock(world)
    held = world.bob.created("/v1/reservations", {"stock_id": stock["id"], "quantity": 1})
    fridge = world.admin.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "fridge", "name": "Fridge", "place": HOME},
    )
    thing = issue(world.admin, "thing", fridge["id"])
    for stranger in (world.admin, thing):
        assert stranger.get(f"/v1/reservations/{held['id']}").status_code == 404
        assert stranger.get("/v1/reservations").json()["items"] == []
    assert (
        thing.post("/v1/reservations", {"stock_id": stock["id"], "quantity": 1}).status_code == 403
    )
    assert (
        world.bakery_actor.post(
            "/v1/reservations", {"stock_id": stock["id"], "quantity": 1}
        ).status_code
        == 403
    )  # a business does not reserve
    assert world.bob.client.get("/v1/reservations").status_code == 401
    for party in (world.bob, world.bakery_actor, world.ann):  # the controls
        assert party.get(f"/v1/reservations/{held['id']}").status_code == 200


def test_bad_reservations_are_problems(world: World) -> None:
    stock = _stock(world)
    for bad in ({"quantity": 0}, {"quantity": -1}, {"quantity": 1.5}, {"hold_minutes": 0},
                {"quantity": 1, "extra": 1}):  # fmt: skip
        answer = world.bob.post("/v1/reservations", {"stock_id": stock["id"], "quantity": 1, **bad})
        assert answer.status_code == 422, (bad, answer.text)
    missing = world.bob.post("/v1/reservations", {"stock_id": "stk_none", "quantity": 1})
    assert missing.status_code == 404, missing.text
    held = world.bob.created("/v1/reservations", {"stock_id": stock["id"], "quantity": 4})
    below = world.bakery_actor.patch(f"/v1/stock/{stock['id']}", {"quantity": 3})
    assert below.status_code == 409, below.text  # 4 are held
    assert world.bakery_actor.patch(f"/v1/stock/{stock['id']}", {"quantity": 4}).status_code == 200
    assert held["status"] == "held"


@pytest.mark.frozen_clock
def test_expiry_returns_the_units_and_a_late_confirmation_is_refused(
    world: World, instance: Buurt
) -> None:
    clock = moving_clock(instance.services)
    stock = _stock(world, quantity=3)
    held = world.bob.created(
        "/v1/reservations", {"stock_id": stock["id"], "quantity": 3, "hold_minutes": 10}
    )
    clock.advance(minutes=9)
    assert expire_due(instance.services) == 0  # the control: not yet
    assert _available(world, stock["id"]) == (3, 3, 0)
    clock.advance(minutes=1)
    late = world.bob.post(f"/v1/reservations/{held['id']}/confirm")
    assert late.status_code == 409, late.text
    assert expire_due(instance.services) == 1
    assert expire_due(instance.services) == 0  # idempotent
    assert world.bob.get(f"/v1/reservations/{held['id']}").json()["status"] == "expired"
    assert _available(world, stock["id"]) == (3, 0, 3)
    found = world.bob.get(
        "/v1/stock/nearest", params={**HOME, "category": "food", "min_quantity": 3}
    ).json()["items"]
    assert [s["site_id"] for s in found] == [stock["site_id"]]  # the index heard of it


def test_export_and_erasure_cover_reservations(world: World) -> None:
    stock = _stock(world, quantity=4)
    held = world.bob.created("/v1/reservations", {"stock_id": stock["id"], "quantity": 2})
    exported = world.bob.get("/v1/me/export").json()
    assert [r["id"] for r in exported["reservations"]] == [held["id"]]
    gone = world.bob.client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=world.bob.headers
    )
    assert gone.status_code == 204, gone.text
    kept = world.bakery_actor.get(f"/v1/reservations/{held['id']}").json()
    assert (kept["member_id"], kept["status"]) == (None, "cancelled")
    assert _available_as(world, stock["id"]) == (4, 0, 4)  # the held units came back
    # The shop owner's erasure takes the shop's stock and reservations with it.
    gone = world.ann.client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=world.ann.headers
    )
    assert gone.status_code == 204, gone.text
    assert world.admin.get(f"/v1/stock/{stock['id']}").status_code == 404


def _available_as(world: World, stock_id: str) -> tuple[int, int, int]:
    got = world.admin.get(f"/v1/stock/{stock_id}").json()
    return got["quantity"], got["held"], got["available"]


def test_buurt_maintenance_lets_due_reservations_expire(world: World, database_url: str) -> None:
    stock = _stock(world, quantity=2)
    held = world.bob.created(
        "/v1/reservations", {"stock_id": stock["id"], "quantity": 2, "hold_minutes": 10}
    )
    at = datetime.fromisoformat(held["expires_at"])
    runner = CliRunner()
    early = runner.invoke(app, ["maintenance", "--db", database_url, "--now", _iso(at, -1)])
    assert "Expired 0 reservations." in early.output, early.output  # the control: not yet
    due = runner.invoke(app, ["maintenance", "--db", database_url, "--now", _iso(at, 1)])
    assert due.exit_code == 0, due.output
    assert "Expired 1 reservations." in due.output
    assert world.bob.get(f"/v1/reservations/{held['id']}").json()["status"] == "expired"
    assert _available(world, stock["id"]) == (2, 0, 2)


def _iso(at: datetime, minutes: int) -> str:
    return (at + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S%z")
