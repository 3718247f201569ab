"""The memory store's rows: the committed ones, and a transaction's view of them.

``Committed`` holds every committed row with indexes of its unique keys and references.
``View`` lays one transaction's changes over it and applies each statement (insert, update,
delete) as the databases do, one at a time: a statement that breaks a unique key, a
reference or a NOT NULL raises ``Conflict`` and changes nothing. Both are only used under the
store's lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from buurt.domain.errors import Conflict
from buurt.testing._schema import REFERRERS, TABLES, Exclusion, Row, Table

UNIQUE = "a record with the same unique value already exists"
REFERENCE = "the record refers to, or is referred to by, another record"
NOT_NULL = "the change conflicts with stored data"
OVERLAP = "the booking overlaps another booking of the thing"

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Insert:
    table: Table
    row: Row


@dataclass(frozen=True)
class Update:
    """Sets only the changed fields, as an SQL ``UPDATE`` does: a change another unit of work
    committed meanwhile to other fields of the row is kept."""

    table: Table
    ident: str
    changes: Row


@dataclass(frozen=True)
class Shift:
    """Adds to fields of the row as it is when applied, as ``SET held = held + 1`` does: at
    commit it is applied again to the rows committed meanwhile, so no concurrent change is
    lost."""

    table: Table
    ident: str
    by: dict[str, int]


@dataclass(frozen=True)
class Delete:
    table: Table
    ident: str


Statement = Insert | Update | Shift | Delete


def _key(row: Row, columns: tuple[str, ...]) -> Key | None:
    """A row's value of a unique key; ``None`` when part of it is NULL (NULLs never clash)."""
    key = tuple(row[c] for c in columns)
    return None if any(v is None for v in key) else key


class _Indexed:
    """Rows of every kind with their unique keys and references, indexed (possibly stale:
    every hit is checked against the row itself)."""

    def __init__(self) -> None:
        self.rows: dict[type, dict[str, Row | None]] = {kind: {} for kind in TABLES}
        self.keys: dict[tuple[type, tuple[str, ...]], dict[Key, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self.refs: dict[tuple[type, str], dict[str, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )

    def index(self, table: Table, row: Row) -> None:
        for columns in table.unique:
            key = _key(row, columns)
            if key is not None:
                self.keys[table.kind, columns][key].add(row["id"])
        for reference in table.references:
            parent = row[reference.field]
            if parent is not None:
                self.refs[table.kind, reference.field][parent].add(row["id"])


class Committed(_Indexed):
    """Every committed row (``None`` never stands for one here)."""

    def merge(self, view: View) -> None:
        """Make a view's changes the committed state (they were checked against it)."""
        for kind, changed in view.rows.items():
            table = TABLES[kind]
            for ident, row in changed.items():
                old = self.rows[kind].pop(ident, None)
                if old is not None:
                    self._unindex(table, old)
                if row is not None:
                    self.rows[kind][ident] = row
                    self.index(table, row)

    def _unindex(self, table: Table, row: Row) -> None:
        for columns in table.unique:
            key = _key(row, columns)
            if key is not None:
                ids = self.keys[table.kind, columns][key]
                ids.discard(row["id"])
                if not ids:
                    del self.keys[table.kind, columns][key]
        for reference in table.references:
            parent = row[reference.field]
            if parent is not None:
                ids = self.refs[table.kind, reference.field][parent]
                ids.discard(row["id"])
                if not ids:
                    del self.refs[table.kind, reference.field][parent]


class View(_Indexed):
    """One transaction's rows: its own changes (``None`` for a deleted row) over the
    committed ones, which it sees as they are now (read committed)."""

    def __init__(self, committed: Committed) -> None:
        super().__init__()
        self.committed = committed

    def get(self, table: Table, ident: str) -> Row | None:
        mine = self.rows[table.kind]
        if ident in mine:
            return mine[ident]
        return self.committed.rows[table.kind].get(ident)

    def scan(self, table: Table) -> Iterator[Row]:
        mine = self.rows[table.kind]
        for ident, row in self.committed.rows[table.kind].items():
            if ident not in mine and row is not None:
                yield row
        for row in mine.values():
            if row is not None:
                yield row

    def apply(self, statement: Statement) -> None:
        if isinstance(statement, Insert):
            self._put(statement.table, statement.row, old=None)
        elif isinstance(statement, Update):
            old = self.get(statement.table, statement.ident)
            if old is None:
                # The SQL adapter's ORM fails here too (an UPDATE that matched no row).
                raise Conflict("the record to change no longer exists")
            self._put(statement.table, {**old, **statement.changes}, old=old)
        elif isinstance(statement, Shift):
            old = self.get(statement.table, statement.ident)
            if old is None:
                raise Conflict("the record to change no longer exists")
            new = {name: old[name] + amount for name, amount in statement.by.items()}
            self._put(statement.table, {**old, **new}, old=old)
        else:
            self._delete(statement.table, statement.ident)

    def _put(self, table: Table, row: Row, old: Row | None) -> None:
        for name in table.fields:
            if row[name] is None and name not in table.nullable and name not in table.json:
                raise Conflict(NOT_NULL)
        for name, holds in table.checks.items():
            if not holds(row):
                raise Conflict(f"the change breaks the store's rule {name}")
        for columns in table.unique:
            key = _key(row, columns)
            if key is None or (old is not None and key == _key(old, columns)):
                continue
            if any(i != row["id"] or old is None for i in self._holders(table, columns, key)):
                raise Conflict(UNIQUE)
        for exclusion in table.exclusions:
            if self._overlaps(table, exclusion, row):
                raise Conflict(OVERLAP)
        for reference in table.references:
            parent = row[reference.field]
            if parent is not None and self.get(TABLES[reference.parent], parent) is None:
                raise Conflict(REFERENCE)
        self.rows[table.kind][row["id"]] = row
        self.index(table, row)

    def _overlaps(self, table: Table, exclusion: Exclusion, row: Row) -> bool:
        field, value = exclusion.where
        if row[field] != value:
            return False
        return any(
            other["id"] != row["id"]
            and other[field] == value
            and other[exclusion.same] == row[exclusion.same]
            and other[exclusion.start] < row[exclusion.end]
            and row[exclusion.start] < other[exclusion.end]
            for other in self.scan(table)
        )

    def _holders(self, table: Table, columns: tuple[str, ...], key: Key) -> set[str]:
        """The ids of visible rows whose key ``columns`` is ``key``."""
        ids = self.committed.keys[table.kind, columns].get(key, set())
        candidates = ids | self.keys[table.kind, columns].get(key, set())
        return {
            i
            for i in candidates
            if (row := self.get(table, i)) is not None and _key(row, columns) == key
        }

    def _delete(self, table: Table, ident: str) -> None:
        if self.get(table, ident) is None:
            return  # already gone: the databases delete nothing, and say nothing
        for child, reference in REFERRERS[table.kind]:
            referring = self._referring(child, reference.field, ident)
            if referring and not reference.cascade:
                raise Conflict(REFERENCE)
            for child_id in sorted(referring):
                self._delete(child, child_id)
        self.rows[table.kind][ident] = None

    def _referring(self, table: Table, field: str, parent: str) -> set[str]:
        ids = self.committed.refs[table.kind, field].get(parent, set())
        candidates = ids | self.refs[table.kind, field].get(parent, set())
        return {
            i
            for i in candidates
            if (row := self.get(table, i)) is not None and row[field] == parent
        }
