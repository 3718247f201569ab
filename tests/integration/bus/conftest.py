"""The fixture the engine-worker tests share: the deployment on the session's nats-server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.bus.deployment import Deployment, deployed
from tests.jetstream import NatsServer


@pytest.fixture
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, nats_server: NatsServer
) -> Iterator[Deployment]:
    with deployed(request, tmp_path, nats_server) as found:
        yield found
