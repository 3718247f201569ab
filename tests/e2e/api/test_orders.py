"""``/v1/orders`` as every identity: the member and the business see and move their order;
another member, a thing and no token see nothing; erasure leaves the business its record."""

from __future__ import annotations

from typing import Any

from buurt.domain.orders import OrderSource
from buurt.services.commerce import orders
from buurt.services.context import Services
from tests.actors import HOME, PASSWORD, World, issue


def _placed(services: Services, world: World, source_id: str = "res_1") -> str:
    with services.uow() as uow:
        order = orders.place_order(
            uow,
            business_id=world.bakery["id"],
            member_id=world.bob.id,
            source_kind=OrderSource.RESERVATION,
            source_id=source_id,
            title="Sourdough loaf",
            quantity=2,
            at=services.clock.now(),
            unit_price=4.95,
        )
        uow.commit()
    return order.id


def _step(actor: Any, order_id: str, status: str, reason: str | None = None) -> Any:
    body: dict[str, Any] = {"status": status}
    if reason is not None:
        body["reason"] = reason
    return actor.post(f"/v1/orders/{order_id}/transitions", body)


def test_the_business_prepares_and_hands_over_and_the_member_sees_it(
    world: World, services: Services
) -> None:
    order_id = _placed(services, world)
    mine = world.bob.get("/v1/orders").json()["items"]
    assert [(o["id"], o["status"], o["total"]) for o in mine] == [(order_id, "placed", 9.9)]
    refused = _step(world.bob, order_id, "ready")
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert _step(world.bakery_actor, order_id, "ready").json()["status"] == "ready"
    assert _step(world.ann, order_id, "collected").json()["status"] == "collected"  # the owner
    again = _step(world.bakery_actor, order_id, "cancelled", "too late")
    assert again.status_code == 409, again.text
    got = world.bob.get(f"/v1/orders/{order_id}").json()
    assert (got["status"], got["collected_at"] is not None) == ("collected", True)


def test_the_member_cancels_with_a_reason(world: World, services: Services) -> None:
    order_id = _placed(services, world)
    without = _step(world.bob, order_id, "cancelled")
    assert without.status_code == 422, without.text
    done = _step(world.bob, order_id, "cancelled", "plans changed")
    assert (done.status_code, done.json()["cancel_reason"]) == (200, "plans changed")


def test_nobody_else_sees_or_moves_an_order(world: World, services: Services) -> None:
    order_id = _placed(services, world)
    fridge = world.admin.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "fridge", "name": "Fridge", "place": HOME},
    )
    thing = issue(world.admin, "thing", fridge["id"])
    for stranger in (world.admin, thing):
        assert stranger.get(f"/v1/orders/{order_id}").status_code == 404
        assert _step(stranger, order_id, "ready").status_code == 404
        assert stranger.get("/v1/orders").json()["items"] == []
    assert world.bob.client.get(f"/v1/orders/{order_id}").status_code == 401  # no token
    assert world.bob.get(f"/v1/orders/{order_id}").status_code == 200  # the control


def test_erasure_leaves_the_business_its_order_without_the_member(
    world: World, services: Services
) -> None:
    order_id = _placed(services, world)
    exported = world.bob.get("/v1/me/export").json()
    assert [o["id"] for o in exported["orders"]] == [order_id]
    gone = world.bob.client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=world.bob.headers
    )
    assert gone.status_code == 204, gone.text
    kept = world.bakery_actor.get(f"/v1/orders/{order_id}").json()
    assert (kept["member_id"], kept["title"]) == (None, "Sourdough loaf")
