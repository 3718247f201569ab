"""The in-memory store: a unit-of-work factory with the SQL adapter's semantics.

A ``MemoryUnitOfWork`` behaves as the SQL adapter's does on its session:

- It is a transaction. Changes reach the unit of work's own view when they are flushed (by
  ``flush()``, ``commit()``, or before every query, as the ORM's autoflush does: ``find``,
  ``page``, and ``get`` of an id not loaded yet) and everyone else's at ``commit()``.
  ``commit()`` checks them again against what others committed meanwhile, so of two units of
  work racing for one unique value the second to commit gets ``Conflict``. Leaving the
  ``with`` block discards what was not committed; ``rollback()`` (and a ``Conflict``) also
  puts the entities it loaded back as stored.
- Entities are tracked as the ORM's identity map does: one object per id per unit of work;
  changes to loaded or added entities are saved at the next flush. A change is seen as the
  ORM sees one: a field now holding a value unequal to the one it was loaded with. A JSON
  value (a dict or a list) changed in place is therefore not saved; assign a new one.
- A flush sends, as SQLAlchemy's does, every kind's updates (in id order) and inserts (in the
  order they were added), kinds in the order of their class names, then the deletes (in id
  order). Unique keys, references and NOT NULL are checked statement by statement, so a child
  added with its parent, or deleted with it, may need a ``flush()`` in between, exactly where
  the SQL store needs one.
- Rows are copies: what is stored never aliases an object of the caller, and what is stored
  is what the SQL store would give back (aware UTC datetimes, enums, JSON through ``json``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar, cast

from buurt.ports.store import Between, Filter, Page, Repository
from buurt.testing._rows import Committed, Delete, Insert, Statement, Update, View
from buurt.testing._schema import TABLES, Row, Table

T = TypeVar("T")
Test = Callable[[Row], bool]
MAX_PAGE = 500


class MemoryStore:
    """Committed rows of every kind, in memory; calling it opens a unit of work, so a
    ``MemoryStore()`` is a ``UnitOfWorkFactory``. Safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._committed = Committed()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


@dataclass(eq=False)
class _Tracked:
    """An entity in a unit of work's identity map; ``loaded`` holds the field values it had
    when last in step with the store (the very objects, so in-place changes go unseen)."""

    entity: Any
    table: Table
    loaded: dict[str, Any]
    state: str  # "new" (added, not flushed), "stored" or "deleted" (until flushed)
    order: int = 0

    @property
    def ident(self) -> str:
        return cast(str, self.entity.id)

    def changes(self) -> Row:
        entity = self.entity
        changed = {}
        for name in self.table.fields:
            value = getattr(entity, name)
            before = self.loaded[name]
            if value is not before and value != before:
                changed[name] = value
        if "id" in changed:
            raise ValueError(f"the id of a stored {self.table.name} cannot change")
        return changed


class MemoryUnitOfWork:
    """One transaction on a ``MemoryStore``; use it from one thread at a time."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._reset()

    def _reset(self) -> None:
        self._view = View(self._store._committed)
        self._log: list[Statement] = []
        self._tracked: dict[int, _Tracked] = {}  # by id() of the entity
        self._identity: dict[tuple[type, str], _Tracked] = {}
        self._deleted: list[_Tracked] = []  # deleted by a flush, until commit
        self._order = itertools.count()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Like closing the SQL adapter's session: uncommitted work is discarded, and the
        # entities it loaded stay as they are, readable.
        self._reset()

    def repo(self, kind: type[T]) -> Repository[T]:
        return _MemoryRepository(self, TABLES[kind])

    def flush(self) -> None:
        tracked_ = self._tracked.values()
        changed = {id(t.entity): self._failing(t.changes) for t in tracked_ if t.state == "stored"}
        work = [t for t in tracked_ if t.state != "stored" or changed[id(t.entity)]]
        if not work:
            return
        statements: list[Statement] = []
        tables = sorted({t.table.name: t.table for t in work}.values(), key=_flush_order)
        for table in tables:
            mine = [t for t in work if t.table is table]
            for tracked in sorted(mine, key=lambda t: t.ident):
                if tracked.state == "stored":
                    changes = self._failing(table.stored_changes, changed[id(tracked.entity)])
                    statements.append(Update(table, tracked.ident, changes))
            for tracked in sorted(mine, key=lambda t: t.order):
                if tracked.state == "new":
                    row = self._failing(table.row, tracked.entity, with_defaults=True)
                    statements.append(Insert(table, row))
        for table in tables:
            for tracked in sorted(work, key=lambda t: t.ident):
                if tracked.table is table and tracked.state == "deleted":
                    statements.append(Delete(table, tracked.ident))
        self._apply(statements)
        for tracked in work:
            key = (tracked.table.kind, tracked.ident)
            if tracked.state == "deleted":
                del self._tracked[id(tracked.entity)]
                self._identity.pop(key, None)
                self._deleted.append(tracked)
            else:
                tracked.state = "stored"
                tracked.loaded = tracked.table.values(tracked.entity)
                self._identity[key] = tracked

    def insert_many(self, kind: type[T], entities: Sequence[T]) -> None:
        table = TABLES[kind]
        rows = [self._failing(table.row, e, with_defaults=False) for e in entities]
        self._apply([Insert(table, row) for row in rows])

    def commit(self) -> None:
        self.flush()
        store = self._store
        with store._lock:
            fresh = View(store._committed)
            try:
                for statement in self._log:
                    fresh.apply(statement)
            except Exception:
                self.rollback()
                raise
            store._committed.merge(fresh)
        self._view = View(store._committed)
        self._log = []
        self._deleted = []

    def rollback(self) -> None:
        """Discard what was not committed; loaded entities (deleted ones too) get their
        stored values back, as the SQL adapter's expired ones do when next read; added ones
        are let go."""
        tracked = [*self._tracked.values(), *self._deleted]
        self._reset()
        with self._store._lock:
            for item in tracked:
                if item.state == "new":
                    continue
                row = self._view.get(item.table, item.ident)
                if row is None:
                    continue
                for name, value in item.table.copy(row).items():
                    setattr(item.entity, name, value)
                self._track(item.entity, item.table, "stored")

    # What the repositories use.

    def _apply(self, statements: Sequence[Statement]) -> None:
        with self._store._lock:
            try:
                for statement in statements:
                    self._view.apply(statement)
            except Exception:
                self.rollback()
                raise
        self._log.extend(statements)

    def _failing(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        """``call``, rolling back if it fails (the SQL adapter's failed flush does)."""
        try:
            return call(*args, **kwargs)
        except Exception:
            self.rollback()
            raise

    def _track(self, entity: Any, table: Table, state: str) -> _Tracked:
        tracked = _Tracked(entity, table, table.values(entity), state, next(self._order))
        self._tracked[id(entity)] = tracked
        if state != "new":
            self._identity[table.kind, tracked.ident] = tracked
        return tracked

    def _add(self, entity: Any) -> None:
        tracked = self._tracked.get(id(entity))
        if tracked is None:
            self._track(entity, TABLES[type(entity)], "new")
        elif tracked.state == "deleted":
            tracked.state = "stored"

    def _delete(self, entity: Any) -> None:
        table = TABLES[type(entity)]
        tracked = self._tracked.get(id(entity))
        if tracked is None:
            other = self._identity.get((table.kind, entity.id))
            if other is not None:
                raise ValueError(f"another {table.name} object with id {entity.id!r} is loaded")
            with self._store._lock:
                stored = self._view.get(table, entity.id) is not None
            if not stored:
                raise ValueError(f"the {table.name} {entity.id!r} is not stored")
            tracked = self._track(entity, table, "stored")
        if tracked.state == "new":
            raise ValueError(f"the {table.name} {entity.id!r} is not stored (yet)")
        tracked.state = "deleted"

    def _loaded(self, table: Table, row: Row) -> Any:
        tracked = self._identity.get((table.kind, row["id"]))
        if tracked is not None:
            return tracked.entity
        return self._track(table.entity(row), table, "stored").entity

    def _get(self, table: Table, ident: str) -> Any:
        tracked = self._identity.get((table.kind, ident))
        if tracked is None:
            self.flush()
            tracked = self._identity.get((table.kind, ident))
        if tracked is not None:
            return tracked.entity
        with self._store._lock:
            row = self._view.get(table, ident)
            return None if row is None else self._loaded(table, row)

    def _select(
        self, table: Table, filters: list[list[Filter]], names: frozenset[str]
    ) -> list[Row]:
        """Visible rows matching every group of filters (a group: at least one of them), in
        id order."""
        self.flush()
        groups = [[_condition(table, f, names) for f in group] for group in filters]
        with self._store._lock:
            rows = [
                row
                for row in self._view.scan(table)
                if all(any(test(row) for test in group) for group in groups)
            ]
        return sorted(rows, key=lambda row: cast(str, row["id"]))


def _flush_order(table: Table) -> str:
    return table.flush_order


class _MemoryRepository(Repository[T]):
    def __init__(self, uow: MemoryUnitOfWork, table: Table) -> None:
        self._uow = uow
        self._table = table

    def get(self, ident: str) -> T | None:
        return cast(T | None, self._uow._get(self._table, ident))

    def add(self, entity: T) -> None:
        self._uow._add(entity)

    def delete(self, entity: T) -> None:
        self._uow._delete(entity)

    def find(self, **equals: Any) -> list[T]:
        rows = self._uow._select(self._table, [[equals]], self._table.attributes)
        return [self._uow._loaded(self._table, row) for row in rows]

    def count(self, **equals: Any) -> int:
        return len(self._uow._select(self._table, [[equals]], self._table.attributes))

    def page(
        self,
        *,
        where: Filter | None = None,
        any_of: Sequence[Filter] | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[T]:
        limit = max(1, min(limit, MAX_PAGE))
        filters: list[list[Filter]] = [[where or {}]]
        if any_of is not None:
            filters.append(list(any_of))
        if after:
            filters.append([{"id": Between(start=after)}])
        rows = self._uow._select(self._table, filters, self._table.columns)
        if after:
            rows = [row for row in rows if row["id"] != after]
        items = [self._uow._loaded(self._table, row) for row in rows[: limit + 1]]
        more = len(items) > limit
        items = items[:limit]
        return Page(items=items, next_cursor=cast(Any, items[-1]).id if more else None)


def _condition(table: Table, equals: Filter, names: frozenset[str]) -> Test:
    """A test of a row for one filter, with the SQL adapter's meaning of its values."""
    tests = []
    for name, value in equals.items():
        if name not in names:
            raise KeyError(f"{table.name} has no column {name!r}")
        tests.append(_test(table, name, value))
    return lambda row: all(test(row) for test in tests)


def _test(table: Table, name: str, value: Any) -> Test:
    # SQL's three-valued logic: a NULL matches no comparison, and no list; ``None`` alone
    # means IS NULL, which a JSON column never is (it stores None as JSON null).
    def get(row: Row) -> Any:
        return table.value(row, name)

    if isinstance(value, list | tuple | set | frozenset):
        wanted = [table.stored(name, v) for v in value if v is not None]
        return lambda row: (v := get(row)) is not None and any(v == w for w in wanted)
    if isinstance(value, Between):
        start, end = table.stored(name, value.start), table.stored(name, value.end)
        if start is None and end is None:
            return lambda row: True  # no bound, no comparison: NULLs too
        return lambda row: (
            (v := get(row)) is not None
            and ((start is None or v >= start) and (end is None or v < end))
        )
    if value is None:
        if name in table.json:
            return lambda row: False
        return lambda row: get(row) is None
    wanted = table.stored(name, value)
    return lambda row: (v := get(row)) is not None and v == wanted
