"""``UnitOfWork.shift``: sums made by the store on the row as it is, so racing units of work
lose no update, and a check the store keeps (no more held than on hand) refuses the one that
would break it, on every store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from buurt.domain.errors import Conflict
from buurt.domain.ids import new_id
from buurt.domain.stock import Item, Stock
from buurt.ports import UnitOfWorkFactory
from tests.records import a_business, a_circle, a_member, a_site, add_all

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _stock(uow: UnitOfWorkFactory, quantity: int = 5) -> Stock:
    circle, owner = a_circle(), a_member()
    business = a_business(circle, owner)
    site = a_site(business)
    item = Item(new_id("item"), business.id, "Loaf", "food/bread", NOW)
    stock = Stock(
        new_id("stock"), business.id, item.id, site.id, "food/bread", quantity, 2.5, NOW, NOW
    )
    for entity in (circle, owner, business, site, item, stock):  # parents first
        add_all(uow, entity)
    return stock


def _stored(uow: UnitOfWorkFactory, ident: str) -> Stock:
    with uow() as work:
        stock = work.repo(Stock).get(ident)
    assert stock is not None
    return stock


def test_racing_shifts_both_count(uow: UnitOfWorkFactory) -> None:
    stock = _stock(uow)
    with uow() as first, uow() as second:
        first.shift(Stock, stock.id, held=1, version=1)
        first.commit()
        second.shift(Stock, stock.id, held=2, version=1)
        second.commit()
    stored = _stored(uow, stock.id)
    assert (stored.held, stored.version) == (3, 3)


def test_a_shift_past_the_check_is_a_conflict_and_changes_nothing(
    uow: UnitOfWorkFactory,
) -> None:
    stock = _stock(uow, quantity=5)
    with uow() as work:
        work.shift(Stock, stock.id, held=5)  # the control: up to the quantity is fine
        work.commit()
    for too_far in (1, -6):
        with uow() as work, pytest.raises(Conflict, match="ck_stock_held"):
            work.shift(Stock, stock.id, held=too_far)
    assert _stored(uow, stock.id).held == 5


def test_a_quantity_edit_below_what_is_held_is_a_conflict(uow: UnitOfWorkFactory) -> None:
    stock = _stock(uow, quantity=5)
    with uow() as editor, uow() as reserver:
        loaded = editor.repo(Stock).get(stock.id)
        assert loaded is not None
        assert loaded.held == 0
        reserver.shift(Stock, stock.id, held=4)
        reserver.commit()
        loaded.quantity = 3  # what it read allowed this; what is stored now does not
        with pytest.raises(Conflict, match="ck_stock_held"):
            editor.commit()
    stored = _stored(uow, stock.id)
    assert (stored.quantity, stored.held) == (5, 4)
    with uow() as editor:
        loaded = editor.repo(Stock).get(stock.id)
        assert loaded is not None
        loaded.quantity = 4  # the control: exactly what is held is allowed
        editor.commit()
    assert _stored(uow, stock.id).quantity == 4


def test_a_loaded_entity_shows_the_shift_and_a_missing_row_is_a_conflict(
    uow: UnitOfWorkFactory,
) -> None:
    stock = _stock(uow)
    with uow() as work:
        loaded = work.repo(Stock).get(stock.id)
        assert loaded is not None
        work.shift(Stock, stock.id, held=2)
        assert loaded.held == 2
        loaded.price = 3.0  # a later change of another field is saved with it
        work.commit()
    stored = _stored(uow, stock.id)
    assert (stored.held, stored.price) == (2, 3.0)
    with uow() as work, pytest.raises(Conflict):
        work.shift(Stock, "stk_none", held=1)
