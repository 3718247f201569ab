"""Shared fixtures (provisional: SQLite only)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buurt.bootstrap import Buurt, build
from buurt.config import Settings
from buurt.services.context import Services
from buurt.web.app import create_app
from tests.actors import World, make_world


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/buurt.db"


@pytest.fixture
def instance(database_url: str) -> Iterator[Buurt]:
    built = build(Settings(database_url=database_url, password_profile="CHEAPEST"))
    yield built
    built.close()


@pytest.fixture
def services(instance: Buurt) -> Services:
    return instance.services


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client


@pytest.fixture
def world(client: TestClient) -> World:
    """One circle with an admin, Ann (who owns a bakery) and Bob, made through the API."""
    return make_world(client)
