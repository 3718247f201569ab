"""The memory store restates the SQL tables' constraints (it may not import the adapter):
these tests fail when the two drift apart."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, Table, UniqueConstraint

from buurt.adapters.store.mapping import TABLE_OF
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.testing._schema import TABLES

KINDS = pytest.mark.parametrize("kind", list(TABLE_OF), ids=lambda kind: kind.__name__)


def test_the_memory_store_keeps_the_kinds_the_sql_store_keeps() -> None:
    assert set(TABLES) == set(TABLE_OF)


@KINDS
def test_columns_are_the_tables(kind: type) -> None:
    assert TABLES[kind].columns == {column.name for column in TABLE_OF[kind].c}


@KINDS
def test_unique_keys_are_the_tables(kind: type) -> None:
    table = TABLE_OF[kind]
    keys = {tuple(c.name for c in table.primary_key.columns)}
    keys |= {
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }
    keys |= {tuple(c.name for c in index.columns) for index in table.indexes if index.unique}
    keys |= {(column.name,) for column in table.c if column.unique}
    assert set(TABLES[kind].unique) == keys


@KINDS
def test_references_are_the_tables_foreign_keys(kind: type) -> None:
    tables_of = {TABLE_OF[k].name: k for k in TABLE_OF}
    expected = {
        (key.parent.name, tables_of[key.column.table.name], key.ondelete == "CASCADE")
        for key in TABLE_OF[kind].foreign_keys
    }
    assert {(r.field, r.parent, r.cascade) for r in TABLES[kind].references} == expected
    assert all(key.ondelete in (None, "CASCADE") for key in TABLE_OF[kind].foreign_keys)


@KINDS
def test_empty_values_and_defaults_are_the_tables(kind: type) -> None:
    table: Table = TABLE_OF[kind]
    memory = TABLES[kind]
    assert memory.nullable == {c.name for c in table.c if c.nullable}
    defaults = {c.name: getattr(c.default, "arg", None) for c in table.c if c.default}
    assert memory.defaults == defaults


@KINDS
def test_values_are_stored_as_the_column_types_store_them(kind: type) -> None:
    memory = TABLES[kind]
    for column in TABLE_OF[kind].c:
        if column.name in ("lat", "lon"):
            continue
        storer, column_type = memory.storers[column.name], column.type
        is_json = isinstance(column_type, JSON) or isinstance(getattr(column_type, "impl", 0), JSON)
        assert (column.name in memory.json) == is_json, column.name
        is_datetime = getattr(storer, "__name__", "") == "_stored_datetime"
        assert isinstance(column_type, UTCDateTime) == is_datetime, column.name
        is_enum = isinstance(storer, type)
        assert isinstance(column_type, StrEnumType) == is_enum, column.name
        if is_enum:
            assert storer is getattr(column_type, "enum", None), column.name
