"""An order's lifecycle: each step by the party it belongs to, final states final."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from buurt.domain.errors import InvalidInput, InvalidTransition, PermissionDenied
from buurt.domain.orders import Order, OrderSource, OrderStatus
from buurt.domain.parties import PartyKind

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
BUSINESS, MEMBER = PartyKind.BUSINESS, PartyKind.MEMBER


def _order(**changes: object) -> Order:
    order = Order(
        "ord_1", "cir_1", "biz_1", "mem_1", OrderSource.RESERVATION, "res_1", "Loaf", 3, T0, T0,
        unit_price=4.95,
    )  # fmt: skip
    for name, value in changes.items():
        setattr(order, name, value)
    return order


def test_the_business_prepares_and_hands_over() -> None:
    order = _order()
    assert order.total == 14.85
    order.move_to(OrderStatus.READY, BUSINESS, T0 + timedelta(hours=1))
    order.move_to(OrderStatus.COLLECTED, BUSINESS, T0 + timedelta(hours=2))
    assert (order.status, order.collected_at) == (OrderStatus.COLLECTED, T0 + timedelta(hours=2))
    with pytest.raises(InvalidTransition):
        order.move_to(OrderStatus.CANCELLED, BUSINESS, T0, "too late")


def test_the_member_cannot_mark_ready_or_collected() -> None:
    order = _order()
    with pytest.raises(PermissionDenied, match="only the business"):
        order.move_to(OrderStatus.READY, MEMBER, T0)
    assert order.status is OrderStatus.PLACED
    order.move_to(OrderStatus.READY, BUSINESS, T0)  # the control: the business may
    with pytest.raises(PermissionDenied):
        order.move_to(OrderStatus.COLLECTED, MEMBER, T0)


def test_the_member_cancels_only_while_placed_and_always_with_a_reason() -> None:
    placed = _order()
    with pytest.raises(InvalidInput, match="say why"):
        placed.move_to(OrderStatus.CANCELLED, MEMBER, T0, "  ")
    placed.move_to(OrderStatus.CANCELLED, MEMBER, T0, "plans changed")
    assert (placed.status, placed.cancel_reason) == (OrderStatus.CANCELLED, "plans changed")
    ready = _order(status=OrderStatus.READY)
    with pytest.raises(PermissionDenied):
        ready.move_to(OrderStatus.CANCELLED, MEMBER, T0, "plans changed")
    ready.move_to(OrderStatus.CANCELLED, BUSINESS, T0, "the oven broke")
    assert ready.status is OrderStatus.CANCELLED


def test_a_reason_is_for_cancelling_only() -> None:
    with pytest.raises(InvalidInput):
        _order().move_to(OrderStatus.READY, BUSINESS, T0, "because")
