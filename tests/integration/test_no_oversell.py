"""Never oversell: 200 members' reservations fired at once at 50 units, each thread with its
own database connection, on SQLite and PostgreSQL. Exactly 50 succeed; the others are a
``Conflict`` (the API's 409), and nothing else. Then the same while the business edits the
stock and earlier reservations expire."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from buurt.bootstrap import Buurt
from buurt.domain.errors import Conflict
from buurt.domain.stock import Reservation, ReservationStatus, Stock
from buurt.services.commerce import reservations, stock
from buurt.services.community.auth import authenticate
from buurt.services.principals import Principal
from tests.actors import HOME, World, register
from tests.timeline import moving_clock

ATTEMPTS = 200
UNITS = 50


def _stock(world: World, quantity: int) -> str:
    site = world.bakery_actor.created(
        f"/v1/businesses/{world.bakery['id']}/sites", {"name": "Oven", "place": HOME}
    )
    item = world.bakery_actor.created(
        "/v1/items",
        {"business_id": world.bakery["id"], "name": "Loaf", "category": "food/bread"},
    )
    body = {"item_id": item["id"], "site_id": site["id"], "quantity": quantity, "price": 3.0}
    return str(world.bakery_actor.created("/v1/stock", body)["id"])


def _members(world: World, instance: Buurt, count: int = 8) -> list[Principal]:
    actors = [world.bob, *(register(world.bob.client, f"Buyer {i}") for i in range(count - 1))]
    return [authenticate(instance.services, a.token) for a in actors]


def _race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[Conflict], list[BaseException]]:
    """Run every call in a thread of its own, all released at once."""
    start = threading.Barrier(len(calls))
    done: list[Any] = []
    refused: list[Conflict] = []
    failed: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        start.wait()
        try:
            result = call()
        except Conflict as error:
            with lock:
                refused.append(error)
        except BaseException as error:  # anything else is a defect the test reports
            with lock:
                failed.append(error)
        else:
            with lock:
                done.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused, failed


def _stored(instance: Buurt, stock_id: str) -> tuple[Stock, list[Reservation]]:
    with instance.services.uow() as uow:
        row = uow.repo(Stock).get(stock_id)
        held = uow.repo(Reservation).find(stock_id=stock_id, status=ReservationStatus.HELD)
    assert row is not None
    return row, held


@pytest.mark.slow
def test_200_concurrent_reservations_at_50_units_sell_exactly_50(
    world: World, instance: Buurt
) -> None:
    stock_id = _stock(world, UNITS)
    members = _members(world, instance)
    services = instance.services

    def reserve(member: Principal) -> Callable[[], Reservation]:
        return lambda: reservations.reserve(services, member, stock_id=stock_id, quantity=1)

    done, refused, failed = _race([reserve(members[i % len(members)]) for i in range(ATTEMPTS)])
    assert failed == []
    assert (len(done), len(refused)) == (UNITS, ATTEMPTS - UNITS)
    assert all("not enough units" in error.detail for error in refused)
    row, held = _stored(instance, stock_id)
    assert (row.quantity, row.held, len(held)) == (UNITS, UNITS, UNITS)
    assert sorted(r.id for r in held) == sorted(r.id for r in done)
    assert instance.stock_finder.stock(stock_id).available == 0  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.frozen_clock
def test_no_oversell_while_stock_is_edited_and_reservations_expire(
    world: World, instance: Buurt
) -> None:
    services = instance.services
    clock = moving_clock(services)
    stock_id = _stock(world, UNITS)
    members = _members(world, instance)
    early = [
        reservations.reserve(services, members[0], stock_id=stock_id, quantity=1, hold_minutes=1)
        for _ in range(20)
    ]
    clock.advance(minutes=2)  # the early ones are due now; new ones hold for 15 minutes
    owner = authenticate(services, world.bakery_actor.token)
    quantities = [UNITS + 10 * (i % 2) for i in range(20)]  # 50, 60, 50, ...: back and forth

    def edit(quantity: int) -> Callable[[], Stock]:
        return lambda: stock.update_stock(services, owner, stock_id, {"quantity": quantity})

    def reserve(member: Principal) -> Callable[[], Reservation]:
        return lambda: reservations.reserve(services, member, stock_id=stock_id, quantity=1)

    calls: list[Callable[[], Any]] = [reserve(members[i % len(members)]) for i in range(ATTEMPTS)]
    calls += [edit(q) for q in quantities]
    calls += [lambda: reservations.expire_due(services) for _ in range(5)]
    done, refused, failed = _race(calls)
    assert failed == []
    made = [r for r in done if isinstance(r, Reservation)]
    expired = sum(r for r in done if isinstance(r, int))
    assert expired == len(early)  # each early one expired once, however many ran at once
    row, held = _stored(instance, stock_id)
    assert row.held == len(held) == len(made)  # every unit held belongs to a live hold
    assert row.held <= row.quantity
    assert len(made) <= UNITS + 10  # never more than the most there ever was
    assert len(made) >= UNITS - len(early)  # the control: what was free from the start sold
    assert {e.detail.split(":")[0] for e in refused} <= {
        "not enough units",
        "reservations hold more units than that; the quantity is unchanged",
    }
    for reservation in early:
        with services.uow() as uow:
            stored = uow.repo(Reservation).get(reservation.id)
        assert stored is not None
        assert (stored.status, stored.held) == (ReservationStatus.EXPIRED, 0)
    assert clock.now() - early[0].expires_at == timedelta(minutes=1)
