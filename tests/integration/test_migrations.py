"""The Alembic migrations build exactly the schema ``tables.py`` describes, on both databases,
and SQLite runs with the settings durability depends on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from buurt.adapters.store import create_database_engine, current_revision, upgrade
from buurt.adapters.store.migrate import MIGRATIONS
from buurt.adapters.store.tables import metadata

# Tables the PostGIS extension owns; they are not ours to describe.
EXTENSION_TABLES = {"spatial_ref_sys"}


def _ours(name: str | None, type_: str, parents: dict[str, Any]) -> bool:
    return not (type_ == "table" and name in EXTENSION_TABLES)


def _head() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_upgrading_an_empty_database_gives_the_schema_of_the_tables(
    empty_database_url: str,
) -> None:
    engine = create_database_engine(empty_database_url)
    try:
        assert current_revision(engine) is None

        upgrade(engine)

        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": _ours}
            )
            differences = compare_metadata(context, metadata)
            tables = set(inspect(connection).get_table_names()) - EXTENSION_TABLES
        assert differences == []
        assert tables == {*metadata.tables, "alembic_version"}
        assert current_revision(engine) == _head()
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(empty_database_url: str) -> None:
    engine = create_database_engine(empty_database_url)
    try:
        upgrade(engine)
        upgrade(engine)

        assert current_revision(engine) == _head()
    finally:
        engine.dispose()


def test_sqlite_runs_wal_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'buurt.db'}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys")
            }
    finally:
        engine.dispose()

    # synchronous 2 is FULL: in WAL mode, NORMAL could lose the last commits on power loss.
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


def test_every_sqlite_connection_gets_the_settings(tmp_path: Path) -> None:
    # Pragmas are per connection: a second pooled connection must have them too.
    engine = create_database_engine(f"sqlite:///{tmp_path / 'buurt.db'}")
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_admission_keeps_the_members_of_existing_circles_voting(
    empty_database_url: str,
) -> None:
    """0017 verifies every member a circle had before admission routes (``existing``) and
    gives every charter version the admission policy's defaults."""
    engine = create_database_engine(empty_database_url)
    try:
        upgrade(engine, "0015")
        at = "2026-05-01 09:00:00"
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO circles (id, name, description, boundary, timezone, created_at)"
                    " VALUES ('cir_1', 'Oost', '', :boundary, 'Europe/Amsterdam', :at)"
                ),
                {"boundary": '{"cells": ["881f1d4887fffff"]}', "at": at},
            )
            for ident in ("mem_1", "mem_2"):
                connection.execute(
                    text(
                        "INSERT INTO members (id, name, email, password_hash,"
                        " max_moments_per_hour, created_at)"
                        " VALUES (:id, 'N', :email, 'x', 10, :at)"
                    ),
                    {"id": ident, "email": f"{ident}@example.org", "at": at},
                )
                connection.execute(
                    text(
                        "INSERT INTO memberships (id, circle_id, member_id, role, joined_at)"
                        " VALUES (:id, 'cir_1', :member, 'member', :at)"
                    ),
                    {"id": f"msh_{ident}", "member": ident, "at": at},
                )
            connection.execute(
                text(
                    "INSERT INTO charter_versions (id, circle_id, version, k,"
                    " event_retention_days, intent_retention_days, aggregate_kinds, quorum,"
                    " majority, voting_days, dp_budget, created_at) VALUES ('chv_1', 'cir_1',"
                    " 1, 10, 365, 90, '[]', 0.3, 0.5, 7, 10.0, :at)"
                ),
                {"at": at},
            )

        upgrade(engine)

        with engine.connect() as connection:
            verified = connection.execute(
                text("SELECT member_id, verified_by FROM verifications ORDER BY member_id")
            ).all()
            policy = connection.execute(
                text("SELECT vouches_needed, code_valid_days FROM charter_versions")
            ).one()
        assert [tuple(row) for row in verified] == [("mem_1", "existing"), ("mem_2", "existing")]
        assert tuple(policy) == (3, 30)
    finally:
        engine.dispose()
