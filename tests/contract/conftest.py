"""The store under contract: ``uow`` is the root's ``store`` (memory, SQLite, PostgreSQL)."""

import pytest

from buurt.ports import UnitOfWorkFactory


@pytest.fixture
def uow(store: UnitOfWorkFactory) -> UnitOfWorkFactory:
    return store
