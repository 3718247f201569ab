"""``/v1/reviews``: only a member with a fulfilment reviews, once per fulfilment; the business
answers once; the business's record carries its rating summary."""

from __future__ import annotations

from typing import Any

from buurt.domain.orders import OrderSource
from buurt.services.commerce import orders
from buurt.services.context import Services
from tests.actors import World, register

PROBLEM = "application/problem+json"


def _order(services: Services, world: World, member_id: str, source_id: str) -> str:
    with services.uow() as uow:
        order = orders.place_order(
            uow,
            business_id=world.bakery["id"],
            member_id=member_id,
            source_kind=OrderSource.RESERVATION,
            source_id=source_id,
            title="Rye loaf",
            quantity=1,
            at=services.clock.now(),
            unit_price=4.5,
        )
        uow.commit()
    return order.id


def _collect(world: World, order_id: str) -> None:
    for status in ("ready", "collected"):
        moved = world.bakery_actor.post(f"/v1/orders/{order_id}/transitions", {"status": status})
        assert moved.status_code == 200, moved.text


def _review(actor: Any, order_id: str, rating: int = 5) -> Any:
    body = {"fulfilment_kind": "order", "fulfilment_id": order_id, "rating": rating}
    return actor.post("/v1/reviews", {**body, "text": "Best rye in the neighbourhood"})


def test_a_collected_order_is_reviewed_once_and_answered_once(
    world: World, services: Services
) -> None:
    order_id = _order(services, world, world.bob.id, "res_1")
    early = _review(world.bob, order_id)
    assert (early.status_code, early.headers["content-type"]) == (403, PROBLEM), early.text
    _collect(world, order_id)
    assert _review(world.admin, order_id).status_code == 403  # not their order
    review = _review(world.bob, order_id)
    assert review.status_code == 201, review.text
    again = _review(world.bob, order_id, 1)
    assert (again.status_code, again.headers["content-type"]) == (409, PROBLEM)
    path = f"/v1/reviews/{review.json()['id']}/answer"
    assert world.bob.post(path, {"text": "Thanks me"}).status_code == 403
    answered = world.bakery_actor.post(path, {"text": "Thank you, Bob!"})
    assert answered.json()["answer"] == "Thank you, Bob!", answered.text
    assert world.ann.post(path, {"text": "Again"}).status_code == 409
    listed = world.admin.get("/v1/reviews", params={"business_id": world.bakery["id"]}).json()
    assert [r["rating"] for r in listed["items"]] == [5]


def test_the_business_record_carries_its_rating(world: World, services: Services) -> None:
    before = world.bob.get(f"/v1/businesses/{world.bakery['id']}").json()["rating"]
    assert before == {"average": 3.0, "mean": None, "count": 0}
    for n, rating in enumerate((5, 4)):
        order_id = _order(services, world, world.bob.id, f"res_{n}")
        _collect(world, order_id)
        assert _review(world.bob, order_id, rating).status_code == 201
    after = world.admin.get(f"/v1/businesses/{world.bakery['id']}").json()["rating"]
    assert after == {"average": 3.43, "mean": 4.5, "count": 2}
    listed = world.admin.get("/v1/businesses").json()["items"]
    assert [b["rating"]["count"] for b in listed] == [2]


def test_bad_reviews_are_refused(world: World, services: Services) -> None:
    order_id = _order(services, world, world.bob.id, "res_1")
    _collect(world, order_id)
    for bad in ({"rating": 6}, {"rating": 0}, {"rating": "5"}, {"text": ""}):
        body = {
            "fulfilment_kind": "order",
            "fulfilment_id": order_id,
            "rating": 5,
            "text": "ok",
            **bad,
        }
        refused = world.bob.post("/v1/reviews", body)
        assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM)
    nothing = _review(world.bob, "ord_nothing")
    assert nothing.status_code == 403, nothing.text
    stranger = register(world.ann.client, "Stranger")
    assert stranger.get("/v1/reviews").json()["items"] == []
    assert world.bob.client.get("/v1/reviews").status_code == 401
    assert _review(world.bob, order_id).status_code == 201  # the control
