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


def pytest_runtest_setup(item: pytest.Item) -> None:
    asked = sorted(NOT_HERE.intersection(getattr(item, "fixturenames", ())))
    if asked:
        pytest.fail(
            f"a unit test must not use {', '.join(asked)}: move it to tests/integration",
            pytrace=False,
        )
