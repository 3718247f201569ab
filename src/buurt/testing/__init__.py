"""Public fakes of the ports, for tests of use cases and for anyone building on Buurt.

- ``MemoryStore``: an in-memory store; calling it opens a ``MemoryUnitOfWork``, so it is a
  ``UnitOfWorkFactory``. It keeps the SQL store's semantics (transactions, the identity map,
  filters and paging, the unique keys and references of the tables, each clash a
  ``Conflict``); ``tests/contract/test_store.py`` runs one suite over it, SQLite and
  PostgreSQL.
- ``FrozenClock``: a ``Clock`` that stands still until it is set or advanced.
- ``MemoryMedia``: a ``Media`` (files such as proposal images) kept in memory.

    clock = FrozenClock(datetime(2026, 5, 1, tzinfo=UTC))
    services = Services(uow_factory=MemoryStore(), clock=clock)

Pure Python on the domain and the ports: no database, no framework. Nothing in ``buurt``
imports this package (``lint-imports`` holds that); tests and users do.
"""

from buurt.testing._clock import FrozenClock
from buurt.testing._media import MemoryMedia
from buurt.testing._store import MemoryStore, MemoryUnitOfWork

__all__ = ["FrozenClock", "MemoryMedia", "MemoryStore", "MemoryUnitOfWork"]
