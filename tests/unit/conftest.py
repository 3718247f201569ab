"""Unit tests: the domain, the engine and the services on pure code and fakes, without I/O.

``scripts/test --quick`` runs this folder alone, in seconds, so nothing here may start a server
or open a database: a test that asks for one of the fixtures that do fails before it runs,
naming the fixture. Such a test belongs in tests/integration or tests/e2e.
"""

from __future__ import annotations

import pytest

# The fixtures of tests/conftest.py and tests/integration/mqtt/conftest.py that start servers
# or make databases, and those built on them.
NOT_HERE = {
    "postgres_server",
    "postgres_database",
    "sqlite_templates",
    "database_url",
    "empty_database_url",
    "instance",
    "mosquitto",
}


def _from_outside(item: pytest.Item, name: str) -> bool:
    """Does ``name`` resolve to a fixture defined outside tests/unit? (tests/unit/services
    has an ``instance`` of its own, on the memory store.)"""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get(name, ()) if info is not None else ()
    return not definitions or not definitions[-1].baseid.startswith("tests/unit")


def pytest_runtest_setup(item: pytest.Item) -> None:
    names = NOT_HERE.intersection(getattr(item, "fixturenames", ()))
    asked = sorted(name for name in names if _from_outside(item, name))
    if asked:
        pytest.fail(
            f"a unit test must not use {', '.join(asked)}: move it to tests/integration",
            pytrace=False,
        )
