"""Orders on the fakes: placed once per source, seen and moved by their parties only."""

from __future__ import annotations

import pytest

from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.orders import Order, OrderSource, OrderStatus
from buurt.services import resources
from buurt.services.commerce import orders
from buurt.services.community import businesses
from buurt.services.context import Services
from buurt.testing import FrozenClock
from tests.unit.services.conftest import Neighbour


def _bakery(services: Services, owner: Neighbour, circle_id: str) -> str:
    return businesses.create_business(
        services, owner.principal, circle_id=circle_id, name="Bakkerij", kind="bakery"
    ).id


def _place(services: Services, clock: FrozenClock, business_id: str, member_id: str) -> Order:
    with services.uow() as uow:
        order = orders.place_order(
            uow,
            business_id=business_id,
            member_id=member_id,
            source_kind=OrderSource.RESERVATION,
            source_id="res_1",
            title="Sourdough",
            quantity=2,
            at=clock.now(),
            unit_price=4.5,
        )
        uow.commit()
    return order


def test_an_order_is_moved_by_its_parties_and_hidden_from_others(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    bakery = _bakery(services, ada, circle_id)
    order = _place(services, clock, bakery, bob.id)
    with pytest.raises(PermissionDenied):
        orders.transition(services, bob.principal, order.id, OrderStatus.READY)
    ready = orders.transition(services, ada.principal, order.id, OrderStatus.READY)
    assert ready.status is OrderStatus.READY
    seen = resources.get(services, bob.principal, Order, orders.POLICY, order.id)
    assert seen.status is OrderStatus.READY
    carol = Neighbour.register(services, "Carol")
    with pytest.raises(NotFound):
        resources.get(services, carol.principal, Order, orders.POLICY, order.id)
    with pytest.raises(NotFound):
        orders.transition(services, carol.principal, order.id, OrderStatus.COLLECTED)


def test_a_source_makes_one_order(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    bakery = _bakery(services, ada, circle_id)
    _place(services, clock, bakery, bob.id)
    with pytest.raises(Conflict):
        _place(services, clock, bakery, bob.id)
    listed = resources.list_page(services, bob.principal, Order, orders.POLICY)
    assert [o.source_id for o in listed.items] == ["res_1"]
