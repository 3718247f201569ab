"""Fixtures every test may use.

Databases: ``database_url`` is parametrized over SQLite and PostgreSQL (ids ``sqlite`` and
``postgresql``) and gives a database at the newest schema with no rows in it; treat its schema
as read-only. ``store`` is a unit-of-work factory on an empty store, parametrized over the
in-memory fake of ``buurt.testing`` and the SQL adapter on both (ids ``memory``, ``sqlite``,
``postgresql``). ``empty_database_url`` gives one without any tables, for migration tests. SQLite
files are copies of templates made once per session; on PostgreSQL, ``database_url`` is one
database per session whose rows are deleted after each test (milliseconds, where a new database
costs a tenth of a second or more), and ``empty_database_url`` a new copy of a template.

The application: ``instance`` (a wired ``Buurt`` on ``database_url`` and ``clock``),
``services`` and ``client`` (a ``TestClient`` on the HTTP API, without the background
workers). ``clock`` is the system's, but a test that depends on the hour or the date is marked
``pytest.mark.frozen_clock``: its clock stands still at a fixed instant until the test moves it,
so the test passes at any hour.

In parallel (pytest-xdist, as ``scripts/test`` runs the suite) every worker is a process of its
own with its own session: its own PostgreSQL server and templates, SQLite templates under its
own ``tmp_path_factory``, its own Mosquitto and NATS server (``nats_server``), and servers on
ports from its own share (``tests.servers.free_port``). Nothing here is shared between workers.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buurt.adapters.store import create_database_engine, sql_unit_of_work_factory, upgrade
from buurt.adapters.store.tables import metadata
from buurt.bootstrap import Buurt, build
from buurt.ports import Clock, SystemClock, UnitOfWorkFactory
from buurt.services.context import Services
from buurt.testing import MemoryStore
from buurt.web.app import create_app
from tests.actors import World, make_world
from tests.instances import settings_for
from tests.jetstream import NATS_HINT, NatsServer, nats_binary, running_nats
from tests.servers import (
    MISSING_SERVER_HINT,
    PostgresServer,
    postgres_missing,
    running_postgres,
)
from tests.timeline import MovingClock

# The demo's neighbourhood keeps still in tests (a test that wants it alive ticks it itself):
# a server a test starts must not publish on its own.
os.environ.setdefault("BUURT_DEMO_LIFE_SECONDS", "0")


@pytest.fixture(autouse=True)
def no_failing_handler(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A failing event handler is only logged (its publisher must get its answer), so a test
    would pass over it: fail the test instead. A test that expects one clears ``caplog``."""
    yield
    failed = [
        record
        for record in caplog.get_records("call")
        if record.name == "buurt.bus" and record.levelno >= logging.ERROR
    ]
    if failed:
        pytest.fail(f"an event handler failed: {failed[0].getMessage()}", pytrace=False)


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
STORES = [pytest.param("memory", id="memory"), *BACKENDS]
PG_EMPTY_TEMPLATE = "buurt_template_empty"
PG_MIGRATED_TEMPLATE = "buurt_template_migrated"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first; the others keep their order (the sort is stable).

    In parallel the longest tests then start at once and the short ones fill the workers in
    around them, rather than one long test starting near the end and the run waiting for it.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """PostgreSQL 15 with two template databases: PostGIS only, and PostGIS plus our schema.

    Never skipped: a suite that silently leaves out PostgreSQL would pass on a machine where
    half the store is untested.
    """
    missing = postgres_missing()
    if missing:
        pytest.fail(f"PostgreSQL cannot start: {missing}; {MISSING_SERVER_HINT}", pytrace=False)
    with running_postgres() as server:
        server.create_database(name=PG_EMPTY_TEMPLATE)
        with server.connect(PG_EMPTY_TEMPLATE) as connection:
            connection.execute("CREATE EXTENSION postgis")
        server.create_database(PG_EMPTY_TEMPLATE, name=PG_MIGRATED_TEMPLATE)
        engine = create_database_engine(server.url(PG_MIGRATED_TEMPLATE))
        try:
            upgrade(engine)
        finally:
            # A template must have no open connections while it is being copied.
            engine.dispose()
        yield server


@pytest.fixture(scope="session")
def nats_server() -> Iterator[NatsServer]:
    """A ``nats-server -js`` on loopback for the session (per xdist worker); each test that
    uses it names its own stream, so tests share the server but never a stream."""
    if nats_binary() is None:
        pytest.skip(f"nats-server is missing: {NATS_HINT}")
    with running_nats() as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An empty and a migrated SQLite file to copy from."""
    root = tmp_path_factory.mktemp("sqlite-templates")
    empty, migrated = root / "empty.db", root / "migrated.db"
    empty.touch()
    engine = create_database_engine(f"sqlite:///{migrated}")
    try:
        upgrade(engine)
        with engine.connect() as connection:
            # Fold the WAL into the main file so that copying the one file copies everything.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return {"empty": empty, "migrated": migrated}


@pytest.fixture(scope="session")
def postgres_database(postgres_server: PostgresServer) -> str:
    """The session's PostgreSQL database at the newest schema (``database_url`` empties it)."""
    return postgres_server.create_database(PG_MIGRATED_TEMPLATE)


def _sqlite_copy(request: pytest.FixtureRequest, tmp_path: Path, template: str) -> str:
    path = tmp_path / "buurt.db"
    shutil.copyfile(request.getfixturevalue("sqlite_templates")[template], path)
    return f"sqlite:///{path}"


@contextmanager
def _database(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> Iterator[str]:
    if backend == "sqlite":
        yield _sqlite_copy(request, tmp_path, "migrated")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name: str = request.getfixturevalue("postgres_database")
    try:
        yield server.url(name)
    finally:
        server.empty_database(name, [table.name for table in reversed(metadata.sorted_tables)])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the newest schema without rows, on each backend."""
    with _database(request, tmp_path, request.param) as url:
        yield url


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    """An empty store: the in-memory fake, and the SQL adapter on each backend."""
    if request.param == "memory":
        yield MemoryStore()
        return
    with _database(request, tmp_path, request.param) as url:
        engine = create_database_engine(url)
        try:
            yield sql_unit_of_work_factory(engine)
        finally:
            engine.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database without any tables (PostgreSQL has PostGIS), on each backend."""
    if request.param == "sqlite":
        yield _sqlite_copy(request, tmp_path, "empty")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database(PG_EMPTY_TEMPLATE)
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Clock:
    """The instance's clock: the system's, or under ``pytest.mark.frozen_clock(at)`` a
    ``MovingClock`` standing at ``at`` (``tests.timeline.START`` when not given), which the test
    moves with ``clock.advance(hours=1)`` or ``clock.at = ...``."""
    marker = request.node.get_closest_marker("frozen_clock")
    if marker is None:
        return SystemClock()
    return MovingClock(*marker.args, **marker.kwargs)


@pytest.fixture
def instance(request: pytest.FixtureRequest, database_url: str, clock: Clock) -> Iterator[Buurt]:
    """The instance under test; a module changes its settings with ``pytest.mark.settings``."""
    marker = request.node.get_closest_marker("settings")
    options = marker.kwargs if marker is not None else {}
    app = build(settings_for(database_url, **options), clock=clock)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def services(instance: Buurt) -> Services:
    return instance.services


@pytest.fixture
def client(instance: Buurt) -> Iterator[TestClient]:
    """The HTTP API of ``instance``, without its background workers (tests drive those)."""
    with TestClient(create_app(instance, workers=False)) as test_client:
        yield test_client


@pytest.fixture
def world(client: TestClient) -> World:
    """One circle with an admin, Ann (who owns a bakery) and Bob, made through the API."""
    return make_world(client)
